"""Reading an assessment (result, roadmap, ratings), comparing two, and the workflow
transitions (submit, confirm, return) as POST-only views."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import DetailView, TemplateView

from assessments import selectors, services
from assessments.choices import AssessmentStatus
from assessments.forms import AssessmentReturnForm, AssessmentSubmitForm
from assessments.models import Assessment
from assessments.views.common import floor_rule_text
from hub import roles
from hub.audit import attach_change_rows
from hub.models import AuditEntry
from hub.views.mixins import VisibleMixin
from hub.views.refusals import refuse


class _TransitionView(VisibleMixin, View):
    model = Assessment
    http_method_names = ["post"]

    def post(self, request, pk):
        self.assessment = self.get_object()
        try:
            self.transition()
        except ValidationError as exc:
            return self.refused(exc)
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
        sheet = selectors.assessment_sheet(assessment)
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
        ctx["today"] = timezone.localdate()
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
