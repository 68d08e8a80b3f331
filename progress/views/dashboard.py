"""The progress dashboard (/progress/) and the national targets (/progress/targets/).

Who may read them (404 to anyone else, never a hint):
- dashboard: agency staff, officials and admins, any scope; a partner member the same page
  limited to the plants their firm mentors (the partner filter can only name their own firm);
- targets: agency staff, officials and admins read them; only agency staff (and admins)
  change them (others 403), through `services.target_update`, which keeps the history.

Every figure comes from `progress.selectors.progress_summary` and is shown as
`progress.presentation` lays it out (the PDF report renders the same presentation); this
module only reads the filters and adds the page's sort links, CSV exports and the link to
the same view as a PDF.
"""

from __future__ import annotations

from types import SimpleNamespace

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from hub import roles
from hub.formats import person_name
from hub.forms import add_service_errors
from hub.replica import reads_from_replica
from programs.exports import csv_response
from progress import cache as progress_cache
from progress import services
from progress.choices import TargetCode
from progress.figures import Summary
from progress.forms import ProgressFilterForm
from progress.models import Target, TargetChange
from progress.presentation import Presentation, present
from progress.presentation.tables import (
    BREAKDOWNS,
    breakdown_key_labels,
    breakdowns,
    target_value,
)
from progress.selectors import progress_access


def summary_for(user, params) -> tuple[ProgressFilterForm, Summary]:
    """The filter form bound to `params` and the figures they give (Http404 if the user may
    not see progress at all)."""
    access = progress_access(user)
    form = ProgressFilterForm(params or None, user=user, access=access)
    summary = progress_cache.summary(
        as_of=form.effective_as_of(),
        scope=form.effective_scope(),
        base=access.base,
        base_key=access.base_key,
    )
    return form, summary


# --- breakdown tables ------------------------------------------------------------------------

SORT_COLUMNS = ("name", "supported", "level3", "share", "connected")


def parse_sorts(values: list[str]) -> dict[str, tuple[str, bool]]:
    """?sort=region:-supported&sort=partner:name → {"region": ("supported", True), …};
    unknown tables or columns are ignored."""
    sorts = {}
    for value in values:
        table, _sep, column = value.partition(":")
        descending = column.startswith("-")
        column = column.lstrip("-")
        if table in BREAKDOWNS and column in SORT_COLUMNS:
            sorts[table] = (column, descending)
    return sorts


def sorted_rows(rows: list, sort: tuple[str, bool] | None) -> list:
    if sort is None:
        return rows
    column, descending = sort

    def key(row):
        value = row.data[column]
        # None (no share) sorts last whichever the direction
        return (
            (value is None) != descending,
            value if value is not None else 0,
            str(row.data["key"]),
        )

    return sorted(rows, key=key, reverse=descending)


def breakdown_tables(shown: Presentation, sorts: dict, query) -> list[dict]:
    """The presented breakdown tables with the page's sort links and CSV export query."""
    tables = []
    for table in shown.breakdowns:
        sort = sorts.get(table.code)
        headers = []
        for column, label in zip(SORT_COLUMNS, table.headers, strict=True):
            active = sort is not None and sort[0] == column
            descending = active and sort[1]
            # first click: names ascending, figures descending; then toggle
            next_desc = (not descending) if active else column != "name"
            q = query.copy()
            q.pop("export", None)
            others = [v for v in q.getlist("sort") if not v.startswith(f"{table.code}:")]
            q.setlist("sort", [*others, f"{table.code}:{'-' if next_desc else ''}{column}"])
            headers.append(
                {
                    "label": label.text,
                    "numeric": label.numeric,
                    "direction": ("descending" if descending else "ascending") if active else "",
                    "href": f"?{q.urlencode()}#progress-{table.code}",
                }
            )
        export = query.copy()
        export["export"] = table.code
        tables.append(
            {
                "code": table.code,
                "title": table.title,
                "headers": headers,
                "rows": sorted_rows(table.rows, sort),
                "empty": table.empty,
                "export_query": export.urlencode(),
            }
        )
    return tables


# --- views -----------------------------------------------------------------------------------


