"""The project and KPI import columns: header aliases (Korean or English) and cell parsers.
No ORM. Generic parsing (amounts with thousands separators, business numbers, header
normalisation) comes from hub.importers.columns; parsers raise CellError."""

import re
import unicodedata

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hub.importers.columns import (
    CellError,
    Column,
    as_text,
    parse_amount,
    parse_business_number,
    parse_date,
    parse_id,
    parse_text,
)
from hub.importers.reading import Cell
from programs.choices import Indicator, ProjectStatus, TargetLevel

PROJECT_COLUMNS: tuple[Column, ...] = (
    Column(
        "program_id",
        gettext_lazy("program id"),
        ("사업ID", "사업번호(ID)", "Program ID"),
        values=gettext_lazy("the program's number in this hub; or give program name and year"),
    ),
    Column(
        "program",
        gettext_lazy("program name"),
        ("사업명", "지원사업", "Program", "Program Name"),
        values=gettext_lazy("Korean or English name, with the year column"),
    ),
    Column("year", gettext_lazy("program year"), ("연도", "사업연도", "Year", "Program Year")),
    Column(
        "business_number",
        gettext_lazy("business registration number"),
        ("사업자등록번호", "사업자번호", "Business Number", "Business Registration Number"),
        required=True,
        values=gettext_lazy("of the SME company owning the plant"),
    ),
    Column(
        "plant_name",
        gettext_lazy("plant name"),
        ("공장명", "사업장명", "Plant Name", "Plant"),
        required=True,
        values=gettext_lazy("as registered in the hub"),
    ),
    Column("title", gettext_lazy("title"), ("과제명", "Title", "Project Title")),
    Column(
        "partner",
        gettext_lazy("partner firm"),
        ("대기업", "협력 대기업", "참여 대기업", "Partner", "Partner Firm"),
        values=gettext_lazy("name or business number; required for win-win programs"),
    ),
    Column(
        "supplier",
        gettext_lazy("supplier"),
        ("공급기업", "Supplier"),
        values=gettext_lazy("registered name (optional; required from agreed on)"),
    ),
    Column(
        "target_level",
        gettext_lazy("target system level"),
        ("목표수준", "구축수준", "Target Level"),
        required=True,
        values=gettext_lazy("기초, 고도화1, 고도화2 or basic, advanced1, advanced2"),
    ),
    Column(
        "total_cost",
        gettext_lazy("total cost (KRW)"),
        ("총사업비", "Total Cost"),
        required=True,
        values=gettext_lazy("whole won, 1,234,000 accepted"),
    ),
    Column(
        "government_share",
        gettext_lazy("government share (KRW)"),
        ("정부지원금", "정부부담", "Government Share"),
        required=True,
        values=gettext_lazy("whole won"),
    ),
    Column(
        "partner_share",
        gettext_lazy("partner share (KRW)"),
        ("대기업부담", "대기업출연금", "Partner Share"),
        values=gettext_lazy("whole won; blank is 0"),
    ),
    Column(
        "sme_share",
        gettext_lazy("SME share (KRW)"),
        ("기업부담", "중소기업부담", "SME Share"),
        required=True,
        values=gettext_lazy("whole won"),
    ),
    Column(
        "status",
        gettext_lazy("status"),
        ("상태", "진행상태", "Status"),
        values=gettext_lazy("신청, 선정, 협약, 구축, 완료, 중단 or applied … completed, dropped"),
    ),
    Column(
        "applied_on",
        gettext_lazy("applied on"),
        ("신청일", "Applied On"),
        required=True,
        values=gettext_lazy("2025-03-02, 2025.03.02 or 2025/3/2"),
    ),
    Column("selected_on", gettext_lazy("selected on"), ("선정일", "Selected On")),
    Column("agreed_on", gettext_lazy("agreed on"), ("협약일", "Agreed On")),
    Column("building_on", gettext_lazy("building since"), ("구축시작일", "Building On")),
    Column("completed_on", gettext_lazy("completed on"), ("완료일", "Completed On")),
    Column("dropped_on", gettext_lazy("dropped on"), ("중단일", "Dropped On")),
    Column("drop_reason", gettext_lazy("reason for dropping"), ("중단사유", "Drop Reason")),
    Column(
        "reference",
        gettext_lazy("reference"),
        ("과제번호", "관리번호", "Reference", "Project Number"),
        values=gettext_lazy(
            "the agency's project number: with the program, the key that finds the project "
            "again; without it, program + plant + applied on"
        ),
    ),
)

