"""Demo assessments: a deterministic plan of confirmed assessment histories and a few
assessments in progress for the demo plants of `devdata.registry`.

Pure planning, no ORM: `manage.py seed_assessments` writes the plan through the workflow
services. Each plant draws from its own seeded stream (keyed by business number and plant
name), so its history does not depend on how many plants are seeded.

The model behind the ratings: every plant has a "maturity" on the 0–5 rating scale that rises
over the years; each area sits a little above or below it (for some plants Systems &
automation lags well behind, so the `systems_for_l3` floor rule caps them), each item a little
above or below its area, and each assessment adds some noise. Rating k everywhere scores
500 + 100·k, so a plant's band level is roughly its maturity rounded.
"""

from __future__ import annotations

import datetime
import math
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from assessments import scoring
from devdata import registry as registry_demo
from hub.choices import PlantStatus

SEED = 20190315  # fixed: the same histories on every machine

FIRST_MONTH = datetime.date(2019, 1, 1)  # histories run from January 2019 ...
LAST_MONTH = datetime.date(2025, 11, 1)  # ... to November 2025

# Demo consultants: username -> (first name, last name, consultancy, share of assessments).
# `consultant` is the demo login of hub.demo; the others are created by seed_assessments.
# fmt: off
CONSULTANTS = {
    "consultant": ("민수", "이", "미래제조컨설팅(주)", 4.0),
    "consultant2": ("혜진", "정", "미래제조컨설팅(주)", 2.0),
    "consultant3": ("도윤", "강", "한결생산성연구소", 2.0),
    "consultant4": ("서준", "윤", "한결생산성연구소", 1.5),
}
AGENCY_USER = "agency"  # opens, confirms and returns

# Items a plant may not have at all, with the consultant's reason.
NA_REASONS = {
    "B1.1": "자체 설계 없음(고객 도면으로 수탁 가공)",
    "B1.2": "개발 기능 없음(OEM 단순 가공)",
    "B2.2": "단일 고객 장기 계약 생산으로 해당 없음",
    "B5.3": "금형·치공구를 사용하지 않는 공정",
    "B6.3": "출하·배송을 고객사가 직접 수거",
    "C1.3": "설계 기능 없음(수탁 가공)",
    "C1.4": "해당 공정 없음",
    "C1.5": "에너지 다소비 설비 없음",
    "C2.3": "해당 공정 없음",
    "C2.4": "AGV·자동 물류 설비 대상 공정 없음",
}
EVIDENCE_NOTES = [
    "현장 확인", "담당자 인터뷰", "작업일보 샘플 검토", "시스템 화면 확인",
    "관련 규정·절차서 확인", "최근 3개월 실적 자료 검토", "설비 점검표 확인",
    "회의록·보고서 확인",
]
RETURN_REASON = (
    "C2 영역 근거 자료(설비 가동 데이터, 센서 연결 현황)가 첨부되지 않았습니다. "
    "보완 후 다시 제출해 주세요."
)
# fmt: on

# Assessments in progress (for the work queues), on the first plants of the plan:
# (consultant, status, items rated, days before today it was assessed / opened).
IN_PROGRESS = [
    ("consultant", "draft", 12, 6),
    ("consultant", "draft", 27, 15),
    ("consultant", "submitted", 40, 9),
    ("consultant", "returned", 40, 20),
    ("consultant2", "submitted", 40, 4),
    ("consultant3", "draft", 0, 2),
    ("consultant4", "submitted", 40, 12),
]
IN_PROGRESS_AMONG = 24  # chosen among the first plants of the plan, so any size has them


@dataclass(frozen=True)
class PlantProfile:
    """What the plan needs to know about a demo plant."""

    key: str  # stable identity: "business number/plant name"
    employees: int
    mentored: bool
    assessable: bool  # closed plants cannot be assessed
    showcase: bool = False  # the first plant: always a history of several assessments


@dataclass
class AssessmentPlan:
    consultant: str
    assessed_on: datetime.date | None
    ratings: dict[str, int | str]  # item code -> 0–5 or scoring.NOT_APPLICABLE
    na_reasons: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    # In progress only: the status to leave it in, how many days ago, the due date offset.
    status: str = "confirmed"
    days_ago: int = 0
    due_in_days: int | None = None
    return_reason: str = ""


