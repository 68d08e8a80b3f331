"""The anonymisation rules of research datasets (datahub/anonymity.py): generalisation of
the quasi-identifiers, k-anonymity counted in plants, suppression, pseudonyms. Property tests
with hypothesis: every released class holds at least k plants, every plant is released or
suppressed (and counted), nothing but pseudonyms and generalised values leaves the module."""

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datahub import anonymity as a
from hub.choices import Industry, Region

REGIONS = [r.value for r in Region]
DIVISIONS = [i.value for i in Industry]


def plant(key, region="41", employees=30, industry="25", year=2012):
    return a.PlantRecord(key, region, employees, industry, year)


records = st.builds(
    a.PlantRecord,
    key=st.integers(min_value=1, max_value=10**9),
    region=st.sampled_from(REGIONS),
    employees=st.one_of(st.none(), st.integers(min_value=0, max_value=2000)),
    industry=st.sampled_from(DIVISIONS),
    operating_year=st.one_of(st.none(), st.integers(min_value=1950, max_value=2026)),
)
plant_lists = st.lists(records, max_size=120, unique_by=lambda p: p.key)


@settings(max_examples=200, deadline=None)
@given(plants=plant_lists, k=st.integers(min_value=2, max_value=12))
def test_every_released_class_holds_at_least_k_plants(plants, k):
    release = a.anonymise(plants, k=k)
    if not release.ok:
        assert len(plants) < k or not plants
        assert not release.plants
        return
    assert all(size >= k for size in release.classes().values())
    assert len(release.plants) >= k


@settings(max_examples=200, deadline=None)
@given(plants=plant_lists, k=st.integers(min_value=2, max_value=12))
def test_every_plant_is_released_or_suppressed_and_suppression_is_bounded(plants, k):
    release = a.anonymise(plants, k=k, max_suppressed=0.1)
    if not release.ok:
        return
    keys = {p.key for p in plants}
    assert set(release.plants) | set(release.suppressed) == keys
    assert not set(release.plants) & set(release.suppressed)
    assert len(release.suppressed) <= 0.1 * len(plants)


@settings(max_examples=200, deadline=None)
@given(plants=plant_lists)
def test_no_direct_identifier_leaves_the_module(plants):
    release = a.anonymise(plants, k=5)
    allowed = {"plant", *a.QUASI_IDENTIFIERS}
    names = [values["plant"] for values in release.plants.values()]
    assert len(set(names)) == len(names)
    for values in release.plants.values():
        assert set(values) == allowed
        assert values["plant"].startswith("P-") and len(values["plant"]) == 10
        # Neither the key nor a raw region code, head count or year is released.
        released = set(values.values())
        assert not released & set(REGIONS)
        assert values["region"] in {*a.MACRO_REGIONS.values(), a.ANY, a.UNKNOWN}


def test_fine_classes_are_kept_when_large_enough():
    plants = [plant(i) for i in range(5)] + [plant(10 + i, region="26") for i in range(5)]
    release = a.anonymise(plants, k=5)
    assert release.level == (0, 0, 0, 0)
    assert release.suppressed == []
    assert {v["region"] for v in release.plants.values()} == {"capital", "dongnam"}
    assert {v["size_band"] for v in release.plants.values()} == {"10-49"}
    assert {v["industry"] for v in release.plants.values()} == {"25"}
    assert {v["operating_since"] for v in release.plants.values()} == {"2010s"}


def test_a_lone_plant_is_suppressed_when_that_costs_little():
    plants = [plant(i) for i in range(20)] + [plant(99, region="50", employees=500)]
    release = a.anonymise(plants, k=5)
    assert release.level == (0, 0, 0, 0)
    assert release.suppressed == [99]
    assert len(release.plants) == 20


def test_the_ladder_coarsens_when_suppression_would_cost_too_much():
    # Ten plants over seven decades: no class of 5 until the decade is coarsened.
    years = (1950, 1960, 1970, 1980, 1990, 2000, 2005, 2010, 2015, 2020)
    plants = [plant(i, year=year) for i, year in enumerate(years)]
    release = a.anonymise(plants, k=5)
    assert release.level == (0, 0, 0, 1)
    assert {v["operating_since"] for v in release.plants.values()} == {
        "before 2000",
        "2000 or later",
    }


