"""Program pages: list, detail (rule in words, commitments, projects by status), create, edit,
and the commitment form."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import CreateView, DetailView, UpdateView

from hub import roles
from hub.audit import attach_change_rows
from hub.forms import add_service_errors
from hub.models import AuditEntry
from hub.views.mixins import FilteredListView, ServiceFormMixin, VisibleMixin
from programs import services
from programs.choices import FUNDED_STATUSES, ProjectStatus
from programs.filtersets import ProgramFilterSet
from programs.forms import CommitmentForm, ProgramForm
from programs.models import CostShareRule, PartnerCommitment, Program, Project
from programs.tables import ProgramTable
from programs.views.common import ProgramMixin


def _pct(value) -> str:
    """30.00 → "30", 33.50 → "33.5"."""
    return f"{Decimal(value).normalize():f}"


def _millions(amount) -> str:
    """42000000 → "₩42m", 1200000000 → "₩1,200m"."""
    text = f"{Decimal(amount) / 1_000_000:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return _("₩%(amount)sm") % {"amount": text}


def rule_summary(rule: CostShareRule) -> str:
    """ "government ≤ 30 % (caps ₩42m / ₩120m / ₩240m), partner ≥ 30 %, SME ≤ 40 %"."""
    caps = [rule.cap_basic, rule.cap_advanced1, rule.cap_advanced2]
    government = _("government ≤ %(pct)s %%") % {"pct": _pct(rule.government_max_pct)}
    if any(cap is not None for cap in caps):
        labels = [_millions(cap) if cap is not None else _("no cap") for cap in caps]
        # In the order of the target levels: basic / advanced 1 / advanced 2.
        government += " " + _("(caps %(caps)s)") % {"caps": " / ".join(labels)}
    parts = [
        government,
        _("partner ≥ %(pct)s %%") % {"pct": _pct(rule.partner_min_pct)},
        _("SME ≤ %(pct)s %%") % {"pct": _pct(rule.sme_max_pct)},
    ]
    return ", ".join(parts)


class ManagerOnlyMixin:
    """Create pages: agency staff (and administrators) only, everyone else 403."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            services.require_program_manager(request.user)
        return super().dispatch(request, *args, **kwargs)


class ProgramListView(FilteredListView):
    model = Program
    filterset_class = ProgramFilterSet
    table_class = ProgramTable
    default_ordering = "-year"
    template_name = "programs/program_list.html"

    def get_queryset(self):
        user = self.request.user
        projects = (
            Project.objects.visible_to(user)
            .filter(program=OuterRef("pk"))
            .order_by()
            .values("program")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset()
            .select_related("agency", "cost_share_rule")
            .annotate(n_projects=Coalesce(Subquery(projects, output_field=IntegerField()), 0))
            .prefetch_related(
                Prefetch(
                    "commitments",
                    queryset=PartnerCommitment.objects.visible_to(user)
                    .select_related("partner")
                    .order_by("partner__name"),
                    to_attr="visible_commitments",
                )
            )
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_create"] = services.can_manage_program(self.request.user)
        return ctx


class ProgramDetailView(ProgramMixin, DetailView):
    template_name = "programs/program_detail.html"
    context_object_name = "program"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        program = self.object
        # Same sum as services.partner_allocated, for every partner in one query.
        allocated = dict(
            Project.objects.filter(program=program, status__in=FUNDED_STATUSES)
            .order_by()
            .values("partner_id")
            .annotate(s=Sum("partner_share"))
            .values_list("partner_id", "s")
        )
        commitments = []
        visible_commitments = (
            PartnerCommitment.objects.visible_to(user)
            .filter(program=program)
            .select_related("partner")
            .order_by("partner__name")
        )
        for c in visible_commitments:
            used = allocated.get(c.partner_id) or 0
            commitments.append({"c": c, "allocated": used, "remaining": c.committed - used})
        counts = dict(
            Project.objects.visible_to(user)
            .filter(program=program)
            .order_by()
            .values("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
        base = reverse("programs:project_list")
        ctx.update(
            rule_text=rule_summary(program.cost_share_rule),
            commitments=commitments,
            status_counts=[
                {
                    "status": s,
                    "count": counts.get(s.value, 0),
                    "url": f"{base}?program={program.pk}&status={s.value}",
                }
                for s in ProjectStatus
            ],
            project_total=sum(counts.values()),
            projects_url=f"{base}?program={program.pk}",
            can_manage=services.can_manage_program(user, program),
        )
        if ctx["can_manage"]:
            ctx["commitment_form"] = CommitmentForm()
        if roles.is_agency_staff_or_admin(user):
            entries = list(AuditEntry.objects.for_object(program).select_related("user")[:50])
            attach_change_rows(entries, type(program))
            ctx["audit_entries"] = entries
        return ctx


class ProgramCreateView(VisibleMixin, ManagerOnlyMixin, ServiceFormMixin, CreateView):
    model = Program
    form_class = ProgramForm
    template_name = "programs/form.html"
    success_message = gettext_lazy("Program %(object)s created.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            title=_("New program"),
            back_url=reverse("programs:program_list"),
            back_label=_("Programs"),
            rules=[(r, rule_summary(r)) for r in CostShareRule.objects.all()],
        )
        return ctx

    def call_service(self, form):
        return services.program_create(user=self.request.user, data=dict(form.cleaned_data))


class ProgramUpdateView(ProgramMixin, ServiceFormMixin, UpdateView):
    form_class = ProgramForm
    template_name = "programs/form.html"
    success_message = gettext_lazy("Program %(object)s saved.")

    def get_object(self, queryset=None):
        program = super().get_object(queryset)
        services.require_program_manager(self.request.user, program)
        return program

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            title=_("Edit program: %(name)s") % {"name": self.object},
            back_url=self.object.get_absolute_url(),
            back_label=str(self.object),
            rules=[(r, rule_summary(r)) for r in CostShareRule.objects.all()],
        )
        return ctx

    def call_service(self, form):
        return services.program_update(
            program=self.object, user=self.request.user, data=dict(form.cleaned_data)
        )


class CommitmentSetView(ProgramMixin, View):
    """Add a partner firm to a program or change its committed funds."""

    template_name = "programs/form.html"

    def setup_program(self, request, pk):
        program = self.get_object()
        services.require_program_manager(request.user, program)
        return program

    def render(self, request, program, form):
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "form_action": reverse("programs:commitment_set", args=[program.pk]),
                "title": _("Partner commitment: %(program)s") % {"program": program},
                "back_url": program.get_absolute_url(),
                "back_label": str(program),
                "submit_label": _("Save commitment"),
            },
        )

    def get(self, request, pk):
        program = self.setup_program(request, pk)
        initial = {}
        if "partner" in request.GET:
            commitment = program.commitments.filter(partner_id=request.GET["partner"]).first()
            if commitment is not None:
                initial = {"partner": commitment.partner_id, "committed": commitment.committed}
        return self.render(request, program, CommitmentForm(initial=initial))

    def post(self, request, pk):
        program = self.setup_program(request, pk)
        form = CommitmentForm(request.POST)
        if form.is_valid():
            try:
                commitment = services.commitment_set(
                    program=program,
                    partner=form.cleaned_data["partner"],
                    committed=form.cleaned_data["committed"],
                    user=request.user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("%(partner)s commits %(amount)s.")
                    % {"partner": commitment.partner, "amount": services.krw(commitment.committed)},
                )
                return redirect(program.get_absolute_url())
        return self.render(request, program, form)
