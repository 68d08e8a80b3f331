"""Maturity scoring (DESIGN.md §2): item points, N/A rescaling, area and band levels, floor rules,
final level, roadmap and serialisation. Pure: imports assessments.scoring only, no database.

Two kinds of framework are used: small hand-made FrameworkSpecs whose expected numbers are
worked out in the comments, and the seed framework (a copy of criteria-v1.json kept next to
this file so CI does not depend on ../shared), plus hypothesis properties over random small
frameworks.
"""

import json
import math
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.scoring import (
    MAX_LEVEL,
    NOT_APPLICABLE,
    FloorRule,
    FrameworkSpec,
    IncompleteRatings,
    ItemSpec,
    descriptor_for,
    floor_rule_from_json,
    item_points,
    level_for,
    missing_items,
    roadmap,
    rule_cap,
    score,
    spec_from_json,
    to_decimal,
)

NA = NOT_APPLICABLE
SEED_JSON = json.loads(
    (Path(__file__).parent / "data" / "criteria-v1.json").read_text(encoding="utf-8")
)
SEED = spec_from_json(SEED_JSON)
THRESHOLDS = {1: 550, 2: 650, 3: 750, 4: 850, 5: 950}

# The seed's three floor rules, as FloorRule values.
SPREAD = FloorRule("area_spread")
SYSTEMS = FloorRule("systems_for_l3", min_overall=3, min_area_level=3, area="C")
ALL_AREAS = FloorRule("all_areas_for_l5", min_overall=5, min_area_level=4)

# Seed item codes and points per area, in framework order.
SEED_POINTS = {
    "A": {"A1.1": 25, "A1.2": 25, "A1.3": 25, "A1.4": 25},
    "B": {
        **{"B1.1": 30, "B1.2": 30},
        **{"B2.1": 20, "B2.2": 25, "B2.3": 25},
        **{"B3.1": 20, "B3.2": 20, "B3.3": 20, "B3.4": 20},
        **{"B4.1": 20, "B4.2": 20, "B4.3": 20, "B4.4": 20},
        **{"B5.1": 20, "B5.2": 25, "B5.3": 15},
        **{"B6.1": 15, "B6.2": 20, "B6.3": 15},
    },
    "C": {
        **{"C1.1": 40, "C1.2": 50, "C1.3": 30, "C1.4": 30, "C1.5": 20, "C1.6": 40, "C1.7": 30},
        **{"C2.1": 40, "C2.2": 40, "C2.3": 40, "C2.4": 40},
    },
    "D": {"D1.1": 20, "D1.2": 20, "D1.3": 15, "D1.4": 15, "D1.5": 15, "D1.6": 15},
}
SEED_CODES = [code for area in SEED_POINTS.values() for code in area]


def seed_ratings(A, B, C, D, **overrides):
    """Every seed item rated by its area, then per-item overrides (dots written as '_')."""
    per_area = {"A": A, "B": B, "C": C, "D": D}
    ratings = {code: per_area[area] for area, items in SEED_POINTS.items() for code in items}
    ratings.update({key.replace("_", "."): value for key, value in overrides.items()})
    return ratings


def make_spec(*items, rules=(), thresholds=None, total_points=1000):
    """A FrameworkSpec from (code, area, points) or (code, area, points, descriptors) tuples."""
    specs = [
        ItemSpec(
            code=t[0],
            area=t[1],
            points=t[2],
            order=index,
            descriptors=t[3] if len(t) > 3 else {},
        )
        for index, t in enumerate(items)
    ]
    return FrameworkSpec(
        items=specs,
        thresholds=THRESHOLDS if thresholds is None else thresholds,
        floor_rules=list(rules),
        total_points=total_points,
    )


def uniform(spec, k):
    return {item.code: k for item in spec.items}


# --- purity ----------------------------------------------------------------------------------


def test_scoring_module_imports_without_django():
    # The rules live in a pure module: importing it must not pull in Django (or any ORM).
    code = (
        "import sys; import assessments.scoring; "
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')); "
        "assert not bad, bad"
    )
    subprocess.run(  # noqa: S603 - fixed argv, our own interpreter
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        check=True,
        capture_output=True,
    )


# --- item points -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rating", "expected"),
    [
        (0, Fraction(20)),  # 40 × (0.5 + 0.0) = 20
        (1, Fraction(24)),  # 40 × 0.6 = 24
        (2, Fraction(28)),  # 40 × 0.7 = 28
        (3, Fraction(32)),  # 40 × 0.8 = 32
        (4, Fraction(36)),  # 40 × 0.9 = 36
        (5, Fraction(40)),  # 40 × 1.0 = 40
    ],
)
def test_item_points_at_every_rating(rating, expected):
    assert item_points(40, rating) == expected
    assert isinstance(item_points(40, rating), Fraction)


@pytest.mark.parametrize("rating", range(6))
def test_item_points_is_exact_for_odd_points(rating):
    # 15 × (0.5 + 0.1·r) = 15/2 + 3r/2: exact halves, never a binary float.
    assert item_points(15, rating) == Fraction(15, 2) + Fraction(3 * rating, 2)


def test_item_points_accepts_fraction_and_decimal_points():
    assert item_points(Fraction(25, 2), 3) == Fraction(10)  # 12.5 × 0.8 = 10
    assert item_points(Decimal("12.5"), 5) == Fraction(25, 2)  # 12.5 × 1.0


@pytest.mark.parametrize("rating", [-1, 6, 10, -100])
def test_item_points_refuses_ratings_outside_0_to_5(rating):
    with pytest.raises(ValueError, match="outside"):
        item_points(25, rating)


@settings(max_examples=100)
@given(points=st.integers(1, 1000), rating=st.integers(0, 5))
def test_item_points_formula_property(points, rating):
    earned = item_points(points, rating)
    assert earned == Fraction(points) * (Fraction(5, 10) + Fraction(rating, 10))
    assert Fraction(points, 2) <= earned <= points


# --- level_for: thresholds compared unrounded -------------------------------------------------

EPSILON = Fraction(1, 10**9)


@pytest.mark.parametrize(("level", "threshold"), sorted(THRESHOLDS.items()))
def test_level_for_at_and_around_every_threshold(level, threshold):
    assert level_for(Fraction(threshold), THRESHOLDS) == level
    assert level_for(threshold - EPSILON, THRESHOLDS) == level - 1
    assert level_for(threshold + EPSILON, THRESHOLDS) == level


def test_level_for_below_all_thresholds_is_level_0():
    assert level_for(Fraction(0), THRESHOLDS) == 0
    assert level_for(Fraction(500), THRESHOLDS) == 0
    assert level_for(Fraction(549999, 1000), THRESHOLDS) == 0
    assert level_for(Fraction(1000), THRESHOLDS) == 5


