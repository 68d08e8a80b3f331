"""Maturity scoring: item points, N/A rescaling, area and band levels, floor rules, final level
and the next-level roadmap (DESIGN.md §2). Pure Python, no ORM: it takes plain data and is
tested exhaustively on its own.

Arithmetic is exact: every sum and rescaling is a `Fraction`, compared to the thresholds
unrounded; `Decimal` values are produced only for storage and display.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

MIN_RATING = 0
MAX_RATING = 5
MAX_LEVEL = 5
AREA_SCALE = 1000
NOT_APPLICABLE = "na"


# --- inputs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemSpec:
    code: str
    area: str
    points: int | Fraction | Decimal
    order: int = 0
    # Descriptor per level ("1", "3", "5" in the seed framework): {"ko": …, "en": …}
    descriptors: Mapping[int, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class FloorRule:
    """A cap on the final level. Two shapes:

    - `spread` (code ``area_spread``): final ≤ lowest area level + `max_spread` (default 1);
    - `requirement`: a final level of `min_overall` or more needs `area` (or, without `area`,
      every area) at `min_area_level` or more; otherwise the cap is `min_overall` − 1.
    """

    code: str
    min_overall: int | None = None
    min_area_level: int | None = None
    area: str | None = None
    max_spread: int = 1
    enabled: bool = True

    @property
    def is_spread(self) -> bool:
        return self.min_overall is None


@dataclass(frozen=True)
class FrameworkSpec:
    items: Sequence[ItemSpec]
    # Level → minimum score on the 1,000 scale; below the lowest is Level 0.
    thresholds: Mapping[int, int | Fraction | Decimal]
    floor_rules: Sequence[FloorRule] = ()
    total_points: int = 1000

    @property
    def areas(self) -> list[str]:
        seen: dict[str, None] = {}
        for item in self.items:
            seen.setdefault(item.area, None)
        return list(seen)


Rating = int | str  # 0–5, or NOT_APPLICABLE


# --- outputs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaResult:
    code: str
    score: Fraction | None  # on the 1,000 scale; None when every item is N/A
    level: int | None
    applicable_points: Fraction
    earned_points: Fraction


@dataclass(frozen=True)
class RoadmapStep:
    item: str
    area: str
    rating: int
    target: int
    priority: Fraction  # (target − rating) × points, doubled in a capping area
    capping_area: bool
    descriptor_level: int | None
    descriptor: Mapping[str, str] | None


@dataclass(frozen=True)
class ScoreResult:
    total: Fraction
    band_level: int
    final_level: int
    capping_rule: str | None
    # Every enabled rule's cap, binding or not (a requirement rule that is met is absent).
    caps: Mapping[str, int]
    areas: Mapping[str, AreaResult]
    roadmap: Sequence[RoadmapStep]

    def as_dict(self) -> dict:
        """JSON-ready result, stored on the assessment so history is never recomputed."""
        return {
            "total": str(to_decimal(self.total)),
            "band_level": self.band_level,
            "final_level": self.final_level,
            "capping_rule": self.capping_rule,
            "caps": dict(self.caps),
            "areas": {
                code: {
                    "score": None if a.score is None else str(to_decimal(a.score)),
                    "level": a.level,
                }
                for code, a in self.areas.items()
            },
            "roadmap": [
                {
                    "item": s.item,
                    "area": s.area,
                    "rating": s.rating,
                    "target": s.target,
                    "priority": str(to_decimal(s.priority)),
                    "capping_area": s.capping_area,
                    "descriptor_level": s.descriptor_level,
                }
                for s in self.roadmap
            ],
        }


class IncompleteRatings(ValueError):
    """Raised when items are unrated or nothing at all is applicable."""

    def __init__(self, missing: Sequence[str], nothing_applicable: bool = False):
        self.missing = list(missing)
        self.nothing_applicable = nothing_applicable
        super().__init__(
            "every item is not applicable" if nothing_applicable else f"unrated: {self.missing}"
        )


# --- rules -----------------------------------------------------------------------------------


def to_decimal(value: Fraction, places: int = 3) -> Decimal:
    """Round half up to `places` decimals (storage); display rounds to one decimal."""
    # Exact integer arithmetic: dividing in a 28-digit Decimal context first would round twice.
    scaled = abs(Fraction(value)) * 10**places
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    if 2 * rest >= scaled.denominator:
        whole += 1
    return Decimal(f"{'-' if value < 0 and whole else ''}{whole}E-{places}")


@functools.lru_cache(maxsize=4096, typed=True)
def item_points(points, rating: int) -> Fraction:
    """Points earned by an item: points × (0.5 + 0.1 × rating). Memoised (a framework has few
    point values): a long history import scores thousands of sheets."""
    if isinstance(rating, bool) or not isinstance(rating, int):
        raise TypeError(f"rating {rating!r} is not a whole number")
    if not MIN_RATING <= rating <= MAX_RATING:
        raise ValueError(f"rating {rating} is outside {MIN_RATING}–{MAX_RATING}")
    return Fraction(points) * (Fraction(1, 2) + Fraction(rating, 10))


def level_for(score: Fraction, thresholds: Mapping[int, object]) -> int:
    """The highest level whose threshold the score reaches (unrounded); Level 0 below all."""
    reached = [lvl for lvl, minimum in thresholds.items() if score >= Fraction(minimum)]
    return max(reached, default=0)


def is_not_applicable(rating) -> bool:
    return rating == NOT_APPLICABLE


def missing_items(spec: FrameworkSpec, ratings: Mapping[str, Rating | None]) -> list[str]:
    """Codes of the items that have neither a rating nor an N/A mark, in framework order."""
    return [item.code for item in _ordered(spec.items) if ratings.get(item.code) is None]


def rule_cap(rule: FloorRule, area_levels: Mapping[str, int]) -> int | None:
    """The cap a rule puts on the final level, or None when it caps nothing. Areas without a
    level (every item N/A) are left out; a rule about such an area caps nothing."""
    if not rule.enabled or not area_levels:
        return None
    if rule.is_spread:
        return min(area_levels.values()) + rule.max_spread
    if rule.area is not None:
        if rule.area not in area_levels:
            return None
        failing = area_levels[rule.area] < rule.min_area_level
    else:
        failing = any(level < rule.min_area_level for level in area_levels.values())
    return rule.min_overall - 1 if failing else None


def capping_areas(rule: FloorRule, area_levels: Mapping[str, int]) -> set[str]:
    """The areas responsible for a rule's cap: what must rise to lift it."""
    if rule.is_spread:
        lowest = min(area_levels.values())
        return {code for code, level in area_levels.items() if level == lowest}
    if rule.area is not None:
        return {rule.area}
    return {code for code, level in area_levels.items() if level < rule.min_area_level}


