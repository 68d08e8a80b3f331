"""Loading maturity frameworks (data, versioned, frozen once used) and finding the current one."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessments.choices import (
    FrameworkStatus,
)
from assessments.models import (
    Area,
    Category,
    Framework,
    FrozenError,
    Item,
)
from hub.audit import audit_record
from hub.choices import AuditAction


def _check_framework_definition(data: dict) -> list[str]:
    """Structural problems of a framework definition (empty when it is sound)."""
    problems = []
    for key in ("code", "version", "name", "level_thresholds", "areas"):
        if key not in data:
            problems.append(_("The definition has no “%(key)s”.") % {"key": key})
    if problems:
        return problems
    total = Decimal(str(data.get("total_points", 1000)))
    area_sum, codes = Decimal(0), set()
    for area in data["areas"]:
        area_points, cat_sum = Decimal(str(area["points"])), Decimal(0)
        area_sum += area_points
        for category in area.get("categories", []):
            cat_points = Decimal(str(category["points"]))
            cat_sum += cat_points
            item_sum = sum(Decimal(str(i["points"])) for i in category.get("items", []))
            if item_sum != cat_points:
                problems.append(
                    _("Category %(code)s has %(points)s points but its items add up to %(sum)s.")
                    % {"code": category["code"], "points": cat_points, "sum": item_sum}
                )
            for item in category.get("items", []):
                if item["code"] in codes:
                    problems.append(_("Item code %(code)s repeats.") % {"code": item["code"]})
                codes.add(item["code"])
        if cat_sum != area_points:
            problems.append(
                _("Area %(code)s has %(points)s points but its categories add up to %(sum)s.")
                % {"code": area["code"], "points": area_points, "sum": cat_sum}
            )
    if area_sum != total:
        problems.append(
            _("The areas add up to %(sum)s points, not %(total)s.")
            % {"sum": area_sum, "total": total}
        )
    thresholds = [data["level_thresholds"].get(str(lvl)) for lvl in range(1, 6)]
    if None in thresholds or thresholds != sorted(thresholds):
        problems.append(_("Level thresholds for Levels 1–5 must all be given, in rising order."))
    return problems


@transaction.atomic
def framework_load(*, data: dict, user=None) -> tuple[Framework, str]:
    """Load a framework version from its JSON definition. Idempotent: the same definition
    again changes nothing ("unchanged"); a changed definition of a version in use is refused
    (load it as a new version); a new version supersedes the active one of the same code.
    Returns (framework, "created" | "updated" | "unchanged")."""
    problems = _check_framework_definition(data)
    if problems:
        raise ValidationError(problems)
    existing = Framework.objects.filter(code=data["code"], version=data["version"]).first()
    if existing is not None:
        if existing.definition == data:
            return existing, "unchanged"
        if existing.in_use:
            raise FrozenError(
                _("Framework %(framework)s is in use: load a new version instead of editing.")
                % {"framework": existing}
            )
        existing.areas.all().delete()
        existing.delete()
        outcome = "updated"
    else:
        outcome = "created"
    newer = Framework.objects.filter(code=data["code"], version__gt=data["version"]).exists()
    if not newer:
        Framework.objects.filter(code=data["code"], status=FrameworkStatus.ACTIVE).update(
            status=FrameworkStatus.SUPERSEDED
        )
    framework = Framework.objects.create(
        code=data["code"],
        version=data["version"],
        name_ko=data["name"]["ko"],
        name_en=data["name"]["en"],
        source=data.get("source", ""),
        total_points=data.get("total_points", 1000),
        thresholds=data["level_thresholds"],
        floor_rules=data.get("floor_rules", []),
        levels=data.get("levels", []),
        validity_years=data.get("validity_years", 3),
        status=FrameworkStatus.SUPERSEDED if newer else FrameworkStatus.ACTIVE,
        definition=data,
    )
    order = 0
    for a_index, area_data in enumerate(data["areas"]):
        area = Area.objects.create(
            framework=framework,
            code=area_data["code"],
            name_ko=area_data["name"]["ko"],
            name_en=area_data["name"]["en"],
            points=area_data["points"],
            order=a_index,
        )
        for c_index, cat_data in enumerate(area_data["categories"]):
            category = Category.objects.create(
                area=area,
                code=cat_data["code"],
                name_ko=cat_data["name"]["ko"],
                name_en=cat_data["name"]["en"],
                points=cat_data["points"],
                order=c_index,
            )
            items = []
            for item_data in cat_data["items"]:
                items.append(
                    Item(
                        category=category,
                        code=item_data["code"],
                        name_ko=item_data["name"]["ko"],
                        name_en=item_data["name"]["en"],
                        points=item_data["points"],
                        order=order,
                        descriptors=item_data.get("descriptors", {}),
                    )
                )
                order += 1
            Item.objects.bulk_create(items)
    audit_record(
        user=user,
        action=AuditAction.CREATE if outcome == "created" else AuditAction.UPDATE,
        obj=framework,
        after={"code": framework.code, "version": framework.version, "items": order},
        message=_("Framework loaded."),
    )
    return framework, outcome


def framework_current(code: str | None = None) -> Framework:
    qs = Framework.objects.filter(status=FrameworkStatus.ACTIVE)
    if code:
        qs = qs.filter(code=code)
    framework = qs.order_by("-version").first()
    if framework is None:
        raise ValidationError(_("No active maturity framework is loaded."))
    return framework