def test_level_for_does_not_round_before_comparing():
    just_below = Fraction(74996, 100)  # 749.96 — displays as 750.0
    assert to_decimal(just_below, 1) == Decimal("750.0")
    assert level_for(just_below, THRESHOLDS) == 2
    assert level_for(Fraction(7499999, 10000), THRESHOLDS) == 2  # 749.9999
    assert level_for(Fraction(2250, 3), THRESHOLDS) == 3  # exactly 750


def test_level_for_accepts_decimal_and_fraction_thresholds():
    thresholds = {1: Decimal("550.5"), 2: Fraction(1301, 2)}  # 550.5 and 650.5
    assert level_for(Fraction(1101, 2), thresholds) == 1
    assert level_for(Fraction(1101, 2) - EPSILON, thresholds) == 0
    assert level_for(Fraction(1301, 2) - EPSILON, thresholds) == 1
    assert level_for(Fraction(1301, 2), thresholds) == 2


@settings(max_examples=200)
@given(score_=st.fractions(min_value=0, max_value=1000, max_denominator=10**6))
def test_level_for_counts_reached_thresholds(score_):
    assert level_for(score_, THRESHOLDS) == sum(1 for t in THRESHOLDS.values() if score_ >= t)


def test_total_just_below_a_threshold_is_not_promoted():
    # Two items, one area: total = 500 + 100 × Σ(p·r)/Σp.
    # Σ(p·r) = 1000·3 + 1001·2 = 5002, Σp = 2001 → total = 500 + 500200/2001 = 749.975012…
    spec = make_spec(("x1", "X", 1000), ("x2", "X", 1001))
    result = score(spec, {"x1": 3, "x2": 2})
    assert result.total == Fraction(500) + Fraction(500200, 2001)
    assert to_decimal(result.total, 1) == Decimal("750.0")  # shown as 750.0 …
    assert to_decimal(result.total) == Decimal("749.975")
    assert result.band_level == 2  # … but still Level 2
    assert result.final_level == 2
    assert result.areas["X"].level == 2


# --- uniform plants ---------------------------------------------------------------------------


@pytest.mark.parametrize("k", range(6))
def test_seed_plant_rated_k_everywhere_scores_500_plus_100k(k):
    result = score(SEED, uniform(SEED, k))
    assert result.total == 500 + 100 * k
    assert result.band_level == k
    assert result.final_level == k
    assert result.capping_rule is None
    for area in "ABCD":
        assert result.areas[area].score == 500 + 100 * k
        assert result.areas[area].level == k


def test_seed_uniform_totals_on_a_1000_point_framework():
    # Rated 3 everywhere: every item earns 0.8 × points, 0.8 × 1,000 = 800.
    result = score(SEED, uniform(SEED, 3))
    assert result.total == Fraction(800)
    assert result.areas["A"].applicable_points == 100
    assert result.areas["A"].earned_points == 80
    assert result.areas["B"].applicable_points == 400
    assert result.areas["B"].earned_points == 320
    assert result.areas["C"].earned_points == 320
    assert result.areas["D"].earned_points == 80


# --- hypothesis strategies -------------------------------------------------------------------

points_strategy = st.one_of(
    st.integers(1, 60),
    st.decimals(min_value=Decimal("0.5"), max_value=Decimal("60"), places=1),
    st.fractions(min_value=Fraction(1, 3), max_value=60, max_denominator=7),
)


@st.composite
def frameworks(draw, sensible_rules=False, max_areas=4, max_items=4):
    """Random small frameworks: 1–4 areas of 1–4 items, random points, random floor rules.

    With `sensible_rules`, requirement rules never ask an area for more than the overall level
    they guard (min_area_level ≤ min_overall, like the seed), so a uniform plant is never capped.
    """
    areas = "ABCD"[: draw(st.integers(1, max_areas))]
    items = []
    for area in areas:
        for n in range(draw(st.integers(1, max_items))):
            items.append(
                ItemSpec(
                    code=f"{area}{n + 1}",
                    area=area,
                    points=draw(points_strategy),
                    order=len(items),
                    descriptors={1: {"en": "one"}, 3: {"en": "three"}, 5: {"en": "five"}},
                )
            )

    def requirement(code, area):
        min_overall = draw(st.integers(1, 5))
        top = min_overall if sensible_rules else 5
        return FloorRule(
            code,
            min_overall=min_overall,
            min_area_level=draw(st.integers(1, top)),
            area=area,
            enabled=draw(st.booleans()),
        )

    candidates = [
        FloorRule("spread", max_spread=draw(st.integers(1, 2)), enabled=draw(st.booleans())),
        requirement("one_area", draw(st.sampled_from(areas))),
        requirement("every_area", None),
    ]
    rules = [r for r in draw(st.permutations(candidates)) if draw(st.booleans())]
    return FrameworkSpec(items=items, thresholds=THRESHOLDS, floor_rules=rules)


@st.composite
def rated_frameworks(draw, sensible_rules=False, na_share=True):
    spec = draw(frameworks(sensible_rules=sensible_rules))
    options = st.one_of(st.integers(0, 5), st.just(NA)) if na_share else st.integers(0, 5)
    ratings = {item.code: draw(options) for item in spec.items}
    if all(r == NA for r in ratings.values()):
        first = spec.items[0].code
        ratings[first] = draw(st.integers(0, 5))
    return spec, ratings


@settings(max_examples=150)
@given(spec=frameworks(sensible_rules=True), k=st.integers(0, 5))
def test_uniform_plant_property(spec, k):
    result = score(spec, uniform(spec, k))
    assert result.total == 500 + 100 * k
    assert result.band_level == k
    assert result.final_level == k
    assert result.capping_rule is None
    for area in result.areas.values():
        assert area.score == 500 + 100 * k
        assert area.level == k


# --- N/A rescaling ---------------------------------------------------------------------------


def test_not_applicable_item_leaves_the_denominator():
    spec = make_spec(("a", "X", 10), ("b", "X", 30), ("c", "Y", 60))
    # a: 10 × 1.0 = 10, c: 60 × 0.5 = 30 → earned 40 of 70 applicable points;
    # rescaled to 1,000: 40 × 1000 / 70 = 4000/7 = 571.428… → Level 1.
    result = score(spec, {"a": 5, "b": NA, "c": 0})
    assert result.total == Fraction(4000, 7)
    assert result.band_level == 1
    # Area X: only a applies → 10/10 × 1000 = 1000; Y: 30/60 × 1000 = 500.
    assert result.areas["X"].score == 1000
    assert result.areas["X"].applicable_points == 10
    assert result.areas["X"].earned_points == 10
    assert result.areas["Y"].score == 500
    # Rated 0 instead of N/A, b counts: (10 + 15 + 30) / 100 × 1000 = 550 → still Level 1.
    assert score(spec, {"a": 5, "b": 0, "c": 0}).total == 550


