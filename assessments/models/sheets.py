"""What a self-diagnosis and a spot-check have in common: a sheet of item ratings against one
framework version, scored by the same rules as an assessment (`assessments.scoring`), kept
apart from the plant's confirmed assessments."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from assessments.models.frameworks import Framework, Item
from assessments.models.rated import RatedItem, rating_constraints
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


class SheetRating(RatedItem):
    """One item of a rating sheet (the assessment's own rules, `RatedItem`)."""

    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="+", verbose_name=_("item")
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        abstract = True
        ordering = ["item__order"]
        constraints = rating_constraints("%(class)s", "sheet")
