"""Ratings of a plant kept apart from its confirmed assessments: the SME's own self-diagnosis
and the agency's blind spot-check of a confirmed assessment by another consultancy. Neither
ever changes a plant's level or the program's figures (only an audited agency decision turns
a spot-check into a new confirmed assessment)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from assessments.choices import (
    SelfAssessmentStatus,
    SpotCheckDecision,
    SpotCheckReason,
    SpotCheckStatus,
)
from assessments.models.assessments import Assessment
from assessments.models.sheets import RatingSheet, SheetRating
from hub.choices import Role
from hub.models import Plant, VisibleQuerySet


class SelfAssessmentQuerySet(VisibleQuerySet):
    def restrict_to(self, user, membership):
        """SME members every self-diagnosis of their company's plants; a consultant those
        shared with an assessment assigned to them; agency staff the finished ones (drafts are
        the plant's own working); partner members and officials none (they see figures
        only)."""
        if membership.role == Role.SME_MEMBER:
            return self.filter(plant__in=Plant.objects.visible_to(user))
        if membership.role == Role.CONSULTANT:
            return self.filter(shared_with__consultant=user)
        if membership.role == Role.AGENCY_STAFF:
            return self.finished()
        return self.none()

    def finished(self):
        return self.filter(status=SelfAssessmentStatus.FINISHED)


class SelfAssessment(RatingSheet):
    """An SME member's rating of its own plant: same framework, same rules, its own result and
    roadmap; labelled self-assessed wherever it appears."""

    status = models.CharField(
        _("status"),
        max_length=16,
        choices=SelfAssessmentStatus.choices,
        default=SelfAssessmentStatus.DRAFT,
        db_index=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("filed by"),
    )
    shared_with = models.ForeignKey(
        Assessment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="shared_self_assessments",
        verbose_name=_("shared with assessment"),
        help_text=_("The assessment whose consultant may read this self-diagnosis."),
    )
    shared_at = models.DateTimeField(_("shared at"), null=True, blank=True)

    objects = SelfAssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("self-diagnosis")
        verbose_name_plural = _("self-diagnoses")
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["plant", "status", "finished_at"])]

    def __str__(self):
        return _("Self-diagnosis #%(id)s of %(plant)s") % {"id": self.pk, "plant": self.plant}

    def get_absolute_url(self):
        return reverse("assessments:self_assessment_detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status == SelfAssessmentStatus.DRAFT


class SelfRating(SheetRating):
    sheet = models.ForeignKey(
        SelfAssessment,
        on_delete=models.CASCADE,
        related_name="ratings",
        verbose_name=_("self-diagnosis"),
    )

    class Meta(SheetRating.Meta):
        verbose_name = _("self-diagnosis rating")
        verbose_name_plural = _("self-diagnosis ratings")


class SpotCheckDraw(models.Model):
    """One sampling of confirmed assessments for spot-checks: its settings and seed, so the
    same draw can be reproduced."""

    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("drawn by"),
    )
    drawn_at = models.DateTimeField(_("drawn at"), auto_now_add=True)
    seed = models.BigIntegerField(_("seed"))
    settings = models.JSONField(_("settings"), default=dict)

    class Meta:
        verbose_name = _("spot-check draw")
        verbose_name_plural = _("spot-check draws")
        ordering = ["-drawn_at", "-pk"]

    def __str__(self):
        return _("Spot-check draw #%(id)s") % {"id": self.pk}


class SpotCheckQuerySet(VisibleQuerySet):
    def restrict_to(self, user, membership):
        """Agency staff every spot-check; the second consultant its own (blind: it never sees
        the confirmed assessment through it); officials, partners and SMEs none."""
        if membership.role == Role.AGENCY_STAFF:
            return self
        if membership.role == Role.CONSULTANT:
            return self.filter(consultant=user)
        return self.none()


class SpotCheck(RatingSheet):
    """A blind second assessment of a confirmed assessment by a consultant of another
    consultancy, kept as a calibration record."""

    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.PROTECT,
        related_name="spot_checks",
        verbose_name=_("checked assessment"),
    )
    draw = models.ForeignKey(
        SpotCheckDraw,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="spot_checks",
        verbose_name=_("draw"),
    )
    reason = models.CharField(
        _("reason"), max_length=16, choices=SpotCheckReason.choices, default=SpotCheckReason.RANDOM
    )
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="spot_checks",
        verbose_name=_("second consultant"),
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=SpotCheckStatus.choices,
        default=SpotCheckStatus.DRAFT,
        db_index=True,
    )
    decision = models.CharField(
        _("decision"),
        max_length=16,
        choices=SpotCheckDecision.choices,
        default=SpotCheckDecision.PENDING,
    )
    decision_note = models.TextField(_("reason for the decision"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    replacement = models.OneToOneField(
        Assessment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adopted_from_spot_check",
        verbose_name=_("replacing assessment"),
    )

    objects = SpotCheckQuerySet.as_manager()

    class Meta:
        verbose_name = _("spot-check")
        verbose_name_plural = _("spot-checks")
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["consultant", "status"])]

    def __str__(self):
        return _("Spot-check #%(id)s of assessment #%(assessment)s") % {
            "id": self.pk,
            "assessment": self.assessment_id,
        }

    def get_absolute_url(self):
        return reverse("assessments:spot_check_detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status == SpotCheckStatus.DRAFT


class SpotCheckRating(SheetRating):
    sheet = models.ForeignKey(
        SpotCheck,
        on_delete=models.CASCADE,
        related_name="ratings",
        verbose_name=_("spot-check"),
    )

    class Meta(SheetRating.Meta):
        verbose_name = _("spot-check rating")
        verbose_name_plural = _("spot-check ratings")