def test_seed_not_applicable_rescaling_by_hand():
    # C1.2 (50 points) N/A; A, B, D rated 5, the rest of C rated 0:
    # earned = 600 × 1.0 + 350 × 0.5 = 775 of 950 → 775 000 / 950 = 15500/19 = 815.789… → L3.
    ratings = seed_ratings(5, 5, 0, 5, C1_2=NA)
    result = score(SEED, ratings)
    assert result.total == Fraction(15500, 19)
    assert to_decimal(result.total) == Decimal("815.789")
    assert result.band_level == 3
    # Area C: 175 of 350 → 500 → Level 0; floor: spread caps at 1, systems at 2, all at 4.
    assert result.areas["C"].score == 500
    assert result.areas["C"].applicable_points == 350
    assert result.caps == {"area_spread": 1, "systems_for_l3": 2, "all_areas_for_l5": 4}
    assert result.final_level == 1
    assert result.capping_rule == "area_spread"


@settings(max_examples=150)
@given(data=st.data(), spec=frameworks(sensible_rules=True), k=st.integers(0, 5))
def test_not_applicable_never_changes_level_of_uniform_plant(data, spec, k):
    codes = [item.code for item in spec.items]
    na = data.draw(st.sets(st.sampled_from(codes), max_size=len(codes) - 1))
    ratings = {code: NA if code in na else k for code in codes}
    result = score(spec, ratings)
    assert result.total == 500 + 100 * k
    assert result.band_level == result.final_level == k
    for code, area in result.areas.items():
        if all(i.code in na for i in spec.items if i.area == code):
            assert area.score is None
            assert area.level is None
        else:
            assert (area.score, area.level) == (500 + 100 * k, k)


@settings(max_examples=150)
@given(data=st.data(), rated=rated_frameworks())
def test_not_applicable_is_the_same_as_removing_the_item(data, rated):
    spec, ratings = rated
    applicable = [code for code, r in ratings.items() if r != NA]
    if len(applicable) < 2:
        return
    dropped = data.draw(st.sampled_from(applicable))
    with_na = score(spec, {**ratings, dropped: NA})
    without = score(
        FrameworkSpec(
            items=[i for i in spec.items if i.code != dropped],
            thresholds=spec.thresholds,
            floor_rules=spec.floor_rules,
        ),
        {code: r for code, r in ratings.items() if code != dropped},
    )
    assert with_na.total == without.total
    assert with_na.band_level == without.band_level
    assert with_na.final_level == without.final_level
    assert with_na.capping_rule == without.capping_rule
    assert dict(with_na.caps) == dict(without.caps)
    for code, area in without.areas.items():
        assert with_na.areas[code].score == area.score
    assert [s.item for s in with_na.roadmap] == [s.item for s in without.roadmap]


def test_area_all_not_applicable_has_no_score_or_level():
    ratings = seed_ratings(3, 3, NA, 3)
    result = score(SEED, ratings)
    assert result.areas["C"].score is None
    assert result.areas["C"].level is None
    assert result.areas["C"].applicable_points == 0
    assert result.areas["C"].earned_points == 0
    # A, B, D at 0.8 → 800 → Level 3, and C (all N/A) cannot trip systems_for_l3.
    assert result.total == 800
    assert result.band_level == result.final_level == 3
    assert "systems_for_l3" not in result.caps
    assert result.caps == {"area_spread": 4, "all_areas_for_l5": 4}
    assert result.capping_rule is None


def test_same_plant_with_area_c_rated_2_is_capped_by_systems_rule():
    # Contrast with the all-N/A case: C at 2 → 600 × 0.8 + 400 × 0.7 = 760 → band 3, but
    # area C scores 700 → Level 2 < 3 → systems_for_l3 caps at 2.
    result = score(SEED, seed_ratings(3, 3, 2, 3))
    assert result.total == 760
    assert result.band_level == 3
    assert result.areas["C"].level == 2
    assert result.caps["systems_for_l3"] == 2
    assert result.final_level == 2
    assert result.capping_rule == "systems_for_l3"


def test_all_na_area_is_left_out_of_spread_and_all_areas_rules():
    # A all N/A, the rest at 5: the missing area must not count as "lowest" nor "below 4".
    result = score(SEED, seed_ratings(NA, 5, 5, 5))
    assert result.total == 1000
    assert result.areas["A"].level is None
    assert result.caps == {"area_spread": 6}
    assert result.final_level == 5
    assert result.capping_rule is None


def test_rule_cap_ignores_areas_without_a_level():
    assert rule_cap(SYSTEMS, {"A": 5, "B": 5, "D": 5}) is None
    assert rule_cap(ALL_AREAS, {"A": 5, "D": 4}) is None
    assert rule_cap(SPREAD, {"A": 2, "D": 4}) == 3
    assert rule_cap(SPREAD, {}) is None


# --- incomplete ratings ----------------------------------------------------------------------


def test_every_item_not_applicable_raises():
    with pytest.raises(IncompleteRatings) as excinfo:
        score(SEED, dict.fromkeys(SEED_CODES, NA))
    assert excinfo.value.nothing_applicable is True
    assert excinfo.value.missing == []
    assert isinstance(excinfo.value, ValueError)


def test_unrated_items_raise_listing_codes_in_framework_order():
    ratings = uniform(SEED, 3)
    del ratings["D1.1"]
    del ratings["A1.2"]
    ratings["C2.4"] = None  # explicitly unrated counts as missing
    with pytest.raises(IncompleteRatings) as excinfo:
        score(SEED, ratings)
    assert excinfo.value.missing == ["A1.2", "C2.4", "D1.1"]
    assert excinfo.value.nothing_applicable is False
    assert "A1.2" in str(excinfo.value)


def test_missing_takes_precedence_over_nothing_applicable():
    ratings = dict.fromkeys(SEED_CODES, NA)
    del ratings["B1.1"]
    with pytest.raises(IncompleteRatings) as excinfo:
        score(SEED, ratings)
    assert excinfo.value.missing == ["B1.1"]
    assert excinfo.value.nothing_applicable is False


def test_missing_items():
    assert missing_items(SEED, {}) == SEED_CODES
    assert missing_items(SEED, uniform(SEED, 0)) == []
    assert missing_items(SEED, dict.fromkeys(SEED_CODES, NA)) == []  # N/A is an answer
    ratings = {**uniform(SEED, 2), "B6.3": None}
    assert missing_items(SEED, ratings) == ["B6.3"]


def test_missing_items_follow_the_order_field():
    spec = FrameworkSpec(
        items=[
            ItemSpec("z", "X", 10, order=2),
            ItemSpec("y", "X", 10, order=0),
            ItemSpec("x", "X", 10, order=1),
        ],
        thresholds=THRESHOLDS,
    )
    assert missing_items(spec, {}) == ["y", "x", "z"]


