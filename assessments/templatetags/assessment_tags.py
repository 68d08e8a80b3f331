"""Template helpers of the assessment pages: anchors, scores, ratings."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext

from assessments.formats import consultant_name

register = template.Library()


@register.filter
def item_anchor(code) -> str:
    """`{{ item.code|item_anchor }}`: the fragment id of an item on the fill and detail pages
    (dots would need escaping in CSS selectors, so A1.2 becomes item-A1-2)."""
    return "item-" + str(code).replace(".", "-")


@register.filter
def score1(value) -> str:
    """A score with one decimal (stored scores have three), or a dash."""
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(str(value)).quantize(Decimal("0.1"))
    except InvalidOperation:
        return str(value)
    return number_format(number, decimal_pos=1)


@register.filter
def signed1(value) -> str:
    """A difference with its sign and one decimal (+12.5, −3.0, ±0)."""
    if value is None:
        return ""
    number = Decimal(str(value)).quantize(Decimal("0.1"))
    if number == 0:
        return "±0"
    sign = "+" if number > 0 else "−"
    return sign + number_format(abs(number), decimal_pos=1)


@register.filter
def signed_int(value) -> str:
    """A whole-number difference with its sign (+2, −1, ±0)."""
    if value is None:
        return ""
    value = int(value)
    return "±0" if value == 0 else (f"+{value}" if value > 0 else f"−{-value}")


@register.filter
def rating_display(rating) -> str:
    """An ItemRating as people read it: its value, N/A, or a dash when not rated."""
    if rating is None:
        return "—"
    if rating.not_applicable:
        return gettext("N/A")
    return "—" if rating.rating is None else str(rating.rating)


@register.filter
def consultant_of(assessment) -> str:
    """The assessment's consultant: the hub user, else the name a back-filed record gives,
    else a dash."""
    return consultant_name(assessment)
