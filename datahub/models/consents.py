"""Consents a plant gives for the use of its data, and the log of every read by others."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from datahub.choices import Purpose
from hub.choices import OrganizationKind, Role
from hub.models import AppendOnlyModel, AppendOnlyQuerySet, Organization, Plant, VisibleQuerySet


class ConsentQuerySet(VisibleQuerySet):
    def restrict_to(self, user, membership):
        """The SME member its own plants' consents; a partner member the consents given to its
        firm; agency staff and officials every one."""
        if membership.role == Role.SME_MEMBER:
            return self.filter(plant__company_id=membership.organization_id)
        if membership.role == Role.PARTNER_MEMBER:
            return self.filter(partner_id=membership.organization_id)
        return super().restrict_to(user, membership)

    def active(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )


class Consent(models.Model):
    """A plant's permission to use its data for one purpose (for PARTNER: one partner firm),
    until it expires or the plant revokes it."""

    plant = models.ForeignKey(
        Plant, on_delete=models.CASCADE, related_name="consents", verbose_name=_("plant")
    )
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    partner = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="data_consents",
        limit_choices_to={"kind": OrganizationKind.PARTNER},
        verbose_name=_("partner firm"),
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("granted by"),
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["plant", "purpose", "-granted_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose=Purpose.PARTNER, partner__isnull=False)
                | (~Q(purpose=Purpose.PARTNER) & Q(partner__isnull=True)),
                name="consent_partner_only_for_partner_purpose",
            ),
        ]

    def __str__(self):
        return f"{self.plant} · {self.get_purpose_display()}"

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class AccessLogQuerySet(AppendOnlyQuerySet, VisibleQuerySet):
    def restrict_to(self, user, membership):
        """The plant sees who read its data; agency staff every entry; nobody else."""
        if membership.role == Role.SME_MEMBER:
            return self.filter(plant__company_id=membership.organization_id)
        if membership.role == Role.AGENCY_STAFF:
            return self
        return self.none()


class ReadKind(models.TextChoices):
    """What kind of read an access-log entry records. The entry keeps the kind and its details
    (dates, series, format) as data; `AccessLogEntry.description` words them in the reader's
    language."""

    DASHBOARD = "dashboard", _("Dashboard")
    BENCHMARKS = "benchmarks", _("Peer benchmarks")
    SERIES = "series", _("Series values")
    PLANT_PAGE = "plant_page", _("Plant page")
    AAS = "aas", _("Asset administration shell")
    DATASET = "dataset", _("Research dataset")
    OTHER = "other", _("Other")


# How each kind is described; the details fill the placeholders.
READ_DESCRIPTIONS = {
    ReadKind.DASHBOARD: _(
        "Dashboard: %(rollup)s values %(start)s–%(end)s and before/after of projects"
    ),
    ReadKind.BENCHMARKS: _("Peer benchmarks of every KPI"),
    ReadKind.SERIES: _("Series %(series)s: %(rollup)s values %(start)s–%(end)s"),
    ReadKind.PLANT_PAGE: _("Plant page: latest values and last %(days)s days of %(count)s series"),
    ReadKind.AAS: _("Asset administration shell (%(format)s)"),
    ReadKind.DATASET: _("Research dataset #%(dataset)s (as of %(as_of)s)"),
}
ROLLUP_WORDS = {
    "raw": _("raw"),
    "hour": _("hourly"),
    "day": _("daily"),
    "month": _("monthly"),
}


class AccessLogEntry(AppendOnlyModel):
    """One read of a plant's data by someone other than the plant: who, what, for which
    purpose. Written by datahub.services.access; shown to the plant. Append-only, like the
    audit log: entries are never changed or removed through the application."""

    plant = models.ForeignKey(
        Plant, on_delete=models.CASCADE, related_name="data_reads", verbose_name=_("plant")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    kind = models.CharField(
        _("kind of read"), max_length=16, choices=ReadKind.choices, default=ReadKind.OTHER
    )
    details = models.JSONField(_("details"), default=dict, blank=True)
    what = models.CharField(
        _("what was read"),
        max_length=300,
        blank=True,
        help_text=_("Free text for reads of kind “other” (and entries written before kinds)."),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("data access")
        verbose_name_plural = _("data access log")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["plant", "-at"], name="access_log_plant_recent")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.plant_id} {self.purpose}"

    @property
    def description(self) -> str:
        """What was read, in the active language."""
        template = READ_DESCRIPTIONS.get(self.kind)
        if template is None:
            return self.what
        details = dict(self.details)
        if "rollup" in details:
            details["rollup"] = ROLLUP_WORDS.get(details["rollup"], details["rollup"])
        try:
            return str(template) % details
        except (KeyError, TypeError, ValueError):
            return self.what or str(self.get_kind_display())