def descriptor_for(item: ItemSpec, target: int) -> tuple[int | None, Mapping[str, str] | None]:
    """The descriptor of the target level, or of the nearest level above it that has one
    (the seed framework describes Levels 1, 3 and 5)."""
    levels = sorted(int(k) for k in item.descriptors)
    for level in levels:
        if level >= target:
            return level, _descriptor(item, level)
    if levels:
        return levels[-1], _descriptor(item, levels[-1])
    return None, None


def score(spec: FrameworkSpec, ratings: Mapping[str, Rating | None]) -> ScoreResult:
    """Score a complete set of ratings. Raises IncompleteRatings if any item is unrated or
    every item is N/A."""
    missing = missing_items(spec, ratings)
    if missing:
        raise IncompleteRatings(missing)
    applicable = [item for item in spec.items if not is_not_applicable(ratings[item.code])]
    if not applicable:
        raise IncompleteRatings([], nothing_applicable=True)

    earned_total = sum((item_points(i.points, ratings[i.code]) for i in applicable), Fraction(0))
    applicable_total = sum((Fraction(i.points) for i in applicable), Fraction(0))
    total = earned_total * spec.total_points / applicable_total
    band = level_for(total, spec.thresholds)

    areas = {}
    for code in spec.areas:
        items = [i for i in applicable if i.area == code]
        possible = sum((Fraction(i.points) for i in items), Fraction(0))
        earned = sum((item_points(i.points, ratings[i.code]) for i in items), Fraction(0))
        area_score = earned * AREA_SCALE / possible if possible else None
        areas[code] = AreaResult(
            code=code,
            score=area_score,
            level=None if area_score is None else level_for(area_score, spec.thresholds),
            applicable_points=possible,
            earned_points=earned,
        )
    area_levels = {code: a.level for code, a in areas.items() if a.level is not None}

    caps = {}
    for rule in spec.floor_rules:
        cap = rule_cap(rule, area_levels)
        if cap is not None:
            caps[rule.code] = cap
    final = min([band, *caps.values()])
    capping_rule = None
    if final < band:
        capping_rule = next(r.code for r in spec.floor_rules if caps.get(r.code) == final)
    # Every rule that holds the level down must be lifted, so all their areas count as
    # capping areas in the roadmap (the recorded rule is just the first of them).
    responsible = set()
    if capping_rule is not None:
        for rule in spec.floor_rules:
            if caps.get(rule.code) == final:
                responsible |= capping_areas(rule, area_levels)

    return ScoreResult(
        total=total,
        band_level=band,
        final_level=final,
        capping_rule=capping_rule,
        caps=caps,
        areas=areas,
        roadmap=roadmap(spec, ratings, final, responsible),
    )


