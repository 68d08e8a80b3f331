"""The history import's columns: header aliases (Korean or English) and cell parsers. No ORM.
Item columns are open-ended (one per item code of the row's framework version) and are read
by `rating_for_cell`; their reasons by `reason_item_code`."""

import decimal
import re
import unicodedata

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments import scoring
from hub.importers.columns import (
    CellError,
    Column,
    as_text,
    normalize_header,
    parse_amount,
    parse_business_number,
    parse_date,
    parse_id,
    parse_text,
)
from hub.importers.reading import Cell

HISTORY_COLUMNS: tuple[Column, ...] = (
    Column(
        "plant_id",
        gettext_lazy("plant id"),
        ("공장ID", "공장번호(ID)", "Plant ID"),
        values=gettext_lazy("the plant's number in this hub; or business number and plant name"),
    ),
    Column(
        "business_number",
        gettext_lazy("business registration number"),
        ("사업자등록번호", "사업자번호", "Business Number", "Business Registration Number"),
        values=gettext_lazy("of the SME company owning the plant"),
    ),
    Column(
        "plant_name",
        gettext_lazy("plant name"),
        ("공장명", "사업장명", "Plant Name", "Plant"),
        values=gettext_lazy("as registered in the hub"),
    ),
    Column(
        "source_reference",
        gettext_lazy("source reference"),
        ("원본번호", "원본관리번호", "수준확인번호", "Source Reference", "Record ID"),
        required=True,
        values=gettext_lazy("the record's identifier in the old records; imported once"),
    ),
    Column(
        "framework",
        gettext_lazy("framework"),
        ("평가모델", "프레임워크", "Framework", "Framework Code"),
        required=True,
        values=gettext_lazy("the framework's code as loaded in the hub, e.g. SF-L5"),
    ),
    Column(
        "framework_version",
        gettext_lazy("framework version"),
        ("모델버전", "평가모델버전", "Framework Version", "Version"),
        required=True,
        values=gettext_lazy("whole number, e.g. 1"),
    ),
    Column(
        "assessed_on",
        gettext_lazy("original assessment date"),
        ("평가일", "수준확인일", "진단일", "Assessed On", "Assessment Date"),
        required=True,
        values=gettext_lazy("2020-03-02, 2020.03.02 or 2020/3/2; not in the future"),
    ),
    Column(
        "confirmed_on",
        gettext_lazy("original confirmation date"),
        ("원본확인일", "확인일", "승인일", "Confirmed On", "Original Confirmation Date"),
        required=True,
        values=gettext_lazy("on or after the assessment date; not in the future"),
    ),
    Column(
        "consultant",
        gettext_lazy("consultant"),
        ("컨설턴트", "평가위원", "Consultant"),
        values=gettext_lazy(
            "a hub consultant's username or e-mail links the assessment to them; any other "
            "name is kept as recorded"
        ),
    ),
    Column(
        "recorded_score",
        gettext_lazy("recorded score"),
        ("점수", "총점", "Score", "Recorded Score"),
        values=gettext_lazy("0–1,000; with the level, enough without item ratings"),
    ),
    Column(
        "recorded_level",
        gettext_lazy("recorded level"),
        ("수준", "레벨", "Level", "Recorded Level"),
        values=gettext_lazy("0–5 (Level 3 or L3 accepted); must match the level the ratings give"),
    ),
    Column(
        "note",
        gettext_lazy("note"),
        ("비고", "Note"),
        values=gettext_lazy("kept in the audit trail; the reason of N/A items without their own"),
    ),
)
HISTORY_COLUMNS_BY_KEY = {c.key: c for c in HISTORY_COLUMNS}

# The reason of an N/A item: its code followed by one of these ('A1.1 사유', 'A1.1 reason').
REASON_SUFFIXES = ("해당없음사유", "사유", "nareason", "reason")
NOT_APPLICABLE_SPELLINGS = frozenset({"na", "n/a", "해당없음", "해당 없음", "비해당", "-"})


def _key(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip().lower()


def parse_rating(value: Cell) -> int | str:
    """0–5, or scoring.NOT_APPLICABLE for 'N/A' / '해당없음'."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = as_text(value)
        if _key(text) in NOT_APPLICABLE_SPELLINGS:
            return scoring.NOT_APPLICABLE
        try:
            amount = decimal.Decimal(text)
        except decimal.InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite() or amount != amount.to_integral_value():
            raise CellError(
                _("“%(value)s” is not a rating: use 0–5, or N/A (해당없음).") % {"value": text[:40]}
            )
        number = int(amount)
    if not scoring.MIN_RATING <= number <= scoring.MAX_RATING:
        raise CellError(_("A rating is 0–5; %(value)s is not.") % {"value": number})
    return number


_LEVEL = re.compile(r"^(?:level|lv\.?|l|레벨)?\s*(\d)\s*(?:수준|단계|레벨)?$", re.IGNORECASE)


def parse_level(value: Cell) -> int:
    text = as_text(value)
    match = _LEVEL.match(text)
    if match is None or int(match.group(1)) > scoring.MAX_LEVEL:
        raise CellError(_("“%(value)s” is not a level 0–5.") % {"value": text[:40]})
    return int(match.group(1))


def parse_score(value: Cell) -> decimal.Decimal:
    amount = parse_amount(value)
    if amount > 1000:
        raise CellError(_("A score is at most 1,000."))
    return amount.quantize(decimal.Decimal("0.001"))


def parse_framework_version(value: Cell) -> int:
    text = as_text(value).lower().removeprefix("v").removeprefix("버전").strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    return parse_id(text)


def parse_framework_code(value: Cell) -> str:
    return as_text(value)


PARSERS = {
    "plant_id": parse_id,
    "business_number": parse_business_number,
    "plant_name": parse_text,
    "source_reference": parse_text,
    "framework": parse_framework_code,
    "framework_version": parse_framework_version,
    "assessed_on": parse_date,
    "confirmed_on": parse_date,
    "consultant": parse_text,
    "recorded_score": parse_score,
    "recorded_level": parse_level,
    "note": parse_text,
}


def item_column_index(header: str, item_codes) -> tuple[str, str] | None:
    """('rating', code) when the header names an item, ('reason', code) when it names an
    item's N/A reason, else None. Item codes are matched as headers are (case, spaces,
    dots do not matter)."""
    normalized = normalize_header(header)
    by_key = {normalize_header(code): code for code in item_codes}
    if normalized in by_key:
        return "rating", by_key[normalized]
    for suffix in REASON_SUFFIXES:
        if normalized.endswith(suffix) and normalized[: -len(suffix)] in by_key:
            return "reason", by_key[normalized[: -len(suffix)]]
    return None


def template_header(item_codes, language: str = "ko") -> list[str]:
    """A blank template's header: the columns, then one column per item code."""
    fixed = [
        c.korean_header if language == "ko" else c.english_header
        for c in HISTORY_COLUMNS
        if c.key != "plant_id"
    ]
    return [*fixed, *item_codes]
