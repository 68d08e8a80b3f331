"""Reads across assessments, frameworks and plants."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch

from assessments import scoring
from assessments.models import (
    Area,
    Assessment,
    Category,
    Evidence,
    Framework,
    Item,
    ItemRating,
    localized,
)


def framework_tree(framework: Framework):
    """Areas with their categories and items prefetched (3 queries)."""
    return framework.areas.prefetch_related(
        Prefetch(
            "categories",
            queryset=Category.objects.order_by("order").prefetch_related(
                Prefetch("items", queryset=Item.objects.order_by("order"))
            ),
        )
    ).order_by("order")


def assessments_for_plant(plant, user):
    """The plant's assessments the user may see, newest first."""
    return (
        Assessment.objects.visible_to(user)
        .filter(plant=plant)
        .select_related("framework", "consultant")
        .order_by("-assessed_on", "-opened_at", "-pk")
    )


@dataclass
class RatedItem:
    item: Item
    rating: ItemRating
    evidence: list


@dataclass
class RatedCategory:
    category: Category
    items: list[RatedItem]


@dataclass
class RatedArea:
    area: Area
    categories: list[RatedCategory]
    result: dict | None  # {"score": "812.500", "level": 3} from the stored result

    @property
    def item_count(self) -> int:
        return sum(len(c.items) for c in self.categories)


def assessment_sheet(assessment: Assessment) -> list[RatedArea]:
    """The assessment as areas → categories → (item, rating, evidence) in framework order, in a
    fixed number of queries whatever the item count."""
    ratings = {r.item_id: r for r in ItemRating.objects.filter(assessment=assessment)}
    evidence: dict[int, list] = {}
    for e in Evidence.objects.filter(assessment=assessment).order_by("uploaded_at", "pk"):
        evidence.setdefault(e.item_id, []).append(e)
    stored = (assessment.result or {}).get("areas", {})
    sheet = []
    for area in framework_tree(assessment.framework):
        categories = []
        for category in area.categories.all():
            rated = [
                RatedItem(item=i, rating=ratings.get(i.pk), evidence=evidence.get(i.pk, []))
                for i in category.items.all()
            ]
            categories.append(RatedCategory(category=category, items=rated))
        sheet.append(RatedArea(area=area, categories=categories, result=stored.get(area.code)))
    return sheet


def completeness(assessment: Assessment) -> dict:
    """Counts for the completeness indicator: done = rated, or N/A with a reason; "areas"
    holds the same counts per area id (one query)."""
    rows = ItemRating.objects.filter(assessment=assessment).values_list(
        "rating", "not_applicable", "na_reason", "item__category__area_id"
    )
    done = total = 0
    areas: dict[int, dict] = {}
    for rating, na, reason, area_id in rows:
        is_done = rating is not None or (na and bool(reason.strip()))
        area = areas.setdefault(area_id, {"done": 0, "total": 0})
        area["total"] += 1
        total += 1
        if is_done:
            area["done"] += 1
            done += 1
    return {
        "done": done,
        "total": total,
        "missing": total - done,
        "percent": round(100 * done / total) if total else 0,
        "areas": areas,
    }


def roadmap_rows(assessment: Assessment, limit: int | None = None) -> list[dict]:
    """The stored roadmap with each item's names and descriptor text (2 queries)."""
    steps = ((assessment.result or {}).get("roadmap") or [])[:limit]
    items = {
        i.code: i
        for i in Item.objects.filter(
            category__area__framework=assessment.framework_id,
            code__in=[s["item"] for s in steps],
        ).select_related("category__area")
    }
    rows = []
    for step in steps:
        item = items.get(step["item"])
        if item is None:
            continue
        level, text = scoring.descriptor_for(
            scoring.ItemSpec(
                code=item.code,
                area=step["area"],
                points=item.points,
                descriptors={int(k): v for k, v in item.descriptors.items()},
            ),
            step["target"],
        )
        rows.append(
            {**step, "item_obj": item, "descriptor_level": level, "descriptor": localized(text)}
        )
    return rows


