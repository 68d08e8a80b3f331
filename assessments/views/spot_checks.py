"""Spot-check pages: the list, draw, detail and decision (agency staff), and the second
consultant's blind fill page.

Blind: what a consultant is shown of a spot-check comes from the spot-check alone (plant,
framework, its own ratings); the checked assessment's ratings, score, level and consultant
never reach their pages."""

from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from assessments import selectors
from assessments.calibration import RATING_SCALE
from assessments.calibration_forms import (
    SheetItemForm,
    SpotCheckAssignForm,
    SpotCheckCancelForm,
    SpotCheckChooseForm,
    SpotCheckDecideForm,
    SpotCheckDrawForm,
    SpotCheckSubmitForm,
)
from assessments.choices import SpotCheckStatus
from assessments.models import (
    Assessment,
    Item,
    ItemRating,
    SpotCheck,
    SpotCheckRating,
    localized,
)
from assessments.services import spot_checks as services
from assessments.services.sheets import sheet_problems
from assessments.views.calibration import require_calibration_reader
from assessments.views.common import anchor
from assessments.views.fill import rating_scale
from hub import roles
from hub.formats import DASH
from hub.forms import add_service_errors
from hub.views.mixins import VisibleMixin
from hub.views.refusals import refuse


def _require_agency(user) -> None:
    if not roles.is_agency_staff_or_admin(user):
        raise PermissionDenied(_("Only agency staff may do this."))


# --- spot-checks: list, draw ------------------------------------------------------------------


class SpotCheckListView(VisibleMixin, TemplateView):
    """Agency staff: every spot-check, newest first (filter by status); a consultant: the
    spot-checks assigned to them."""

    model = SpotCheck
    template_name = "assessments/calibration/spot_check_list.html"

    def get(self, request, *args, **kwargs):
        require_calibration_reader(request.user)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        agency = roles.is_agency_staff_or_admin(self.request.user)
        checks = self.get_queryset().select_related("plant", "consultant", "draw")
        if agency:
            checks = checks.select_related("assessment__consultant")
        status = self.request.GET.get("status", "")
        if status in SpotCheckStatus.values:
            checks = checks.filter(status=status)
        draw = self.request.GET.get("draw", "")
        if draw.isdigit():
            checks = checks.filter(draw_id=int(draw))
        ctx.update(
            agency=agency,
            choose_form=kwargs.get("choose_form") or (SpotCheckChooseForm() if agency else None),
            checks=list(checks.order_by("-started_at", "-pk")[:500]),
            statuses=SpotCheckStatus.choices,
            status=status,
        )
        return ctx


class SpotCheckChooseView(LoginRequiredMixin, View):
    """Agency staff pick one confirmed assessment for a spot-check (reason "chosen")."""

    http_method_names = ["post"]

    def post(self, request):
        _require_agency(request.user)
        form = SpotCheckChooseForm(request.POST)
        back = reverse("assessments:spot_check_list")
        if form.is_valid():
            assessment = Assessment.objects.filter(pk=form.cleaned_data["assessment"]).first()
            if assessment is None:
                form.add_error("assessment", _("No such assessment."))
            else:
                try:
                    check = services.spot_check_choose(
                        assessment=assessment,
                        user=request.user,
                        due_on=form.cleaned_data.get("due_on"),
                    )
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    messages.success(request, _("Spot-check opened."))
                    return redirect(check.get_absolute_url())
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)


class SpotCheckDrawView(LoginRequiredMixin, TemplateView):
    template_name = "assessments/calibration/spot_check_draw.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            _require_agency(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("form", SpotCheckDrawForm())
        return ctx

    def post(self, request, *args, **kwargs):
        form = SpotCheckDrawForm(request.POST)
        if form.is_valid():
            try:
                draw = services.spot_check_draw(user=request.user, **form.service_kwargs())
            except ValidationError as exc:
                add_service_errors(form, exc, rename={"share": "share_percent"})
            else:
                count = draw.spot_checks.count()
                messages.success(
                    request,
                    _("%(count)s assessments drawn (seed %(seed)s).")
                    % {"count": count, "seed": draw.seed},
                )
                return redirect(reverse("assessments:spot_check_list") + f"?draw={draw.pk}")
        return self.render_to_response(self.get_context_data(form=form))


# --- one spot-check ---------------------------------------------------------------------------


def spot_sheet(spot_check: SpotCheck):
    """The spot-check's items as areas → categories → (item, its rating), framework order."""
    ratings = {r.item_id: r for r in SpotCheckRating.objects.filter(sheet=spot_check)}
    sheet = []
    for area in selectors.framework_tree(spot_check.framework):
        categories = []
        for category in area.categories.all():
            rows = [SimpleNamespace(item=i, rating=ratings.get(i.pk)) for i in category.items.all()]
            categories.append(SimpleNamespace(category=category, items=rows))
        sheet.append(SimpleNamespace(area=area, categories=categories))
    return sheet


