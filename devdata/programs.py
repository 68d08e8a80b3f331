"""Demo programs and projects: a deterministic plan, no ORM (`manage.py seed_programs`
writes it through the program services).

- Programs for every year from 2018 to the current one: a general program run by the smart
  manufacturing office, a win-win program run by the cooperation foundation, from 2020 a win-win
  program for small firms (government and partner pay half each) run by the chamber of
  commerce, and from 2021 an upgrade program run by TIPA; partner firms commit funds to the
  win-win programs (enough for their planned projects, with room to spare).
- Projects for the demo plants of `devdata.registry`: 0–3 per plant in different years, the target
  system level rising from one to the next; mentored plants join win-win programs with their
  mentor once the mentorship has begun, some other plants with a new partner firm (whose
  mentorship the project creates). Earlier years are almost all completed, last year mostly,
  the current year spread over the pipeline; some projects are dropped on the way.
- Shares follow each program's cost-share rule; completed projects carry before/after KPIs
  whose improvements scatter around the published national averages (DESIGN.md §1).

Each plant draws from its own seeded stream (keyed by business number and plant name), so its
projects do not depend on how many plants are seeded.
"""

from __future__ import annotations

import datetime
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from devdata import registry as registry_demo
from hub.choices import PlantStatus
from programs import rules
from programs.choices import (
    DEFAULT_UNITS,
    HIGHER_IS_BETTER,
    NATIONAL_AVERAGE_IMPROVEMENT,
    Indicator,
    ProgramKind,
    ProjectStatus,
    TargetLevel,
)

SEED = 20180402  # fixed: the same plan on every machine
FIRST_YEAR = 2018
M = 1_000_000
AGENCY_USER = "agency"  # staff of the smart manufacturing office (runs the general programs)
FLAGSHIP_PARTNER = next(iter(registry_demo.PARTNER_WEIGHTS))  # 대한전자, the `partner` login
SUPPLIERS = [name for kind, name, _en, _r in registry_demo.ORGANIZATIONS if kind == "supplier"]

# (key, kind, cost-share rule code, operating agency, Korean name, English name, first year)
# fmt: off
PROGRAM_TYPES = [
    ("general", ProgramKind.GENERAL, "general", "스마트제조혁신추진단",
     "{year} 스마트공장 보급·확산 (일반형)", "{year} Smart factory roll-out (general)", 2018),
    ("winwin", ProgramKind.WINWIN, "winwin", "대·중소기업·농어업협력재단",
     "{year} 대·중소 상생형 스마트공장", "{year} Win-win smart factory", 2018),
    ("winwin-small", ProgramKind.WINWIN, "winwin-small", "대한상공회의소",
     "{year} 상생형 스마트공장 (소기업)", "{year} Win-win smart factory for small firms", 2020),
    ("upgrade", ProgramKind.UPGRADE, "general", "중소기업기술정보진흥원",
     "{year} 스마트공장 고도화", "{year} Smart factory upgrade", 2021),
]
# The rules as seeded by migration programs/0002 (government max %, partner min %, SME max %,
# government cap per target level in won); the plan keeps every project inside them.
RULES = {
    "general": (50, 0, 100, {"basic": 50 * M, "advanced1": 150 * M, "advanced2": 300 * M}),
    "winwin": (30, 30, 40, {"basic": 42 * M, "advanced1": 120 * M, "advanced2": 240 * M}),
    "winwin-small": (50, 50, 0, {"basic": 50 * M, "advanced1": 100 * M, "advanced2": 150 * M}),
}
TARGET_COSTS = {  # total cost range in millions of won
    TargetLevel.BASIC: (60, 150),
    TargetLevel.ADVANCED1: (160, 400),
    TargetLevel.ADVANCED2: (420, 800),
}
TARGET_KO = {TargetLevel.BASIC: "기초", TargetLevel.ADVANCED1: "고도화1",
             TargetLevel.ADVANCED2: "고도화2"}
SYSTEMS = ["MES", "MES·ERP 연동", "POP", "설비 모니터링", "품질 관리 시스템", "창고 관리(WMS)",
           "에너지 관리(FEMS)", "공정 자동화"]
