"""The level timeline: each confirmed assessment's span of days as its plant's latest usable
one, kept by the services that move a level (`assessments.services.timeline`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from assessments.models.assessments import Assessment
from hub.models import Plant


class LevelTimeline(models.Model):
    """One row per confirmed assessment that was ever its plant's latest usable one: the
    plant's level on the days [valid_from, valid_to) (valid_to NULL: until a later one),
    counted while the assessment's validity lasts (expires_on, the assessment's valid_until).

    valid_from is the day the assessment became usable (the later of its assessment date
    and the hub-time-zone date of its confirmation); valid_to the first day a higher-ranked
    assessment (by assessed_on, confirmed_at, pk) became usable. Assessments superseded
    before they became usable get no row. Derived data: rebuilt per plant, inside the
    writing transaction, whenever a confirmed assessment is added."""

    plant = models.ForeignKey(
        Plant, on_delete=models.CASCADE, related_name="+", verbose_name=_("plant")
    )
    assessment = models.OneToOneField(
        Assessment, on_delete=models.CASCADE, related_name="+", verbose_name=_("assessment")
    )
    level = models.PositiveSmallIntegerField(_("level"), null=True)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True)
    expires_on = models.DateField(_("expires on"), null=True)

    class Meta:
        verbose_name = _("level timeline entry")
        verbose_name_plural = _("level timeline")
        indexes = [
            models.Index(
                fields=["valid_from"],
                include=["plant", "level", "valid_to", "expires_on"],
                name="level_timeline_from",
            ),
            models.Index(fields=["plant", "valid_from"], name="level_timeline_plant"),
        ]

    def __str__(self):
        return f"{self.plant_id}: {self.level} [{self.valid_from}, {self.valid_to})"
