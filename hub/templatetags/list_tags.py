"""`{{ column|cell:object }}`: a list cell as hub.tables computes it for the page and its
exports (dates as 2026-12-01, numbers with thousands separators, empty as —)."""

import datetime as dt
from decimal import Decimal

from django import template
from django.utils import timezone

from hub.formats import DASH, number

register = template.Library()


@register.filter
def cell(column, obj):
    value = column.value(obj)
    if value is None or value == "":
        return DASH
    if isinstance(value, dt.datetime):
        return (
            timezone.localtime(value).strftime("%Y-%m-%d")
            if timezone.is_aware(value)
            else (value.strftime("%Y-%m-%d"))
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal | float):
        return number(value)
    return value


@register.filter
def raw_value(column, obj):
    """The column's value unformatted, for a page's own filter (`|krw`)."""
    return column.value(obj)
