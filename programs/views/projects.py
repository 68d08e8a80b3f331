"""Project pages: list (with CSV export of the filtered list), detail (shares, pipeline, KPIs),
apply, edit, the transition buttons and the KPI form."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import CreateView, DetailView, UpdateView

from hub import roles
from hub.audit import attach_change_rows
from hub.forms import add_service_errors, service_data
from hub.models import AuditEntry
from hub.views.confirm import confirm_first
from hub.views.mixins import FilteredListView, ServiceFormMixin, VisibleMixin
from hub.views.refusals import refuse
from programs import services
from programs.choices import (
    NATIONAL_AVERAGE_IMPROVEMENT,
    PROJECT_TRANSITIONS,
    STATUS_DATE_FIELDS,
    Indicator,
    ProjectStatus,
)
from programs.filtersets import ProjectFilterSet
from programs.forms import AdvanceForm, KPIForm, ProjectForm
from programs.models import KPI, Program, Project
from programs.tables import ProjectTable
from programs.views.common import ProjectMixin
from programs.views.pages import ManagerOnlyMixin, rule_summary

PIPELINE = (
    ProjectStatus.APPLIED,
    ProjectStatus.SELECTED,
    ProjectStatus.AGREED,
    ProjectStatus.BUILDING,
    ProjectStatus.COMPLETED,
)


class ProjectListView(FilteredListView):
    model = Project
    filterset_class = ProjectFilterSet
    table_class = ProjectTable
    default_ordering = "-applied"
    select_related = ("program", "plant", "plant__company", "partner")
    template_name = "programs/project_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        query = ctx["query_without_page"]
        ctx["export_url"] = f"?{query}&format=csv" if query else "?format=csv"
        ctx["can_apply"] = services.can_manage_program(self.request.user)
        return ctx


class ProjectDetailView(ProjectMixin, DetailView):
    template_name = "programs/project_detail.html"
    context_object_name = "project"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        project = self.object
        user = self.request.user
        can_manage = services.can_manage_program(user, project.program)
        shares = [
            (_("Government"), project.government_share),
            (_("Partner firm"), project.partner_share),
            (_("SME"), project.sme_share),
        ]
        steps = [{"status": s, "on": getattr(project, STATUS_DATE_FIELDS[s])} for s in PIPELINE]
        if project.status == ProjectStatus.DROPPED:
            steps = [s for s in steps if s["on"]]
            steps.append({"status": ProjectStatus.DROPPED, "on": project.dropped_on})
        kpis = [
            {
                "kpi": k,
                "national": NATIONAL_AVERAGE_IMPROVEMENT.get(Indicator(k.indicator)),
            }
            for k in KPI.objects.filter(project=project)
        ]
        next_steps = PROJECT_TRANSITIONS[ProjectStatus(project.status)]
        ctx.update(
            shares=shares,
            steps=steps,
            kpis=kpis,
            can_manage=can_manage,
            rule_text=rule_summary(project.program.cost_share_rule),
            editable=project.status not in (ProjectStatus.COMPLETED, ProjectStatus.DROPPED),
        )
        if roles.is_agency_staff_or_admin(user):
            entries = list(AuditEntry.objects.for_object(project).select_related("user")[:50])
            attach_change_rows(entries, type(project))
            ctx["audit_entries"] = entries
        if can_manage:
            ctx["advance_steps"] = [s for s in next_steps if s != ProjectStatus.DROPPED]
            ctx["can_drop"] = ProjectStatus.DROPPED in next_steps
            ctx["drop_consequence"] = DROP_CONSEQUENCE
            ctx["complete_consequence"] = COMPLETE_CONSEQUENCE
            ctx["today"] = timezone.localdate()
            if project.status != ProjectStatus.DROPPED:
                ctx["kpi_form"] = KPIForm(instance=KPI(project=project))
        return ctx


class ProjectCreateView(VisibleMixin, ManagerOnlyMixin, ServiceFormMixin, CreateView):
    model = Project
    form_class = ProjectForm
    template_name = "programs/project_form.html"
    success_message = gettext_lazy("Project %(object)s applied.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        initial = {"applied_on": timezone.localdate()}
        for key in ("program", "plant"):
            value = self.request.GET.get(key, "")
            if value.isdigit():
                initial[key] = int(value)
        return initial

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = ctx["form"]
        program_id = form["program"].value()
        program = None
        if program_id and str(program_id).isdigit():
            program = (
                Program.objects.visible_to(self.request.user)
                .select_related("cost_share_rule")
                .filter(pk=program_id)
                .first()
            )
        ctx["program"] = program
        ctx["rule_text"] = rule_summary(program.cost_share_rule) if program else ""
        return ctx

    def call_service(self, form):
        return services.project_apply(user=self.request.user, data=service_data(form))


class ProjectUpdateView(ProjectMixin, ServiceFormMixin, UpdateView):
    form_class = ProjectForm
    template_name = "programs/project_form.html"
    success_message = gettext_lazy("Project %(object)s saved.")

    def get_object(self, queryset=None):
        project = super().get_object(queryset)
        services.require_program_manager(self.request.user, project.program)
        return project

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["program"] = self.object.program
        ctx["rule_text"] = rule_summary(self.object.program.cost_share_rule)
        return ctx

    def call_service(self, form):
        return services.project_update(
            project=self.object, user=self.request.user, data=service_data(form)
        )


DROP_CONSEQUENCE = gettext_lazy(
    "Dropping ends the project for good: it cannot move on in the pipeline again, and a new "
    "project must be registered to support the plant."
)

COMPLETE_CONSEQUENCE = gettext_lazy(
    "Completing is the pipeline's last step and cannot be undone: the plant counts as supported "
    "from that date and its follow-up reports fall due."
)


class ProjectAdvanceView(ProjectMixin, View):
    """The transition buttons: POST {to, on, reason}; refusals come back as messages."""

    http_method_names = ["post"]

    def post(self, request, pk):
        project = self.get_object()
        services.require_program_manager(request.user, project.program)
        url = project.get_absolute_url()
        form = AdvanceForm(request.POST)
        if not form.is_valid():
            for field, errors in form.errors.items():
                label = form.fields[field].label if field in form.fields else ""
                for error in errors:
                    messages.error(request, f"{label}: {error}" if label else error)
            return redirect(url)
        final = {
            ProjectStatus.DROPPED: (_("Drop the project %(project)s?"), DROP_CONSEQUENCE),
            ProjectStatus.COMPLETED: (_("Complete the project %(project)s?"), COMPLETE_CONSEQUENCE),
        }.get(form.cleaned_data["to"])
        if final is not None:
            question, consequence = final
            asked = confirm_first(
                request,
                question=question % {"project": project},
                consequence=consequence,
                action_label=ProjectStatus(form.cleaned_data["to"]).label,
                cancel_url=url,
            )
            if asked is not None:
                return asked
        try:
            project = services.project_advance(
                project=project,
                to=form.cleaned_data["to"],
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
                user=request.user,
            )
        except ValidationError as exc:
            return refuse(request, exc, url)
        messages.success(
            request,
            _("The project is now %(status)s.") % {"status": project.get_status_display()},
        )
        return redirect(url)


class KPIRecordView(ProjectMixin, View):
    """Record or correct one indicator of a project (upsert by indicator)."""

    template_name = "programs/kpi_form.html"

    def setup_project(self, request, pk):
        project = self.get_object()
        services.require_program_manager(request.user, project.program)
        return project

    def render(self, request, project, form):
        return render(request, self.template_name, {"form": form, "project": project})

    def get(self, request, pk):
        project = self.setup_project(request, pk)
        instance = None
        if request.GET.get("indicator") in Indicator.values:
            instance = KPI.objects.filter(
                project=project, indicator=request.GET["indicator"]
            ).first()
        return self.render(request, project, KPIForm(instance=instance or KPI(project=project)))

    def post(self, request, pk):
        project = self.setup_project(request, pk)
        form = KPIForm(request.POST, instance=KPI(project=project))
        if form.is_valid():
            try:
                kpi = services.kpi_record(
                    project=project,
                    indicator=form.cleaned_data["indicator"],
                    user=request.user,
                    data=form.service_data(),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("%(indicator)s recorded.") % {"indicator": kpi.get_indicator_display()},
                )
                return redirect(f"{project.get_absolute_url()}#kpis")
        return self.render(request, project, form)
