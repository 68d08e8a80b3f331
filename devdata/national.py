"""A national-scale dataset: a deterministic plan of 35,000 plants, their companies,
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
- shares follow the program's cost-share rule (`devdata.programs.shares`);
- a plant has at most one project per program year, so its active projects in one program
  never overlap;
- assessments are scored with `assessments.scoring`, valid for three years.

Value generation reuses the demo planners: names, addresses and weights of `devdata.registry`,
shares, KPI values and drop reasons of `devdata.programs`, the maturity model and ratings of
`devdata.assessments`. Everything draws from one seeded stream per phase, so a given seed always
gives the same plan.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from decimal import Decimal

from assessments import scoring
from devdata import programs as program_demo
from devdata.national_assessments import Scorer, assessments, score_all  # noqa: F401
from devdata.national_registry import (  # noqa: F401
    business_number,
    companies_and_plants,
    organisations,
)
from devdata.national_rows import (  # noqa: F401
    REFERENCE,
    AssessmentRow,
    Company,
    KPIRow,
    Org,
    Plan,
    PlantRow,
    ProgramRow,
    ProjectRow,
    days_after,
)
from programs import rules
from programs.choices import HIGHER_IS_BETTER, ProjectStatus, TargetLevel

SEED = 20140601
NATIONAL_PLANTS = 35_000
FIRST_YEAR, LAST_YEAR = 2014, 2025
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
# First year of each program type (devdata.programs.PROGRAM_TYPES starts them all in 2018+).
PROGRAM_FIRST_YEAR = {"general": 2014, "winwin": 2015, "winwin-small": 2020, "upgrade": 2021}


def scaled_cumulative(plants: int) -> dict[int, int]:
    """The national curve scaled to `plants` (factor plants / 35,000)."""
    factor = plants / NATIONAL_PLANTS
    return {year: round(n * factor) for year, n in CUMULATIVE_SUPPORTED.items()}


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
    applied = days_after(datetime.date(year, 2, 15), 0, 59, rng)
    steps = {ProjectStatus.APPLIED: applied}
    day = applied
    for step, (low, high) in zip(pipeline[1:], program_demo.STEP_DAYS, strict=True):
        if pipeline.index(step) > pipeline.index(final):
            break
        if step == ProjectStatus.COMPLETED:
            day = min(days_after(day, low, high, rng), datetime.date(year, 12, 28))
        else:
            day = days_after(day, low, high, rng)
        steps[step] = day
    if status == ProjectStatus.DROPPED:
        steps[ProjectStatus.DROPPED] = min(days_after(day, 5, 60, rng), datetime.date(year, 12, 28))
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
