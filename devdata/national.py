"""A national-scale dataset (issue 6): a deterministic plan of 35,000 plants, their companies,
programs 2014–2025, projects with KPIs and confirmed assessment histories, shaped like the
real program (cumulative supported plants ≈ 7,900 by 2018, 12,660 by 2019, 19,800 by 2020,
25,000 by 2021, 30,000+ by 2022).

Pure planning, no ORM: `manage.py seed_national` writes the plan in bulk. Rows refer to each
other by their index in the plan (company, plant, program, project, assessment); the command
turns indices into ids. Every invariant the services enforce one row at a time holds by
construction here (and the tests check it on the written data):

- business numbers are valid (check digit) and unique;
- project steps are ordered applied ≤ selected ≤ agreed ≤ building ≤ completed/dropped, all
  inside the program's year (completion at the latest on 28 December);
- shares follow the program's cost-share rule (`programs.demo.shares`);
- a plant has at most one project per program year, so its active projects in one program
  never overlap;
- assessments are scored with `assessments.scoring`, valid for three years.

Value generation reuses the demo planners: names, addresses and weights of `hub.demo`,
shares, KPI values and drop reasons of `programs.demo`, the maturity model and ratings of
`assessments.demo`. Everything draws from one seeded stream per phase, so a given seed always
gives the same plan.
"""

from __future__ import annotations

import datetime
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from assessments import scoring
from assessments.services import add_years
from devdata import assessments as assessment_demo
from devdata import programs as program_demo
from devdata import registry as registry_demo
from hub.choices import OrganizationKind, PlantStatus
from hub.validators import business_number_check_digit
from programs import rules
from programs.choices import HIGHER_IS_BETTER, ProjectStatus, TargetLevel

SEED = 20140601
NATIONAL_PLANTS = 35_000
FIRST_YEAR, LAST_YEAR = 2014, 2025
# Nothing in the plan happens after this day, whatever day the command runs.
REFERENCE = datetime.date(2026, 6, 30)
TZ = ZoneInfo("Asia/Seoul")
MAX_COMPANIES = 80_000  # business numbers: 8 blocks of 10,000 serials

# Cumulative supported plants (first completed project) at the end of each year, nationally.
CUMULATIVE_SUPPORTED = {
    2014: 600,
    2015: 1_900,
    2016: 3_300,
    2017: 5_003,
    2018: 7_900,
    2019: 12_660,
    2020: 19_800,
    2021: 25_000,
    2022: 30_300,
    2023: 31_800,
    2024: 32_900,
    2025: 33_600,
}
# First year of each program type (programs.demo.PROGRAM_TYPES starts them all in 2018+).
PROGRAM_FIRST_YEAR = {"general": 2014, "winwin": 2015, "winwin-small": 2020, "upgrade": 2021}
# Assessments per plant: 0–4 (mean ≈ 2.1; the latest cohorts have room for fewer).
ASSESSMENT_COUNTS = (0, 1, 2, 3, 4)
ASSESSMENT_WEIGHTS = (1, 12, 46, 31, 10)
# Added to the demo maturity model at the first completion (calibrated: Level 3+ ≈ 22 % of
# supported plants at the end of 2022).
MATURITY_OFFSET = -0.1
PARTNERS = 40
SUPPLIERS = 60
CONSULTANCIES = 24
PARTNER_WORDS = [
    ("전자", "Electronics"), ("자동차", "Motors"), ("중공업", "Heavy Industries"),
    ("철강", "Steel"), ("화학", "Chemical"), ("조선", "Shipbuilding"), ("에너지", "Energy"),
    ("정밀", "Precision"), ("디스플레이", "Display"), ("식품", "Foods"),
]  # fmt: skip
SUPPLIER_WORDS = [
    ("시스템", "Systems"), ("솔루션", "Solutions"), ("정보통신", "ICT"),
    ("오토메이션", "Automation"), ("아이티", "IT"), ("데이터", "Data"),
]  # fmt: skip
CONSULTANCY_WORDS = [
    ("경영컨설팅", "Management Consulting"), ("생산성연구소", "Productivity Institute"),
    ("제조컨설팅", "Manufacturing Consulting"), ("기술경영", "Technology Management"),
]  # fmt: skip


