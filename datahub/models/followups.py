"""Follow-up (사후관리) obligations: the reporting periods of completed projects, materialised
by datahub.services.followups from the projects and their programs' terms."""

import datetime as dt

from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from datahub import followup_rules as rules
from hub.choices import OrganizationKind, Role
from hub.models import Organization, Plant, VisibleQuerySet
from programs.models import Program, Project


class FollowUpStatus(models.TextChoices):
    UPCOMING = rules.UPCOMING, _("Upcoming")
    DUE = rules.DUE, _("Due")
    LATE = rules.LATE, _("Late")
    RECEIVED = rules.RECEIVED, _("Received")
    RECEIVED_LATE = rules.RECEIVED_LATE, _("Received late")


class FollowUpQuerySet(VisibleQuerySet):
    def restrict_to(self, user, membership):
        """The SME member its company's plants' periods; a partner member those of the
        projects its firm co-funds on plants it mentors (obligations are project metadata, no
        data values: no consent is needed); agency staff and officials every one; consultants
        none."""
        if membership.role == Role.SME_MEMBER:
            return self.filter(plant__company_id=membership.organization_id)
        if membership.role == Role.PARTNER_MEMBER:
            return self.filter(
                project__partner_id=membership.organization_id,
                plant__in=Plant.objects.visible_to(user),
            )
        return super().restrict_to(user, membership)

    def with_status(self, today: dt.date | None = None):
        """Annotate `current_status`: the status on `today` from the dates (the stored
        `status` is what the last refresh saw). Same rule as followup_rules.status."""
        today = today or timezone.localdate()
        return self.annotate(
            current_status=Case(
                When(received_at__isnull=False, then="status"),
                When(period_end__gte=today, then=Value(rules.UPCOMING)),
                When(due_date__gte=today, then=Value(rules.DUE)),
                default=Value(rules.LATE),
                output_field=models.CharField(),
            )
        )

    def in_status(self, statuses, today: dt.date | None = None):
        """Periods whose status on `today` is one of `statuses` (an index-friendly filter)."""
        today = today or timezone.localdate()
        pending = Q(received_at__isnull=True)
        rules_q = {
            rules.UPCOMING: pending & Q(period_end__gte=today),
            rules.DUE: pending & Q(period_end__lt=today, due_date__gte=today),
            rules.LATE: pending & Q(due_date__lt=today),
            rules.RECEIVED: Q(received_at__isnull=False, status=rules.RECEIVED),
            rules.RECEIVED_LATE: Q(received_at__isnull=False, status=rules.RECEIVED_LATE),
        }
        q = Q(pk__in=[])
        for value in statuses:
            q |= rules_q[value]
        return self.filter(q)


class FollowUpPeriod(models.Model):
    """One reporting period of a completed project's follow-up duty: its dates, the KPIs the
    plant's report must hold, and when the hub found them in the plant's data."""

    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        related_name="followup_periods",
        verbose_name=_("project"),
    )
    # Denormalised from the project for the queues' filters and counts.
    plant = models.ForeignKey(
        Plant, on_delete=models.CASCADE, related_name="followup_periods", verbose_name=_("plant")
    )
    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="+", verbose_name=_("program")
    )
    agency = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"kind": OrganizationKind.AGENCY},
        verbose_name=_("operating agency"),
    )
    sequence = models.PositiveSmallIntegerField(_("period number"))
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    due_date = models.DateField(_("due date"))
    # The period's bounds as instants (Asia/Seoul midnights; end exclusive): matched against
    # the month rollups of the plant's series.
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    required_kpis = models.JSONField(_("required KPIs"), default=list)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=FollowUpStatus.choices, default=rules.UPCOMING
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up period")
        verbose_name_plural = _("follow-up periods")
        ordering = ["plant", "project", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["project", "sequence"], name="followup_unique_period"),
        ]
        indexes = [
            models.Index(fields=["plant", "period_end"], name="followup_plant_end"),
            models.Index(fields=["due_date", "received_at"], name="followup_due"),
            models.Index(fields=["agency", "status"], name="followup_agency_status"),
            models.Index(fields=["program", "status"], name="followup_program_status"),
        ]

    def __str__(self):
        return f"{self.project} #{self.sequence} ({self.period_start} – {self.period_end})"

    def current_status(self, today: dt.date | None = None) -> str:
        received_on = timezone.localdate(self.received_at) if self.received_at else None
        return rules.status(
            end=self.period_end,
            due=self.due_date,
            today=today or timezone.localdate(),
            received_on=received_on,
        )

    def days_overdue(self, today: dt.date | None = None) -> int:
        today = today or timezone.localdate()
        return max(0, (today - self.due_date).days) if self.received_at is None else 0