def roadmap(
    spec: FrameworkSpec,
    ratings: Mapping[str, Rating | None],
    final_level: int,
    capping: set[str] = frozenset(),
    limit: int | None = None,
) -> list[RoadmapStep]:
    """Items that lift the plant to the next level, most valuable first: target rating =
    final level + 1 (at most 5); priority = (target − rating) × points, doubled for items in
    an area that capped the level; ties keep framework order. N/A items are left out."""
    target = min(final_level + 1, MAX_LEVEL)
    steps = []
    for item in _ordered(spec.items):
        rating = ratings.get(item.code)
        if rating is None or is_not_applicable(rating) or rating >= target:
            continue
        in_capping = item.area in capping
        priority = (target - rating) * Fraction(item.points) * (2 if in_capping else 1)
        level, text = descriptor_for(item, target)
        steps.append(
            RoadmapStep(
                item=item.code,
                area=item.area,
                rating=rating,
                target=target,
                priority=priority,
                capping_area=in_capping,
                descriptor_level=level,
                descriptor=text,
            )
        )
    steps.sort(key=lambda s: -s.priority)  # stable: ties stay in framework order
    return steps[:limit] if limit is not None else steps


def _ordered(items: Sequence[ItemSpec]) -> list[ItemSpec]:
    return sorted(items, key=lambda i: i.order)


def _descriptor(item: ItemSpec, level: int):
    return item.descriptors.get(level) or item.descriptors.get(str(level))


def spec_from_json(data: Mapping) -> FrameworkSpec:
    """A FrameworkSpec from the framework JSON format (criteria-v1.json)."""
    items, order = [], 0
    for area in data["areas"]:
        for category in area["categories"]:
            for item in category["items"]:
                items.append(
                    ItemSpec(
                        code=item["code"],
                        area=area["code"],
                        points=item["points"],
                        order=order,
                        descriptors={int(k): v for k, v in item.get("descriptors", {}).items()},
                    )
                )
                order += 1
    return FrameworkSpec(
        items=items,
        thresholds={int(k): v for k, v in data["level_thresholds"].items()},
        floor_rules=[floor_rule_from_json(r) for r in data.get("floor_rules", [])],
        total_points=data.get("total_points", 1000),
    )


def floor_rule_from_json(rule: Mapping) -> FloorRule:
    return FloorRule(
        code=rule["code"],
        min_overall=rule.get("min_overall"),
        min_area_level=rule.get("min_area_level"),
        area=rule.get("area"),
        max_spread=rule.get("max_spread", 1),
        enabled=rule.get("enabled", True),
    )
