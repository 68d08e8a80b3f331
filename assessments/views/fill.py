"""The consultant's fill page: items saved one by one through htmx (plain POST without
JavaScript), evidence upload, download and delete."""

from types import SimpleNamespace

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from assessments import selectors, services
from assessments.choices import LEVEL_NAMES
from assessments.forms import AssessmentSubmitForm, EvidenceUploadForm, ItemRatingForm
from assessments.models import Assessment, Evidence, Framework, Item, ItemRating, localized
from assessments.views.common import EVIDENCE_ACCEPT, anchor, floor_rule_text
from hub.forms import add_service_errors
from hub.views.confirm import confirm_first
from hub.views.mixins import VisibleMixin, get_visible_or_404
from hub.views.refusals import refuse


def rating_scale(framework: Framework) -> list[SimpleNamespace]:
    """The 0–5 scale with each value's meaning: rating k corresponds to Level k (a plant rated
    k everywhere scores 500 + 100·k)."""
    scale = []
    for value in range(6):
        name, description = framework.level_meaning(value)
        scale.append(
            SimpleNamespace(value=value, name=name or LEVEL_NAMES[value], description=description)
        )
    return scale


def item_entry(item, rating, evidence, scale, *, form=None, upload_errors=(), saved=False):
    """Everything the item partial shows for one item of the fill page."""
    form = form or ItemRatingForm.for_rating(rating)
    chosen = form["rating"].value()
    chosen = "" if chosen in (None, "") else str(chosen)
    descriptors = {int(k): localized(v) for k, v in (item.descriptors or {}).items()}
    choices = [
        SimpleNamespace(
            value=step.value,
            name=step.name,
            description=step.description,
            descriptor=descriptors.get(step.value, ""),
            checked=chosen == str(step.value),
            id=f"{form['rating'].auto_id}_{step.value}",
        )
        for step in scale
    ]
    picked = next((c for c in choices if c.checked), None)
    return SimpleNamespace(
        item=item,
        rating=rating,
        evidence=evidence,
        form=form,
        choices=choices,
        picked=picked,
        # A rated item folds to its one-line summary when the page opens; the item just
        # saved, or with errors, stays open.
        open=saved or bool(form.errors) or bool(upload_errors) or not rating.is_complete,
        anchor=anchor(item.code),
        done=rating.is_complete,
        upload_errors=list(upload_errors),
        saved=saved,
    )


def running_context(assessment: Assessment) -> dict:
    """The running score with what the page shows of it: the level's name, the capping rule
    in words, one row per area in framework order."""
    framework = assessment.framework
    running = selectors.running_score(assessment)
    if running["final_level"] is not None:
        running["level_name"] = framework.level_meaning(running["final_level"])[0] or str(
            LEVEL_NAMES.get(running["final_level"], "")
        )
        if running.get("capping_rule"):
            running["capping_text"] = floor_rule_text(framework, running["capping_rule"])
    running["area_rows"] = [{"code": code, **area} for code, area in running["areas"].items()]
    return running


class AssessmentFillView(VisibleMixin, TemplateView):
    """The consultant's form: 40 items grouped by area and category, each saved on change."""

    model = Assessment
    select_related = ("plant", "plant__company", "framework", "consultant")
    template_name = "assessments/assessment_fill.html"

    def get(self, request, *args, **kwargs):
        self.assessment = self.get_object()
        if not self.assessment.is_editable:
            return redirect(self.assessment.get_absolute_url())
        if self.assessment.consultant_id != request.user.pk:
            raise PermissionDenied(_("Only the assigned consultant may fill this assessment."))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        assessment = self.assessment
        scale = rating_scale(assessment.framework)
        sheet = selectors.assessment_sheet(assessment)
        progress = {"done": 0, "total": 0, "areas": {}}
        for area in sheet:
            area_done = 0
            for category in area.categories:
                category.entries = [
                    item_entry(r.item, r.rating, r.evidence, scale) for r in category.items
                ]
                area_done += sum(1 for e in category.entries if e.done)
            area.progress = {"done": area_done, "total": area.item_count}
            progress["done"] += area_done
            progress["total"] += area.item_count
        progress["missing"] = progress["total"] - progress["done"]
        progress["percent"] = (
            round(100 * progress["done"] / progress["total"]) if progress["total"] else 0
        )
        ctx.update(
            assessment=assessment,
            sheet=sheet,
            progress=progress,
            scale=scale,
            submit_form=AssessmentSubmitForm(assessment=assessment),
            running=running_context(assessment),
            evidence_accept=EVIDENCE_ACCEPT,
            evidence_max=services.evidence_max_bytes(),
        )
        if "check" in self.request.GET:
            ctx["problems"] = [
                {**p, "anchor": anchor(p["item"]) if p["item"] else ""}
                for p in services.assessment_problems(assessment)
            ]
        return ctx


