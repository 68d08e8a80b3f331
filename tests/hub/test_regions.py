"""Region names as people write them (hub.regions): every official name and alias maps to its
one region; unknown names map to nothing; imports accept them and name examples otherwise."""

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from hub.choices import REGION_KOREAN_NAMES, REGION_LEGACY_CODES, Region
from hub.importers.columns import CellError, parse_region
from hub.regions import REGION_ALIASES, region_code, region_key, region_names

AS_PEOPLE_WRITE_THEM = {
    "서울시": "11",
    "서울특별시": "11",
    "서울": "11",
    "부산시": "26",
    "세종시": "36",
    "세종특별자치시": "36",
    "제주도": "50",
    "제주특별자치도": "50",
    "경기": "41",
    "경기도": "41",
    "강원도": "51",
    "강원특별자치도": "51",
    "전북": "52",
    "전라북도": "52",
    "전북특별자치도": "52",
    "충남": "44",
    "충청남도": "44",
    "Seoul": "11",
    "seoul special city": "11",
    "Gyeonggi-do": "41",
    "GYEONGGI DO": "41",
    "Gangwon-do": "51",
    "North Chungcheong": "43",
    "Jeollabuk-do": "52",
    " 경 기 도 ": "41",
    "41": "41",
    "42": "51",
    "45": "52",
}

ALL_SPELLINGS = [(name, code) for code in Region.values for name in region_names(code)]


@pytest.mark.parametrize(("text", "code"), AS_PEOPLE_WRITE_THEM.items())
def test_names_as_people_write_them(text, code):
    assert region_code(text) == code


@pytest.mark.parametrize(("name", "code"), ALL_SPELLINGS)
def test_every_official_name_label_and_alias(name, code):
    assert region_code(name) == code


def test_every_region_has_its_official_and_short_korean_name():
    assert set(REGION_KOREAN_NAMES) == set(Region.values) >= set(REGION_ALIASES)
    for code in Region.values:
        assert region_code(code) == code
    for old, new in REGION_LEGACY_CODES.items():
        assert region_code(old) == new


def test_no_spelling_belongs_to_two_regions():
    owners: dict[str, set[str]] = {}
    for name, code in ALL_SPELLINGS:
        owners.setdefault(region_key(name), set()).add(code)
    assert {k: v for k, v in owners.items() if len(v) > 1} == {}


@pytest.mark.parametrize("text", ["", "   ", "서울도", "광주시", "경기시", "Atlantis", "99", None])
def test_unknown_or_ambiguous_names_are_refused(text):
    # 광주시 is also a city of Gyeonggi-do: no guess.
    assert region_code(text) is None


@given(
    st.sampled_from(ALL_SPELLINGS),
    st.lists(st.sampled_from([" ", "-", ".", "·"]), max_size=3),
    st.booleans(),
)
def test_case_spaces_and_punctuation_never_change_the_region(spelling, extra, upper):
    name, code = spelling
    text = "".join(extra) + (name.upper() if upper else name.lower()) + "".join(extra)
    assert region_code(text) == code


@given(st.text(max_size=12))
def test_any_text_maps_to_one_region_or_none(text):
    assert region_code(text) in {None, *Region.values}


def test_import_cells_accept_aliases_and_refuse_with_examples():
    assert parse_region("부산시") == "26"
    assert parse_region(11) == "11"
    with translation.override("en"), pytest.raises(CellError) as refused:
        parse_region("서울도")
    message = str(refused.value)
    assert "“서울도” is not a region" in message
    assert "서울시" in message and "Gyeonggi-do" in message