def test_extra_ratings_for_unknown_items_are_ignored():
    assert score(SEED, {**uniform(SEED, 4), "Z9.9": 0}).total == 900


@pytest.mark.parametrize("bad", [-1, 6])
def test_score_refuses_out_of_range_ratings(bad):
    with pytest.raises(ValueError, match="outside"):
        score(SEED, {**uniform(SEED, 3), "B3.3": bad})


# --- area scores -----------------------------------------------------------------------------


def test_area_scores_scaled_to_1000_with_same_bands():
    # A at 1 (600 → L1), B at 2 (700 → L2), C at 4 (900 → L4), D at 0 (500 → L0).
    # Total = 100 × 0.6 + 400 × 0.7 + 400 × 0.9 + 100 × 0.5 = 60 + 280 + 360 + 50 = 750 → L3.
    result = score(SEED, seed_ratings(1, 2, 4, 0))
    assert {c: a.score for c, a in result.areas.items()} == {"A": 600, "B": 700, "C": 900, "D": 500}
    assert {c: a.level for c, a in result.areas.items()} == {"A": 1, "B": 2, "C": 4, "D": 0}
    assert result.total == 750
    assert result.band_level == 3
    # Spread: lowest (D = 0) + 1 = 1; systems: C = 4 ≥ 3, no cap; all areas: A, B, D < 4 → 4.
    assert result.caps == {"area_spread": 1, "all_areas_for_l5": 4}
    assert result.final_level == 1
    assert result.capping_rule == "area_spread"


def test_area_score_mixed_ratings_by_hand():
    # Area D: D1.1 (20) at 5 → 20, D1.2 (20) at 0 → 10, D1.3–D1.6 (4 × 15) at 3 → 48.
    # Earned 78 of 100 → 780 → Level 3.
    ratings = seed_ratings(3, 3, 3, 3, D1_1=5, D1_2=0)
    result = score(SEED, ratings)
    assert result.areas["D"].earned_points == 78
    assert result.areas["D"].score == 780
    assert result.areas["D"].level == 3
    # Total: 900 × 0.8 = 720 + 78 = 798 (out of 1,000).
    assert result.total == 798


def test_area_scores_use_1000_even_when_total_points_differ():
    spec = make_spec(("a", "X", 5), ("b", "Y", 15), total_points=100)
    # Total: (5 × 1.0 + 15 × 0.5) / 20 × 100 = 62.5; area X = 1000, Y = 500.
    result = score(spec, {"a": 5, "b": 0})
    assert result.total == Fraction(125, 2)
    assert result.areas["X"].score == 1000
    assert result.areas["Y"].score == 500


# --- floor rules -----------------------------------------------------------------------------


def test_area_spread_caps_at_lowest_area_plus_one():
    # A at 0, B C D at 5: total = 50 + 900 = 950 → band 5; A scores 500 → L0.
    result = score(SEED, seed_ratings(0, 5, 5, 5))
    assert result.total == 950
    assert result.band_level == 5
    assert result.caps == {"area_spread": 1, "all_areas_for_l5": 4}
    assert result.final_level == 1
    assert result.capping_rule == "area_spread"


def test_area_spread_does_not_cap_within_one_level():
    # A at 3 (L3), others at 4: total = 80 + 810 = 890 → band 4 = lowest + 1.
    result = score(SEED, seed_ratings(3, 4, 4, 4))
    assert result.band_level == 4
    assert result.caps["area_spread"] == 4
    assert result.final_level == 4
    assert result.capping_rule is None


def test_area_spread_with_wider_max_spread():
    spec = FrameworkSpec(SEED.items, SEED.thresholds, [FloorRule("area_spread", max_spread=2)])
    assert score(spec, seed_ratings(0, 5, 5, 5)).final_level == 2  # 0 + 2


def test_systems_for_l3_caps_at_2_when_area_c_below_3():
    # C at 2, others at 5: total = 600 + 280 = 880 → band 4; C = 700 → L2.
    # Spread: 2 + 1 = 3; systems: 2; all areas: C < 4 → 4. Final = min(4, 3, 2, 4) = 2.
    result = score(SEED, seed_ratings(5, 5, 2, 5))
    assert result.total == 880
    assert result.band_level == 4
    assert result.caps == {"area_spread": 3, "systems_for_l3": 2, "all_areas_for_l5": 4}
    assert result.final_level == 2
    assert result.capping_rule == "systems_for_l3"


def test_systems_for_l3_boundary_area_c_exactly_level_3():
    # C at 2 except C1.1 and C2.1–C2.4 (5 × 40 = 200 points) at 3:
    # 200 × 0.7 + 200 × 0.8 = 140 + 160 = 300 → 300 / 400 × 1000 = exactly 750 → Level 3.
    # A, B, D at 5: total = 600 + 300 = 900 → band 4.
    # Spread: 3 + 1 = 4; all areas: C < 4 → 4. Both caps equal the band: nothing capped.
    at_3 = {"C1_1": 3, "C2_1": 3, "C2_2": 3, "C2_3": 3, "C2_4": 3}
    result = score(SEED, seed_ratings(5, 5, 2, 5, **at_3))
    assert result.areas["C"].score == 750
    assert result.areas["C"].level == 3
    assert result.total == 900
    assert "systems_for_l3" not in result.caps
    assert result.caps == {"area_spread": 4, "all_areas_for_l5": 4}
    assert result.band_level == result.final_level == 4
    assert result.capping_rule is None
    # One step down (C1.1 back to 2): C = 296 → 740 → Level 2 → systems_for_l3 caps at 2.
    result = score(SEED, seed_ratings(5, 5, 2, 5, **{**at_3, "C1_1": 2}))
    assert result.areas["C"].score == 740
    assert result.areas["C"].level == 2
    assert result.caps["systems_for_l3"] == 2
    assert result.final_level == 2
    assert result.capping_rule == "systems_for_l3"


def test_systems_for_l3_boundary_area_c_just_below_level_3():
    # C at 2 except C1.2 (50) and C1.5 (20) at 5: 330 × 0.7 + 70 × 1.0 = 231 + 70 = 301
    # → 301 / 400 × 1000 = 752.5 → Level 3. C1.5 at 4 instead: 231 + 50 + 18 = 299 → 747.5
    # → Level 2 (it would display as 747.5, well clear; the exact-750 case is above).
    level3 = score(SEED, seed_ratings(4, 4, 2, 4, C1_2=5, C1_5=5))
    assert level3.areas["C"].score == Fraction(1505, 2)  # 752.5
    assert level3.areas["C"].level == 3
    assert "systems_for_l3" not in level3.caps
    level2 = score(SEED, seed_ratings(4, 4, 2, 4, C1_2=5, C1_5=4))
    assert level2.areas["C"].score == Fraction(1495, 2)  # 747.5
    assert level2.areas["C"].level == 2
    assert level2.caps["systems_for_l3"] == 2
    # Total: 600 × 0.9 + 299 = 839 → band 3; final capped to 2 by systems_for_l3
    # (spread gives 2 + 1 = 3).
    assert level2.total == 839
    assert level2.band_level == 3
    assert level2.final_level == 2
    assert level2.capping_rule == "systems_for_l3"


