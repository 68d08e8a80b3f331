"""The anonymisation rules of research datasets (datahub/anonymity.py): generalisation of
the quasi-identifiers, k-anonymity counted in plants, suppression, pseudonyms. Property tests
with hypothesis: every released class holds at least k plants, every plant is released or
suppressed (and counted), nothing but pseudonyms and generalised values leaves the module."""

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