@dataclass
class PlantPlan:
    key: str
    history: list[AssessmentPlan]  # confirmed, oldest first
    in_progress: AssessmentPlan | None = None
    systems_lag: bool = False


def profiles(plants: int) -> list[PlantProfile]:
    """The demo plants of `devdata.registry.plan(plants)`, in plan order."""
    result = []
    for company in registry_demo.plan(plants):
        for p in company.plants:
            result.append(
                PlantProfile(
                    key=plant_key(company.business_number, p.name),
                    employees=p.employees,
                    mentored=p.partner is not None,
                    assessable=p.status != PlantStatus.CLOSED,
                    showcase=not result,
                )
            )
    return result


def plant_key(business_number: str, plant_name: str) -> str:
    return f"{business_number}/{plant_name}"


# --- the model of a plant --------------------------------------------------------------------


@dataclass
class _Plant:
    maturity: float  # at the latest historical assessment (or today, without history)
    growth: float  # per year
    area_offsets: dict[str, float]
    item_offsets: dict[str, float]
    not_applicable: dict[str, str]
    systems_lag: bool

    def maturity_on(self, day: datetime.date, reference: datetime.date) -> float:
        return self.maturity - self.growth * (reference - day).days / 365.25


def _model(rng: random.Random, spec: scoring.FrameworkSpec, profile: PlantProfile) -> _Plant:
    size = math.log2(max(profile.employees, 1) / 30)
    maturity = 1.78 + 0.18 * size + 0.30 * profile.mentored + rng.gauss(0, 0.90)
    systems_lag = rng.random() < 0.22
    offsets = {area: rng.gauss(0, 0.22) for area in spec.areas}
    if systems_lag:
        lag = rng.uniform(0.8, 1.4)
        offsets = {a: o + (-lag if a == "C" else lag * 0.55) for a, o in offsets.items()}
    items = {i.code: rng.gauss(0, 0.45) for i in spec.items}
    not_applicable = {}
    if rng.random() < 0.3:
        candidates = sorted(c for c in NA_REASONS if c in items)
        for code in rng.sample(candidates, k=min(len(candidates), rng.choice((1, 1, 2, 3)))):
            not_applicable[code] = NA_REASONS[code]
    return _Plant(
        maturity=maturity,
        growth=rng.uniform(0.12, 0.42),
        area_offsets=offsets,
        item_offsets=items,
        not_applicable=not_applicable,
        systems_lag=systems_lag,
    )


def _ratings(
    rng: random.Random, spec: scoring.FrameworkSpec, plant: _Plant, maturity: float
) -> tuple[dict[str, int | str], dict[str, str], dict[str, str]]:
    ratings, reasons, notes = {}, {}, {}
    for item in spec.items:
        if item.code in plant.not_applicable:
            ratings[item.code] = scoring.NOT_APPLICABLE
            reasons[item.code] = plant.not_applicable[item.code]
            continue
        value = (
            maturity
            + plant.area_offsets[item.area]
            + plant.item_offsets[item.code]
            + rng.gauss(0, 0.3)
        )
        ratings[item.code] = min(max(round(value), scoring.MIN_RATING), scoring.MAX_RATING)
        if rng.random() < 0.25:
            notes[item.code] = rng.choice(EVIDENCE_NOTES)
    return ratings, reasons, notes