@reads_from_replica
class ProgressDashboardView(LoginRequiredMixin, TemplateView):
    template_name = "progress/dashboard.html"

    def get(self, request, *args, **kwargs):
        self.form, self.summary = summary_for(request.user, request.GET)
        self.sorts = parse_sorts(request.GET.getlist("sort"))
        export = request.GET.get("export")
        if export in BREAKDOWNS:
            return self.csv(export)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        shown = present(self.summary)
        can_request = services.can_request_reports(self.request.user)
        ctx.update(
            summary=self.summary,
            shown=shown,
            filterset=SimpleNamespace(form=self.form),
            scope_description=self.form.scope_description(),
            charts=shown.charts,
            tables=breakdown_tables(shown, self.sorts, self.request.GET),
            can_see_targets=roles.sees_everything(self.request.user),
            pdf=self.form.report_request() if can_request else None,
        )
        return ctx

    def csv(self, table: str):
        data = next(t for t in breakdowns(self.summary) if t.code == table)
        header = [
            _("Code"),
            breakdown_key_labels()[table],
            _("Supported plants"),
            _("Level 3+"),
            _("Level 3+ share (%)"),
            _("Connected"),
        ]
        # A data export: raw numbers, and organisations under their registered names so the
        # file joins with the registry's exports.
        body = [
            [
                r["key"],
                r["registered_name"],
                r["supported"],
                r["level3"],
                r["share"],
                r["connected"],
            ]
            for r in (row.data for row in sorted_rows(data.rows, self.sorts.get(table)))
        ]
        filename = f"progress-{table}-{self.summary.as_of.isoformat()}.csv"
        return csv_response(filename, header, body)


class TargetAccessMixin(LoginRequiredMixin):
    """Agency staff, officials and admins read the targets; others get 404."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not roles.sees_everything(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


# The notes of the targets the migrations set (stored as written then): shown in the
# reader's language. Notes people write are shown as they wrote them.
SEEDED_NOTES = {
    "2018 national strategy (seed)": gettext_lazy("2018 national strategy (initial value)"),
    "Data hub: the 7,500 plants of the 25 % Level 3+ target connected (seed)": gettext_lazy(
        "Data hub: the 7,500 plants of the 25 % Level 3+ target connected (initial value)"
    ),
}


class TargetListView(TargetAccessMixin, TemplateView):
    template_name = "progress/targets.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        targets = list(Target.objects.order_by("code"))
        changes = TargetChange.objects.select_related("changed_by").order_by("-changed_at", "-pk")
        codes = {t.pk: t.code for t in targets}
        by_target: dict = {}
        for change in changes:
            change.value_text = target_value(codes.get(change.target_id, ""), change.value)
            change.changed_by_name = person_name(change.changed_by)
            change.note_text = str(SEEDED_NOTES.get(change.note, change.note))
            by_target.setdefault(change.target_id, []).append(change)
        ctx.update(
            targets=[
                {
                    "target": t,
                    "value": target_value(t.code, t.value),
                    "changes": by_target.get(t.pk, []),
                }
                for t in targets
            ],
            can_edit=roles.is_agency_staff_or_admin(self.request.user),
        )
        return ctx


class TargetForm(forms.Form):
    value = forms.DecimalField(
        label=gettext_lazy("Value"), min_value=0, max_digits=12, decimal_places=2
    )
    due_year = forms.IntegerField(label=gettext_lazy("Due year"), min_value=2000, max_value=2100)
    note = forms.CharField(
        label=gettext_lazy("Reason for the change"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TargetUpdateView(TargetAccessMixin, View):
    """Agency staff change a target's value or due year (with a note); anyone else who can
    read the targets gets 403."""

    template_name = "progress/target_form.html"

    def setup_target(self, request, pk):
        if not roles.is_agency_staff_or_admin(request.user):
            raise PermissionDenied(_("Only agency staff may change the national targets."))
        return get_object_or_404(Target, pk=pk)

    def render(self, request, target, form):
        return render(
            request,
            self.template_name,
            {
                "title": _("Change the target: %(target)s") % {"target": target.get_code_display()},
                "target": target,
                "form": form,
                "back_url": reverse("progress:target_list"),
                "back_label": _("Targets"),
                "is_share": target.code == TargetCode.LEVEL3_SHARE,
            },
        )

    def get(self, request, pk):
        target = self.setup_target(request, pk)
        form = TargetForm(initial={"value": target.value, "due_year": target.due_year})
        return self.render(request, target, form)

    def post(self, request, pk):
        target = self.setup_target(request, pk)
        form = TargetForm(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    services.target_update(
                        target=target,
                        user=request.user,
                        value=form.cleaned_data["value"],
                        due_year=form.cleaned_data["due_year"],
                        note=form.cleaned_data["note"],
                    )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The target was saved; its history keeps the change."))
                return redirect("progress:target_list")
        return self.render(request, target, form)
