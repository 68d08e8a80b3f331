"""The rows of a national plan. They refer to each other by their index in the plan; the
writer turns indices into ids."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

# Nothing in the plan happens after this day, whatever day the command runs.
REFERENCE = datetime.date(2026, 6, 30)
TZ = ZoneInfo("Asia/Seoul")


def moment_on(day: datetime.date, rng: random.Random) -> datetime.datetime:
    """A working-hours moment of the day in Korean time."""
    return datetime.datetime.combine(
        day, datetime.time(rng.randint(9, 17), rng.randint(0, 59), rng.randint(0, 59)), TZ
    )


def days_after(day: datetime.date, low: int, high: int, rng: random.Random) -> datetime.date:
    return day + datetime.timedelta(days=rng.randint(low, high))


@dataclass(slots=True)
class Org:
    kind: str
    name: str
    name_en: str
    region: str = ""
    weight: float = 1.0


@dataclass(slots=True)
class Company:
    name: str
    name_en: str
    business_number: str
    size_class: str
    employees: int
    revenue_million_krw: Decimal
    region: str
    address: str


@dataclass(slots=True)
class PlantRow:
    company: int
    name: str
    region: str
    address: str
    industry: str
    employees: int
    status: str
    cohort: int | None = None  # year of the first completed project
    partner: int | None = None  # index into partners, when partner-funded
    first_completed: datetime.date | None = None


@dataclass(slots=True)
class ProgramRow:
    key: str
    year: int
    kind: str
    rule: str
    agency: str
    name_ko: str
    name_en: str
    applications_open: datetime.date
    applications_close: datetime.date
    budget: int = 0
    commitments: dict[int, int] = field(default_factory=dict)  # partner index -> won


@dataclass(slots=True)
class ProjectRow:
    plant: int
    program: int
    reference: str
    title: str
    partner: int | None
    supplier: int
    target_level: str
    total_cost: int
    government_share: int
    partner_share: int
    sme_share: int
    status: str
    steps: dict[str, datetime.date]
    drop_reason: str = ""


@dataclass(slots=True)
class KPIRow:
    project: int
    indicator: str
    unit: str
    baseline: Decimal
    result: Decimal
    improvement_pct: Decimal | None
    baseline_from: datetime.date
    baseline_to: datetime.date
    result_from: datetime.date
    result_to: datetime.date


@dataclass(slots=True)
class AssessmentRow:
    plant: int
    consultant: int  # index into consultancies (one consultant each)
    assessed_on: datetime.date
    opened_at: datetime.datetime
    submitted_at: datetime.datetime
    confirmed_at: datetime.datetime
    valid_until: datetime.date
    ratings: tuple  # per item in framework order: 0–5 or scoring.NOT_APPLICABLE
    notes: dict[int, str]  # item position -> evidence note
    na_reasons: dict[int, str]


@dataclass
class Plan:
    seed: int
    agencies: list[Org]
    partners: list[Org]
    suppliers: list[Org]
    consultancies: list[Org]
    companies: list[Company]
    plants: list[PlantRow]
    programs: list[ProgramRow]
    projects: list[ProjectRow]
    kpis: list[KPIRow]
    assessments: list[AssessmentRow]
    mentorships: list[tuple[int, int, datetime.date]]  # (partner, plant, start)


# --- helpers ---------------------------------------------------------------------------------