KPI_COLUMNS: tuple[Column, ...] = (
    Column(
        "reference",
        gettext_lazy("project reference"),
        ("과제번호", "관리번호", "Reference", "Project Number"),
        values=gettext_lazy("with the program; or program + business number + plant name"),
    ),
    Column("program_id", gettext_lazy("program id"), ("사업ID", "Program ID")),
    Column("program", gettext_lazy("program name"), ("사업명", "Program", "Program Name")),
    Column("year", gettext_lazy("program year"), ("연도", "사업연도", "Year", "Program Year")),
    Column(
        "business_number",
        gettext_lazy("business registration number"),
        ("사업자등록번호", "사업자번호", "Business Number"),
    ),
    Column("plant_name", gettext_lazy("plant name"), ("공장명", "Plant Name", "Plant")),
    Column(
        "indicator",
        gettext_lazy("indicator"),
        ("지표", "성과지표", "Indicator"),
        required=True,
        values=gettext_lazy(
            "생산성, 불량률, 원가, 납기준수율, 리드타임, 안전·환경, 설비종합효율 or "
            "productivity, defect_rate, cost, on_time_delivery, lead_time, safety, oee"
        ),
    ),
    Column(
        "unit", gettext_lazy("unit"), ("단위", "Unit"), values=gettext_lazy("default by indicator")
    ),
    Column("baseline", gettext_lazy("baseline"), ("도입전", "기준값", "Baseline"), required=True),
    Column("result", gettext_lazy("result"), ("도입후", "성과값", "Result")),
    Column("baseline_from", gettext_lazy("baseline from"), ("기준측정시작", "Baseline From")),
    Column("baseline_to", gettext_lazy("baseline to"), ("기준측정종료", "Baseline To")),
    Column("result_from", gettext_lazy("result from"), ("성과측정시작", "Result From")),
    Column("result_to", gettext_lazy("result to"), ("성과측정종료", "Result To")),
)


def _key(text: str) -> str:
    return re.sub(r"[\s_\-.·*/()]+", "", unicodedata.normalize("NFKC", text).lower())


def _vocabulary(choices, korean: dict[str, tuple[str, ...]]) -> dict[str, str]:
    table = {}
    for value, label in choices.choices:
        for spelling in (value, str(label), *korean.get(value, ())):
            table.setdefault(_key(spelling), value)
    return table


TARGET_LEVELS = _vocabulary(
    TargetLevel,
    {
        TargetLevel.BASIC: ("기초", "기초수준", "basic"),
        TargetLevel.ADVANCED1: ("고도화1", "중간1", "advanced 1", "Advanced1"),
        TargetLevel.ADVANCED2: ("고도화2", "중간2", "advanced 2", "Advanced2"),
    },
)
STATUSES = _vocabulary(
    ProjectStatus,
    {
        ProjectStatus.APPLIED: ("신청", "접수"),
        ProjectStatus.SELECTED: ("선정",),
        ProjectStatus.AGREED: ("협약", "협약완료"),
        ProjectStatus.BUILDING: ("구축", "구축중", "구축 중"),
        ProjectStatus.COMPLETED: ("완료", "구축완료", "종료"),
        ProjectStatus.DROPPED: ("중단", "포기", "취소", "탈락"),
    },
)
INDICATORS = _vocabulary(
    Indicator,
    {
        Indicator.PRODUCTIVITY: ("생산성",),
        Indicator.DEFECT_RATE: ("불량률", "품질", "defect rate"),
        Indicator.COST: ("원가", "제조원가", "원가절감"),
        Indicator.ON_TIME_DELIVERY: ("납기준수율", "납기", "on-time delivery"),
        Indicator.LEAD_TIME: ("리드타임", "납기단축", "lead time"),
        Indicator.SAFETY: ("안전·환경", "안전환경", "산업재해", "safety"),
        Indicator.OEE: ("설비종합효율", "설비가동률", "OEE"),
    },
)