# --- plan rows -------------------------------------------------------------------------------


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


def scaled_cumulative(plants: int) -> dict[int, int]:
    """The national curve scaled to `plants` (factor plants / 35,000)."""
    factor = plants / NATIONAL_PLANTS
    return {year: round(n * factor) for year, n in CUMULATIVE_SUPPORTED.items()}


def business_number(index: int, corporate: bool, rng: random.Random) -> str:
    """A valid 사업자등록번호, unique per index below MAX_COMPANIES: each block of 10,000
    indices has its own range of tax-office codes, and within a block the serial is a
    permutation of the index (7919 is prime to 10,000)."""
    block, rest = divmod(index, 10_000)
    office = 101 + block * 97 + rng.randint(0, 96)
    kind = rng.choice((81, 86, 87, 88)) if corporate else rng.randint(10, 79)
    serial = (rest * 7919 + 4321) % 10_000
    stem = f"{office:03d}{kind:02d}{serial:04d}"
    return stem + str(business_number_check_digit(stem))


def _at(day: datetime.date, rng: random.Random) -> datetime.datetime:
    """A working-hours moment of the day in Korean time."""
    return datetime.datetime.combine(
        day, datetime.time(rng.randint(9, 17), rng.randint(0, 59), rng.randint(0, 59)), TZ
    )


def _days(day: datetime.date, low: int, high: int, rng: random.Random) -> datetime.date:
    return day + datetime.timedelta(days=rng.randint(low, high))


