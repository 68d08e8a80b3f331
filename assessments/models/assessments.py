"""Assessments of a plant against a framework version, their item ratings and evidence files."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from assessments.choices import EDITABLE_STATUSES, AssessmentOrigin, AssessmentStatus
from assessments.models.frameworks import Framework, FrozenError, Item
from assessments.models.rated import RatedItem, rating_constraints
from hub.choices import Role
from hub.models import Plant, VisibleQuerySet

LATEST_CONFIRMED_FIRST = ("-assessed_on", "-confirmed_at", "-id")


class AssessmentQuerySet(VisibleQuerySet):
    def restrict_to(self, user, membership):
        """Officials every assessment past the draft stage; consultants those assigned to
        them; partner members the confirmed assessments of the plants their firm mentors, SME
        members those of their own company's plants; agency staff every one
        (docs/decisions.md, "Who sees what")."""
        if membership.role == Role.OFFICIAL:
            return self.exclude(status__in=EDITABLE_STATUSES)
        if membership.role == Role.CONSULTANT:
            return self.filter(consultant=user)
        if membership.role in (Role.PARTNER_MEMBER, Role.SME_MEMBER):
            return self.confirmed().filter(plant__in=Plant.objects.visible_to(user))
        return super().restrict_to(user, membership)

    def confirmed(self):
        return self.filter(status=AssessmentStatus.CONFIRMED)

    def latest_confirmed_first(self):
        return self.confirmed().order_by(*LATEST_CONFIRMED_FIRST)

    def open_queue_order(self):
        """The work queue's order: returned first (someone waits on the fix), then drafts,
        then submitted, confirmed last; within each the earliest due, then the oldest."""
        rank = models.Case(
            models.When(status=AssessmentStatus.RETURNED, then=0),
            models.When(status=AssessmentStatus.DRAFT, then=1),
            models.When(status=AssessmentStatus.SUBMITTED, then=2),
            default=3,
            output_field=models.IntegerField(),
        )
        return self.alias(queue_rank=rank).order_by(
            "queue_rank", models.F("due_on").asc(nulls_last=True), "opened_at", "pk"
        )


class Assessment(models.Model):
    """One maturity assessment of a plant against one framework version: opened by agency
    staff, filled by the assigned consultant, confirmed (and then frozen) by agency staff."""

    plant = models.ForeignKey(
        Plant, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("plant")
    )
    framework = models.ForeignKey(
        Framework,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("framework"),
    )
    # Empty only for a back-filed assessment whose consultant is not a hub user
    # (`recorded_consultant` then keeps the name the records give).
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_assessments",
        verbose_name=_("consultant"),
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("opened by"),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=AssessmentStatus.choices,
        default=AssessmentStatus.DRAFT,
        db_index=True,
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    assessed_on = models.DateField(
        _("assessed on"), null=True, blank=True, help_text=_("Date of the on-site assessment.")
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    return_reason = models.TextField(_("reason for return"), blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    # The scoring result, stored at submit and confirm so reports never recompute history.
    total_score = models.DecimalField(
        _("score"), max_digits=7, decimal_places=3, null=True, blank=True
    )
    band_level = models.PositiveSmallIntegerField(_("band level"), null=True, blank=True)
    final_level = models.PositiveSmallIntegerField(_("level"), null=True, blank=True)
    capping_rule = models.CharField(_("capping rule"), max_length=40, blank=True)
    result = models.JSONField(_("scoring result"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # Bumped by every write: lets a form or API client detect a concurrent change.
    revision = models.PositiveIntegerField(_("revision"), default=0)
    # Back-filed history (assessments confirmed before the hub): `confirmed_at` is the
    # original confirmation date; an outcome-only one keeps the recorded score and level
    # without item ratings and is left out of item-level analyses.
    origin = models.CharField(
        _("origin"),
        max_length=16,
        choices=AssessmentOrigin.choices,
        default=AssessmentOrigin.HUB,
        db_index=True,
    )
    outcome_only = models.BooleanField(
        _("outcome only"),
        default=False,
        help_text=_("Only the recorded score and level survive; there are no item ratings."),
    )
    recorded_consultant = models.CharField(_("consultant as recorded"), max_length=200, blank=True)
    source_reference = models.CharField(
        _("source reference"),
        max_length=100,
        blank=True,
        help_text=_("The identifier of the assessment in the records it was back-filed from."),
    )

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-opened_at", "-pk"]
        indexes = [
            models.Index(fields=["plant", "status", "assessed_on"]),
            models.Index(fields=["consultant", "status"]),
            models.Index(fields=["status", "final_level"]),
            # Progress figures (programs.progress): each plant's confirmed assessments in
            # "latest first" order, covering the level and validity (index-only on PostgreSQL).
            models.Index(
                fields=["plant", *LATEST_CONFIRMED_FIRST],
                include=["final_level", "valid_until"],
                condition=Q(status=AssessmentStatus.CONFIRMED),
                name="assessment_confirmed_latest",
            ),
        ]
        constraints = [
            # A back-filed record is imported once.
            models.UniqueConstraint(
                fields=["source_reference"],
                condition=~Q(source_reference=""),
                name="assessment_unique_source_reference",
            ),
            # Only a back-filed assessment may lack a hub consultant.
            models.CheckConstraint(
                condition=Q(consultant__isnull=False) | Q(origin=AssessmentOrigin.HISTORY),
                name="assessment_consultant_unless_history",
            ),
        ]

    def __str__(self):
        return _("Assessment #%(id)s of %(plant)s") % {"id": self.pk, "plant": self.plant}

    def get_absolute_url(self):
        return reverse("assessments:assessment_detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def is_frozen(self) -> bool:
        return self.status == AssessmentStatus.CONFIRMED

    def level_meaning(self) -> tuple[str, str]:
        return self.framework.level_meaning(self.final_level)

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = Assessment.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == AssessmentStatus.CONFIRMED:
                raise FrozenError(_("A confirmed assessment cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_frozen:
            raise FrozenError(_("A confirmed assessment cannot be deleted."))
        return super().delete(*args, **kwargs)


class ItemRating(RatedItem):
    """The consultant's rating of one item in one assessment (`RatedItem`), plus an evidence
    note."""

    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="ratings",
        verbose_name=_("assessment"),
    )
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("item")
    )
    evidence_note = models.TextField(_("evidence note"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("item rating")
        verbose_name_plural = _("item ratings")
        ordering = ["item__order"]
        constraints = rating_constraints("rating", "assessment")

    def save(self, *args, **kwargs):
        _refuse_if_frozen(self.assessment_id)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse_if_frozen(self.assessment_id)
        return super().delete(*args, **kwargs)


def evidence_upload_to(instance, filename):
    # Never the user's file name on disk: it is kept in original_name.
    import uuid
    from pathlib import Path

    suffix = Path(filename).suffix.lower()[:10]
    return f"evidence/{instance.assessment_id}/{uuid.uuid4().hex}{suffix}"


class EvidenceQuerySet(VisibleQuerySet):
    def restrict_to(self, user, membership):
        """A file is seen with its assessment."""
        return self.filter(assessment__in=Assessment.objects.visible_to(user))


class Evidence(models.Model):
    """A file backing one item's rating (photo, PDF, office document). Served only through a
    view that checks the assessment's visibility, never from a public media URL."""

    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="evidence",
        verbose_name=_("assessment"),
    )
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="+", verbose_name=_("item")
    )
    file = models.FileField(_("file"), upload_to=evidence_upload_to, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("assessments:evidence_download", args=[self.pk])

    def save(self, *args, **kwargs):
        _refuse_if_frozen(self.assessment_id)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse_if_frozen(self.assessment_id)
        return super().delete(*args, **kwargs)


def _refuse_if_frozen(assessment_id) -> None:
    status = Assessment.objects.filter(pk=assessment_id).values_list("status", flat=True).first()
    if status == AssessmentStatus.CONFIRMED:
        raise FrozenError(_("A confirmed assessment cannot be changed."))
