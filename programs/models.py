"""Support programs, their partner commitments and cost-share rules, the projects that enrol
plants, and the before/after KPIs of each project."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hub.choices import OrganizationKind, Role
from hub.i18n import pick
from hub.models import Mentorship, Organization, Plant, VisibleQuerySet
from programs import rules
from programs.choices import (
    FOLLOW_UP_MONTHS,
    HIGHER_IS_BETTER,
    FollowUpFrequency,
    Indicator,
    ProgramKind,
    ProjectStatus,
    TargetLevel,
)

PCT = [MinValueValidator(0), MaxValueValidator(100)]


def won(**kwargs):
    """An amount in Korean won (whole won)."""
    return models.DecimalField(max_digits=15, decimal_places=0, **kwargs)


class CostShareRule(models.Model):
    """How a project's cost is split: government at most X %, partner at least Y %, SME at
    most Z %, and a government cap per target system level."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ko = models.CharField(_("Korean name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200)
    government_max_pct = models.DecimalField(
        _("government share at most (%)"), max_digits=5, decimal_places=2, validators=PCT
    )
    partner_min_pct = models.DecimalField(
        _("partner share at least (%)"), max_digits=5, decimal_places=2, validators=PCT
    )
    sme_max_pct = models.DecimalField(
        _("SME share at most (%)"), max_digits=5, decimal_places=2, validators=PCT
    )
    cap_basic = won(verbose_name=_("government cap, basic (KRW)"), null=True, blank=True)
    cap_advanced1 = won(verbose_name=_("government cap, advanced 1 (KRW)"), null=True, blank=True)
    cap_advanced2 = won(verbose_name=_("government cap, advanced 2 (KRW)"), null=True, blank=True)

    class Meta:
        verbose_name = _("cost-share rule")
        verbose_name_plural = _("cost-share rules")
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return pick(self.name_ko, self.name_en)

    def as_rule(self) -> rules.ShareRule:
        caps = {
            TargetLevel.BASIC: self.cap_basic,
            TargetLevel.ADVANCED1: self.cap_advanced1,
            TargetLevel.ADVANCED2: self.cap_advanced2,
        }
        return rules.ShareRule(
            government_max_pct=self.government_max_pct,
            partner_min_pct=self.partner_min_pct,
            sme_max_pct=self.sme_max_pct,
            government_caps={k: v for k, v in caps.items() if v is not None},
        )


class ProgramQuerySet(VisibleQuerySet):
    def restrict_to(self, user, membership):
        """Programs are public information: every member sees them, except partner members,
        who see the programs their firm commits to."""
        if membership.role == Role.PARTNER_MEMBER:
            committed = PartnerCommitment.objects.visible_to(user).values("program_id")
            return self.filter(pk__in=committed)
        return self


