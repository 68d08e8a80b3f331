"""Reading an assessment (result, roadmap, ratings), comparing two, and the workflow
transitions (submit, confirm, return) as POST-only views."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.generic import DetailView, TemplateView

from assessments import selectors, services
from assessments.choices import EDITABLE_STATUSES, AssessmentStatus
from assessments.forms import AssessmentReturnForm, AssessmentSubmitForm
from assessments.models import Assessment, SelfAssessment
from assessments.views.common import floor_rule_text
from hub import roles
from hub.audit import attach_change_rows
from hub.models import AuditEntry
from hub.views.confirm import confirm_first
from hub.views.mixins import VisibleMixin
from hub.views.refusals import refuse


def next_in_queue(user, assessment) -> Assessment | None:
    """After acting on `assessment`, the next one to work on: for agency staff the oldest
    other submitted assessment, for its consultant their next open one (returned first, the
    earliest due first); None when nothing else waits."""
    others = Assessment.objects.visible_to(user).exclude(pk=assessment.pk).select_related("plant")
    if roles.is_agency_staff_or_admin(user):
        return (
            others.filter(status=AssessmentStatus.SUBMITTED).order_by("submitted_at", "pk").first()
        )
    if roles.is_consultant(user):
        return (
            others.filter(consultant=user, status__in=EDITABLE_STATUSES).open_queue_order().first()
        )
    return None


def next_url(user, assessment) -> str:
    if assessment.is_editable and assessment.consultant_id == user.pk:
        return reverse("assessments:assessment_fill", args=[assessment.pk])
    return assessment.get_absolute_url()


CONFIRM_CONSEQUENCE = gettext_lazy(
    "Confirming freezes the assessment for good: its ratings and evidence can no longer be "
    "changed or returned, and the plant's level is updated from it. This cannot be undone."
)


class _TransitionView(VisibleMixin, View):
    """POST only; with `then=next` the answer is the next assessment in the user's queue."""

    model = Assessment
    http_method_names = ["post"]

    def ask_first(self):
        return None

    def post(self, request, pk):
        self.assessment = self.get_object()
        asked = self.ask_first()
        if asked is not None:
            return asked
        try:
            self.transition()
        except ValidationError as exc:
            return self.refused(exc)
        if request.POST.get("then") == "next":
            following = next_in_queue(request.user, self.assessment)
            if following is not None:
                return redirect(next_url(request.user, following))
            messages.info(request, _("Nothing else waits in your queue."))
        return redirect(self.assessment.get_absolute_url())

    def refused(self, exc):
        return refuse(self.request, exc, self.assessment.get_absolute_url())


class AssessmentSubmitView(_TransitionView):
    def transition(self):
        form = AssessmentSubmitForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError(
                [e for errors in form.errors.values() for e in errors], code="invalid"
            )
        services.assessment_submit(
            assessment=self.assessment,
            user=self.request.user,
            assessed_on=form.cleaned_data["assessed_on"],
        )
        messages.success(
            self.request,
            _("Assessment submitted. Agency staff will confirm it or send it back."),
        )

    def refused(self, exc):
        self.assessment.refresh_from_db(fields=["status"])
        if not self.assessment.is_editable:
            return super().refused(exc)
        fill = reverse("assessments:assessment_fill", args=[self.assessment.pk])
        problems = services.assessment_problems(self.assessment)
        if problems:
            messages.error(
                self.request,
                ngettext(
                    "The assessment cannot be submitted yet: %(count)s item needs attention.",
                    "The assessment cannot be submitted yet: %(count)s items need attention.",
                    len(problems),
                )
                % {"count": len(problems)},
            )
            return redirect(f"{fill}?check=1#problems")
        return refuse(self.request, exc, f"{fill}#submit")


class AssessmentConfirmView(_TransitionView):
    def ask_first(self):
        return confirm_first(
            self.request,
            question=_("Confirm the assessment of %(plant)s?")
            % {"plant": self.assessment.plant.name},
            consequence=CONFIRM_CONSEQUENCE,
            action_label=_("Confirm assessment"),
            cancel_url=self.assessment.get_absolute_url(),
        )

    def transition(self):
        services.assessment_confirm(assessment=self.assessment, user=self.request.user)
        messages.success(self.request, _("Assessment confirmed; the plant's level is updated."))


class AssessmentReturnView(_TransitionView):
    def transition(self):
        services.assessment_return(
            assessment=self.assessment,
            user=self.request.user,
            reason=self.request.POST.get("reason", ""),
        )
        messages.success(self.request, _("Assessment returned to the consultant."))


class AssessmentDetailView(VisibleMixin, DetailView):
    model = Assessment
    select_related = (
        "plant",
        "plant__company",
        "framework",
        "consultant",
        "opened_by",
        "confirmed_by",
    )
    template_name = "assessments/assessment_detail.html"
    context_object_name = "assessment"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        assessment, user = self.object, self.request.user
        framework = assessment.framework
        # A back-filed outcome-only assessment has no item ratings to lay out.
        sheet = [] if assessment.outcome_only else selectors.assessment_sheet(assessment)
        ctx["sheet"] = sheet
        if assessment.result:
            name, meaning = assessment.level_meaning()
            ctx["level_name"], ctx["level_meaning"] = name, meaning
            ctx["band_name"] = framework.level_meaning(assessment.band_level)[0]
            if assessment.capping_rule:
                ctx["capping_text"] = floor_rule_text(framework, assessment.capping_rule)
            ctx["roadmap"] = selectors.roadmap_rows(assessment, limit=10)
            ctx["target_level"] = min((assessment.final_level or 0) + 1, 5)
            ctx["area_results"] = [(area.area, area.result) for area in sheet]
        ctx["can_fill"] = assessment.is_editable and assessment.consultant_id == user.pk
        ctx["can_decide"] = (
            assessment.status == AssessmentStatus.SUBMITTED and roles.is_agency_staff_or_admin(user)
        )
        ctx["return_form"] = AssessmentReturnForm()
        ctx["confirm_consequence"] = CONFIRM_CONSEQUENCE
        ctx["next_assessment"] = following = next_in_queue(user, assessment)
        ctx["next_assessment_url"] = next_url(user, following) if following else ""
        ctx["today"] = timezone.localdate()
        ctx["shared_self_assessments"] = SelfAssessment.objects.visible_to(user).filter(
            shared_with=assessment
        )
        if roles.is_agency_staff_or_admin(user):
            entries = list(AuditEntry.objects.for_object(assessment).select_related("user")[:50])
            attach_change_rows(entries, type(assessment))
            ctx["audit_entries"] = entries
        return ctx


class AssessmentCompareView(VisibleMixin, TemplateView):
    """Two visible assessments side by side (?a=ID&b=ID): totals, levels, areas, items."""

    model = Assessment
    select_related = ("plant", "framework", "consultant")
    template_name = "assessments/assessment_compare.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        try:
            ids = [int(self.request.GET["a"]), int(self.request.GET["b"])]
        except (KeyError, ValueError) as exc:
            raise Http404 from exc
        found = {a.pk: a for a in self.get_queryset().filter(pk__in=ids)}
        if any(pk not in found for pk in ids):
            raise Http404
        a, b = found[ids[0]], found[ids[1]]
        ctx.update(selectors.assessment_comparison(a, b))
        ctx["a"], ctx["b"] = a, b
        return ctx
