"""Template filters of the program pages: won amounts, shares as percentages, KPI deltas."""

from decimal import Decimal, InvalidOperation

from django import template

from hub import formats
from hub.i18n import is_english
from programs.services import krw as _krw

register = template.Library()


@register.filter
def krw(amount):
    """₩42,000,000 in English, 4,200만 원 in Korean (— when empty)."""
    if amount is None or amount == "":
        return "—"
    try:
        return _krw(amount) if is_english() else formats.won(amount)
    except (InvalidOperation, ValueError, TypeError):
        return "—"


@register.filter
def share_pct(part, total):
    """part as a percentage of total, one decimal ("30.0 %"), or — without a total."""
    return formats.percent_of(part, total)


@register.filter
def signed_pct(value):
    """+43.5 % / −12.0 % (a real minus sign), — when unknown."""
    return formats.signed_percent(value)


@register.filter
def plain_number(value):
    """A measured value without trailing zeros (12.5000 → 12.5), — when empty."""
    if value is None:
        return "—"
    value = Decimal(value)
    text = format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