def _months_between(first: datetime.date, last: datetime.date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month


def _add_months(day: datetime.date, months: int) -> datetime.date:
    n = day.year * 12 + day.month - 1 + months
    return datetime.date(n // 12, n % 12 + 1, 1)


def _history_dates(rng: random.Random, count: int, recent: bool = False) -> list[datetime.date]:
    """Up to `count` dates, oldest first, 12–36 months apart, the latest mostly recent (within
    the last half year of the history when `recent`)."""
    span = _months_between(FIRST_MONTH, LAST_MONTH)
    back = min(int(rng.expovariate(1 / 14)), 5 if recent else span)
    latest = _add_months(FIRST_MONTH, span - back)
    months = [latest]
    for _ in range(count - 1):
        earlier = _add_months(months[-1], -rng.randint(12, 36))
        if earlier < FIRST_MONTH:
            break
        months.append(earlier)
    return [m.replace(day=rng.randint(1, 28)) for m in reversed(months)]


def _consultant(rng: random.Random) -> str:
    return rng.choices(list(CONSULTANTS), weights=[c[3] for c in CONSULTANTS.values()])[0]


def plant_plan(spec: scoring.FrameworkSpec, profile: PlantProfile) -> PlantPlan:
    """The confirmed history of one plant (possibly empty)."""
    rng = random.Random(f"{SEED}:{profile.key}")  # noqa: S311 - demo data, not secrets  # nosec B311
    plant = _model(rng, spec, profile)
    coverage = 1.0 if profile.showcase else 0.88 if profile.mentored else 0.70
    history: list[AssessmentPlan] = []
    if profile.assessable and rng.random() < coverage:
        count = rng.choices((1, 2, 3, 4), weights=(40, 32, 19, 9))[0]
        dates = _history_dates(rng, 4 if profile.showcase else count, recent=profile.showcase)
        reference = dates[-1]
        for day in dates:
            ratings, reasons, notes = _ratings(rng, spec, plant, plant.maturity_on(day, reference))
            history.append(AssessmentPlan(_consultant(rng), day, ratings, reasons, notes))
    return PlantPlan(key=profile.key, history=history, systems_lag=plant.systems_lag)


def plan(
    spec: scoring.FrameworkSpec, plants: Sequence[PlantProfile], today: datetime.date
) -> list[PlantPlan]:
    """Histories for every plant, and the assessments in progress on a few of the first."""
    plans = [plant_plan(spec, p) for p in plants]
    rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets  # nosec B311
    candidates = [
        i for i, p in enumerate(plants[:IN_PROGRESS_AMONG]) if p.assessable and not p.showcase
    ]
    chosen = sorted(rng.sample(candidates, k=min(len(candidates), len(IN_PROGRESS))))
    order = list(IN_PROGRESS)
    rng.shuffle(order)
    for index, (consultant, status, rated, days_ago) in zip(chosen, order, strict=False):
        plans[index].in_progress = _in_progress(
            spec, plants[index], plans[index], consultant, status, rated, days_ago, today
        )
    return plans


def _in_progress(spec, profile, plant_plan_, consultant, status, rated, days_ago, today):
    rng = random.Random(f"{SEED}:{profile.key}:in-progress")  # noqa: S311 - demo data, not secrets  # nosec B311
    # The plant's own model, drawn again from its stream: the same plant, some years on.
    plant = _model(random.Random(f"{SEED}:{profile.key}"), spec, profile)  # noqa: S311 - demo data, not secrets  # nosec B311
    day = today - datetime.timedelta(days=days_ago)
    reference = plant_plan_.history[-1].assessed_on if plant_plan_.history else day
    ratings, reasons, notes = _ratings(rng, spec, plant, plant.maturity_on(day, reference))
    if rated < len(spec.items):  # a draft: the consultant got through the first items
        keep = {i.code for i in sorted(spec.items, key=lambda i: i.order)[:rated]}
        ratings = {c: v for c, v in ratings.items() if c in keep}
        reasons = {c: v for c, v in reasons.items() if c in keep}
        notes = {c: v for c, v in notes.items() if c in keep}
    return AssessmentPlan(
        consultant=consultant,
        assessed_on=None if status == "draft" else day,
        ratings=ratings,
        na_reasons=reasons,
        notes=notes,
        status=status,
        days_ago=days_ago,
        due_in_days=rng.randint(10, 40),
        return_reason=RETURN_REASON if status == "returned" else "",
    )


# --- what the plan comes to ------------------------------------------------------------------


def current_levels(spec: scoring.FrameworkSpec, plans: Iterable[PlantPlan]) -> dict[str, int]:
    """Plant key -> the final level of its latest confirmed assessment (plants with history)."""
    return {
        p.key: scoring.score(spec, p.history[-1].ratings).final_level for p in plans if p.history
    }


def describe(counter: Counter) -> str:
    """ "L0 5 (3%) · L1 …" for a level → count counter."""
    total = sum(counter.values()) or 1
    return " · ".join(
        f"L{level} {counter.get(level, 0)} ({100 * counter.get(level, 0) / total:.0f}%)"
        for level in range(scoring.MAX_LEVEL + 1)
    )