def item_entry(item, rating, scale, *, form=None, saved=False):
    form = form or SheetItemForm.for_rating(rating)
    chosen = form["rating"].value()
    chosen = "" if chosen in (None, "") else str(chosen)
    descriptors = {int(k): localized(v) for k, v in (item.descriptors or {}).items()}
    choices = [
        SimpleNamespace(
            value=value,
            name=scale[value].name,
            descriptor=descriptors.get(value, ""),
            checked=chosen == str(value),
            id=f"{form['rating'].auto_id}_{value}",
        )
        for value in RATING_SCALE
    ]
    return SimpleNamespace(
        item=item,
        rating=rating,
        form=form,
        choices=choices,
        picked=next((c for c in choices if c.checked), None),
        anchor=anchor(item.code),
        done=rating.is_complete,
        open=saved or bool(form.errors) or not rating.is_complete,
        saved=saved,
    )


def _progress(spot_check) -> dict:
    rows = list(SpotCheckRating.objects.filter(sheet=spot_check))
    done = sum(1 for r in rows if r.is_complete)
    total = len(rows)
    return {"done": done, "total": total, "percent": round(100 * done / total) if total else 0}


def comparison_rows(spot_check: SpotCheck) -> list[SimpleNamespace]:
    """Agency staff only: the checked assessment's rating beside the spot-check's, item by
    item, largest differences first (2 queries)."""
    first = {
        r.item_id: r for r in ItemRating.objects.filter(assessment_id=spot_check.assessment_id)
    }
    rows = []
    for r in SpotCheckRating.objects.filter(sheet=spot_check).select_related("item"):
        original = first.get(r.item_id)
        a = original.value if original else None
        b = r.value
        diff = b - a if isinstance(a, int) and isinstance(b, int) else None
        rows.append(
            SimpleNamespace(
                item=r.item,
                name=r.item.name,
                original=DASH if a is None else (a if isinstance(a, int) else _("N/A")),
                second=DASH if b is None else (b if isinstance(b, int) else _("N/A")),
                difference=diff,
                difference_text=DASH if diff is None else f"{diff:+d}",
            )
        )
    rows.sort(key=lambda x: (-abs(x.difference) if x.difference is not None else 1, x.item.order))
    return rows


class SpotCheckDetailView(VisibleMixin, TemplateView):
    """Agency staff: the spot-check with the checked assessment, assignment, comparison and
    decision. The second consultant: its own ratings only (blind); a draft opens the fill
    page."""

    model = SpotCheck
    select_related = ("plant", "plant__company", "framework", "consultant", "draw")

    def get(self, request, *args, **kwargs):
        self.spot_check = self.get_object()
        self.agency = roles.is_agency_staff_or_admin(request.user)
        if not self.agency and self.spot_check.is_editable:
            return redirect("assessments:spot_check_fill", pk=self.spot_check.pk)
        return super().get(request, *args, **kwargs)

    def get_template_names(self):
        if self.agency:
            return ["assessments/calibration/spot_check_detail.html"]
        return ["assessments/calibration/spot_check_blind.html"]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        check = self.spot_check
        ctx["spot_check"] = check
        ctx["sheet_rows"] = [
            SimpleNamespace(item=r.item, rating=r)
            for r in SpotCheckRating.objects.filter(sheet=check).select_related("item")
        ]
        if self.agency:
            original = check.assessment
            ctx.update(
                original=type(original)
                .objects.select_related("consultant", "consultant__membership__organization")
                .get(pk=original.pk),
                comparison=comparison_rows(check)
                if check.status == SpotCheckStatus.SUBMITTED
                else [],
                assign_form=kwargs.get("assign_form") or self._assign_form(),
                decide_form=kwargs.get("decide_form") or SpotCheckDecideForm(),
                cancel_form=SpotCheckCancelForm(),
            )
        return ctx

    def _assign_form(self, data=None):
        original = self.spot_check.assessment
        membership = roles.membership_of(original.consultant) if original.consultant else None
        return SpotCheckAssignForm(
            data,
            exclude_organization=membership.organization_id if membership else None,
            exclude_user=original.consultant_id,
            initial={"consultant": self.spot_check.consultant_id, "due_on": self.spot_check.due_on},
        )


class _AgencyAction(VisibleMixin, View):
    model = SpotCheck
    http_method_names = ["post"]

    def post(self, request, pk):
        self.spot_check = self.get_object()
        _require_agency(request.user)
        return self.act(request)

    def back(self):
        return redirect(self.spot_check.get_absolute_url())


class SpotCheckAssignView(_AgencyAction):
    def act(self, request):
        detail = SpotCheckDetailView(request=request, kwargs={"pk": self.spot_check.pk})
        detail.spot_check, detail.agency = self.spot_check, True
        form = detail._assign_form(request.POST)
        if form.is_valid():
            try:
                services.spot_check_assign(
                    spot_check=self.spot_check,
                    consultant=form.cleaned_data["consultant"],
                    due_on=form.cleaned_data.get("due_on"),
                    user=request.user,
                )
            except ValidationError as exc:
                if not hasattr(exc, "error_dict"):
                    return refuse(request, exc, self.spot_check.get_absolute_url())
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Spot-check assigned."))
                return self.back()
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return self.back()


