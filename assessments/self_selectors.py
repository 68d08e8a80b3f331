"""Reads of self-diagnoses: the sheet in framework order, the side-by-side comparison with a
confirmed assessment, and the agency's over-rating figures (self-diagnosed against confirmed
levels, per region and industry). Rules without the ORM are in `assessments.self_diagnosis`."""

from decimal import Decimal

from django.db.models import OuterRef, Subquery

from assessments import self_diagnosis
from assessments.choices import AssessmentOrigin, AssessmentStatus, SelfAssessmentStatus
from assessments.models import Assessment, ItemRating, SelfAssessment, SelfRating
from assessments.selectors import RatedArea, RatedCategory, RatedItem, framework_tree
from hub.choices import Industry, Region


def self_sheet(sheet: SelfAssessment, ratings=None) -> list[RatedArea]:
    """The self-diagnosis as areas → categories → (item, rating) in framework order, in a
    fixed number of queries (`assessments.selectors.RatedArea`, no evidence)."""
    if ratings is None:
        ratings = SelfRating.objects.filter(sheet=sheet)
    by_item = {r.item_id: r for r in ratings}
    stored = (sheet.result or {}).get("areas", {})
    areas = []
    for area in framework_tree(sheet.framework):
        categories = [
            RatedCategory(
                category=category,
                items=[
                    RatedItem(item=i, rating=by_item.get(i.pk), evidence=[])
                    for i in category.items.all()
                ],
            )
            for category in area.categories.all()
        ]
        areas.append(RatedArea(area=area, categories=categories, result=stored.get(area.code)))
    return areas


def _value(rating):
    if rating is None:
        return None
    if rating.not_applicable:
        return self_diagnosis.NA
    return rating.rating


def _score(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def self_comparison(sheet: SelfAssessment, assessment: Assessment) -> dict:
    """A finished self-diagnosis beside a confirmed assessment of the same plant: items
    matched by code (two framework versions still line up), largest differences first
    (`self_diagnosis.comparison_key`; difference = self − confirmed), then areas and totals.
    Three queries."""
    own = SelfRating.objects.filter(sheet=sheet).select_related("item__category__area")
    theirs = ItemRating.objects.filter(assessment=assessment).select_related("item__category__area")
    rows: dict[str, dict] = {}
    areas: dict[str, object] = {}
    for side, ratings in (("self", own), ("confirmed", theirs)):
        for r in ratings:
            row = rows.setdefault(r.item.code, {"item": r.item, "self": None, "confirmed": None})
            row[side] = r
            areas.setdefault(r.item.category.area.code, r.item.category.area)
    items = []
    for row in rows.values():
        mine, confirmed = _value(row["self"]), _value(row["confirmed"])
        row["self_value"], row["confirmed_value"] = mine, confirmed
        row["delta"] = self_diagnosis.difference(mine, confirmed)
        row["differs"] = mine != confirmed
        row["key"] = self_diagnosis.comparison_key(mine, confirmed, row["item"].order)
        items.append(row)
    items.sort(key=lambda row: row["key"])
    numeric = [row["delta"] for row in items if row["delta"] is not None]

    self_areas = (sheet.result or {}).get("areas", {})
    confirmed_areas = (assessment.result or {}).get("areas", {})
    area_rows = []
    for code, area in sorted(areas.items(), key=lambda pair: pair[1].order):
        mine, confirmed = self_areas.get(code) or {}, confirmed_areas.get(code) or {}
        s_self, s_conf = _score(mine.get("score")), _score(confirmed.get("score"))
        area_rows.append(
            {
                "area": area,
                "code": code,
                "self": mine,
                "confirmed": confirmed,
                "score_delta": None if s_self is None or s_conf is None else s_self - s_conf,
                "level_delta": self_diagnosis.difference(mine.get("level"), confirmed.get("level")),
            }
        )
    total_delta = None
    if sheet.total_score is not None and assessment.total_score is not None:
        total_delta = sheet.total_score - assessment.total_score
    return {
        "item_rows": items,
        "area_rows": area_rows,
        "total_delta": total_delta,
        "level_delta": self_diagnosis.difference(sheet.final_level, assessment.final_level),
        "differing": sum(1 for row in items if row["differs"]),
        "over": sum(1 for d in numeric if d > 0),
        "under": sum(1 for d in numeric if d < 0),
        "mean_item_delta": (
            (Decimal(sum(numeric)) / len(numeric)).quantize(Decimal("0.01")) if numeric else None
        ),
    }


def comparable_assessment(sheet: SelfAssessment) -> Assessment | None:
    """The confirmed assessment a self-diagnosis is compared with: the one it was shared
    with, once confirmed."""
    target = sheet.shared_with
    if target is not None and target.status == AssessmentStatus.CONFIRMED:
        return target
    return None


# --- over-rating: self-diagnosed against confirmed levels -------------------------------------

# The confirmed assessments a self-diagnosis is measured against: filed in the hub or adopted
# from a spot-check (an outcome-only record keeps its level, which is all this reads).
PAIRED_ORIGINS = (AssessmentOrigin.HUB, AssessmentOrigin.SPOT_CHECK)


def self_level_pairs(queryset=None):
    """Finished self-diagnoses with the level of the plant's first confirmed assessment on or
    after the self-diagnosis' date (`confirmed_level`, None when there is none yet), and the
    plant's region and industry. One query."""
    first_confirmed = (
        Assessment.objects.filter(
            plant=OuterRef("plant"),
            status=AssessmentStatus.CONFIRMED,
            origin__in=PAIRED_ORIGINS,
            assessed_on__gte=OuterRef("rated_on"),
            final_level__isnull=False,
        )
        .order_by("assessed_on", "confirmed_at", "pk")
        .values("final_level")[:1]
    )
    queryset = SelfAssessment.objects.all() if queryset is None else queryset
    return (
        queryset.filter(status=SelfAssessmentStatus.FINISHED, final_level__isnull=False)
        .annotate(confirmed_level=Subquery(first_confirmed))
        .filter(confirmed_level__isnull=False)
        .values_list("plant__region", "plant__industry", "final_level", "confirmed_level")
    )


def over_rating(queryset=None) -> dict:
    """Self-diagnosed against confirmed levels: overall, per region and per industry (each
    row `self_diagnosis.PairFigures` with its code and label), groups in code order, empty
    groups left out. One query whatever the number of plants."""
    overall: list = []
    by_region: dict[str, list] = {}
    by_industry: dict[str, list] = {}
    for region, industry, self_level, confirmed_level in self_level_pairs(queryset):
        pair = self_diagnosis.LevelPair(self_level, confirmed_level)
        overall.append(pair)
        by_region.setdefault(region, []).append(pair)
        by_industry.setdefault(industry, []).append(pair)

    def rows(groups, labels):
        return [
            {"code": code, "label": labels.get(code, code), "figures": self_diagnosis.summarise(p)}
            for code, p in sorted(groups.items())
        ]

    return {
        "overall": self_diagnosis.summarise(overall),
        "regions": rows(by_region, dict(Region.choices)),
        "industries": rows(by_industry, dict(Industry.choices)),
    }
