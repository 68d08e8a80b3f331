"""The import columns: their header aliases (Korean or English) and how each cell's text
becomes a model value. No ORM; parsers raise CellError with a message for the user."""

import datetime
import decimal
import functools
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hub.choices import (
    INDUSTRY_KOREAN_NAMES,
    PLANT_STATUS_KOREAN_NAMES,
    SIZE_CLASS_KOREAN_NAMES,
    Industry,
    PlantStatus,
    SizeClass,
)
from hub.regions import examples as region_examples
from hub.regions import region_code
from hub.validators import normalize_business_number, validate_business_number

from .reading import Cell


class CellError(ValueError):
    """A cell value that cannot be used; str(exc) is the reason shown to the user."""


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise
    aliases: tuple[str, ...]
    required: bool = False
    values: Promise | str = ""

    @property
    def korean_header(self) -> str:
        return self.aliases[0]

    @property
    def english_header(self) -> str:
        return next(a for a in self.aliases if a.isascii())


COLUMNS: tuple[Column, ...] = (
    Column(
        "business_number",
        gettext_lazy("business registration number"),
        ("사업자등록번호", "사업자번호", "Business Number", "Business Registration Number", "BRN"),
        required=True,
        values=gettext_lazy("10 digits with a valid check digit, hyphens optional"),
    ),
    Column(
        "company_name",
        gettext_lazy("company name"),
        ("회사명", "기업명", "업체명", "Company Name", "Company"),
        required=True,
    ),
    Column(
        "size_class",
        gettext_lazy("size class"),
        ("기업규모", "규모", "Size Class", "Size"),
        required=True,
        values=gettext_lazy("소상공인, 소기업, 중기업, 중견기업, 대기업 or micro … large"),
    ),
    Column(
        "company_employees",
        gettext_lazy("company employees"),
        ("기업 종업원수", "기업 직원수", "Company Employees"),
        values=gettext_lazy("whole number"),
    ),
    Column(
        "revenue_million_krw",
        gettext_lazy("annual revenue (million KRW)"),
        ("매출액(백만원)", "Revenue (million KRW)", "Revenue", "Revenue million KRW"),
        values=gettext_lazy("number in million KRW"),
    ),
    Column(
        "plant_name",
        gettext_lazy("plant name"),
        ("공장명", "사업장명", "Plant Name", "Plant"),
        required=True,
    ),
    Column(
        "region",
        gettext_lazy("region"),
        ("지역", "시도", "시·도", "Region"),
        required=True,
        values=gettext_lazy(
            "경기도, 경기, 서울시, 서울특별시, 강원도, 41 or Gyeonggi-do (old codes 42 and 45 "
            "are accepted)"
        ),
    ),
    Column("address", gettext_lazy("address"), ("주소", "공장주소", "Address")),
    Column(
        "industry",
        gettext_lazy("industry (KSIC)"),
        ("업종", "업종코드", "Industry", "Industry Code", "KSIC", "KSIC Code"),
        required=True,
        values=gettext_lazy("KSIC manufacturing division 10–34: 25, C25, 25 금속가공 or its name"),
    ),
    Column(
        "employees",
        gettext_lazy("employees"),
        ("종업원수", "직원수", "Employees", "Plant Employees"),
        values=gettext_lazy("whole number"),
    ),
    Column(
        "factory_registration_number",
        gettext_lazy("factory registration number"),
        ("공장등록번호", "Factory Registration Number"),
        values=gettext_lazy("unique across plants"),
    ),
    Column(
        "status",
        gettext_lazy("status"),
        ("상태", "Status"),
        values=gettext_lazy("가동, 휴업, 폐업 or active, suspended, closed"),
    ),
)
COLUMNS_BY_KEY = {c.key: c for c in COLUMNS}

_PUNCT = re.compile(r"[\s_\-.·*]+")
_TRAILING_NOTE = re.compile(r"[(\[（][^)\]）]*[)\]）]$")


