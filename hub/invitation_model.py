"""The Invitation model (services in hub/invitations.py). It imports nothing of hub but its
choices, so hub.models can register it without an import cycle."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.choices import OrganizationKind


class Invitation(models.Model):
    """An invitation for one person to become an SME member of `organization`, usable once
    before `expires_at`."""

    organization = models.ForeignKey(
        "hub.Organization",
        on_delete=models.CASCADE,
        related_name="invitations",
        limit_choices_to={"kind": OrganizationKind.SME},
        verbose_name=_("SME company"),
    )
    email = models.EmailField(_("e-mail"))
    name = models.CharField(_("name"), max_length=150)
    digest = models.CharField(_("token digest"), max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account created"),
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.email} → {self.organization}"

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()
