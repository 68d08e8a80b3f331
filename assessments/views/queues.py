"""Work queues (the filtered list of assessments) and opening an assessment."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView

from assessments import services
from assessments.choices import AssessmentStatus
from assessments.filtersets import AssessmentFilterSet
from assessments.forms import AssessmentOpenForm
from assessments.models import Assessment
from assessments.tables import AssessmentTable
from hub import roles
from hub.formats import person_name
from hub.forms import add_service_errors
from hub.models import Plant
from hub.views.mixins import FilteredListView, VisibleMixin


class AssessmentListView(FilteredListView):
    model = Assessment
    filterset_class = AssessmentFilterSet
    table_class = AssessmentTable
    default_ordering = "-opened"
    select_related = ("plant", "plant__company", "consultant", "framework")
    template_name = "assessments/assessment_list.html"

    def default_queue(self) -> str:
        """Consultants and agency staff work from the open assessments: without a queue or a
        status asked for, the list shows those (returned first, then drafts, then submitted;
        the earliest due first); the confirmed ones are one tab away."""
        params = self.request.GET
        if params.get("queue") or params.getlist("status") or params.get("plant"):
            return ""
        return "open"

    def get_queryset(self):
        user = self.request.user
        works_queue = roles.is_consultant(user) or roles.is_agency_staff_or_admin(user)
        self.request_queue = self.default_queue() if works_queue else ""
        if self.request_queue:
            params = self.request.GET.copy()
            params["queue"] = self.request_queue
            self.filterset = self.filterset_class(
                params, queryset=VisibleMixin.get_queryset(self), request=self.request
            )
            queryset = self.filterset.qs
        else:
            queryset = super().get_queryset()
        if works_queue and not self.request.GET.get("ordering"):
            queryset = queryset.open_queue_order()
        return queryset

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        # Friendlier widgets for the page (the FilterSet itself is shared with the API).
        fields = self.filterset.form.fields
        fields["status"].widget = forms.CheckboxSelectMultiple(choices=AssessmentStatus.choices)
        fields["level"].widget = forms.Select(
            choices=[("", _("All"))]
            + [(lvl, _("Level %(level)s") % {"level": lvl}) for lvl in range(6)]
        )
        user = self.request.user
        is_consultant = roles.is_consultant(user)
        can_manage = roles.is_agency_staff_or_admin(user)
        if is_consultant:  # a consultant sees only their own anyway
            queues = [
                ("open", _("Not yet confirmed")),
                ("to_confirm", _("Awaiting confirmation")),
                ("done", _("Confirmed")),
                ("all", _("All")),
            ]
        elif can_manage:
            queues = [
                ("open", _("Not yet confirmed")),
                ("to_confirm", _("To confirm")),
                ("in_progress", _("In progress")),
                ("done", _("Confirmed")),
                ("all", _("All")),
            ]
        else:  # officials and partners never see drafts: the filters are enough
            queues = []
        queue = getattr(self, "request_queue", "") or self.request.GET.get("queue", "")
        if queue == "mine":
            queue = "all" if is_consultant else queue
        ctx["queues"] = queues
        ctx["queue"] = queue
        ctx["can_manage"] = can_manage
        return ctx


# --- opening -----------------------------------------------------------------------------------


class AssessmentOpenView(VisibleMixin, FormView):
    """Agency staff open an assessment of a plant they see; others: 403 (404 if the plant is
    not visible to them)."""

    model = Plant
    select_related = ("company",)
    pk_url_kwarg = "plant_pk"
    form_class = AssessmentOpenForm
    template_name = "assessments/assessment_open.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.plant = self.get_object()
        if not roles.is_agency_staff_or_admin(request.user):
            raise PermissionDenied(_("Only agency staff may open assessments."))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["plant"] = self.plant
        ctx["in_progress"] = (
            Assessment.objects.filter(plant=self.plant)
            .exclude(status=AssessmentStatus.CONFIRMED)
            .first()
        )
        return ctx

    def form_valid(self, form):
        try:
            assessment = services.assessment_open(
                plant=self.plant,
                consultant=form.cleaned_data["consultant"],
                due_on=form.cleaned_data["due_on"],
                user=self.request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Assessment opened and assigned to %(consultant)s.")
            % {"consultant": person_name(assessment.consultant)},
        )
        return redirect(assessment.get_absolute_url())