def test_systems_for_l3_does_not_bite_below_level_3():
    # C at 1 (600 → L1), A/B/D at 2: total = 600 × 0.7 + 400 × 0.6 = 420 + 240 = 660 → L2.
    # systems_for_l3 caps at 2 = band; spread caps at 1 + 1 = 2 = band: nothing capped.
    result = score(SEED, seed_ratings(2, 2, 1, 2))
    assert result.total == 660
    assert result.band_level == 2
    assert result.caps == {"area_spread": 2, "systems_for_l3": 2, "all_areas_for_l5": 4}
    assert result.final_level == 2
    assert result.capping_rule is None


def test_all_areas_for_l5_needs_every_area_at_4():
    # Every area at 5 except D at 4 (900 → L4): total 990 → band 5; nothing caps below 5.
    ok = score(SEED, seed_ratings(5, 5, 5, 4))
    assert ok.total == 990
    assert ok.areas["D"].level == 4
    assert ok.caps == {"area_spread": 5}
    assert ok.final_level == 5
    assert ok.capping_rule is None


def test_all_areas_for_l5_alone_caps_at_4():
    # D at 3 (800 → L3), the rest at 5: total 980 → band 5. Without area_spread (disabled),
    # all_areas_for_l5 is the only rule that bites: cap 4.
    spec = FrameworkSpec(
        SEED.items, SEED.thresholds, [FloorRule("area_spread", enabled=False), SYSTEMS, ALL_AREAS]
    )
    result = score(spec, seed_ratings(5, 5, 5, 3))
    assert result.total == 980
    assert result.band_level == 5
    assert result.caps == {"all_areas_for_l5": 4}
    assert result.final_level == 4
    assert result.capping_rule == "all_areas_for_l5"


def test_first_rule_in_list_wins_when_caps_tie():
    # D at 3, rest at 5 → band 5; area_spread gives 3 + 1 = 4 and all_areas_for_l5 gives 4.
    result = score(SEED, seed_ratings(5, 5, 5, 3))
    assert result.caps == {"area_spread": 4, "all_areas_for_l5": 4}
    assert result.final_level == 4
    assert result.capping_rule == "area_spread"
    reordered = FrameworkSpec(SEED.items, SEED.thresholds, [ALL_AREAS, SYSTEMS, SPREAD])
    result = score(reordered, seed_ratings(5, 5, 5, 3))
    assert result.final_level == 4
    assert result.capping_rule == "all_areas_for_l5"


def test_recorded_rule_is_first_giving_the_final_cap_not_first_capping():
    # C at 2, rest at 5: spread caps at 3 (first in list, but not the lowest), systems at 2.
    result = score(SEED, seed_ratings(5, 5, 2, 5))
    assert result.caps["area_spread"] == 3
    assert result.capping_rule == "systems_for_l3"


def test_no_capping_rule_when_a_cap_equals_the_band():
    # Uniform 4 → band 4; all areas at 4 → spread cap 5; nothing caps. Uniform 3 → band 3:
    # all_areas_for_l5 would cap at 4 > 3. And the boundary case above where caps == band.
    result = score(SEED, seed_ratings(3, 3, 3, 3))
    assert result.caps == {"area_spread": 4, "all_areas_for_l5": 4}
    assert result.capping_rule is None
    result = score(SEED, seed_ratings(4, 4, 3, 4))  # caps {4, 4} == band 4
    assert result.capping_rule is None
    assert result.final_level == result.band_level == 4


@pytest.mark.parametrize(
    ("disabled", "final", "capping"),
    [
        # C at 2, rest at 5 → band 4; spread 3, systems 2, all areas 4.
        (set(), 2, "systems_for_l3"),
        ({"systems_for_l3"}, 3, "area_spread"),
        ({"systems_for_l3", "area_spread"}, 4, None),  # all_areas cap 4 == band 4
        ({"systems_for_l3", "area_spread", "all_areas_for_l5"}, 4, None),
        ({"area_spread"}, 2, "systems_for_l3"),
    ],
)
def test_disabled_rules_cap_nothing(disabled, final, capping):
    rules = [
        FloorRule(r.code, r.min_overall, r.min_area_level, r.area, r.max_spread, enabled=False)
        if r.code in disabled
        else r
        for r in SEED.floor_rules
    ]
    spec = FrameworkSpec(SEED.items, SEED.thresholds, rules)
    result = score(spec, seed_ratings(5, 5, 2, 5))
    assert result.band_level == 4
    assert not disabled & set(result.caps)
    assert result.final_level == final
    assert result.capping_rule == capping


def test_rule_cap_directly():
    levels = {"A": 1, "B": 3, "C": 2, "D": 4}
    assert rule_cap(SPREAD, levels) == 2
    assert rule_cap(FloorRule("s", max_spread=2), levels) == 3
    assert rule_cap(SYSTEMS, levels) == 2
    assert rule_cap(SYSTEMS, {**levels, "C": 3}) is None
    assert rule_cap(ALL_AREAS, levels) == 4
    assert rule_cap(ALL_AREAS, {"A": 4, "B": 5, "C": 4, "D": 4}) is None
    assert rule_cap(FloorRule("off", enabled=False), levels) is None


@settings(max_examples=200)
@given(rated=rated_frameworks())
def test_final_level_is_min_of_band_and_caps(rated):
    spec, ratings = rated
    result = score(spec, ratings)
    area_levels = {c: a.level for c, a in result.areas.items() if a.level is not None}
    expected_caps = {
        r.code: rule_cap(r, area_levels)
        for r in spec.floor_rules
        if rule_cap(r, area_levels) is not None
    }
    assert dict(result.caps) == expected_caps
    assert all(r.enabled for r in spec.floor_rules if r.code in result.caps)
    assert result.final_level == min([result.band_level, *result.caps.values()])
    assert 0 <= result.final_level <= result.band_level <= MAX_LEVEL
    if result.final_level == result.band_level:
        assert result.capping_rule is None
    else:
        assert result.caps[result.capping_rule] == result.final_level
        codes = [r.code for r in spec.floor_rules]
        earlier = codes[: codes.index(result.capping_rule)]
        assert all(result.caps.get(code) != result.final_level for code in earlier)


# --- monotonicity ----------------------------------------------------------------------------