def assessment_comparison(a: Assessment, b: Assessment) -> dict:
    """Rows of the comparison: areas (stored scores and levels) and items (ratings), matched
    by code so two framework versions still line up. When either is a back-filed
    outcome-only assessment there are no items nor areas to compare, only the totals."""
    outcome_only = a.outcome_only or b.outcome_only
    compared = [] if outcome_only else [a.pk, b.pk]
    ratings = ItemRating.objects.filter(assessment__in=compared).select_related(
        "item__category__area"
    )
    by_code: dict[str, dict] = {}
    areas: dict[str, object] = {}
    for r in sorted(ratings, key=lambda r: (r.assessment_id != a.pk, r.item.order)):
        row = by_code.setdefault(r.item.code, {"item": r.item, "a": None, "b": None})
        row["a" if r.assessment_id == a.pk else "b"] = r
        areas.setdefault(r.item.category.area.code, r.item.category.area)
    items = []
    for row in by_code.values():
        va = _comparable(row["a"])
        vb = _comparable(row["b"])
        row["changed"] = va != vb
        row["delta"] = vb - va if isinstance(va, int) and isinstance(vb, int) else None
        items.append(row)
    area_rows = []
    result_a = (a.result or {}).get("areas", {})
    result_b = (b.result or {}).get("areas", {})
    for code, area in areas.items():
        ra, rb = result_a.get(code) or {}, result_b.get(code) or {}
        sa, sb = ra.get("score"), rb.get("score")
        delta = None
        if sa is not None and sb is not None:
            delta = Decimal(sb) - Decimal(sa)
        area_rows.append(
            {
                "area": area,
                "a": ra,
                "b": rb,
                "delta": delta,
                "changed": ra.get("level") != rb.get("level"),
            }
        )
    total_delta = None
    if a.total_score is not None and b.total_score is not None:
        total_delta = b.total_score - a.total_score
    return {
        "item_rows": items,
        "area_rows": area_rows,
        "total_delta": total_delta,
        "changed_count": sum(1 for row in items if row["changed"]),
        "outcome_only": outcome_only,
    }


def _comparable(rating):
    if rating is None:
        return None
    if rating.not_applicable:
        return "na"
    return rating.rating


def running_score(assessment: Assessment, spec: scoring.FrameworkSpec | None = None) -> dict:
    """The score and level of the items rated so far (`partial_score`, 2 queries)."""
    return partial_score(
        ItemRating.objects.filter(assessment=assessment), spec or assessment.framework.spec()
    )


def partial_score(ratings, spec: scoring.FrameworkSpec) -> dict:
    """The score and level of the items rated so far in a queryset of ratings (an
    assessment's, a self-diagnosis' or a spot-check's), by the framework's own rules
    (`scoring.score`): items not rated yet are left out as N/A items are, so the figure is
    what the plant scores on what has been rated. Stored nowhere; submit computes the real
    one. `rated` is 0 (and the rest None) before the first rating (1 query)."""
    values = {
        code: (scoring.NOT_APPLICABLE if na else rating)
        for code, rating, na in ratings.values_list("item__code", "rating", "not_applicable")
    }
    rated = sum(1 for v in values.values() if v is not None and v != scoring.NOT_APPLICABLE)
    partial = {
        item.code: (
            values.get(item.code) if values.get(item.code) is not None else scoring.NOT_APPLICABLE
        )
        for item in spec.items
    }
    result = {"rated": rated, "total_items": len(spec.items), "total_points": spec.total_points}
    if not rated:
        return {**result, "score": None, "band_level": None, "final_level": None, "areas": {}}
    scored = scoring.score(spec, partial)
    return {
        **result,
        "score": scoring.to_decimal(scored.total, 1),
        "band_level": scored.band_level,
        "final_level": scored.final_level,
        "capping_rule": scored.capping_rule,
        "areas": {
            code: {
                "score": None if a.score is None else scoring.to_decimal(a.score, 1),
                "level": a.level,
            }
            for code, a in scored.areas.items()
        },
    }
