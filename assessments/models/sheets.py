"""What a self-diagnosis and a spot-check have in common: a sheet of item ratings against one
framework version, scored by the same rules as an assessment (`assessments.scoring`), kept
apart from the plant's confirmed assessments."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assessments import scoring
from assessments.models.frameworks import Framework, Item
from hub.models import Plant


class RatingSheet(models.Model):
    """A plant rated against one framework version, outside the confirmation workflow."""

    plant = models.ForeignKey(
        Plant, on_delete=models.PROTECT, related_name="%(class)ss", verbose_name=_("plant")
    )
    framework = models.ForeignKey(
        Framework, on_delete=models.PROTECT, related_name="+", verbose_name=_("framework")
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    rated_on = models.DateField(_("rated on"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    total_score = models.DecimalField(
        _("score"), max_digits=7, decimal_places=3, null=True, blank=True
    )
    band_level = models.PositiveSmallIntegerField(_("band level"), null=True, blank=True)
    final_level = models.PositiveSmallIntegerField(_("level"), null=True, blank=True)
    capping_rule = models.CharField(_("capping rule"), max_length=40, blank=True)
    result = models.JSONField(_("scoring result"), null=True, blank=True)
    # Bumped by every write: lets a form or API client detect a concurrent change.
    revision = models.PositiveIntegerField(_("revision"), default=0)

    class Meta:
        abstract = True

    def level_meaning(self) -> tuple[str, str]:
        return self.framework.level_meaning(self.final_level)


class SheetRating(models.Model):
    """One item of a rating sheet: 0–5, or not applicable with a reason (the assessment's
    own rules)."""

    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="+", verbose_name=_("item")
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(scoring.MIN_RATING), MaxValueValidator(scoring.MAX_RATING)],
    )
    not_applicable = models.BooleanField(_("not applicable"), default=False)
    na_reason = models.TextField(_("reason it does not apply"), blank=True)
    note = models.TextField(_("note"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True
        ordering = ["item__order"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "item"], name="%(class)s_unique_item"),
            models.CheckConstraint(
                condition=Q(not_applicable=False) | Q(rating__isnull=True),
                name="%(class)s_na_has_no_rating",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=0, rating__lte=5),
                name="%(class)s_between_0_and_5",
            ),
        ]

    def __str__(self):
        return f"{self.item.code}: {'N/A' if self.not_applicable else self.rating}"

    @property
    def value(self) -> scoring.Rating | None:
        """The rating as the scoring module takes it."""
        if self.not_applicable:
            return scoring.NOT_APPLICABLE
        return self.rating

    @property
    def is_complete(self) -> bool:
        return self.rating is not None or (self.not_applicable and bool(self.na_reason.strip()))

    def clean(self):
        super().clean()
        if self.not_applicable and self.rating is not None:
            raise ValidationError({"rating": _("An item marked not applicable has no rating.")})