def normalize_header(text: str) -> str:
    """Case, width, spaces, underscores and required-marks do not matter: 'Business_Number',
    ' *사업자 등록번호 ' and 'business number' are the same column."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", str(text)).lower())


_ALIASES: dict[str, str] = {}
for _column in COLUMNS:
    for _alias in (*_column.aliases, _column.key):
        _ALIASES[normalize_header(_alias)] = _column.key


def column_for_header(text: str) -> str | None:
    """The column key a header names, or None. A trailing note in brackets is tolerated
    ('종업원수(명)') unless the bracketed part is itself significant ('매출액(백만원)')."""
    normalized = normalize_header(text)
    if normalized in _ALIASES:
        return _ALIASES[normalized]
    stripped = _TRAILING_NOTE.sub("", normalized)
    key = _ALIASES.get(stripped) if stripped != normalized else None
    # 'revenue (USD)' or '매출액(억원)' is money in another unit: not ours to guess.
    return None if key == "revenue_million_krw" else key


_BRACKETED = re.compile(r"[(\[（][^)\]）]*[)\]）]$")


def header_map(columns: tuple[Column, ...]):
    """A header reader for another import's columns: the column key a header names, or
    None; a trailing unit note ('총사업비(원)', 'Total Cost (KRW)') is tolerated."""
    aliases = {}
    for column in columns:
        for alias in (*column.aliases, column.key):
            aliases[normalize_header(alias)] = column.key

    def column_for_header(text: str) -> str | None:
        normalized = normalize_header(text)
        if normalized in aliases:
            return aliases[normalized]
        return aliases.get(_BRACKETED.sub("", normalized))

    return column_for_header


def template_header(language: str = "ko") -> list[str]:
    """The header line of a blank template, in Korean or English."""
    if language == "ko":
        return [c.korean_header for c in COLUMNS]
    return [c.english_header for c in COLUMNS]


# --- cell parsers -------------------------------------------------------------------------


def is_blank(value: Cell) -> bool:
    return value == "" or value is None


def as_text(value: Cell) -> str:
    if isinstance(value, float):
        return repr(value)
    return str(value).strip()


def _lookup_key(text: str) -> str:
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text).lower())


@functools.cache
def _vocabulary(choices_name: str, language: str) -> dict[str, str]:
    """Every accepted spelling of a choice (code, English label, Korean names, the label in
    the current language) mapped to its code."""
    choices, korean = _VOCABULARIES[choices_name]
    table: dict[str, str] = {}
    with translation.override("en"):
        english = {value: str(label) for value, label in choices.choices}
    current = {value: str(label) for value, label in choices.choices}
    for value in choices.values:
        for spelling in (value, english[value], current[value], *korean.get(value, ())):
            table.setdefault(_lookup_key(spelling), value)
    return table


_VOCABULARIES = {
    "size": (SizeClass, SIZE_CLASS_KOREAN_NAMES),
    "status": (PlantStatus, PLANT_STATUS_KOREAN_NAMES),
}


def _from_vocabulary(name: str, value: Cell) -> str | None:
    language = translation.get_language() or "en"
    return _vocabulary(name, language).get(_lookup_key(as_text(value)))


def parse_business_number(value: Cell) -> str:
    # A number typed into Excel without hyphens arrives as an int; its digits are the same
    # (real numbers start with a tax-office code of 101 or more, so no zeros were lost).
    text = normalize_business_number(as_text(value))
    try:
        validate_business_number(text)
    except ValidationError as exc:
        raise CellError(" ".join(exc.messages)) from None
    return text


def parse_size_class(value: Cell) -> str:
    code = _from_vocabulary("size", value)
    if code is None:
        raise CellError(
            _("“%(value)s” is not a size class (소상공인, 소기업, 중기업, 중견기업, 대기업).")
            % {"value": as_text(value)}
        )
    return code


def parse_status(value: Cell) -> str:
    code = _from_vocabulary("status", value)
    if code is None:
        raise CellError(
            _("“%(value)s” is not a plant status (가동, 휴업, 폐업 or active, suspended, closed).")
            % {"value": as_text(value)}
        )
    return code


def parse_region(value: Cell) -> str:
    text = as_text(value)
    code = region_code(text)
    if code is None:
        raise CellError(
            _("“%(value)s” is not a region: use a 시·도 name or its code, e.g. %(examples)s.")
            % {"value": text, "examples": region_examples()}
        )
    return code


_INDUSTRY_CODES = frozenset(Industry.values)
_KSIC_CODE = re.compile(r"^c?\s*(\d{2})(\d{0,3})(?!\d)", re.IGNORECASE)


@functools.cache
def _industry_names(language: str) -> dict[str, str]:
    table: dict[str, str] = {}
    with translation.override("en"):
        english = {value: str(label) for value, label in Industry.choices}
    for value, label in Industry.choices:
        korean = INDUSTRY_KOREAN_NAMES.get(value, "")
        short = korean.split(";")[0].strip()
        spellings = (english[value], str(label), korean, short, short.removesuffix("제조업"))
        for spelling in spellings:
            if spelling.strip():
                table.setdefault(_lookup_key(spelling), value)
    return table


def parse_industry(value: Cell) -> str:
    """'25', 'C25', '25 금속가공', a 5-digit KSIC code ('25912'), or the division's name."""
    text = as_text(value)
    match = _KSIC_CODE.match(text)
    if match:
        code = match.group(1)
        if code not in _INDUSTRY_CODES:
            raise CellError(
                _("KSIC division %(code)s is not a manufacturing division (10–34).")
                % {"code": code}
            )
        return code
    code = _industry_names(translation.get_language() or "en").get(_lookup_key(text))
    if code is None:
        raise CellError(
            _("“%(value)s” is not a manufacturing industry: use a KSIC division code 10–34.")
            % {"value": text}
        )
    return code


