"""The KPI catalogue: versioned data like the maturity framework (ISO 22400-2 KPIs and the
raw quantities they come from). Loaded from datahub/catalogue/*.json; a version in use never
changes, a new one supersedes it."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from assessments.models import Bilingual
from datahub.choices import Aggregation, Better, QuantityKind
from hub.models import VisibleQuerySet


class CatalogueQuerySet(VisibleQuerySet):
    def restrict_to(self, user, membership):
        # The catalogue is a program document: every member reads it.
        return self


class KpiCatalogue(Bilingual):
    code = models.CharField(_("code"), max_length=40)
    version = models.PositiveIntegerField(_("version"))
    source = models.TextField(_("source"), blank=True)
    is_current = models.BooleanField(_("current"), default=False)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        verbose_name = _("KPI catalogue")
        verbose_name_plural = _("KPI catalogues")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="kpi_catalogue_unique"),
            models.UniqueConstraint(
                fields=["is_current"],
                condition=models.Q(is_current=True),
                name="kpi_catalogue_one_current",
            ),
        ]

    def __str__(self):
        return f"{self.code} v{self.version}"


class KpiDefinition(Bilingual):
    """One KPI or raw quantity: code, names, UCUM unit, better direction, valid range and
    formula (for derived KPIs, over the codes in `inputs`)."""

    catalogue = models.ForeignKey(
        KpiCatalogue,
        on_delete=models.PROTECT,
        related_name="definitions",
        verbose_name=_("catalogue"),
    )
    code = models.CharField(_("code"), max_length=40)
    kind = models.CharField(_("kind"), max_length=8, choices=QuantityKind.choices)
    unit = models.CharField(_("unit (UCUM)"), max_length=30)
    better = models.CharField(
        _("better direction"), max_length=8, choices=Better.choices, default=Better.NEITHER
    )
    min_value = models.FloatField(_("lowest valid value"), null=True, blank=True)
    max_value = models.FloatField(_("highest valid value"), null=True, blank=True)
    formula = models.CharField(_("formula"), max_length=200, blank=True)
    inputs = models.JSONField(_("inputs"), default=list, blank=True)
    aggregation = models.CharField(
        _("aggregation"), max_length=8, choices=Aggregation.choices, default=Aggregation.SUM
    )
    description_ko = models.TextField(_("Korean description"), blank=True)
    description_en = models.TextField(_("English description"), blank=True)
    iso_reference = models.CharField(_("ISO 22400-2 reference"), max_length=40, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        verbose_name = _("KPI definition")
        verbose_name_plural = _("KPI definitions")
        ordering = ["catalogue", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["catalogue", "code"], name="kpi_definition_unique"),
        ]

    def __str__(self):
        return self.code

    @property
    def is_derived(self) -> bool:
        return bool(self.formula)
