"""One rated item, as every rating sheet keeps it — an assessment's, a self-diagnosis's, a
spot-check's: 0–5, or not applicable with a reason. The rules live here once; each sheet adds
its item and sheet keys and its constraints (named after it)."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assessments import scoring


def rating_constraints(prefix: str, sheet: str) -> list:
    """One rating per item of a sheet; N/A has no rating; a rating is 0–5."""
    return [
        models.UniqueConstraint(fields=[sheet, "item"], name=f"{prefix}_unique_item"),
        models.CheckConstraint(
            condition=Q(not_applicable=False) | Q(rating__isnull=True),
            name=f"{prefix}_na_has_no_rating",
        ),
        models.CheckConstraint(
            condition=Q(rating__isnull=True) | Q(rating__gte=0, rating__lte=5),
            name=f"{prefix}_between_0_and_5",
        ),
    ]


class RatedItem(models.Model):
    rating = models.PositiveSmallIntegerField(
        _("rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(scoring.MIN_RATING), MaxValueValidator(scoring.MAX_RATING)],
    )
    not_applicable = models.BooleanField(_("not applicable"), default=False)
    na_reason = models.TextField(_("reason it does not apply"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True

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
