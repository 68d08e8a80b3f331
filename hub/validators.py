"""Validators for Korean identifiers, pure functions with no ORM."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# 사업자등록번호: nine digits weighted 1,3,7,1,3,7,1,3,5; the ninth digit's product
# also adds its tens digit; the tenth digit makes the sum a multiple of ten.
_BRN_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)
_NON_DIGITS = re.compile(r"[\s\-]")


def normalize_business_number(value: str) -> str:
    """Strip spaces and hyphens: '124-81-00998' -> '1248100998'."""
    return _NON_DIGITS.sub("", str(value or ""))


def business_number_check_digit(first_nine: str) -> int:
    digits = [int(c) for c in first_nine]
    total = sum(d * w for d, w in zip(digits, _BRN_WEIGHTS, strict=True))
    total += (digits[8] * 5) // 10
    return (10 - total % 10) % 10


def is_valid_business_number(value: str) -> bool:
    number = normalize_business_number(value)
    if len(number) != 10 or not number.isascii() or not number.isdigit():
        return False
    return business_number_check_digit(number[:9]) == int(number[9])


def format_business_number(value: str) -> str:
    """'1248100998' -> '124-81-00998'; anything else is returned unchanged."""
    number = normalize_business_number(value)
    if len(number) != 10 or not number.isdigit():
        return value or ""
    return f"{number[:3]}-{number[3:5]}-{number[5:]}"


def validate_business_number(value: str) -> None:
    number = normalize_business_number(value)
    if len(number) != 10 or not number.isascii() or not number.isdigit():
        raise ValidationError(
            _("A business registration number has 10 digits (e.g. 123-45-67890)."),
            code="business_number_format",
        )
    if not is_valid_business_number(number):
        raise ValidationError(
            _("%(value)s fails the business registration number check digit."),
            code="business_number_checksum",
            params={"value": format_business_number(number)},
        )
