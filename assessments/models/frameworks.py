"""Maturity frameworks as data: a versioned framework, its areas, categories and items, frozen
once an assessment uses it."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from assessments import scoring
from assessments.choices import FrameworkStatus
from hub.i18n import is_english, pick
from hub.models import VisibleQuerySet


class Bilingual(models.Model):
    """Rows named in Korean and English; `name` follows the active language."""

    name_ko = models.CharField(_("Korean name"), max_length=300)
    name_en = models.CharField(_("English name"), max_length=300)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        return pick(self.name_ko, self.name_en)


def localized(texts, default: str = "") -> str:
    """Pick the active language from a {"ko": …, "en": …} mapping."""
    if not texts:
        return default
    lang = "en" if is_english() else "ko"
    return texts.get(lang) or texts.get("ko") or texts.get("en") or default


class FrozenError(ValidationError):
    """A confirmed assessment, or a framework in use, was about to change."""


class FrameworkQuerySet(VisibleQuerySet):
    def restrict_to(self, user, membership):
        # Frameworks are program documents: every member reads them.
        return self


class Framework(Bilingual):
    """One version of a maturity framework. Once an assessment uses it, it never changes: a
    new version supersedes it."""

    code = models.CharField(_("code"), max_length=40)
    version = models.PositiveIntegerField(_("version"))
    source = models.TextField(_("source"), blank=True)
    total_points = models.PositiveIntegerField(_("total points"), default=1000)
    thresholds = models.JSONField(_("level thresholds"))
    floor_rules = models.JSONField(_("floor rules"), default=list)
    levels = models.JSONField(_("level meanings"), default=list)
    validity_years = models.PositiveSmallIntegerField(_("validity (years)"), default=3)
    status = models.CharField(
        _("status"), max_length=16, choices=FrameworkStatus.choices, default=FrameworkStatus.ACTIVE
    )
    definition = models.JSONField(_("definition as loaded"))
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)

    objects = FrameworkQuerySet.as_manager()

    class Meta:
        verbose_name = _("framework")
        verbose_name_plural = _("frameworks")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="framework_unique_version"),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(status="active"),
                name="framework_one_active_per_code",
            ),
        ]

    def __str__(self):
        return f"{self.code} v{self.version}"

    def get_absolute_url(self):
        return reverse("assessments:framework_detail", args=[self.pk])

    @property
    def in_use(self) -> bool:
        return self.pk is not None and self.assessments.exists()

    def level_meaning(self, level: int | None) -> tuple[str, str]:
        """(name, description) of a level in the active language."""
        for entry in self.levels:
            if entry.get("level") == level:
                return localized(entry.get("name")), localized(entry.get("description"))
        return "", ""

    def spec(self) -> scoring.FrameworkSpec:
        """The pure scoring spec of this framework (items in framework order)."""
        items = [
            scoring.ItemSpec(
                code=item.code,
                area=item.category.area.code,
                points=item.points,
                order=item.order,
                descriptors={int(k): v for k, v in item.descriptors.items()},
            )
            for item in Item.objects.filter(category__area__framework=self)
            .select_related("category__area")
            .order_by("order")
        ]
        return scoring.FrameworkSpec(
            items=items,
            thresholds={int(k): v for k, v in self.thresholds.items()},
            floor_rules=[scoring.floor_rule_from_json(r) for r in self.floor_rules],
            total_points=self.total_points,
        )

    def save(self, *args, **kwargs):
        if self.pk is not None and self.in_use:
            stored = Framework.objects.get(pk=self.pk)
            frozen = ("thresholds", "floor_rules", "total_points", "validity_years", "definition")
            if any(getattr(stored, f) != getattr(self, f) for f in frozen):
                raise FrozenError(
                    _("Framework %(framework)s is in use: load a new version instead of editing.")
                    % {"framework": self}
                )
        super().save(*args, **kwargs)


class FrameworkPart(Bilingual):
    """Areas, categories and items freeze with their framework."""

    code = models.CharField(_("code"), max_length=20)
    points = models.DecimalField(_("points"), max_digits=7, decimal_places=2)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        abstract = True

    def framework_of(self) -> Framework:  # pragma: no cover - each part defines it
        raise NotImplementedError

    def save(self, *args, **kwargs):
        if self.pk is not None and self.framework_of().in_use:
            raise FrozenError(_("This framework is in use and cannot be edited."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.framework_of().in_use:
            raise FrozenError(_("This framework is in use and cannot be edited."))
        return super().delete(*args, **kwargs)


class Area(FrameworkPart):
    """One of the weighted areas of a framework (Leadership & strategy, Process, …)."""

    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="areas", verbose_name=_("framework")
    )

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["framework", "order"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="area_unique_code")
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def framework_of(self):
        return self.framework


class Category(FrameworkPart):
    """A group of items inside an area."""

    area = models.ForeignKey(
        Area, on_delete=models.CASCADE, related_name="categories", verbose_name=_("area")
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["area__order", "order"]
        constraints = [
            models.UniqueConstraint(fields=["area", "code"], name="category_unique_code")
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def framework_of(self):
        return self.area.framework


class Item(FrameworkPart):
    """One assessed item with its points and level descriptors."""

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="items", verbose_name=_("category")
    )
    # {"1": {"ko": …, "en": …}, "3": …, "5": …}
    descriptors = models.JSONField(_("level descriptors"), default=dict)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="item_unique_code")
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def framework_of(self):
        return self.category.area.framework

    def descriptor_list(self) -> list[tuple[int, str]]:
        return [(int(k), localized(v)) for k, v in sorted(self.descriptors.items())]


# "Latest first" among a plant's confirmed assessments: by assessment date, then confirmation
# time (two assessments of one day), then id. The plant's level, the progress figures and the
# partner baselines all take the first in this order; the index below follows it.