class _ItemMixin(VisibleMixin):
    """POST-only views acting on one item of a visible assessment."""

    model = Assessment
    select_related = ("framework",)
    http_method_names = ["post"]

    def load(self, request, pk, item_pk):
        self.assessment = self.get_object()
        self.item = get_object_or_404(
            Item.objects.select_related("category__area"),
            pk=item_pk,
            category__area__framework_id=self.assessment.framework_id,
        )

    def fill_url(self):
        url = reverse("assessments:assessment_fill", args=[self.assessment.pk])
        return f"{url}#{anchor(self.item.code)}"

    def render_item(self, rating=None, *, form=None, upload_errors=(), saved=False):
        """The item partial (htmx) with the completeness bar swapped out of band."""
        if rating is None:
            rating = ItemRating.objects.get(assessment=self.assessment, item=self.item)
        evidence = list(
            Evidence.objects.filter(assessment=self.assessment, item=self.item).order_by(
                "uploaded_at", "pk"
            )
        )
        entry = item_entry(
            self.item,
            rating,
            evidence,
            rating_scale(self.assessment.framework),
            form=form,
            upload_errors=upload_errors,
            saved=saved,
        )
        progress = selectors.completeness(self.assessment)
        area_id = self.item.category.area_id
        html = render_to_string(
            "partials/assessment_item_saved.html",
            {
                "assessment": self.assessment,
                "entry": entry,
                "progress": progress,
                "area_id": area_id,
                "area_progress": progress["areas"].get(area_id, {"done": 0, "total": 0}),
                "running": running_context(self.assessment),
                "evidence_accept": EVIDENCE_ACCEPT,
                "evidence_max": services.evidence_max_bytes(),
            },
            request=self.request,
        )
        return HttpResponse(html)

    def after_refusal_url(self):
        """Where a refused write goes: the fill page while editable, else the result."""
        self.assessment.refresh_from_db(fields=["status"])
        if self.assessment.is_editable and self.assessment.consultant_id == self.request.user.pk:
            return self.fill_url()
        return self.assessment.get_absolute_url()


class ItemSaveView(_ItemMixin, View):
    """Save one item (rating, N/A and reason, evidence note). htmx gets the item partial back
    (errors inline) plus the completeness bar; a plain POST is redirected to the item."""

    def post(self, request, pk, item_pk):
        self.load(request, pk, item_pk)
        rating = get_object_or_404(ItemRating, assessment=self.assessment, item=self.item)
        form = ItemRatingForm.for_rating(rating, data=request.POST)
        if form.is_valid():
            try:
                rating = services.assessment_rate_item(
                    assessment=self.assessment,
                    item=self.item,
                    user=request.user,
                    data=form.cleaned_data,
                )
            except ValidationError as exc:
                if not hasattr(exc, "error_dict"):
                    return refuse(request, exc, self.after_refusal_url())
                add_service_errors(form, exc)
        if form.errors:
            if request.htmx:
                return self.render_item(rating, form=form)
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, f"{self.item.code}: {error}")
            return redirect(self.fill_url())
        if request.htmx:
            return self.render_item(rating, saved=True)
        messages.success(request, _("%(code)s saved.") % {"code": self.item.code})
        return redirect(self.fill_url())


class EvidenceUploadView(_ItemMixin, View):
    def post(self, request, pk, item_pk):
        self.load(request, pk, item_pk)
        form = EvidenceUploadForm(request.POST, request.FILES)
        errors = []
        if not form.is_valid():
            errors = [e for field_errors in form.errors.values() for e in field_errors]
        else:
            try:
                evidence = services.evidence_add(
                    assessment=self.assessment,
                    item=self.item,
                    upload=form.cleaned_data["file"],
                    user=request.user,
                )
            except ValidationError as exc:
                if not hasattr(exc, "error_dict"):
                    return refuse(request, exc, self.after_refusal_url())
                errors = exc.messages
        if request.htmx:
            return self.render_item(upload_errors=errors, saved=not errors)
        if errors:
            for error in errors:
                messages.error(request, f"{self.item.code}: {error}")
        else:
            messages.success(
                request,
                _("%(name)s attached to %(code)s.")
                % {"name": evidence.original_name, "code": self.item.code},
            )
        return redirect(self.fill_url())


class EvidenceDownloadView(VisibleMixin, View):
    """The file as an attachment under its original name, for anyone who sees the assessment."""

    model = Evidence

    def get(self, request, pk):
        evidence = self.get_object()
        try:
            handle = evidence.file.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        return FileResponse(
            handle,
            as_attachment=True,
            filename=evidence.original_name,
            content_type=evidence.content_type,
        )


class EvidenceDeleteView(_ItemMixin, View):
    def post(self, request, pk):
        evidence = get_visible_or_404(
            Evidence.objects.select_related("assessment__framework", "item__category__area"),
            request.user,
            pk=pk,
        )
        self.assessment, self.item = evidence.assessment, evidence.item
        name = evidence.original_name
        asked = confirm_first(
            request,
            question=_("Delete %(name)s?") % {"name": name},
            consequence=_("The file is deleted for good: it cannot be restored."),
            action_label=_("Delete the file"),
            cancel_url=self.fill_url(),
        )
        if asked is not None:
            return asked
        try:
            services.evidence_delete(evidence=evidence, user=request.user)
        except ValidationError as exc:
            return refuse(request, exc, self.after_refusal_url())
        if request.htmx:
            return self.render_item(saved=True)
        messages.success(request, _("%(name)s removed.") % {"name": name})
        return redirect(self.fill_url())
