"""Data sources (a plant's MES, SCADA gateway, spreadsheet…), their tokens and the series
they send."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from datahub.choices import Granularity, Purpose, SourceKind
from datahub.models.catalogue import KpiDefinition
from hub.choices import Role
from hub.models import Plant, TimeStamped, VisibleQuerySet


class PlantDataQuerySet(VisibleQuerySet):
    """Rows that belong to one plant's data hub (`plant` field). The SME member sees its own
    company's; agency staff and officials every plant's (metadata: who is connected; reading
    observations needs a consent, datahub.services.access); a partner member those of the
    plants it mentors that gave it the partner consent; consultants none."""

    def restrict_to(self, user, membership):
        if membership.role == Role.SME_MEMBER:
            return self.filter(plant__company_id=membership.organization_id)
        if membership.role == Role.PARTNER_MEMBER:
            from datahub.models.consents import Consent

            consented = Consent.objects.active().filter(
                purpose=Purpose.PARTNER, partner_id=membership.organization_id
            )
            mentored = Plant.objects.visible_to(user)
            return self.filter(plant__in=mentored, plant_id__in=consented.values("plant_id"))
        return super().restrict_to(user, membership)


class DataSource(TimeStamped):
    plant = models.ForeignKey(
        Plant, on_delete=models.CASCADE, related_name="data_sources", verbose_name=_("plant")
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(
        _("kind"), max_length=16, choices=SourceKind.choices, default=SourceKind.OTHER
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    last_data_at = models.DateTimeField(_("last data received"), null=True, blank=True)

    objects = PlantDataQuerySet.as_manager()

    class Meta:
        verbose_name = _("data source")
        verbose_name_plural = _("data sources")
        ordering = ["plant", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plant", "name"], name="data_source_unique_name"),
        ]

    def __str__(self):
        return self.name


class TokenQuerySet(models.QuerySet):
    def usable(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )


class SourceToken(models.Model):
    """A write-only credential of one source. Only the SHA-256 digest of the secret is kept;
    `prefix` (public, part of the token) finds the row."""

    source = models.ForeignKey(
        DataSource, on_delete=models.CASCADE, related_name="tokens", verbose_name=_("source")
    )
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    digest = models.CharField(_("digest"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = TokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("source token")
        verbose_name_plural = _("source tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.prefix}…"

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class Series(models.Model):
    """What one source sends about one plant: a KPI or raw quantity, in a unit, at a
    granularity, optionally for one line or machine. Rows name it by `key`."""

    plant = models.ForeignKey(
        Plant, on_delete=models.CASCADE, related_name="series", verbose_name=_("plant")
    )
    source = models.ForeignKey(
        DataSource, on_delete=models.CASCADE, related_name="series", verbose_name=_("source")
    )
    kpi = models.ForeignKey(
        KpiDefinition, on_delete=models.PROTECT, related_name="series", verbose_name=_("KPI")
    )
    unit = models.CharField(_("unit (UCUM)"), max_length=30)
    granularity = models.CharField(
        _("granularity"), max_length=8, choices=Granularity.choices, default=Granularity.HOUR
    )
    label = models.CharField(
        _("line or equipment"), max_length=80, blank=True, help_text=_("Optional.")
    )
    key = models.SlugField(_("key"), max_length=120)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_ts = models.DateTimeField(_("latest observation"), null=True, blank=True)
    last_data_at = models.DateTimeField(_("last data received"), null=True, blank=True)

    objects = PlantDataQuerySet.as_manager()

    class Meta:
        verbose_name = _("series")
        verbose_name_plural = _("series")
        ordering = ["plant", "key"]
        constraints = [
            models.UniqueConstraint(fields=["plant", "key"], name="series_unique_key"),
        ]

    def __str__(self):
        return self.key