DROP_REASONS = [
    "기업 자금 사정으로 자부담 확보 불가", "사업 범위 변경으로 협약 포기",
    "공장 이전 계획으로 중단", "공급기업과 계약 조건 불일치", "경영 악화로 사업 참여 철회",
]
# Improvement in % (positive = better): (mean, spread) of a normal truncated at ±2.5 spreads,
# so the mean stays the published average. Indicators outside the study get plausible ones.
KPI_SPREAD = {
    Indicator.PRODUCTIVITY: 12.0, Indicator.DEFECT_RATE: 16.0, Indicator.COST: 6.5,
    Indicator.ON_TIME_DELIVERY: 6.0, Indicator.LEAD_TIME: 9.0, Indicator.OEE: 7.0,
}
OTHER_MEANS = {Indicator.LEAD_TIME: 24.0, Indicator.OEE: 17.0}
# fmt: on
CORE_KPIS = (
    Indicator.PRODUCTIVITY,
    Indicator.DEFECT_RATE,
    Indicator.COST,
    Indicator.ON_TIME_DELIVERY,
)
PIPELINE = (
    ProjectStatus.APPLIED,
    ProjectStatus.SELECTED,
    ProjectStatus.AGREED,
    ProjectStatus.BUILDING,
    ProjectStatus.COMPLETED,
)
# Days between one step and the next: (selected, agreed, building, completed).
STEP_DAYS = ((20, 50), (10, 40), (7, 30), (90, 240))


@dataclass(frozen=True)
class ProgramPlan:
    key: str  # program type key
    year: int
    kind: str
    rule: str
    agency: str
    name_ko: str
    name_en: str
    applications_open: datetime.date
    applications_close: datetime.date
    budget: int = 0
    commitments: tuple[tuple[str, int], ...] = ()  # (partner name, won)


@dataclass
class KPIPlan:
    indicator: str
    unit: str
    baseline: Decimal
    result: Decimal
    baseline_from: datetime.date
    baseline_to: datetime.date
    result_from: datetime.date
    result_to: datetime.date


@dataclass
class ProjectPlan:
    plant_key: str  # registry plan key: "business number/plant name"
    program: tuple[str, int]  # (program type key, year)
    reference: str
    title: str
    partner: str | None
    supplier: str
    target_level: str
    total_cost: int
    government_share: int
    partner_share: int
    sme_share: int
    status: str
    steps: dict[str, datetime.date]  # status -> date, in pipeline order (dropped last)
    drop_reason: str = ""
    kpis: list[KPIPlan] = field(default_factory=list)


@dataclass
class Plan:
    programs: list[ProgramPlan]
    projects: list[ProjectPlan]


def plant_key(business_number: str, plant_name: str) -> str:
    return f"{business_number}/{plant_name}"


# --- shares ----------------------------------------------------------------------------------


