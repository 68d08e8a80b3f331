"""How a figure is written, once for every page, the PDF reports and the API's labels:
numbers with the language's thousands separator, shares and improvements in percent, level
names, region/industry/size labels, organisation, program and person names in the
active language.

Every helper takes a raw value (None for "not known") and returns the text to show; none of
them queries the database."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import formats
from django.utils.translation import gettext as _

from hub.choices import Industry, Region, SizeClass
from hub.i18n import is_english, pick

DASH = "—"
MINUS = "\u2212"  # a real minus sign: a hyphen looks like a dash next to the figures


def _decimal(value, places: int) -> Decimal | None:
    """The value rounded half up (as people round), or None when it is not a number. Floats
    go through their shortest repr, so 31.65 rounds to 31.7 and not to 31.6."""
    try:
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    if not number.is_finite():
        return None
    return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def number(value, places: int = 0) -> str:
    """30,000 · 8.3: grouped and with the decimal mark of the active language; — if unknown."""
    rounded = None if value is None else _decimal(value, places)
    if rounded is None:
        return DASH
    if rounded == 0:
        rounded = abs(rounded)  # never "-0.0"
    return formats.number_format(rounded, places, use_l10n=True, force_grouping=True)


def percent(value, places: int = 1) -> str:
    """A share already in percent: 25.0 % (— if unknown, e.g. a share of no plants)."""
    text = number(value, places)
    return text if text == DASH else f"{text} %"


def percent_of(part, whole, places: int = 1) -> str:
    """part as a percentage of whole, rounded once (— without a whole)."""
    try:
        part, whole = Decimal(str(part)), Decimal(str(whole))
    except (InvalidOperation, ValueError):
        return DASH
    if not whole.is_finite() or not whole:
        return DASH
    return percent(part * 100 / whole, places)


def signed_percent(value, places: int = 1) -> str:
    """A change in percent with its sign: +31.6 % · −43.5 % · 0.0 %."""
    rounded = None if value is None else _decimal(value, places)
    if rounded is None:
        return DASH
    text = percent(abs(rounded), places)
    if rounded > 0:
        return f"+{text}"
    if rounded < 0:
        return f"{MINUS}{text}"
    return text


def day(value: datetime.date | str | None) -> str:
    """2025-12-31 in both languages (the form officials quote dates in)."""
    if value in (None, ""):
        return DASH
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value)
    return value.isoformat()


# Units as the plants' people write them: UCUM codes (the data hub's catalogue) and the
# programs' KPI units, in Korean where Korean has a word (개, 시간, 건, 원) and as the usual
# symbol otherwise (%, ppm, kWh). (Korean, English) for each.
UNIT_NAMES = {
    "%": ("%", "%"),
    "1": ("", ""),
    "ppm": ("ppm", "ppm"),
    "s": ("초", "s"),
    "min": ("분", "min"),
    "h": ("시간", "h"),
    "d": ("일", "days"),
    "days": ("일", "days"),
    "kW.h": ("kWh", "kWh"),
    "kWh": ("kWh", "kWh"),
    "kW.h/{unit}": ("kWh/개", "kWh/unit"),
    "{unit}": ("개", ""),  # a count: English writes the number alone
    "units": ("개", "units"),
    "{unit}/h": ("개/시간", "units/h"),
    "units/h": ("개/시간", "units/h"),
    "{failure}": ("건", "failures"),
    "{order}": ("건", "orders"),
    "cases/yr": ("건/년", "cases/yr"),
    "KRW": ("원", "KRW"),
    "KRW/unit": ("원/개", "KRW/unit"),
}


def unit_name(code) -> str:
    """A unit in the active language: "개/시간" for units/h, "시간" for h, "kWh" for kW.h;
    an unknown unit as it is written; "" for none (and for the dimensionless "1")."""
    if code in (None, ""):
        return ""
    names = UNIT_NAMES.get(str(code))
    if names is None:
        return str(code)
    korean, english = names
    return english if is_english() else korean


def with_unit(text: str, code) -> str:
    """A figure followed by its unit: 92.5 % · 3 시간 · 12 개/시간 (the figure alone without
    a unit)."""
    name = unit_name(code)
    return f"{text} {name}" if name else text


def won(amount) -> str:
    """A won amount as people say it: 20억 원 · 3억 5,000만 원 · 4,200만 원 · 5,000원 in Korean
    (to the 만 원; smaller amounts whole), ₩2,000,000,000 in English; — if unknown."""
    rounded = _decimal(amount, 0)
    if rounded is None:
        return DASH
    value = int(rounded)
    if is_english():
        return f"{MINUS if value < 0 else ''}₩{abs(value):,}"
    sign, value = (MINUS if value < 0 else ""), abs(value)
    if value < 10_000:
        return f"{sign}{value:,}원"
    eok, man = divmod(round(value / 10_000), 10_000)
    parts = [f"{eok:,}억" if eok else "", f"{man:,}만" if man else ""]
    return sign + " ".join(p for p in parts if p) + " 원"


def level_name(level) -> str:
    """A maturity level as every page of the hub names it (plant pages, assessments): the
    catalogue's "Level %(level)s", which Korean also writes "Level 3", as the program's
    own documents do."""
    return _("Level %(level)s") % {"level": level}


def choice_label(choices, key) -> str:
    """The label of a code in a TextChoices; the code itself if unknown, "Unknown" if empty."""
    if key in (None, ""):
        return _("Unknown")
    try:
        return str(choices(str(key)).label)
    except ValueError:
        return str(key)


def region_name(code) -> str:
    return choice_label(Region, code)


def industry_name(code) -> str:
    return choice_label(Industry, code)


def size_name(code) -> str:
    return choice_label(SizeClass, code)


def org_name(org) -> str:
    """An organisation's English name when English is active and it has one; else its
    (Korean) registered name."""
    return pick(org.name, org.name_en)


def program_name(program) -> str:
    """A program's name in the active language (English when it has one)."""
    return pick(program.name_ko, program.name_en)


def person_name(user) -> str:
    """A user's name in the order of the active language: family name first in Korean
    (김민수, or "Kim Minsu" when the name is not in Hangul), given name first in English;
    the username when no name is recorded; — without a user."""
    if user is None:
        return DASH
    first = (user.first_name or "").strip()
    last = (user.last_name or "").strip()
    if not (first or last):
        return user.get_username()
    if is_english():
        return " ".join(part for part in (first, last) if part)
    if _hangul(first) and _hangul(last):
        return f"{last}{first}"
    return " ".join(part for part in (last, first) if part)


def _hangul(text: str) -> bool:
    # Korean names are written without a space between family and given name; names in
    # other scripts keep theirs.
    return bool(text) and all("\uac00" <= ch <= "\ud7a3" for ch in text)