@settings(max_examples=200)
@given(data=st.data(), rated=rated_frameworks())
def test_raising_one_rating_never_lowers_anything(data, rated):
    spec, ratings = rated
    raisable = [code for code, r in ratings.items() if r != NA and r < 5]
    if not raisable:
        return
    code = data.draw(st.sampled_from(raisable))
    higher = {**ratings, code: data.draw(st.integers(ratings[code] + 1, 5))}
    before, after = score(spec, ratings), score(spec, higher)
    assert after.total > before.total  # strictly: the item has positive points
    assert after.band_level >= before.band_level
    assert after.final_level >= before.final_level
    for area, result in before.areas.items():
        if result.score is None:
            assert after.areas[area].score is None
        else:
            assert after.areas[area].score >= result.score
            assert after.areas[area].level >= result.level


@settings(max_examples=150)
@given(rated=rated_frameworks())
def test_total_is_500_plus_100_times_weighted_mean_rating(rated):
    spec, ratings = rated
    applicable = [i for i in spec.items if ratings[i.code] != NA]
    weight = sum(Fraction(i.points) for i in applicable)
    mean = sum(Fraction(i.points) * ratings[i.code] for i in applicable) / weight
    result = score(spec, ratings)
    assert result.total == 500 + 100 * mean
    assert 500 <= result.total <= 1000
    assert result.band_level == level_for(result.total, THRESHOLDS)


# --- roadmap ---------------------------------------------------------------------------------


def roadmap_spec():
    # X: x1 10, x2 20. Y: y1 30, y2 20, y3 40, y4 15 (N/A). Spread rule only.
    return make_spec(
        ("x1", "X", 10),
        ("x2", "X", 20),
        ("y1", "Y", 30),
        ("y2", "Y", 20),
        ("y3", "Y", 40),
        ("y4", "Y", 15),
        rules=[SPREAD],
    )


def test_roadmap_by_hand_with_capping_area_doubled():
    spec = roadmap_spec()
    ratings = {"x1": 0, "x2": 0, "y1": 5, "y2": 1, "y3": 1, "y4": NA}
    # Earned: x1 5 + x2 10 + y1 30 + y2 12 + y3 24 = 81 of 120 → 675 → band 2.
    # X: 15/30 → 500 → L0. Y: 66/90 → 733.3 → L2. Spread caps at 0 + 1 = 1 → final 1.
    result = score(spec, ratings)
    assert result.total == 675
    assert result.band_level == 2
    assert (result.areas["X"].level, result.areas["Y"].level) == (0, 2)
    assert result.final_level == 1
    assert result.capping_rule == "area_spread"
    # Target 2. X capped → doubled: x1 (2−0)·10·2 = 40, x2 (2−0)·20·2 = 80.
    # Y not: y2 (2−1)·20 = 20, y3 (2−1)·40 = 40; y1 at 5 ≥ 2 and y4 N/A are left out.
    # x1 and y3 tie at 40: framework order keeps x1 first.
    steps = [(s.item, s.priority, s.capping_area, s.target) for s in result.roadmap]
    assert steps == [
        ("x2", 80, True, 2),
        ("x1", 40, True, 2),
        ("y3", 40, False, 2),
        ("y2", 20, False, 2),
    ]
    assert result.roadmap[0].rating == 0
    assert result.roadmap[0].area == "X"


def test_roadmap_not_doubled_without_a_capping_rule():
    spec = roadmap_spec()
    ratings = {"x1": 2, "x2": 1, "y1": 2, "y2": 2, "y3": 3, "y4": NA}
    # Earned 7 + 12 + 21 + 14 + 32 = 86 of 120 → 716.67 → band 2. X: 19/30 → 633.3 → L1,
    # Y: 67/90 → 744.4 → L2; spread cap 2 = band → no capping rule, no doubling.
    result = score(spec, ratings)
    assert result.band_level == result.final_level == 2
    assert result.capping_rule is None
    # Target 3: x1 1·10 = 10, x2 2·20 = 40, y1 1·30 = 30, y2 1·20 = 20; y3 at 3 left out.
    steps = [(s.item, s.priority, s.capping_area) for s in result.roadmap]
    assert steps == [("x2", 40, False), ("y1", 30, False), ("y2", 20, False), ("x1", 10, False)]


def test_roadmap_function_directly_and_limit():
    spec = roadmap_spec()
    ratings = {"x1": 0, "x2": 0, "y1": 5, "y2": 1, "y3": 1, "y4": NA}
    full = roadmap(spec, ratings, final_level=1, capping={"X"})
    assert [s.item for s in full] == ["x2", "x1", "y3", "y2"]
    assert [s.item for s in roadmap(spec, ratings, 1, {"X"}, limit=2)] == ["x2", "x1"]
    assert roadmap(spec, ratings, 1, {"X"}, limit=0) == []
    # Without capping areas: x1 20, x2 40, y2 20, y3 40 → x2, y3, x1, y2.
    assert [s.item for s in roadmap(spec, ratings, 1)] == ["x2", "y3", "x1", "y2"]
    # Unrated items are skipped by the roadmap (score() refuses them earlier).
    assert [s.item for s in roadmap(spec, {"x1": 0}, 1)] == ["x1"]


def test_roadmap_at_level_5_keeps_target_5():
    spec = roadmap_spec()
    ratings = {"x1": 5, "x2": 5, "y1": 5, "y2": 5, "y3": 4, "y4": NA}
    # Earned 10 + 20 + 30 + 20 + 36 = 116 of 120 → 966.67 → L5; areas 1000 and 977.8 → L5.
    result = score(spec, ratings)
    assert result.final_level == 5
    assert [(s.item, s.target, s.priority) for s in result.roadmap] == [("y3", 5, 40)]
    assert score(spec, {**ratings, "y3": 5}).roadmap == []
    steps = roadmap(spec, ratings, final_level=5)
    assert all(s.target == 5 for s in steps)


def test_seed_roadmap_systems_cap_doubles_area_c_with_ties_in_framework_order():
    # C at 2, rest at 5 → final 2 (systems_for_l3); target 3; only C items are below 3,
    # each (3 − 2) × points × 2.
    result = score(SEED, seed_ratings(5, 5, 2, 5))
    steps = [(s.item, s.priority) for s in result.roadmap]
    assert steps == [
        ("C1.2", 100),
        ("C1.1", 80),
        ("C1.6", 80),
        ("C2.1", 80),
        ("C2.2", 80),
        ("C2.3", 80),
        ("C2.4", 80),
        ("C1.3", 60),
        ("C1.4", 60),
        ("C1.7", 60),
        ("C1.5", 40),
    ]
    assert all(s.capping_area and s.target == 3 and s.descriptor_level == 3 for s in result.roadmap)


