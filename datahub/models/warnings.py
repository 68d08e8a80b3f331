"""Early warnings: what the daily rules found about a plant (datahub.services.warnings)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from datahub.models.sources import PlantDataQuerySet
from hub.models import Plant


class WarningKind(models.TextChoices):
    FOLLOW_UP_OVERDUE = "follow_up_overdue", _("Follow-up report overdue")
    KPI_REGRESSED = "kpi_regressed", _("KPI regressed")
    LEVEL_EXPIRED = "level_expired", _("Confirmed level expired")
    LEVEL_DROPPED = "level_dropped", _("Confirmed level dropped")
    SOURCE_SILENT = "source_silent", _("Data source silent")
    PLANT_CLOSED = "plant_closed", _("Plant closed")


class WarningStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


# Statuses of a warning whose condition still needs attention (one such row per finding).
UNRESOLVED = (WarningStatus.OPEN, WarningStatus.ACKNOWLEDGED)


class EarlyWarningQuerySet(PlantDataQuerySet):
    """Who sees a warning is who sees the plant's data hub rows (PlantDataQuerySet): agency
    staff and officials every one, the SME member its company's plants', a partner member
    those of the plants it mentors that gave it the partner consent, consultants none."""

    def unresolved(self):
        return self.filter(status__in=UNRESOLVED)

    def queue_order(self):
        """Open first, then acknowledged, then resolved; the most recent finding first."""
        rank = models.Case(
            models.When(status=WarningStatus.OPEN, then=0),
            models.When(status=WarningStatus.ACKNOWLEDGED, then=1),
            default=2,
            output_field=models.IntegerField(),
        )
        return self.alias(status_rank=rank).order_by("status_rank", "-first_detected", "-pk")


class EarlyWarning(models.Model):
    """One condition of one plant that the daily rules found (a follow-up overdue, a KPI that
    regressed, a level expired or dropped, a silent source, a closed plant), from its first
    detection until it ends or agency staff resolve it. `key` tells findings of one kind
    apart (the series of a KPI regression, the source of a silence), so the same finding is
    one row; at most one unresolved row per (plant, kind, key)."""

    plant = models.ForeignKey(
        Plant, on_delete=models.CASCADE, related_name="early_warnings", verbose_name=_("plant")
    )
    kind = models.CharField(_("kind"), max_length=24, choices=WarningKind.choices)
    key = models.CharField(_("key"), max_length=64, blank=True)
    since = models.DateField(_("condition since"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    first_detected = models.DateField(_("first detected"))
    last_detected = models.DateField(_("last detected"))
    status = models.CharField(
        _("status"), max_length=16, choices=WarningStatus.choices, default=WarningStatus.OPEN
    )
    note = models.TextField(_("note"), blank=True)
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acted by"),
    )
    acted_at = models.DateTimeField(_("acted at"), null=True, blank=True)
    resolved_automatically = models.BooleanField(_("resolved automatically"), default=False)

    objects = EarlyWarningQuerySet.as_manager()

    class Meta:
        verbose_name = _("early warning")
        verbose_name_plural = _("early warnings")
        ordering = ["-first_detected", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plant", "kind", "key"],
                condition=Q(status__in=["open", "acknowledged"]),
                name="early_warning_one_unresolved",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "kind"], name="early_warning_queue"),
            models.Index(fields=["plant", "status"], name="early_warning_plant"),
        ]

    def __str__(self):
        return f"{self.plant} · {self.get_kind_display()}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("datahub:warning", args=[self.pk])

    @property
    def is_resolved(self) -> bool:
        return self.status == WarningStatus.RESOLVED