class SpotCheckDecideView(_AgencyAction):
    def act(self, request):
        form = SpotCheckDecideForm(request.POST or {"decision": "kept"})
        if form.is_valid():
            try:
                services.spot_check_decide(
                    spot_check=self.spot_check,
                    user=request.user,
                    decision=form.cleaned_data["decision"],
                    note=form.cleaned_data.get("note", ""),
                )
            except ValidationError as exc:
                return refuse(request, exc, self.spot_check.get_absolute_url())
            messages.success(request, _("Decision recorded."))
            return self.back()
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return self.back()


class SpotCheckCancelView(_AgencyAction):
    def act(self, request):
        form = SpotCheckCancelForm(request.POST)
        reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""
        try:
            services.spot_check_cancel(spot_check=self.spot_check, user=request.user, reason=reason)
        except ValidationError as exc:
            return refuse(request, exc, self.spot_check.get_absolute_url())
        messages.success(request, _("Spot-check cancelled."))
        return self.back()


# --- the second consultant's blind fill page --------------------------------------------------


class SpotCheckFillView(VisibleMixin, TemplateView):
    model = SpotCheck
    select_related = ("plant", "plant__company", "framework")
    template_name = "assessments/calibration/spot_check_fill.html"

    def get(self, request, *args, **kwargs):
        self.spot_check = self.get_object()
        if self.spot_check.consultant_id != request.user.pk:
            raise PermissionDenied(
                _("Only the consultant assigned to this spot-check may rate it.")
            )
        if not self.spot_check.is_editable:
            return redirect(self.spot_check.get_absolute_url())
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        check = self.spot_check
        sheet = spot_sheet(check)
        scale = rating_scale(check.framework)
        for area in sheet:
            for category in area.categories:
                category.entries = [
                    item_entry(row.item, row.rating, scale) for row in category.items if row.rating
                ]
        ctx.update(
            spot_check=check,
            sheet=sheet,
            progress=_progress(check),
            submit_form=kwargs.get("submit_form") or SpotCheckSubmitForm(),
        )
        if "check" in self.request.GET:
            ctx["problems"] = [
                {**p, "anchor": anchor(p["item"]) if p["item"] else ""}
                for p in sheet_problems(check)
            ]
        return ctx


class SpotCheckItemSaveView(VisibleMixin, View):
    """Save one item of the blind sheet: htmx gets the item back (errors inline); a plain
    POST returns to the item on the fill page."""

    model = SpotCheck
    http_method_names = ["post"]

    def post(self, request, pk, item_pk):
        spot_check = self.get_object()
        item = get_object_or_404(
            Item.objects.select_related("category__area"),
            pk=item_pk,
            category__area__framework_id=spot_check.framework_id,
        )
        rating = get_object_or_404(SpotCheckRating, sheet=spot_check, item=item)
        form = SheetItemForm.for_rating(rating, data=request.POST)
        fill_url = reverse("assessments:spot_check_fill", args=[spot_check.pk])
        fill_url += f"#{anchor(item.code)}"
        if form.is_valid():
            try:
                services.spot_check_rate(
                    spot_check=spot_check, user=request.user, entries=[form.entry(item.code)]
                )
            except ValidationError as exc:
                by_entry = getattr(exc, "by_entry", None)
                if by_entry:
                    for field, errors in by_entry.get(0, {}).items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    return refuse(request, exc, spot_check.get_absolute_url())
        rating.refresh_from_db()
        if request.htmx:
            html = render_to_string(
                "assessments/calibration/partials/spot_item_saved.html",
                {
                    "spot_check": spot_check,
                    "entry": item_entry(
                        item,
                        rating,
                        rating_scale(spot_check.framework),
                        form=form if form.errors else None,
                        saved=not form.errors,
                    ),
                    "progress": _progress(spot_check),
                },
                request=request,
            )
            return HttpResponse(html)
        if form.errors:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, f"{item.code}: {error}")
        else:
            messages.success(request, _("%(code)s saved.") % {"code": item.code})
        return redirect(fill_url)


class SpotCheckSubmitView(VisibleMixin, View):
    model = SpotCheck
    http_method_names = ["post"]

    def post(self, request, pk):
        spot_check = self.get_object()
        form = SpotCheckSubmitForm(request.POST)
        rated_on = form.cleaned_data.get("rated_on") if form.is_valid() else None
        try:
            services.spot_check_submit(spot_check=spot_check, user=request.user, rated_on=rated_on)
        except ValidationError as exc:
            url = reverse("assessments:spot_check_fill", args=[spot_check.pk]) + "?check=1#problems"
            if spot_check.consultant_id != request.user.pk or not spot_check.is_editable:
                url = spot_check.get_absolute_url()
            return refuse(request, exc, url)
        messages.success(request, _("Spot-check submitted. Thank you."))
        return redirect(spot_check.get_absolute_url())