def test_seed_roadmap_spread_cap_doubles_only_the_lowest_area():
    # A at 0 (L0), B at 1 (L1), C and D at 5: total 50 + 240 + 500 = 790 → band 3;
    # spread caps at 0 + 1 = 1 (A lowest) → final 1, target 2.
    # A: (2 − 0) × 25 × 2 = 100 each; B: (2 − 1) × points, not doubled; C, D at 5 left out.
    result = score(SEED, seed_ratings(0, 1, 5, 5))
    assert result.total == 790
    assert result.final_level == 1
    assert result.capping_rule == "area_spread"
    expected_b = (
        ["B1.1", "B1.2"]  # 30
        + ["B2.2", "B2.3", "B5.2"]  # 25
        + ["B2.1", "B3.1", "B3.2", "B3.3", "B3.4"]  # 20 …
        + ["B4.1", "B4.2", "B4.3", "B4.4", "B5.1", "B6.2"]
        + ["B5.3", "B6.1", "B6.3"]  # 15
    )
    assert [s.item for s in result.roadmap] == ["A1.1", "A1.2", "A1.3", "A1.4", *expected_b]
    by_item = {s.item: s for s in result.roadmap}
    assert by_item["A1.1"].priority == 100
    assert by_item["A1.1"].capping_area is True
    assert by_item["B1.1"].priority == 30
    assert by_item["B1.1"].capping_area is False
    assert by_item["B6.3"].priority == 15


def test_seed_roadmap_tied_caps_double_every_binding_rules_areas():
    # A at 1 (L1), C at 2 (L2), B and D at 5: total 60 + 280 + 500 = 840 → band 3.
    # area_spread: 1 + 1 = 2 and systems_for_l3: 2 tie; area_spread (first) is recorded, but
    # both hold the level at 2, so A (the lowest area) and C (systems) are both doubled.
    # Target 3: A1.1 (3 − 1) × 25 × 2 = 100; C1.2 (3 − 2) × 50 × 2 = 100.
    result = score(SEED, seed_ratings(1, 5, 2, 5))
    assert result.total == 840
    assert result.caps == {"area_spread": 2, "systems_for_l3": 2, "all_areas_for_l5": 4}
    assert result.capping_rule == "area_spread"
    by_item = {s.item: s for s in result.roadmap}
    assert by_item["A1.1"].priority == 100
    assert by_item["A1.1"].capping_area is True
    assert by_item["C1.2"].priority == 100
    assert by_item["C1.2"].capping_area is True


def test_seed_roadmap_all_areas_rule_doubles_areas_below_4():
    spec = FrameworkSpec(SEED.items, SEED.thresholds, [ALL_AREAS])
    # D at 3, rest at 5 → band 5; all_areas caps at 4 → target 5; D (5 − 3) × p × 2.
    result = score(spec, seed_ratings(5, 5, 5, 3))
    assert result.capping_rule == "all_areas_for_l5"
    assert [(s.item, s.priority) for s in result.roadmap] == [
        ("D1.1", 80),
        ("D1.2", 80),
        ("D1.3", 60),
        ("D1.4", 60),
        ("D1.5", 60),
        ("D1.6", 60),
    ]
    assert all(s.capping_area for s in result.roadmap)


def test_roadmap_no_doubling_when_caps_equal_band():
    # Caps {4, 4} == band 4: no capping rule, so nobody is doubled. Target 5.
    result = score(SEED, seed_ratings(4, 4, 3, 4))
    assert result.capping_rule is None
    assert not any(s.capping_area for s in result.roadmap)
    by_item = {s.item: s for s in result.roadmap}
    assert by_item["C1.2"].priority == (5 - 3) * 50
    assert by_item["A1.1"].priority == (5 - 4) * 25


@pytest.mark.parametrize(
    ("k", "target", "descriptor_level"),
    [(0, 1, 1), (1, 2, 3), (2, 3, 3), (3, 4, 5), (4, 5, 5)],
)
def test_seed_roadmap_descriptors(k, target, descriptor_level):
    result = score(SEED, uniform(SEED, k))
    assert len(result.roadmap) == 40
    first = result.roadmap[0]
    assert first.item == "C1.2"  # the heaviest item (50 points), priority 1 × 50
    assert first.priority == 50
    assert all(s.target == target for s in result.roadmap)
    assert all(s.descriptor_level == descriptor_level for s in result.roadmap)
    seed_item = SEED_JSON["areas"][2]["categories"][0]["items"][1]
    assert seed_item["code"] == "C1.2"
    assert first.descriptor == seed_item["descriptors"][str(descriptor_level)]


def test_seed_roadmap_empty_at_level_5_everywhere():
    assert score(SEED, uniform(SEED, 5)).roadmap == []


def test_descriptor_for():
    d = {1: {"en": "one"}, 3: {"en": "three"}, 5: {"en": "five"}}
    item = ItemSpec("i", "X", 10, descriptors=d)
    assert descriptor_for(item, 1) == (1, {"en": "one"})
    assert descriptor_for(item, 2) == (3, {"en": "three"})
    assert descriptor_for(item, 3) == (3, {"en": "three"})
    assert descriptor_for(item, 4) == (5, {"en": "five"})
    assert descriptor_for(item, 5) == (5, {"en": "five"})
    assert descriptor_for(ItemSpec("j", "X", 10), 3) == (None, None)
    # String keys (raw JSON) work too.
    raw = ItemSpec("k", "X", 10, descriptors={"3": {"en": "three"}, "5": {"en": "five"}})
    assert descriptor_for(raw, 2) == (3, {"en": "three"})
    # Nothing at or above the target: current behaviour falls back to the highest described.
    low = ItemSpec("l", "X", 10, descriptors={1: {"en": "one"}})
    assert descriptor_for(low, 3) == (1, {"en": "one"})


@settings(max_examples=200)
@given(rated=rated_frameworks())
def test_roadmap_invariants(rated):
    spec, ratings = rated
    result = score(spec, ratings)
    target = min(result.final_level + 1, MAX_LEVEL)
    order = {item.code: n for n, item in enumerate(spec.items)}
    points = {item.code: Fraction(item.points) for item in spec.items}
    listed = {s.item for s in result.roadmap}
    for code, rating in ratings.items():
        expected_in = rating != NA and rating < target
        assert (code in listed) == expected_in
    doubled_areas = {s.area for s in result.roadmap if s.capping_area}
    if result.capping_rule is None:
        assert not doubled_areas
    for step in result.roadmap:
        assert step.target == target
        assert step.rating == ratings[step.item]
        factor = 2 if step.capping_area else 1
        assert step.priority == (target - step.rating) * points[step.item] * factor
        assert step.descriptor_level == min(lvl for lvl in (1, 3, 5) if lvl >= target)
    for a, b in zip(result.roadmap, result.roadmap[1:], strict=False):
        assert a.priority >= b.priority
        if a.priority == b.priority:
            assert order[a.item] < order[b.item]


# --- serialisation ---------------------------------------------------------------------------