def _named(words, count: int, taken: set[str], suffix_ko="", suffix_en="") -> list[Org]:
    """`count` distinct names stem + word, in a fixed order."""
    out = []
    for i in range(len(registry_demo.STEMS) * len(words)):
        stem, stem_en = registry_demo.STEMS[(i // len(words)) % len(registry_demo.STEMS)]
        word, word_en = words[i % len(words)]
        name = f"{stem}{word}{suffix_ko}"
        if name in taken:
            continue
        taken.add(name)
        out.append(Org("", name, f"{stem_en} {word_en}{suffix_en}"))
        if len(out) == count:
            break
    return out


# --- organisations ---------------------------------------------------------------------------


def organisations(rng: random.Random):
    demo_orgs = registry_demo.ORGANIZATIONS
    agencies = [
        Org(kind, name, name_en, region)
        for kind, name, name_en, region in demo_orgs
        if kind in (OrganizationKind.AGENCY, OrganizationKind.MINISTRY)
    ]
    taken = {name for _k, name, _e, _r in demo_orgs}
    partners = [
        Org(OrganizationKind.PARTNER, name, name_en, region, registry_demo.PARTNER_WEIGHTS[name])
        for kind, name, name_en, region in demo_orgs
        if kind == OrganizationKind.PARTNER
    ]
    for org in _named(PARTNER_WORDS, PARTNERS - len(partners), taken):
        org.kind, org.region = OrganizationKind.PARTNER, rng.choice(list(registry_demo.ADDRESSES))
        org.weight = round(rng.uniform(0.3, 1.5), 2)
        partners.append(org)
    suppliers = [
        Org(OrganizationKind.SUPPLIER, name, name_en, region)
        for kind, name, name_en, region in demo_orgs
        if kind == OrganizationKind.SUPPLIER
    ]
    for org in _named(SUPPLIER_WORDS, SUPPLIERS - len(suppliers), taken, "(주)", " Co., Ltd."):
        org.kind = OrganizationKind.SUPPLIER
        org.region = registry_demo._weighted(rng, registry_demo.REGION_WEIGHTS)
        suppliers.append(org)
    consultancies = [
        Org(OrganizationKind.CONSULTANCY, name, name_en, region)
        for kind, name, name_en, region in demo_orgs
        if kind == OrganizationKind.CONSULTANCY
    ]
    for org in _named(CONSULTANCY_WORDS, CONSULTANCIES - len(consultancies), taken):
        org.kind = OrganizationKind.CONSULTANCY
        org.region = registry_demo._weighted(rng, registry_demo.REGION_WEIGHTS)
        consultancies.append(org)
    for org in consultancies:
        org.weight = round(rng.uniform(0.5, 2.0), 2)
    return agencies, partners, suppliers, consultancies


# --- companies and plants --------------------------------------------------------------------


def _company_name(rng: random.Random, industry: str) -> tuple[str, str, bool]:
    """Names need not be unique (the business number is): many real firms share one."""
    words = registry_demo.INDUSTRY_WORDS.get(industry, []) + registry_demo.GENERIC_WORDS
    (stem, stem_en), (word, word_en) = rng.choice(registry_demo.STEMS), rng.choice(words)
    base, form = stem + word, rng.random()
    if form < 0.45:
        return f"(주){base}", f"{stem_en} {word_en} Co., Ltd.", True
    if form < 0.75:
        return f"{base}(주)", f"{stem_en} {word_en} Co., Ltd.", True
    if form < 0.85:
        return f"주식회사 {base}", f"{stem_en} {word_en} Co., Ltd.", True
    return base, f"{stem_en} {word_en}", False


def companies_and_plants(
    rng: random.Random, plants: int, taken_numbers: frozenset[str] = frozenset()
) -> tuple[list[Company], list[PlantRow]]:
    """At least `plants` plants in ≈ 0.875 × plants companies: most own one plant, some two
    or three. The first 17 companies cover every region once."""
    company_count = math.ceil(plants * 0.875)
    extra = plants - company_count  # plants beyond one per company
    sizes = [1] * company_count
    multi = rng.sample(range(17, company_count), k=min(extra, max(company_count - 17, 0)))
    spare = extra
    for index in multi:
        if spare <= 0:
            break
        add = 2 if spare >= 2 and rng.random() < 0.2 else 1
        sizes[index] += add
        spare -= add
    regions = list(registry_demo.REGION_WEIGHTS)
    rng.shuffle(regions)
    companies, rows = [], []
    number_index = 0
    for index, size in enumerate(sizes):
        region = (
            regions[index]
            if index < len(regions)
            else registry_demo._weighted(rng, registry_demo.REGION_WEIGHTS)
        )
        industry = registry_demo._weighted(rng, registry_demo.INDUSTRY_WEIGHTS)
        name, name_en, corporate = _company_name(rng, industry)
        low = math.log(30 if size > 1 else 5)
        employees = round(math.exp(rng.uniform(low, math.log(300))))
        address, city = registry_demo._address(rng, region)
        while True:
            if number_index >= MAX_COMPANIES:
                raise ValueError(f"at most {MAX_COMPANIES} companies")
            number = business_number(number_index, corporate, rng)
            number_index += 1
            if number not in taken_numbers:
                break
        companies.append(
            Company(
                name=name,
                name_en=name_en,
                business_number=number,
                size_class=registry_demo.size_class_for(employees),
                employees=employees,
                revenue_million_krw=Decimal(employees * rng.randint(120, 450)),
                region=region,
                address=address,
            )
        )
        names = ["본사공장" if size > 1 else f"{city}공장", "제2공장", "제3공장"]
        left = employees
        for k in range(size):
            if k == 0:
                p_region, p_address = region, address
            else:
                p_region = (
                    region
                    if rng.random() < 0.6
                    else registry_demo._weighted(rng, registry_demo.REGION_WEIGHTS)
                )
                p_address, _city = registry_demo._address(rng, p_region)
            staff = left if k == size - 1 else max(1, round(left * rng.uniform(0.5, 0.75)))
            left = max(left - staff, 1)
            status = rng.choices(
                [PlantStatus.ACTIVE, PlantStatus.SUSPENDED, PlantStatus.CLOSED], weights=[95, 3, 2]
            )[0]
            rows.append(
                PlantRow(
                    company=index,
                    name=names[k],
                    region=p_region,
                    address=p_address,
                    industry=industry,
                    employees=max(staff, 1),
                    status=status,
                )
            )
    return companies, rows


# --- programs and projects -------------------------------------------------------------------


def program_rows() -> list[ProgramRow]:
    rows = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        for key, kind, rule, agency, name_ko, name_en, _first in program_demo.PROGRAM_TYPES:
            if year < PROGRAM_FIRST_YEAR[key]:
                continue
            rows.append(
                ProgramRow(
                    key=key,
                    year=year,
                    kind=kind,
                    rule=rule,
                    agency=agency,
                    name_ko=name_ko.format(year=year),
                    name_en=name_en.format(year=year),
                    applications_open=datetime.date(year, 2, 15),
                    applications_close=datetime.date(year, 4, 15),
                )
            )
    return rows


def _steps(rng: random.Random, year: int, status: str) -> dict[str, datetime.date]:
    """Dated steps up to `status`, inside the program year (completion by 28 December)."""
    pipeline = program_demo.PIPELINE
    final = status
    if status == ProjectStatus.DROPPED:
        final = rng.choices(pipeline[:4], weights=(40, 30, 20, 10))[0]
    applied = _days(datetime.date(year, 2, 15), 0, 59, rng)
    steps = {ProjectStatus.APPLIED: applied}
    day = applied
    for step, (low, high) in zip(pipeline[1:], program_demo.STEP_DAYS, strict=True):
        if pipeline.index(step) > pipeline.index(final):
            break
        if step == ProjectStatus.COMPLETED:
            day = min(_days(day, low, high, rng), datetime.date(year, 12, 28))
        else:
            day = _days(day, low, high, rng)
        steps[step] = day
    if status == ProjectStatus.DROPPED:
        steps[ProjectStatus.DROPPED] = min(_days(day, 5, 60, rng), datetime.date(year, 12, 28))
    return steps


def _status(rng: random.Random, year: int) -> str:
    """A follow-up project's outcome: earlier years completed or dropped, 2025 partly open."""
    if year < LAST_YEAR:
        return rng.choices((ProjectStatus.COMPLETED, ProjectStatus.DROPPED), weights=(92, 8))[0]
    return rng.choices(
        (
            ProjectStatus.COMPLETED,
            ProjectStatus.BUILDING,
            ProjectStatus.AGREED,
            ProjectStatus.DROPPED,
        ),
        weights=(70, 15, 7, 8),
    )[0]


def _cohorts(rng: random.Random, plants: list[PlantRow]) -> None:
    """Give each plant its cohort so the cumulative curve follows the (scaled) national one;
    closed plants are supported in earlier years only."""
    curve = scaled_cumulative(len(plants))
    order = list(range(len(plants)))
    rng.shuffle(order)
    position, previous = 0, 0
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        target = min(curve[year], len(plants))
        for index in order[position : position + max(target - previous, 0)]:
            plants[index].cohort = year
        position += max(target - previous, 0)
        previous = max(previous, target)


def projects(
    rng: random.Random, plants: list[PlantRow], programs: list[ProgramRow], partners: list[Org],
    suppliers: int,
) -> tuple[list[ProjectRow], list[KPIRow]]:  # fmt: skip
    """≈ 1.3 projects a plant: the first completed one in the cohort year, for some a dropped
    attempt the year before, for about a third an upgrade later; plants never supported have
    at most a dropped or an unfinished 2025 project."""
    by_key = {(p.key, p.year): i for i, p in enumerate(programs)}
    weights = [p.weight for p in partners]
    out: list[ProjectRow] = []
    kpis: list[KPIRow] = []
    _cohorts(rng, plants)

    def add(plant_index: int, plant: PlantRow, year: int, status: str, level: str) -> None:
        partner = plant.partner if (plant.partner is not None and year >= 2015) else None
        small = plant.employees < 20
        if partner is not None:
            key = (
                "winwin-small"
                if small and year >= 2020 and level != TargetLevel.ADVANCED2
                else "winwin"
            )
        elif level != TargetLevel.BASIC and year >= 2021 and rng.random() < 0.6:
            key = "upgrade"
        else:
            key = "general"
        rule = next(t[2] for t in program_demo.PROGRAM_TYPES if t[0] == key)
        low, high = program_demo.TARGET_COSTS[level]
        total = rng.randint(low * 10, high * 10) * 100_000
        government, partner_share, sme = program_demo.shares(rule, level, total, rng)
        steps = _steps(rng, year, status)
        index = len(out)
        out.append(
            ProjectRow(
                plant=plant_index,
                program=by_key[(key, year)],
                reference=f"NAT-{year}-{index + 1:06d}",
                title=f"{plant.name} {program_demo.TARGET_KO[level]} "
                f"{rng.choice(program_demo.SYSTEMS)} 구축",
                partner=partner,
                supplier=rng.randrange(suppliers),
                target_level=level,
                total_cost=total,
                government_share=government,
                partner_share=partner_share,
                sme_share=sme,
                status=status,
                steps=steps,
                drop_reason=rng.choice(program_demo.DROP_REASONS)
                if status == ProjectStatus.DROPPED
                else "",
            )
        )
        if status == ProjectStatus.COMPLETED:
            completed = steps[ProjectStatus.COMPLETED]
            if plant.first_completed is None or completed < plant.first_completed:
                plant.first_completed = completed
            for k in program_demo._kpis(rng, steps[ProjectStatus.APPLIED], completed, REFERENCE):
                improvement = rules.improvement_pct(
                    k.baseline, k.result, HIGHER_IS_BETTER[k.indicator]
                )
                kpis.append(
                    KPIRow(
                        project=index,
                        indicator=k.indicator,
                        unit=k.unit,
                        baseline=k.baseline,
                        result=k.result,
                        improvement_pct=None
                        if improvement is None
                        else improvement.quantize(Decimal("0.01")),
                        baseline_from=k.baseline_from,
                        baseline_to=k.baseline_to,
                        result_from=k.result_from,
                        result_to=k.result_to,
                    )
                )

    for i, plant in enumerate(plants):
        if rng.random() < 0.33:
            plant.partner = rng.choices(range(len(partners)), weights=weights)[0]
        if plant.cohort is None:
            roll = rng.random()
            if roll < 0.4:
                add(i, plant, LAST_YEAR, rng.choice(
                    (ProjectStatus.SELECTED, ProjectStatus.AGREED, ProjectStatus.BUILDING)
                ), TargetLevel.BASIC)  # fmt: skip
            elif roll < 0.7:
                add(
                    i, plant, rng.randint(2016, LAST_YEAR), ProjectStatus.DROPPED, TargetLevel.BASIC
                )
            continue
        year = plant.cohort
        first_level = rng.choices(
            (TargetLevel.BASIC, TargetLevel.ADVANCED1, TargetLevel.ADVANCED2), weights=(80, 18, 2)
        )[0]
        if year > FIRST_YEAR and rng.random() < 0.06:
            add(i, plant, year - 1, ProjectStatus.DROPPED, TargetLevel.BASIC)
        add(i, plant, year, ProjectStatus.COMPLETED, first_level)
        later = list(range(year + 1, LAST_YEAR + 1))
        if later and rng.random() < 0.28:
            follow = sorted(rng.sample(later, k=min(len(later), 1 + (rng.random() < 0.2))))
            for n, y in enumerate(follow):
                level = (TargetLevel.ADVANCED1, TargetLevel.ADVANCED2)[
                    min(n + (rng.random() < 0.2), 1)
                ]
                add(i, plant, y, _status(rng, y), level)
    return out, kpis


def fund(programs: list[ProgramRow], projects_: list[ProjectRow]) -> None:
    """Budgets (government shares × 1.3) and partner commitments (their shares × 1.25) so
    every project fits its program and partner's remaining funds."""
    government: dict[int, int] = defaultdict(int)
    need: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for p in projects_:
        government[p.program] += p.government_share
        if p.partner is not None and p.status != ProjectStatus.DROPPED:
            need[p.program][p.partner] += p.partner_share
    M = program_demo.M
    for index, program in enumerate(programs):
        program.budget = program_demo._round_up(
            government[index] * 1.3, 1_000 * M, minimum=2_000 * M
        )
        program.commitments = {
            partner: program_demo._round_up(amount * 1.25, 100 * M, minimum=300 * M)
            for partner, amount in sorted(need[index].items())
        }


def mentorships(projects_: list[ProjectRow]) -> list[tuple[int, int, datetime.date]]:
    """A partner-funded project's partner mentors its plant from the first application on."""
    first: dict[tuple[int, int], datetime.date] = {}
    for p in projects_:
        if p.partner is None:
            continue
        key = (p.partner, p.plant)
        applied = p.steps[ProjectStatus.APPLIED]
        if key not in first or applied < first[key]:
            first[key] = applied
    return [(partner, plant, start) for (partner, plant), start in sorted(first.items())]


# --- assessments -----------------------------------------------------------------------------


def assessments(
    rng: random.Random,
    spec: scoring.FrameworkSpec,
    plants: list[PlantRow],
    consultancies: list[Org],
    validity_years: int = 3,
) -> list[AssessmentRow]:
    """≈ 2 confirmed assessments a plant. A supported plant is mostly assessed after its first
    completion (a tenth before it, as a diagnosis), then every 10–30 months; its maturity
    rises from the completion on. Other plants are assessed from 2019 on."""
    weights = [c.weight for c in consultancies]
    codes = [item.code for item in spec.items]
    last_day = REFERENCE - datetime.timedelta(days=45)
    out: list[AssessmentRow] = []
    for index, plant in enumerate(plants):
        count = rng.choices(ASSESSMENT_COUNTS, weights=ASSESSMENT_WEIGHTS)[0]
        if count == 0:
            continue
        profile = assessment_demo.PlantProfile(
            key=str(index),
            employees=plant.employees,
            mentored=plant.partner is not None,
            assessable=True,
        )
        model = assessment_demo._model(rng, spec, profile)
        if plant.first_completed is not None:
            reference = plant.first_completed
            model.maturity += MATURITY_OFFSET
            if rng.random() < 0.1:
                day = reference - datetime.timedelta(days=rng.randint(60, 300))
            else:
                day = _days(reference, 20, 300, rng)
        else:
            reference = datetime.date(2021, 1, 1)
            model.maturity += MATURITY_OFFSET - 0.2
            day = _days(
                datetime.date(2019, 1, 1), 0, (last_day - datetime.date(2019, 1, 1)).days, rng
            )
        dates = []
        while len(dates) < count and day <= last_day:
            dates.append(day)
            day = _days(day, 300, 900, rng)
        for day in dates:
            maturity = model.maturity_on(day, reference)
            if day < reference:  # before the system was built: no growth backwards in time
                maturity = model.maturity - 0.25
            ratings, reasons, notes = assessment_demo._ratings(rng, spec, model, maturity)
            opened = _at(day - datetime.timedelta(days=rng.randint(7, 40)), rng)
            submitted = _at(_days(day, 1, 14, rng), rng)
            confirmed = _at(_days(submitted.date(), 1, 21, rng), rng)
            out.append(
                AssessmentRow(
                    plant=index,
                    consultant=rng.choices(range(len(consultancies)), weights=weights)[0],
                    assessed_on=day,
                    opened_at=opened,
                    submitted_at=submitted,
                    confirmed_at=confirmed,
                    valid_until=add_years(day, validity_years),
                    ratings=tuple(ratings[c] for c in codes),
                    notes={n: notes[c] for n, c in enumerate(codes) if c in notes},
                    na_reasons={n: reasons[c] for n, c in enumerate(codes) if c in reasons},
                )
            )
    return out


_POOL_SPEC: scoring.FrameworkSpec | None = None


def _score_chunk(vectors: list[tuple]) -> list[tuple]:
    scorer = Scorer(_POOL_SPEC)
    return [scorer(v) for v in vectors]


def score_all(spec: scoring.FrameworkSpec, vectors: list[tuple], processes: int = 1) -> list:
    """Scorer results for every vector, in order; over `processes` forked workers when there
    are many (scoring is pure CPU: ≈ 0.8 ms a vector)."""
    import multiprocessing

    distinct = list(dict.fromkeys(vectors))
    if (
        processes <= 1
        or len(distinct) < 5_000
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        scorer = Scorer(spec)
        return [scorer(v) for v in vectors]
    global _POOL_SPEC
    _POOL_SPEC = spec
    size = math.ceil(len(distinct) / (processes * 8))
    chunks = [distinct[i : i + size] for i in range(0, len(distinct), size)]
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        results = [r for chunk in pool.map(_score_chunk, chunks) for r in chunk]
    by_vector = dict(zip(distinct, results, strict=True))
    return [by_vector[v] for v in vectors]


class Scorer:
    """assessments.scoring on rating vectors, cached per distinct vector."""

    def __init__(self, spec: scoring.FrameworkSpec):
        self.spec = spec
        self.codes = [item.code for item in spec.items]
        self.cache: dict[tuple, tuple] = {}

    def __call__(self, ratings: tuple) -> tuple[Decimal, int, int, str, dict]:
        """(total score, band level, final level, capping rule, result as stored)."""
        hit = self.cache.get(ratings)
        if hit is None:
            result = scoring.score(self.spec, dict(zip(self.codes, ratings, strict=True)))
            hit = (
                scoring.to_decimal(result.total),
                result.band_level,
                result.final_level,
                result.capping_rule or "",
                result.as_dict(),
            )
            self.cache[ratings] = hit
        return hit


# --- the whole plan --------------------------------------------------------------------------


def plan(
    plants: int = NATIONAL_PLANTS,
    seed: int = SEED,
    spec: scoring.FrameworkSpec | None = None,
    taken_numbers: frozenset[str] = frozenset(),
    validity_years: int = 3,
) -> Plan:
    """The whole national dataset for `plants` plants (assessments only when `spec` is given)."""
    rng = random.Random(f"national:{seed}:organisations")  # noqa: S311 - synthetic data  # nosec B311
    agencies, partners, suppliers, consultancies = organisations(rng)
    rng = random.Random(f"national:{seed}:registry")  # noqa: S311 - synthetic data  # nosec B311
    companies, plant_rows = companies_and_plants(rng, plants, taken_numbers)
    programs = program_rows()
    rng = random.Random(f"national:{seed}:projects")  # noqa: S311 - synthetic data  # nosec B311
    project_rows, kpi_rows = projects(rng, plant_rows, programs, partners, len(suppliers))
    fund(programs, project_rows)
    rows = []
    if spec is not None:
        rng = random.Random(f"national:{seed}:assessments")  # noqa: S311 - synthetic data  # nosec B311
        rows = assessments(rng, spec, plant_rows, consultancies, validity_years)
    return Plan(
        seed=seed,
        agencies=agencies,
        partners=partners,
        suppliers=suppliers,
        consultancies=consultancies,
        companies=companies,
        plants=plant_rows,
        programs=programs,
        projects=project_rows,
        kpis=kpi_rows,
        assessments=rows,
        mentorships=mentorships(project_rows),
    )


def supported_by_year(plan_: Plan) -> dict[int, int]:
    """Cumulative plants with a completed project by the end of each year."""
    firsts = defaultdict(int)
    for p in plan_.plants:
        if p.first_completed is not None:
            firsts[p.first_completed.year] += 1
    total, out = 0, {}
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        total += firsts.get(year, 0)
        out[year] = total
    return out


def level3_share(plan_: Plan, scorer: Scorer, as_of: datetime.date) -> float:
    """Share (%) of plants supported by `as_of` whose latest assessment by then is valid and
    at Level 3+ (the progress definition, on the plan)."""
    latest: dict[int, AssessmentRow] = {}
    for a in plan_.assessments:
        if a.assessed_on <= as_of and a.confirmed_at.date() <= as_of:
            held = latest.get(a.plant)
            if held is None or a.assessed_on >= held.assessed_on:
                latest[a.plant] = a
    supported = [
        i for i, p in enumerate(plan_.plants) if p.first_completed and p.first_completed <= as_of
    ]
    level3 = sum(
        1
        for i in supported
        if i in latest and latest[i].valid_until >= as_of and scorer(latest[i].ratings)[2] >= 3
    )
    return 100 * level3 / len(supported) if supported else 0.0
