"""The progress dashboard (/progress/) and the national targets (/progress/targets/).

Who may read them (404 to anyone else, never a hint):
- dashboard: agency staff, officials and admins, any scope; a partner member the same page
  limited to the plants their firm mentors (the partner filter can only name their own firm);
- targets: agency staff, officials and admins read them; only agency staff (and admins)
  change them (others 403), through `services.target_update`, which keeps the history.

Every figure comes from `programs.progress.progress_summary`; this module only reads the
filters, resolves ids to names (one query per table) and lays the figures out.
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

from hub import charts, roles
from hub.choices import Industry, Region, SizeClass
from hub.forms import add_service_errors
from hub.models import Organization
from programs.choices import Indicator
from programs.exports import csv_response
from programs.models import Program
from progress import cache as progress_cache
from progress import figures, services
from progress.choices import TargetCode
from progress.figures import LEVELS, Summary
from progress.forms import ProgressFilterForm
from progress.models import Target, TargetChange
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

TABLES = ("region", "industry", "size", "program", "partner", "agency")
SORT_COLUMNS = ("name", "supported", "level3", "share")


def table_titles() -> dict:
    return {
        "region": _("By region"),
        "industry": _("By industry"),
        "size": _("By company size"),
        "program": _("By program"),
        "partner": _("By partner firm"),
        "agency": _("By operating agency"),
    }


def table_key_labels() -> dict:
    return {
        "region": _("Region"),
        "industry": _("Industry"),
        "size": _("Company size"),
        "program": _("Program"),
        "partner": _("Partner firm"),
        "agency": _("Operating agency"),
    }


def _choice_label(choices):
    def label(key):
        try:
            return str(choices(key).label)
        except ValueError:
            return str(key) if key not in (None, "") else _("unknown")

    return label


def resolve_names(breakdowns: dict) -> dict[str, dict]:
    """{table: {key: display name}}: choice labels without a query; programs, partner firms
    and agencies with one query per table."""
    names: dict[str, dict] = {}
    for table, choices in (("region", Region), ("industry", Industry), ("size", SizeClass)):
        label = _choice_label(choices)
        names[table] = {r["key"]: label(r["key"]) for r in breakdowns.get(table, [])}
    ids = {t: [r["key"] for r in breakdowns.get(t, [])] for t in ("program", "partner", "agency")}
    names["program"] = (
        {
            p.pk: p.name
            for p in Program.objects.filter(pk__in=ids["program"]).only("pk", "name_ko", "name_en")
        }
        if ids["program"]
        else {}
    )
    for table in ("partner", "agency"):
        names[table] = (
            dict(Organization.objects.filter(pk__in=ids[table]).values_list("pk", "name"))
            if ids[table]
            else {}
        )
    return names


def parse_sorts(values: list[str]) -> dict[str, tuple[str, bool]]:
    """?sort=region:-supported&sort=partner:name → {"region": ("supported", True), …};
    unknown tables or columns are ignored."""
    sorts = {}
    for value in values:
        table, _sep, column = value.partition(":")
        descending = column.startswith("-")
        column = column.lstrip("-")
        if table in TABLES and column in SORT_COLUMNS:
            sorts[table] = (column, descending)
    return sorts


def sorted_rows(rows: list[dict], sort: tuple[str, bool] | None) -> list[dict]:
    if sort is None:
        return rows
    column, descending = sort

    def key(row):
        value = row[column]
        # None (no share) sorts last whichever the direction
        return (value is None) != descending, value if value is not None else 0, str(row["key"])

    return sorted(rows, key=key, reverse=descending)


def breakdown_tables(summary, sorts: dict, query) -> list[dict]:
    names = resolve_names(summary.breakdowns)
    titles, key_labels = table_titles(), table_key_labels()
    column_labels = {
        "supported": _("Supported plants"),
        "level3": _("Level 3+"),
        "share": _("Level 3+ share"),
    }
    tables = []
    for table in TABLES:
        rows = [
            {**r, "name": names[table].get(r["key"], str(r["key"]))}
            for r in summary.breakdowns.get(table, [])
        ]
        sort = sorts.get(table)
        headers = []
        for column in SORT_COLUMNS:
            label = key_labels[table] if column == "name" else column_labels[column]
            active = sort is not None and sort[0] == column
            descending = active and sort[1]
            # first click: names ascending, figures descending; then toggle
            next_desc = (not descending) if active else column != "name"
            q = query.copy()
            q.pop("export", None)
            others = [v for v in q.getlist("sort") if not v.startswith(f"{table}:")]
            q.setlist("sort", [*others, f"{table}:{'-' if next_desc else ''}{column}"])
            headers.append(
                {
                    "label": label,
                    "numeric": column != "name",
                    "direction": ("descending" if descending else "ascending") if active else "",
                    "href": f"?{q.urlencode()}#progress-{table}",
                }
            )
        export = query.copy()
        export["export"] = table
        tables.append(
            {
                "code": table,
                "title": titles[table],
                "headers": headers,
                "rows": sorted_rows(rows, sort),
                "export_query": export.urlencode(),
            }
        )
    return tables


# --- charts ----------------------------------------------------------------------------------


def _int(value) -> str:
    return f"{float(value):,.0f}"


def _pct(value) -> str:
    return "—" if value is None else f"{float(value):.1f} %"


def dashboard_charts(summary, targets: dict) -> dict:
    supported_target = targets["supported_plants"]
    share_target = targets["level3_share"]
    yearly = summary.yearly
    level_labels = [(f"level_{n}", _("Level %(n)s") % {"n": n}) for n in LEVELS]
    level_labels += [("expired", _("Expired")), ("never", _("Never assessed"))]
    dist_max = max([summary.distribution.get(k) or 0 for k, _l in level_labels] or [0]) or 1
    return {
        "supported_meter": charts.progress_meter(
            summary.supported,
            supported_target.value,
            title=_("Supported plants against the target"),
            value_label=_("%(n)s supported plants") % {"n": _int(summary.supported)},
            target_label=_("Target %(n)s by %(year)s")
            % {
                "n": _int(supported_target.value),
                "year": supported_target.due_year,
            },
            chart_id="meter-supported",
        ),
        "share_meter": charts.progress_meter(
            summary.level3_share or 0,
            share_target.value,
            title=_("Level 3+ share against the target"),
            value_label=_("%(share)s at Level 3 or higher") % {"share": _pct(summary.level3_share)},
            target_label=_("Target %(share)s by %(year)s")
            % {"share": _pct(share_target.value), "year": share_target.due_year},
            chart_id="meter-share",
        ),
        "yearly": charts.column_chart(
            [
                charts.Column(
                    str(r["year"]),
                    r["supported"],
                    _int(r["supported"]),
                )
                for r in yearly
            ],
            title=_("Cumulative supported plants per year"),
            desc=_("Bars: supported plants at the end of each year; dashed line: the target."),
            target=(
                supported_target.value,
                _("Target %(n)s") % {"n": _int(supported_target.value)},
            ),
            chart_id="chart-yearly",
        ),
        "share": charts.line_chart(
            [charts.Column(str(r["year"]), r["share"], _pct(r["share"])) for r in yearly],
            title=_("Level 3+ share per year"),
            desc=_("Share of supported plants at Level 3 or higher at the end of each year."),
            y_max=max(share_target.value, 30),
            target=(
                share_target.value,
                _("Target %(share)s") % {"share": _pct(share_target.value)},
            ),
            y_ticks=[(v, f"{v} %") for v in (0, 10, 20, 30)]
            if max(share_target.value, *[r["share"] or 0 for r in yearly] or [0]) <= 30
            else (),
            chart_id="chart-share",
        ),
        "distribution": charts.hbar_chart(
            [
                charts.Bar(
                    label,
                    summary.distribution.get(key) or 0,
                    str(summary.distribution.get(key) or 0),
                )
                for key, label in level_labels
            ],
            title=_("Supported plants by level"),
            desc=_(
                "Latest valid confirmed level as of the date; expired and never assessed apart."
            ),
            max_value=dist_max,
            chart_id="chart-distribution",
        ),
    }


def kpi_tables(kpis: dict) -> dict:
    """Rows per indicator with averages overall, per cohort and per level, next to the
    national published average."""
    indicators = [i for i in Indicator if i.value in kpis.get("indicators", [])] or list(Indicator)
    cohorts = sorted(kpis["by_cohort"])
    levels = sorted(kpis["by_level"], key=lambda k: (k == "none", k))
    rows = []
    for indicator in indicators:
        code = indicator.value
        rows.append(
            {
                "label": indicator.label,
                "overall": kpis["overall"].get(code),
                "national": kpis["national"].get(code),
                "cohorts": [kpis["by_cohort"][c].get(code) for c in cohorts],
                "levels": [kpis["by_level"][k].get(code) for k in levels],
            }
        )
    level_labels = [
        _("No valid level") if k == "none" else _("Level %(n)s") % {"n": k} for k in levels
    ]
    return {"rows": rows, "cohorts": cohorts, "levels": level_labels}


# --- views -----------------------------------------------------------------------------------


class ProgressDashboardView(LoginRequiredMixin, TemplateView):
    template_name = "progress/dashboard.html"

    def get(self, request, *args, **kwargs):
        self.form, self.summary = summary_for(request.user, request.GET)
        self.sorts = parse_sorts(request.GET.getlist("sort"))
        export = request.GET.get("export")
        if export in TABLES:
            return self.csv(export)
        return super().get(request, *args, **kwargs)

    def targets(self) -> dict:
        p = self.summary.projection
        return {
            "supported_plants": figures.Target(
                "supported_plants", p["supported"]["target"], int(p["supported"]["due"][:4])
            ),
            "level3_share": figures.Target(
                "level3_share", p["level3_share"]["target"], int(p["level3_share"]["due"][:4])
            ),
        }

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        s = self.summary
        ctx.update(
            summary=s,
            filterset=SimpleNamespace(form=self.form),
            scope_description=self.form.scope_description(),
            targets=self.targets(),
            charts=dashboard_charts(s, self.targets()),
            tables=breakdown_tables(s, self.sorts, self.request.GET),
            kpi=kpi_tables(s.kpis),
            projection=s.projection,
            can_see_targets=roles.sees_everything(self.request.user),
        )
        return ctx

    def csv(self, table: str):
        rows = breakdown_tables(self.summary, self.sorts, self.request.GET)
        data = next(t for t in rows if t["code"] == table)
        header = [
            _("Code"),
            table_key_labels()[table],
            _("Supported plants"),
            _("Level 3+"),
            _("Level 3+ share (%)"),
        ]
        body = [
            [r["key"], r["name"], r["supported"], r["level3"], r["share"]] for r in data["rows"]
        ]
        filename = f"progress-{table}-{self.summary.as_of.isoformat()}.csv"
        return csv_response(filename, header, body)


class TargetAccessMixin(LoginRequiredMixin):
    """Agency staff, officials and admins read the targets; others get 404."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not roles.sees_everything(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class TargetListView(TargetAccessMixin, TemplateView):
    template_name = "progress/targets.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        targets = list(Target.objects.order_by("code"))
        changes = TargetChange.objects.select_related("changed_by").order_by("-changed_at", "-pk")
        by_target: dict = {}
        for change in changes:
            by_target.setdefault(change.target_id, []).append(change)
        ctx.update(
            targets=[{"target": t, "changes": by_target.get(t.pk, [])} for t in targets],
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
