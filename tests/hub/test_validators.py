"""Business registration number rules (사업자등록번호 check digit)."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from hub.validators import (
    business_number_check_digit,
    format_business_number,
    is_valid_business_number,
    normalize_business_number,
    validate_business_number,
)

# Numbers published on the companies' own disclosures.
REAL_VALID = ["124-81-00998", "220-81-62517", "1248100998"]


@pytest.mark.parametrize("number", REAL_VALID)
def test_real_business_numbers_pass(number):
    assert is_valid_business_number(number)
    validate_business_number(number)


@pytest.mark.parametrize(
    "number",
    [
        "124-81-00999",  # last digit off by one
        "124-81-00990",
        "220-81-62518",
        "214-81-00998",  # two digits swapped
    ],
)
def test_wrong_check_digit_is_refused_with_the_number_in_the_message(number):
    with pytest.raises(ValidationError) as exc:
        validate_business_number(number)
    assert exc.value.error_list[0].code == "business_number_checksum"
    assert format_business_number(number) in str(exc.value.messages[0])


@pytest.mark.parametrize(
    "number", ["", "12345", "124-81-009989", "12a-81-00998", "１２４８１００９９８"]
)
def test_malformed_numbers_are_refused_as_format_errors(number):
    with pytest.raises(ValidationError) as exc:
        validate_business_number(number)
    assert exc.value.error_list[0].code == "business_number_format"


def test_format_and_normalize_round_trip():
    assert format_business_number("1248100998") == "124-81-00998"
    assert normalize_business_number(" 124-81-00998 ") == "1248100998"
    assert format_business_number("oops") == "oops"


def test_ninth_digit_tens_carry_is_part_of_the_check():
    # 9th digit 9: 9*5 = 45 adds 4 beyond the weighted sum; the check digit must include it.
    assert business_number_check_digit("124810099") == 8


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_exactly_one_check_digit_completes_any_stem(stem):
    valid = [d for d in "0123456789" if is_valid_business_number(stem + d)]
    assert valid == [str(business_number_check_digit(stem))]