def _choice(table: dict[str, str], value: Cell, message: str) -> str:
    code = table.get(_key(as_text(value)))
    if code is None:
        raise CellError(message % {"value": as_text(value)})
    return code


def parse_target_level(value: Cell) -> str:
    return _choice(
        TARGET_LEVELS,
        value,
        _(
            "“%(value)s” is not a target level "
            "(기초, 고도화1, 고도화2 or basic, advanced1, advanced2)."
        ),
    )


def parse_status(value: Cell) -> str:
    return _choice(
        STATUSES,
        value,
        _("“%(value)s” is not a project status (신청, 선정, 협약, 구축, 완료, 중단)."),
    )


def parse_indicator(value: Cell) -> str:
    return _choice(
        INDICATORS,
        value,
        _(
            "“%(value)s” is not an indicator "
            "(생산성, 불량률, 원가, 납기준수율, 리드타임, 안전·환경, 설비종합효율)."
        ),
    )


def parse_won(value: Cell):
    """Whole won: '1,234,000', '₩1,234,000', '1234000원' or a number cell."""
    if isinstance(value, str):
        value = value.strip().removeprefix("₩").removesuffix("원").strip()
    amount = parse_amount(value)
    if amount != amount.to_integral_value():
        raise CellError(_("Amounts are in whole won."))
    return amount.quantize(1)


def parse_number(value: Cell):
    """A KPI value: '1,234.5' or a number cell (negatives are allowed by none of ours)."""
    if isinstance(value, str):
        value = value.strip().removesuffix("%").strip()
    return parse_amount(value)


def parse_year(value: Cell) -> int:
    text = as_text(value).removesuffix("년").strip()
    if not re.fullmatch(r"\d{4}", text):
        raise CellError(_("“%(value)s” is not a year.") % {"value": as_text(value)})
    return int(text)


def parse_business_number_or_name(value: Cell) -> tuple[str, str]:
    """('business_number', '1248100998') when the cell is a business number, else
    ('name', text)."""
    text = as_text(value)
    digits = re.sub(r"[\s-]", "", text)
    if digits.isdigit() and len(digits) == 10:
        return "business_number", parse_business_number(digits)
    return "name", text


DATE_KEYS = (
    "applied_on",
    "selected_on",
    "agreed_on",
    "building_on",
    "completed_on",
    "dropped_on",
    "baseline_from",
    "baseline_to",
    "result_from",
    "result_to",
)
PARSERS = {
    "program_id": parse_id,
    "program": parse_text,
    "year": parse_year,
    "business_number": parse_business_number,
    "plant_name": parse_text,
    "title": parse_text,
    "partner": parse_business_number_or_name,
    "supplier": parse_text,
    "target_level": parse_target_level,
    "total_cost": parse_won,
    "government_share": parse_won,
    "partner_share": parse_won,
    "sme_share": parse_won,
    "status": parse_status,
    "drop_reason": parse_text,
    "reference": parse_text,
    "indicator": parse_indicator,
    "unit": parse_text,
    "baseline": parse_number,
    "result": parse_number,
    **dict.fromkeys(DATE_KEYS, parse_date),
}


def template_header(columns: tuple[Column, ...], language: str = "ko") -> list[str]:
    if language == "ko":
        return [c.korean_header for c in columns]
    return [c.english_header for c in columns]