class Program(models.Model):
    """A support program of one year, run by an agency, with its budget, application window,
    cost-share rule and participating partner firms."""

    name_ko = models.CharField(_("Korean name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200)
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2010), MaxValueValidator(2100)]
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ProgramKind.choices)
    agency = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="programs",
        limit_choices_to={"kind": OrganizationKind.AGENCY},
        verbose_name=_("operating agency"),
    )
    budget = won(verbose_name=_("budget (KRW)"), validators=[MinValueValidator(0)])
    applications_open = models.DateField(_("applications open"))
    applications_close = models.DateField(_("applications close"))
    cost_share_rule = models.ForeignKey(
        CostShareRule,
        on_delete=models.PROTECT,
        related_name="programs",
        verbose_name=_("cost-share rule"),
    )
    # The follow-up (사후관리) duty of a completed project: a report every period of
    # `follow_up_frequency` for `follow_up_years` after completion (datahub.followup_rules).
    follow_up_years = models.PositiveSmallIntegerField(
        _("follow-up period (years)"),
        default=3,
        validators=[MaxValueValidator(10)],
        help_text=_("Years after a project's completion during which the plant reports (0: none)."),
    )
    follow_up_frequency = models.CharField(
        _("follow-up reporting frequency"),
        max_length=16,
        choices=FollowUpFrequency.choices,
        default=FollowUpFrequency.QUARTERLY,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ProgramQuerySet.as_manager()

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["-year", "name_ko"]
        constraints = [
            models.UniqueConstraint(fields=["year", "name_ko"], name="program_unique_name_year"),
            models.CheckConstraint(
                condition=Q(applications_close__gte=models.F("applications_open")),
                name="program_window_ordered",
            ),
        ]

    def __str__(self):
        # Program names usually start with their year ("2025 상생형 …"); don't say it twice.
        name = self.name
        return name if name.startswith(str(self.year)) else f"{self.year} {name}"

    @property
    def name(self) -> str:
        return pick(self.name_ko, self.name_en)

    def get_absolute_url(self):
        return reverse("programs:program_detail", args=[self.pk])

    @property
    def follow_up_months(self) -> int:
        """Months in one follow-up reporting period."""
        return FOLLOW_UP_MONTHS[FollowUpFrequency(self.follow_up_frequency)]

    def clean(self):
        super().clean()
        errors = {}
        if self.agency_id and self.agency.kind != OrganizationKind.AGENCY:
            errors["agency"] = _("A program is operated by an agency.")
        if (
            self.applications_open
            and self.applications_close
            and self.applications_close < self.applications_open
        ):
            errors["applications_close"] = _("The window cannot close before it opens.")
        if errors:
            raise ValidationError(errors)


class PartnerCommitmentQuerySet(VisibleQuerySet):
    def restrict_to(self, user, membership):
        """A partner member sees their own firm's commitment, never another firm's; the other
        members read them all with the programs (public information)."""
        if membership.role == Role.PARTNER_MEMBER:
            return self.filter(partner_id=membership.organization_id)
        return self


class PartnerCommitment(models.Model):
    """A partner firm taking part in a program, with the funds it commits to its SMEs."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="commitments", verbose_name=_("program")
    )
    partner = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="commitments",
        limit_choices_to={"kind": OrganizationKind.PARTNER},
        verbose_name=_("partner firm"),
    )
    committed = won(verbose_name=_("committed funds (KRW)"), validators=[MinValueValidator(0)])

    objects = PartnerCommitmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("partner commitment")
        verbose_name_plural = _("partner commitments")
        ordering = ["program", "partner__name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "partner"], name="commitment_unique")
        ]

    def __str__(self):
        return f"{self.partner} · {self.program}"

    def clean(self):
        super().clean()
        if self.partner_id and self.partner.kind != OrganizationKind.PARTNER:
            raise ValidationError({"partner": _("Only a partner firm commits funds.")})


class ProjectQuerySet(VisibleQuerySet):
    def restrict_to(self, user, membership):
        """Partner members see the projects their firm co-funds; consultants and SME members
        the projects of the plants they may see; agency staff and officials every one."""
        if membership.role == Role.PARTNER_MEMBER:
            return self.filter(partner_id=membership.organization_id)
        if membership.role in (Role.CONSULTANT, Role.SME_MEMBER):
            return self.filter(plant__in=Plant.objects.visible_to(user))
        return super().restrict_to(user, membership)

    def active(self):
        return self.exclude(status=ProjectStatus.DROPPED)


class Project(models.Model):
    """A plant's participation in a program: supplier, partner, target system level, cost
    shares and the status pipeline applied → selected → agreed → building → completed (or
    dropped), with the date of each step."""

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="projects", verbose_name=_("program")
    )
    plant = models.ForeignKey(
        Plant, on_delete=models.PROTECT, related_name="projects", verbose_name=_("plant")
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    supplier = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="supplied_projects",
        null=True,
        blank=True,
        limit_choices_to={"kind": OrganizationKind.SUPPLIER},
        verbose_name=_("supplier"),
    )
    partner = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="funded_projects",
        null=True,
        blank=True,
        limit_choices_to={"kind": OrganizationKind.PARTNER},
        verbose_name=_("partner firm"),
    )
    target_level = models.CharField(
        _("target system level"), max_length=16, choices=TargetLevel.choices
    )
    total_cost = won(verbose_name=_("total cost (KRW)"))
    government_share = won(verbose_name=_("government share (KRW)"))
    partner_share = won(verbose_name=_("partner share (KRW)"), default=Decimal(0))
    sme_share = won(verbose_name=_("SME share (KRW)"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ProjectStatus.choices,
        default=ProjectStatus.APPLIED,
        db_index=True,
    )
    applied_on = models.DateField(_("applied on"))
    selected_on = models.DateField(_("selected on"), null=True, blank=True)
    agreed_on = models.DateField(_("agreed on"), null=True, blank=True)
    building_on = models.DateField(_("building since"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True, db_index=True)
    dropped_on = models.DateField(_("dropped on"), null=True, blank=True)
    drop_reason = models.TextField(_("reason for dropping"), blank=True)
    # Optional external reference (e.g. the agency's own project number), unique per program;
    # the bulk import matches on it.
    reference = models.CharField(_("reference"), max_length=60, blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-applied_on", "-pk"]
        indexes = [
            models.Index(fields=["program", "status"]),
            models.Index(fields=["partner", "status"]),
            models.Index(fields=["plant", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "reference"],
                condition=~Q(reference=""),
                name="project_unique_reference",
            ),
            models.CheckConstraint(
                condition=Q(government_share__gte=0, partner_share__gte=0, sme_share__gte=0),
                name="project_shares_not_negative",
            ),
        ]

    def __str__(self):
        return self.title or f"{self.plant} · {self.program}"

    def get_absolute_url(self):
        return reverse("programs:project_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status != ProjectStatus.DROPPED

    def period_end(self):
        return self.completed_on or self.dropped_on

    def ensure_mentorship(self) -> Mentorship | None:
        """A win-win project's partner mentors the plant: create the mentorship if missing."""
        if self.partner_id is None:
            return None
        existing = Mentorship.objects.filter(partner_id=self.partner_id, plant_id=self.plant_id)
        if existing.exists():
            return None
        return Mentorship(
            partner_id=self.partner_id,
            plant_id=self.plant_id,
            start_date=self.applied_on,
            notes=str(_("Created for project %(project)s.") % {"project": self}),
        )


class KPIQuerySet(VisibleQuerySet):
    def restrict_to(self, user, membership):
        """A KPI is seen with its project."""
        return self.filter(project__in=Project.objects.visible_to(user))


class KPI(models.Model):
    """One before/after performance indicator of a project."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="kpis", verbose_name=_("project")
    )
    indicator = models.CharField(_("indicator"), max_length=24, choices=Indicator.choices)
    unit = models.CharField(_("unit"), max_length=30)
    baseline = models.DecimalField(_("baseline"), max_digits=16, decimal_places=4)
    result = models.DecimalField(
        _("result"), max_digits=16, decimal_places=4, null=True, blank=True
    )
    baseline_from = models.DateField(_("baseline measured from"), null=True, blank=True)
    baseline_to = models.DateField(_("baseline measured to"), null=True, blank=True)
    result_from = models.DateField(_("result measured from"), null=True, blank=True)
    result_to = models.DateField(_("result measured to"), null=True, blank=True)
    # Stored so averages are one aggregate; recomputed whenever baseline or result change.
    improvement_pct = models.DecimalField(
        _("improvement (%)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = KPIQuerySet.as_manager()

    class Meta:
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")
        ordering = ["project", "indicator"]
        constraints = [
            models.UniqueConstraint(fields=["project", "indicator"], name="kpi_unique_indicator")
        ]
        indexes = [models.Index(fields=["indicator", "improvement_pct"])]

    def __str__(self):
        return f"{self.get_indicator_display()} · {self.project}"

    @property
    def higher_is_better(self) -> bool:
        return HIGHER_IS_BETTER[Indicator(self.indicator)]

    def compute_improvement(self) -> Decimal | None:
        if self.result is None or self.baseline is None:
            return None
        value = rules.improvement_pct(self.baseline, self.result, self.higher_is_better)
        return None if value is None else value.quantize(Decimal("0.01"))

    def clean(self):
        super().clean()
        errors = {}
        for start, end in (("baseline_from", "baseline_to"), ("result_from", "result_to")):
            a, b = getattr(self, start), getattr(self, end)
            if a and b and b < a:
                errors[end] = _("The period cannot end before it starts.")
        if self.baseline_to and self.result_from and self.result_from < self.baseline_to:
            errors["result_from"] = _("The result is measured after the baseline period.")
        if errors:
            raise ValidationError(errors)