def test_as_dict_is_json_and_round_trips():
    result = score(SEED, seed_ratings(5, 5, 2, 5, C1_2=NA))
    data = result.as_dict()
    text = json.dumps(data)
    assert json.loads(text) == data
    # C without C1.2: 350 × 0.7 = 245; total = (600 + 245) / 950 × 1000 = 16900/19.
    assert result.total == Fraction(16900, 19)
    assert data["total"] == "889.474"
    assert Decimal(data["total"]) == to_decimal(result.total)
    assert data["band_level"] == 4
    assert data["final_level"] == 2
    assert data["capping_rule"] == "systems_for_l3"
    assert data["caps"] == {"area_spread": 3, "systems_for_l3": 2, "all_areas_for_l5": 4}
    assert data["areas"]["C"] == {"score": "700.000", "level": 2}
    assert data["areas"]["A"] == {"score": "1000.000", "level": 5}
    assert data["roadmap"][0] == {
        "item": "C1.1",
        "area": "C",
        "rating": 2,
        "target": 3,
        "priority": "80.000",
        "capping_area": True,
        "descriptor_level": 3,
    }
    assert len(data["roadmap"]) == 10  # C1.2 is N/A


def test_as_dict_with_all_na_area_serialises_null():
    data = score(SEED, seed_ratings(3, 3, NA, 3)).as_dict()
    assert json.loads(json.dumps(data))["areas"]["C"] == {"score": None, "level": None}
    assert data["total"] == "800.000"
    assert data["capping_rule"] is None


@settings(max_examples=100)
@given(rated=rated_frameworks())
def test_as_dict_json_property(rated):
    spec, ratings = rated
    result = score(spec, ratings)
    data = json.loads(json.dumps(result.as_dict()))
    assert data == result.as_dict()
    whole, _, decimals = data["total"].partition(".")
    assert whole.isdigit()
    assert len(decimals) == 3
    assert abs(Fraction(Decimal(data["total"])) - result.total) <= Fraction(1, 2000)
    assert [step["item"] for step in data["roadmap"]] == [s.item for s in result.roadmap]


# --- to_decimal ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Fraction(1, 3), 3, "0.333"),
        (Fraction(2, 3), 3, "0.667"),
        (Fraction(7499995, 10000), 3, "750.000"),  # 749.9995: half rounds up
        (Fraction(7499994, 10000), 3, "749.999"),
        (Fraction(1, 4), 1, "0.3"),  # 0.25: half up (banker's rounding would give 0.2)
        (Fraction(5, 2), 0, "3"),
        (Fraction(7, 2), 0, "4"),
        (Fraction(74996, 100), 1, "750.0"),
        (Fraction(74994, 100), 1, "749.9"),
        (Fraction(800), 3, "800.000"),
        (Fraction(0), 3, "0.000"),
    ],
)
def test_to_decimal_rounds_half_up(value, places, expected):
    assert str(to_decimal(value, places)) == expected
    assert isinstance(to_decimal(value, places), Decimal)


def test_to_decimal_does_not_double_round():
    # 749.9995 − 10⁻³⁰ is below the half: it must round down to 749.999. Dividing in a
    # 28-digit Decimal context first rounds it up to exactly 749.9995, then half-up gives 750.
    assert to_decimal(Fraction(7499995, 10000) - Fraction(1, 10**30)) == Decimal("749.999")
    assert to_decimal(Fraction(1, 2000) - Fraction(1, 10**40)) == Decimal("0.000")


@settings(max_examples=200)
@given(
    value=st.fractions(min_value=0, max_value=10**6, max_denominator=10**12),
    places=st.integers(0, 4),
)
def test_to_decimal_matches_exact_half_up(value, places):
    scale = 10**places
    expected = Fraction(math.floor(value * scale + Fraction(1, 2)), scale)
    assert Fraction(to_decimal(value, places)) == expected
    assert to_decimal(value, places).as_tuple().exponent == -places


# --- the seed framework ----------------------------------------------------------------------


def test_seed_spec_from_json():
    assert len(SEED.items) == 40
    assert sum(Fraction(i.points) for i in SEED.items) == 1000
    assert SEED.total_points == 1000
    assert SEED.areas == ["A", "B", "C", "D"]
    per_area = {area: sum(i.points for i in SEED.items if i.area == area) for area in SEED.areas}
    assert per_area == {"A": 100, "B": 400, "C": 400, "D": 100}
    assert [i.code for i in SEED.items] == SEED_CODES
    assert {i.code: i.points for i in SEED.items} == {
        code: points for area in SEED_POINTS.values() for code, points in area.items()
    }
    assert [i.order for i in SEED.items] == list(range(40))
    assert dict(SEED.thresholds) == THRESHOLDS
    assert list(SEED.floor_rules) == [SPREAD, SYSTEMS, ALL_AREAS]
    assert SEED.floor_rules[0].is_spread
    assert not SEED.floor_rules[1].is_spread
    assert SEED.floor_rules[2].area is None
    for item in SEED.items:
        assert set(item.descriptors) == {1, 3, 5}
        assert all(set(d) == {"ko", "en"} for d in item.descriptors.values())


def test_seed_json_header_matches_design():
    assert SEED_JSON["total_points"] == 1000
    assert SEED_JSON["rating"] == {
        "min": 0,
        "max": 5,
        "points_formula": "points * (0.5 + 0.1 * rating)",
        "not_applicable": (
            "item leaves the denominator; remaining points are rescaled to total_points"
        ),
    }
    assert [lvl["level"] for lvl in SEED_JSON["levels"]] == [0, 1, 2, 3, 4, 5]


def test_floor_rule_from_json_options():
    rule = floor_rule_from_json({"code": "wide", "max_spread": 2, "enabled": False})
    assert rule == FloorRule("wide", max_spread=2, enabled=False)
    assert rule.is_spread
    rule = floor_rule_from_json({"code": "r", "area": "B", "min_overall": 4, "min_area_level": 2})
    assert rule == FloorRule("r", min_overall=4, min_area_level=2, area="B")
    assert rule.enabled


def test_spec_from_json_minimal_defaults():
    data = {
        "level_thresholds": {"1": 600},
        "areas": [{"code": "X", "categories": [{"items": [{"code": "x", "points": 7}]}]}],
    }
    spec = spec_from_json(data)
    assert spec.total_points == 1000
    assert spec.floor_rules == []
    assert spec.thresholds == {1: 600}
    assert spec.items[0].descriptors == {}
    assert score(spec, {"x": 1}).band_level == 1  # 600 ≥ 600


@pytest.mark.parametrize("rating", [2.5, Fraction(5, 2), True, "3"])
def test_item_points_refuses_ratings_that_are_not_whole_numbers(rating):
    with pytest.raises(TypeError):
        item_points(10, rating)
