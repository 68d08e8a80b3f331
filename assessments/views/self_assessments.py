"""Self-diagnosis pages: the list, starting one, the fill page (items saved as they go, like
the assessment's), the self-assessed result with its roadmap, sharing with the consultant of
the plant's next assessment, the side-by-side comparison with the confirmed assessment, and
the agency's over-rating figures. Writes go through `services.self_assessments`; every lookup
starts from `SelfAssessment.objects.visible_to(user)` (invisible: 404)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView, TemplateView

from assessments import selectors, self_selectors
from assessments.choices import SelfAssessmentStatus
from assessments.forms import ItemRatingForm
from assessments.models import Item, SelfAssessment, SelfRating
from assessments.services import self_assessments as services
from assessments.services.sheets import sheet_problems
from assessments.views.common import anchor, floor_rule_text
from assessments.views.fill import item_entry, rating_scale
from hub import roles
from hub.exports import export_response
from hub.forms import add_service_errors
from hub.models import Plant
from hub.pagination import DeferredJoinPaginator
from hub.views.confirm import confirm_first
from hub.views.mixins import PAGE_SIZES, VisibleMixin, get_visible_or_404
from hub.views.refusals import refuse


class SelfRatingForm(ItemRatingForm):
    """One item of the self-diagnosis fill page: the assessment's item form with a free note
    in place of the evidence note."""

    note = forms.CharField(
        label=gettext_lazy("note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "hx-preserve": "true"}),
        help_text=gettext_lazy("What you have in place today, for your own follow-up."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["evidence_note"]

    @classmethod
    def for_rating(cls, rating, *, data=None):
        prefix = f"i{rating.item_id}"
        if data is not None:
            return cls(data, prefix=prefix)
        return cls(
            prefix=prefix,
            initial={
                "rating": rating.rating,
                "not_applicable": rating.not_applicable,
                "na_reason": rating.na_reason,
                "note": rating.note,
            },
        )


def entry_for(item, rating, scale, **kwargs):
    if kwargs.get("form") is None:
        kwargs["form"] = SelfRatingForm.for_rating(rating)
    return item_entry(item, rating, [], scale, **kwargs)


def running_context(sheet: SelfAssessment) -> dict:
    framework = sheet.framework
    running = selectors.partial_score(SelfRating.objects.filter(sheet=sheet), framework.spec())
    if running["final_level"] is not None:
        running["level_name"] = framework.level_meaning(running["final_level"])[0]
        if running.get("capping_rule"):
            running["capping_text"] = floor_rule_text(framework, running["capping_rule"])
    running["area_rows"] = [{"code": code, **area} for code, area in running["areas"].items()]
    return running


def progress_of(sheet_areas) -> dict:
    progress = {"done": 0, "total": 0}
    for area in sheet_areas:
        done = sum(1 for c in area.categories for r in c.items if r.rating and r.rating.is_complete)
        area.progress = {"done": done, "total": area.item_count}
        progress["done"] += done
        progress["total"] += area.item_count
    progress["missing"] = progress["total"] - progress["done"]
    progress["percent"] = (
        round(100 * progress["done"] / progress["total"]) if progress["total"] else 0
    )
    return progress


def completeness(sheet: SelfAssessment) -> dict:
    rows = SelfRating.objects.filter(sheet=sheet).values_list(
        "rating", "not_applicable", "na_reason", "item__category__area_id"
    )
    done = total = 0
    areas: dict[int, dict] = {}
    for rating, na, reason, area_id in rows:
        is_done = rating is not None or (na and bool(reason.strip()))
        area = areas.setdefault(area_id, {"done": 0, "total": 0})
        area["total"] += 1
        total += 1
        area["done"] += is_done
        done += is_done
    return {
        "done": done,
        "total": total,
        "missing": total - done,
        "percent": round(100 * done / total) if total else 0,
        "areas": areas,
    }


def result_context(sheet: SelfAssessment, areas) -> dict:
    """What the result include shows (the assessment's `level_result.html`)."""
    framework = sheet.framework
    name, meaning = sheet.level_meaning()
    ctx = {
        "level_name": name,
        "level_meaning": meaning,
        "band_name": framework.level_meaning(sheet.band_level)[0],
        "roadmap": selectors.roadmap_rows(sheet, limit=10),
        "target_level": min((sheet.final_level or 0) + 1, 5),
        "area_results": [(area.area, area.result) for area in areas],
    }
    if sheet.capping_rule:
        ctx["capping_text"] = floor_rule_text(framework, sheet.capping_rule)
    return ctx


class SelfAssessmentListView(VisibleMixin, ListView):
    """The self-diagnoses the user may see, newest first, a page at a time (?plant=ID: one
    plant's). SME members also see their company's plants, each with a button to start or
    continue."""

    model = SelfAssessment
    template_name = "assessments/self/list.html"
    context_object_name = "rows"
    paginate_by = PAGE_SIZES[0]
    paginator_class = DeferredJoinPaginator

    def get(self, request, *args, **kwargs):
        self.plant = None
        if plant_id := request.GET.get("plant"):
            try:
                self.plant = get_visible_or_404(Plant.objects, request.user, pk=int(plant_id))
            except ValueError as exc:
                raise Http404 from exc
        return super().get(request, *args, **kwargs)

    def get_paginate_by(self, queryset):
        size = self.request.GET.get("page_size", "")
        return int(size) if size.isdigit() and int(size) in PAGE_SIZES else self.paginate_by

    def get_queryset(self):
        rows = super().get_queryset().select_related("plant", "framework", "shared_with")
        if self.plant is not None:
            rows = rows.filter(plant=self.plant)
        return rows.order_by("-started_at", "-pk")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        params = self.request.GET.copy()
        params.pop("page", None)
        ctx.update(plant=self.plant, query_without_page=params.urlencode(), page_sizes=PAGE_SIZES)
        if roles.is_sme_member(user):
            plants = Plant.objects.visible_to(user).filter(company=roles.sme_company_of(user))
            if self.plant is not None:
                plants = plants.filter(pk=self.plant.pk)
            drafts = {
                draft.plant_id: draft
                for draft in self.get_queryset().filter(
                    status=SelfAssessmentStatus.DRAFT, plant__in=plants
                )
            }
            ctx["own_plants"] = [(p, drafts.get(p.pk)) for p in plants.order_by("name", "pk")]
        ctx["can_see_over_rating"] = roles.is_agency_staff_or_admin(user)
        return ctx


class SelfAssessmentStartView(VisibleMixin, TemplateView):
    """Start a self-diagnosis of a plant (an SME member of its company); with a draft
    already there, go on with it."""

    model = Plant
    template_name = "assessments/self/start.html"
    pk_url_kwarg = "plant_pk"

    def load(self):
        self.plant = self.get_object()
        if not services.may_write(self.request.user, self.plant):
            raise PermissionDenied(_("Only the members of the plant's company self-diagnose."))

    def get(self, request, *args, **kwargs):
        self.load()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["plant"] = self.plant
        ctx["draft"] = services.draft_of(self.plant)
        ctx["framework"] = services.framework_current()
        return ctx

    def post(self, request, plant_pk):
        self.load()
        draft = services.draft_of(self.plant)
        if draft is not None:
            messages.info(request, _("This plant's self-diagnosis in progress is opened again."))
            return redirect("assessments:self_assessment_fill", draft.pk)
        try:
            sheet = services.self_assessment_start(plant=self.plant, user=request.user)
        except ValidationError as exc:
            return refuse(request, exc, reverse("hub:plant_detail", args=[self.plant.pk]))
        messages.success(request, _("Self-diagnosis started: every change is saved at once."))
        return redirect("assessments:self_assessment_fill", sheet.pk)


class _SheetMixin(VisibleMixin):
    model = SelfAssessment
    select_related = ("plant", "plant__company", "framework", "created_by", "shared_with")


class SelfAssessmentDetailView(_SheetMixin, TemplateView):
    """The self-assessed result: score, level with its meaning, areas, next-level roadmap,
    the ratings; sharing; the comparison once the shared assessment is confirmed."""

    template_name = "assessments/self/detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        sheet = self.get_object()
        user = self.request.user
        areas = self_selectors.self_sheet(sheet)
        ctx.update(sheet=sheet, areas=areas, can_write=services.may_write(user, sheet.plant))
        if sheet.status == SelfAssessmentStatus.FINISHED:
            ctx.update(result_context(sheet, areas))
            ctx["next_assessment"] = services.next_assessment_of(sheet.plant)
            ctx["compared"] = self_selectors.comparable_assessment(sheet)
        else:
            ctx["progress"] = progress_of(areas)
        return ctx


class SelfAssessmentFillView(_SheetMixin, TemplateView):
    template_name = "assessments/self/fill.html"

    def get(self, request, *args, **kwargs):
        self.sheet = self.get_object()
        if not self.sheet.is_editable:
            return redirect(self.sheet.get_absolute_url())
        if not services.may_write(request.user, self.sheet.plant):
            raise PermissionDenied(_("Only the members of the plant's company self-diagnose."))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        sheet = self.sheet
        scale = rating_scale(sheet.framework)
        areas = self_selectors.self_sheet(sheet)
        progress = progress_of(areas)
        for area in areas:
            for category in area.categories:
                category.entries = [entry_for(r.item, r.rating, scale) for r in category.items]
        ctx.update(
            sheet=sheet,
            areas=areas,
            progress=progress,
            running=running_context(sheet),
            today=timezone.localdate(),
        )
        if "check" in self.request.GET:
            ctx["problems"] = [
                {**p, "anchor": anchor(p["item"]) if p["item"] else ""}
                for p in sheet_problems(sheet)
            ]
        return ctx


class SelfItemSaveView(_SheetMixin, View):
    """Save one item; htmx gets the item card back (errors inline) with the completeness bar
    and running score swapped out of band; a plain POST goes back to the item."""

    http_method_names = ["post"]

    def post(self, request, pk, item_pk):
        sheet = self.get_object()
        try:
            item = Item.objects.select_related("category__area").get(
                pk=item_pk, category__area__framework_id=sheet.framework_id
            )
        except Item.DoesNotExist as exc:
            raise Http404 from exc
        if not services.may_write(request.user, sheet.plant):
            raise PermissionDenied(_("Only the members of the plant's company self-diagnose."))
        rating = SelfRating.objects.get(sheet=sheet, item=item)
        form = SelfRatingForm.for_rating(rating, data=request.POST)
        fill = reverse("assessments:self_assessment_fill", args=[sheet.pk])
        if form.is_valid():
            entry = {"item": item.code, **form.cleaned_data}
            try:
                services.self_assessment_rate(
                    self_assessment=sheet, user=request.user, entries=[entry]
                )
            except ValidationError as exc:
                by_entry = getattr(exc, "by_entry", None)
                if by_entry is None:
                    return refuse(request, exc, sheet.get_absolute_url())
                add_service_errors(form, ValidationError(by_entry.get(0, {})))
        if form.errors:
            if not request.htmx:
                for errors in form.errors.values():
                    for error in errors:
                        messages.error(request, f"{item.code}: {error}")
                return redirect(f"{fill}#{anchor(item.code)}")
        elif not request.htmx:
            messages.success(request, _("%(code)s saved.") % {"code": item.code})
            return redirect(f"{fill}#{anchor(item.code)}")
        rating.refresh_from_db()
        progress = completeness(sheet)
        area_id = item.category.area_id
        html = render_to_string(
            "assessments/self/item_saved.html",
            {
                "sheet": sheet,
                "entry": entry_for(
                    item,
                    rating,
                    rating_scale(sheet.framework),
                    form=form if form.errors else None,
                    saved=not form.errors,
                ),
                "progress": progress,
                "area_id": area_id,
                "area_progress": progress["areas"].get(area_id, {"done": 0, "total": 0}),
                "running": running_context(sheet),
            },
            request=request,
        )
        return HttpResponse(html)


class SelfAssessmentFinishView(_SheetMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        sheet = self.get_object()
        if not services.may_write(request.user, sheet.plant):
            raise PermissionDenied(_("Only the members of the plant's company self-diagnose."))
        try:
            services.self_assessment_finish(self_assessment=sheet, user=request.user)
        except ValidationError as exc:
            sheet.refresh_from_db(fields=["status"])
            if sheet.is_editable and sheet_problems(sheet):
                fill = reverse("assessments:self_assessment_fill", args=[sheet.pk])
                messages.error(
                    request,
                    _("Not finished yet: %(count)s item(s) need a rating or a reason.")
                    % {"count": len(sheet_problems(sheet))},
                )
                return redirect(f"{fill}?check=1#problems")
            return refuse(request, exc, sheet.get_absolute_url())
        messages.success(request, _("Self-diagnosis finished: your self-assessed result."))
        return redirect(sheet.get_absolute_url())


class SelfAssessmentShareView(_SheetMixin, View):
    """POST share (or `unshare=1`): the consultant of the plant's next assessment reads it."""

    http_method_names = ["post"]

    def post(self, request, pk):
        sheet = self.get_object()
        if not services.may_write(request.user, sheet.plant):
            raise PermissionDenied(_("Only the members of the plant's company may share it."))
        try:
            if request.POST.get("unshare"):
                services.self_assessment_unshare(self_assessment=sheet, user=request.user)
                messages.success(request, _("The consultant no longer sees this self-diagnosis."))
            else:
                sheet = services.self_assessment_share(self_assessment=sheet, user=request.user)
                messages.success(
                    request,
                    _("Shared with the consultant of assessment #%(id)s.")
                    % {"id": sheet.shared_with_id},
                )
        except ValidationError as exc:
            return refuse(request, exc, sheet.get_absolute_url())
        return redirect(sheet.get_absolute_url())


class SelfAssessmentDeleteView(_SheetMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        sheet = self.get_object()
        if not services.may_write(request.user, sheet.plant):
            raise PermissionDenied(_("Only the members of the plant's company may delete it."))
        asked = confirm_first(
            request,
            question=_("Delete this self-diagnosis draft?"),
            consequence=_("Its ratings are deleted for good: they cannot be restored."),
            action_label=_("Delete the draft"),
            cancel_url=sheet.get_absolute_url(),
        )
        if asked is not None:
            return asked
        plant = sheet.plant
        try:
            services.self_assessment_delete(self_assessment=sheet, user=request.user)
        except ValidationError as exc:
            return refuse(request, exc, sheet.get_absolute_url())
        messages.success(request, _("Self-diagnosis draft deleted."))
        return redirect(reverse("assessments:self_assessment_list") + f"?plant={plant.pk}")


class SelfAssessmentCompareView(_SheetMixin, TemplateView):
    """The self-diagnosis beside the confirmed assessment it was shared with: totals, areas,
    then items, largest differences first."""

    template_name = "assessments/self/compare.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        sheet = self.get_object()
        ctx["sheet"] = sheet
        assessment = self_selectors.comparable_assessment(sheet)
        if sheet.status == SelfAssessmentStatus.FINISHED and assessment is not None:
            ctx["assessment"] = assessment
            ctx.update(self_selectors.self_comparison(sheet, assessment))
        return ctx


OVER_RATING_HEADER = (
    gettext_lazy("group"),
    gettext_lazy("code"),
    gettext_lazy("name"),
    gettext_lazy("pairs"),
    gettext_lazy("mean self-assessed level"),
    gettext_lazy("mean confirmed level"),
    gettext_lazy("mean difference"),
    gettext_lazy("over-rated"),
    gettext_lazy("share over-rated"),
)


def over_rating_rows(figures: dict):
    groups = (
        (_("all"), [{"code": "", "label": _("All plants"), "figures": figures["overall"]}]),
        (_("region"), figures["regions"]),
        (_("industry"), figures["industries"]),
    )
    for group, rows in groups:
        for row in rows:
            f = row["figures"]
            yield (
                group,
                row["code"],
                str(row["label"]),
                f.count,
                f.mean_self,
                f.mean_confirmed,
                f.mean_difference,
                f.over_rated,
                f.over_share,
            )


class OverRatingView(VisibleMixin, TemplateView):
    """Agency staff: self-diagnosed against confirmed levels per region and industry
    (`self_selectors.over_rating`, one query); `?format=csv` or `xlsx` downloads the table."""

    template_name = "assessments/self/over_rating.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not roles.is_agency_staff_or_admin(request.user):
            raise PermissionDenied(_("The over-rating figures are for agency staff."))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("format")
        if fmt in ("csv", "xlsx"):
            figures = self_selectors.over_rating()
            return export_response(
                fmt,
                "self-diagnosis-over-rating",
                [str(h) for h in OVER_RATING_HEADER],
                over_rating_rows(figures),
                title=_("Self-diagnosed and confirmed levels"),
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["figures"] = self_selectors.over_rating()
        return ctx