_GROUPING = re.compile(r"[,\s]")
# No column holds a number of more digits; a longer one ('1e999999999') is refused before any
# arithmetic, which would otherwise build a billion-digit integer or overflow the context.
MAX_INTEGER_DIGITS = 20


def too_large(value: Cell) -> CellError:
    """The error for a number of more than MAX_INTEGER_DIGITS digits."""
    return CellError(_("“%(value)s” is too large.") % {"value": as_text(value)[:40]})


def parse_count(value: Cell) -> int:
    """A head count: '1,234', '42', 42.0 or '42명'."""
    if isinstance(value, int):
        number = value
    else:
        text = _GROUPING.sub("", as_text(value)).removesuffix("명")
        try:
            number_decimal = decimal.Decimal(text)
        except decimal.InvalidOperation:
            raise CellError(
                _("“%(value)s” is not a whole number.") % {"value": as_text(value)}
            ) from None
        if not number_decimal.is_finite() or number_decimal != number_decimal.to_integral_value():
            raise CellError(_("“%(value)s” is not a whole number.") % {"value": as_text(value)})
        if number_decimal and number_decimal.adjusted() >= MAX_INTEGER_DIGITS:
            raise too_large(value)
        number = int(number_decimal)
    if number < 0:
        raise CellError(_("The number cannot be negative."))
    return number


def parse_amount(value: Cell) -> decimal.Decimal:
    if isinstance(value, int | decimal.Decimal):
        amount = decimal.Decimal(value)
    else:
        text = _GROUPING.sub("", as_text(value))
        try:
            amount = decimal.Decimal(text)
        except decimal.InvalidOperation:
            raise CellError(_("“%(value)s” is not a number.") % {"value": as_text(value)}) from None
    if not amount.is_finite():
        raise CellError(_("“%(value)s” is not a number.") % {"value": as_text(value)})
    if amount and amount.adjusted() >= MAX_INTEGER_DIGITS:
        raise too_large(value)
    if amount < 0:
        raise CellError(_("The number cannot be negative."))
    return amount


_DATE = re.compile(r"^(\d{4})\s*[-./년]\s*(\d{1,2})\s*[-./월]\s*(\d{1,2})\s*일?\.?(?:[T ].*)?$")


def parse_date(value: Cell) -> datetime.date:
    """2025-03-02, 2025.03.02, 2025.3.2., 2025/03/02, 2025년 3월 2일, 20250302, or a date
    cell of a workbook (read as 2025-03-02T00:00:00)."""
    text = as_text(value)
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    match = _DATE.match(text)
    if match:
        try:
            return datetime.date(*(int(g) for g in match.groups()))
        except ValueError:
            pass
    raise CellError(_("“%(value)s” is not a date (use 2025-03-02).") % {"value": text})


def parse_id(value: Cell) -> int:
    text = as_text(value)
    # ASCII only: '²' is a digit to str.isdigit() but not to int().
    if not (text.isascii() and text.isdigit()):
        raise CellError(_("“%(value)s” is not a number.") % {"value": text[:40]})
    if len(text.lstrip("0")) > MAX_INTEGER_DIGITS:
        raise too_large(value)
    return int(text)


def parse_text(value: Cell) -> str:
    # Only the ends are trimmed: names are matched exactly against the registry.
    return as_text(value)


# Columns with a small vocabulary: their parsed values are memoised for the whole file.
VOCABULARY_COLUMNS = frozenset({"size_class", "region", "industry", "status"})

PARSERS = {
    "business_number": parse_business_number,
    "company_name": parse_text,
    "size_class": parse_size_class,
    "company_employees": parse_count,
    "revenue_million_krw": parse_amount,
    "plant_name": parse_text,
    "region": parse_region,
    "address": parse_text,
    "industry": parse_industry,
    "employees": parse_count,
    "factory_registration_number": parse_text,
    "status": parse_status,
}
