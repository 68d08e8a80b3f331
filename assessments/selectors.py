"""Reads across assessments, frameworks and plants."""

from dataclasses import dataclass

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


def level_history(plant, user) -> list[Assessment]:
    """Confirmed assessments of the plant that the user may see, oldest first."""
    return list(
        Assessment.objects.visible_to(user)
        .confirmed()
        .filter(plant=plant)
        .select_related("framework")
        .order_by("assessed_on", "confirmed_at", "pk")
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
    """Counts for the completeness indicator: done = rated, or N/A with a reason."""
    rows = list(
        ItemRating.objects.filter(assessment=assessment).values_list(
            "rating", "not_applicable", "na_reason"
        )
    )
    done = sum(1 for rating, na, reason in rows if rating is not None or (na and reason.strip()))
    total = len(rows)
    return {
        "done": done,
        "total": total,
        "missing": total - done,
        "percent": round(100 * done / total) if total else 0,
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