def test_fewer_than_k_plants_are_refused():
    release = a.anonymise([plant(i) for i in range(4)], k=5)
    assert release.refused == "too_few" and not release.plants
    assert a.anonymise([], k=5).refused == "no_plants"


@pytest.mark.parametrize(
    ("employees", "level", "band"),
    [
        (None, 0, "unknown"),
        (5, 0, "1-9"),
        (49, 0, "10-49"),
        (50, 0, "50-99"),
        (299, 0, "100-299"),
        (300, 0, "300+"),
        (49, 1, "1-49"),
        (50, 1, "50+"),
        (50, 2, "*"),
    ],
)
def test_size_bands(employees, level, band):
    assert a.size_band(employees, level) == band


def test_every_region_and_division_has_a_group():
    assert set(a.MACRO_REGIONS) == set(REGIONS)
    assert set(a.SECTORS) == set(DIVISIONS)


def test_pseudonyms_are_distinct_even_when_the_source_repeats():
    tokens = iter(["aaaaaaaa", "aaaaaaaa", "bbbbbbbb"])
    assert a.pseudonyms(2, lambda: next(tokens)) == ["P-aaaaaaaa", "P-bbbbbbbb"]


# --- differencing with earlier releases ---------------------------------------------------


def test_the_first_release_holds_nothing_back():
    plants = [plant(n) for n in range(1, 8)]
    release = a.anonymise(plants, k=5, earlier=[])
    assert len(release.plants) == 7 and release.held_back == []


def test_a_lone_newcomer_waits_until_k_join_it():
    first = [plant(n) for n in range(1, 8)]
    before = a.anonymise(first, k=5)
    assert before.ok and sorted(before.plants) == list(range(1, 8))
    # One more plant of the same class: alone among the new, so held back.
    second = a.anonymise([*first, plant(8)], k=5, earlier=[set(before.plants)])
    assert sorted(second.plants) == list(range(1, 8))
    assert second.held_back == [8] and 8 in second.suppressed
    # Five new plants of the class are released together.
    third_plants = [*first, *(plant(n) for n in range(8, 13))]
    third = a.anonymise(third_plants, k=5, earlier=[set(before.plants), set(second.plants)])
    assert sorted(third.plants) == list(range(1, 13)) and third.held_back == []


def test_holding_back_that_leaves_a_class_under_k_suppresses_the_class():
    # Against an earlier release of plants 1-4 (another class then), a class of 5 of which
    # 1-4 are old and 5 is new: 5 is held back and the class, now 4, goes with it.
    old = [plant(n, region="26") for n in range(1, 5)]
    others = [plant(n) for n in range(20, 30)]
    release = a.anonymise([*old, plant(5, region="26"), *others], k=5, earlier=[{1, 2, 3, 4}])
    assert set(release.plants) == set(range(20, 30))
    assert release.held_back == [1, 2, 3, 4, 5]


@settings(max_examples=200, deadline=None)
@given(plants=plant_lists, k=st.integers(min_value=2, max_value=8), data=st.data())
def test_against_every_earlier_release_the_new_plants_are_k_to_a_class(plants, k, data):
    keys = [p.key for p in plants]
    subsets = st.sets(st.sampled_from(keys)) if keys else st.just(set())
    earlier = data.draw(st.lists(subsets, max_size=3))
    release = a.anonymise(plants, k=k, earlier=earlier)
    if not release.ok:
        return
    assert all(size >= k for size in release.classes().values())
    for before in earlier:
        new = Counter(
            tuple(values[q] for q in a.QUASI_IDENTIFIERS)
            for key, values in release.plants.items()
            if key not in before
        )
        assert all(size >= k for size in new.values())
    released, left_out = set(release.plants), set(release.suppressed)
    assert released | left_out == set(keys) and not released & left_out
    assert set(release.held_back) <= left_out