def shares(rule: str, target_level: str, total: int, rng: random.Random) -> tuple[int, int, int]:
    """(government, partner, SME) in whole won inside the rule: the government pays its
    maximum up to the cap, the SME a part of what it may, the partner the rest."""
    gov_pct, partner_pct, sme_pct, caps = RULES[rule]
    government = min(total * gov_pct // 100, caps[target_level])
    government -= government % 100_000
    sme_max = min(total * sme_pct // 100, total - government - math.ceil(total * partner_pct / 100))
    sme = int(sme_max * rng.uniform(0.7, 1.0)) if sme_max > 0 else 0
    sme -= sme % 100_000
    partner = total - government - sme
    if rule == "general":  # no partner firm: the SME pays the rest
        sme, partner = sme + partner, 0
    return government, partner, sme


# --- KPIs ------------------------------------------------------------------------------------


def improvement_draw(rng: random.Random, indicator: str) -> float:
    mean = NATIONAL_AVERAGE_IMPROVEMENT.get(indicator, OTHER_MEANS.get(indicator, 20.0))
    spread = KPI_SPREAD.get(indicator, 8.0)
    while True:
        value = rng.gauss(mean, spread)
        if abs(value - mean) <= 2.5 * spread:
            return value


def kpi_values(rng: random.Random, indicator: str) -> tuple[Decimal, Decimal]:
    """(baseline, result) in the indicator's default unit, the result `improvement_draw` %
    better than the baseline."""
    imp = improvement_draw(rng, indicator) / 100
    if indicator == Indicator.PRODUCTIVITY:
        baseline = rng.uniform(20, 400)
        result = baseline * (1 + imp)
    elif indicator == Indicator.DEFECT_RATE:
        baseline = rng.uniform(300, 15_000)
        result = baseline * (1 - imp)
    elif indicator == Indicator.COST:
        baseline = rng.uniform(1_500, 90_000)
        result = baseline * (1 - imp)
    elif indicator == Indicator.ON_TIME_DELIVERY:
        baseline = rng.uniform(55, min(85, 99.5 / (1 + imp)))
        result = baseline * (1 + imp)
    elif indicator == Indicator.OEE:
        baseline = rng.uniform(40, min(70, 92 / (1 + imp)))
        result = baseline * (1 + imp)
    else:  # lead time in days
        baseline = rng.uniform(5, 30)
        result = baseline * (1 - imp)
    q = Decimal("0.01")
    return Decimal(str(round(baseline, 2))).quantize(q), Decimal(str(round(result, 2))).quantize(q)


def simulate_kpis(projects: int, seed: int = SEED) -> dict[str, float]:
    """Average improvement per core indicator over `projects` simulated completed projects
    (what the plan's KPIs come to; tests compare it with the national averages)."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets  # nosec B311
    totals: dict[str, float] = defaultdict(float)
    for _ in range(projects):
        for indicator in CORE_KPIS:
            baseline, result = kpi_values(rng, indicator)
            totals[indicator] += float(
                rules.improvement_pct(baseline, result, HIGHER_IS_BETTER[Indicator(indicator)])
            )
    return {k: v / projects for k, v in totals.items()}


def _kpis(rng, applied: datetime.date, completed: datetime.date, today) -> list[KPIPlan]:
    indicators = list(CORE_KPIS)
    if rng.random() < 0.35:
        indicators.append(Indicator.OEE)
    if rng.random() < 0.25:
        indicators.append(Indicator.LEAD_TIME)
    result_from = min(completed + datetime.timedelta(days=1), today)
    result_to = min(completed + datetime.timedelta(days=90), today)
    plans = []
    for indicator in indicators:
        baseline, result = kpi_values(rng, indicator)
        plans.append(
            KPIPlan(
                indicator=indicator,
                unit=DEFAULT_UNITS[indicator],
                baseline=baseline,
                result=result,
                baseline_from=applied - datetime.timedelta(days=365),
                baseline_to=applied - datetime.timedelta(days=1),
                result_from=result_from,
                result_to=max(result_to, result_from),
            )
        )
    return plans


# --- programs and projects -------------------------------------------------------------------


def _program_types(year: int):
    return [t for t in PROGRAM_TYPES if year >= t[6]]


def _window(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 2, 15), datetime.date(year, 4, 15)


def _target_status(rng: random.Random, year: int, today: datetime.date) -> str:
    if year < today.year - 1:
        weights = {ProjectStatus.COMPLETED: 93, ProjectStatus.DROPPED: 7}
    elif year == today.year - 1:
        weights = {
            ProjectStatus.COMPLETED: 80,
            ProjectStatus.BUILDING: 13,
            ProjectStatus.DROPPED: 7,
        }
    else:
        weights = {
            ProjectStatus.APPLIED: 18,
            ProjectStatus.SELECTED: 18,
            ProjectStatus.AGREED: 18,
            ProjectStatus.BUILDING: 24,
            ProjectStatus.COMPLETED: 14,
            ProjectStatus.DROPPED: 8,
        }
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _steps(rng, year: int, status: str, today: datetime.date) -> tuple[dict, str]:
    """Dates of every step up to `status` (dropped: at a random step), none after today."""
    open_, close = _window(year)
    applied = open_ + datetime.timedelta(days=rng.randint(0, (close - open_).days))
    final, drop_after = status, None
    if status == ProjectStatus.DROPPED:
        drop_after = rng.choices(PIPELINE[:4], weights=(40, 30, 20, 10))[0]
        final = drop_after
    days = [applied]
    for low, high in STEP_DAYS[: PIPELINE.index(final)]:
        days.append(days[-1] + datetime.timedelta(days=rng.randint(low, high)))
    steps = dict(zip(PIPELINE, days, strict=False))
    if drop_after is not None:
        steps[ProjectStatus.DROPPED] = days[-1] + datetime.timedelta(days=rng.randint(5, 60))
    last = max(steps.values())
    if last > today:  # the current year: pull the steps back so the latest is today at most
        shift = last - today
        steps = {k: v - shift for k, v in steps.items()}
    return steps, status


def _plant_projects(company, plant, index: int, showcase: bool, today) -> list[ProjectPlan]:
    key = plant_key(company.business_number, plant.name)
    rng = random.Random(f"{SEED}:{key}")  # noqa: S311 - demo data, not secrets  # nosec B311
    if plant.status == PlantStatus.CLOSED:
        return []
    mentored = plant.partner is not None
    weights = (10, 45, 30, 15) if mentored else (30, 45, 20, 5)
    count = 2 if showcase else rng.choices((0, 1, 2, 3), weights=weights)[0]
    years = list(range(FIRST_YEAR, today.year + 1))
    if count == 0:
        return []
    chosen = sorted(rng.sample(years, k=count))
    if showcase:
        chosen = [today.year - 3, today.year - 1]
    small = plant.employees < 20
    plans = []
    for step, year in enumerate(chosen):
        level = (TargetLevel.BASIC, TargetLevel.ADVANCED1, TargetLevel.ADVANCED2)[
            min(step + (rng.random() < 0.15), 2)
        ]
        partner = None
        mentor_from = plant.mentorship_start.year if mentored else None
        if mentored and year >= mentor_from and (showcase or rng.random() < 0.75):
            partner = plant.partner
        elif not mentored and rng.random() < 0.18:
            partner = registry_demo._weighted(rng, registry_demo.PARTNER_WEIGHTS)
        if partner is not None:
            program_key = (
                "winwin-small"
                if small and year >= 2020 and level != TargetLevel.ADVANCED2 and not showcase
                else "winwin"
            )
        elif level != TargetLevel.BASIC and year >= 2021 and rng.random() < 0.6:
            program_key = "upgrade"
        else:
            program_key = "general"
        rule = next(t[2] for t in PROGRAM_TYPES if t[0] == program_key)
        low, high = TARGET_COSTS[level]
        total = rng.randint(low * 10, high * 10) * 100_000
        government, partner_share, sme = shares(rule, level, total, rng)
        status = ProjectStatus.COMPLETED if showcase else _target_status(rng, year, today)
        steps, status = _steps(rng, year, status, today)
        project = ProjectPlan(
            plant_key=key,
            program=(program_key, year),
            reference=f"DEMO-{company.business_number}-{index}-{year}",
            title=f"{plant.name} {TARGET_KO[level]} {rng.choice(SYSTEMS)} 구축",
            partner=partner,
            supplier=rng.choice(SUPPLIERS),
            target_level=level,
            total_cost=total,
            government_share=government,
            partner_share=partner_share,
            sme_share=sme,
            status=status,
            steps=steps,
            drop_reason=rng.choice(DROP_REASONS) if status == ProjectStatus.DROPPED else "",
        )
        if status == ProjectStatus.COMPLETED:
            project.kpis = _kpis(
                rng, steps[ProjectStatus.APPLIED], steps[ProjectStatus.COMPLETED], today
            )
        plans.append(project)
    return plans


def plan(plants: int, today: datetime.date) -> Plan:
    """Programs and projects for the demo plants of `devdata.registry.plan(plants)`."""
    projects: list[ProjectPlan] = []
    first = True
    for company in registry_demo.plan(plants):
        for index, plant in enumerate(company.plants, start=1):
            projects.extend(_plant_projects(company, plant, index, first, today))
            first = False
    government = defaultdict(int)
    partner_need: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for p in projects:
        government[p.program] += p.government_share
        if p.partner:
            partner_need[p.program][p.partner] += p.partner_share
    programs = []
    for year in range(FIRST_YEAR, today.year + 1):
        for key, kind, rule, agency, name_ko, name_en, _first in _program_types(year):
            open_, close = _window(year)
            commitments = {}
            if kind == ProgramKind.WINWIN:
                commitments = dict(partner_need[(key, year)])
                commitments.setdefault(FLAGSHIP_PARTNER, 0)
            programs.append(
                ProgramPlan(
                    key=key,
                    year=year,
                    kind=kind,
                    rule=rule,
                    agency=agency,
                    name_ko=name_ko.format(year=year),
                    name_en=name_en.format(year=year),
                    applications_open=open_,
                    applications_close=close,
                    budget=_round_up(government[(key, year)] * 1.3, 1_000 * M, minimum=2_000 * M),
                    commitments=tuple(
                        (name, _round_up(need * 1.25, 100 * M, minimum=300 * M))
                        for name, need in sorted(commitments.items())
                    ),
                )
            )
    return Plan(programs=programs, projects=projects)


def _round_up(value: float, step: int, minimum: int) -> int:
    return max(math.ceil(value / step) * step, minimum)
