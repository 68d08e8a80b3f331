"""A reference implementation of the progress figures, plant by plant, in plain Python.

Written from DESIGN.md §3 and the definitions in `progress.selectors` rather than from the SQL
statement, so the two can be compared on random histories (test_oracle.py). It is slow on
purpose: every plant's level on every day is looked up afresh from its assessments.

- supported plant on day D: a plant in scope (region / industry / size filters and `base`)
  with a project in scope (program / partner / agency filters) completed on or before D, and
  on or before the as-of date;
- cohort: the year of its first such project;
- level as of D: the final level of its latest confirmed assessment assessed on or before D
  and confirmed by the end of D in the hub's time zone (latest by assessed_on, confirmed_at,
  pk); "expired" when that one's valid_until is before D, "never" when there is none;
- Level 3+: a level of 3 or more, still valid;
- program / partner / agency tables: a plant counts once in each group it completed a project
  in scope with;
- yearly rows at each year end (31 December, or the as-of date in its own year) from the year
  of the first completed project under the program / partner / agency filters (the plant
  filters and a partner member's `base` do not move the first year, so every region's table
  starts in the same year);
- KPI averages of the improvements recorded on completed projects in scope, overall, by the
  plant's cohort and by its level as of the date ("none" unless a valid level);
- connected (data hub): a supported plant with an active source that, on today, received data
  within the last 30 days (`last_data_at`), and on a past date D has data for one of the 30
  days D-29 … D (its day rollups); counted in every table like the Level 3+ plants.
"""

from __future__ import annotations

import datetime
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from assessments.services import level_timeline_rebuild
from datahub.models import FollowUpPeriod
from datahub.services import followups
from programs.choices import NATIONAL_AVERAGE_IMPROVEMENT, Indicator
from progress.figures import Scope
from progress.projection import projection
from progress.selectors import DEFAULT_TARGETS

NEVER = "never"
EXPIRED = "expired"


@dataclass(frozen=True)
class PlantFacts:
    id: int
    region: str
    industry: str
    size_class: str


@dataclass(frozen=True)
class ProjectFacts:
    id: int
    plant_id: int
    program_id: int
    agency_id: int
    partner_id: int | None
    status: str
    completed_on: datetime.date | None


@dataclass(frozen=True)
class AssessmentFacts:
    id: int
    plant_id: int
    status: str
    assessed_on: datetime.date | None
    confirmed_at: datetime.datetime | None
    final_level: int | None
    valid_until: datetime.date | None


@dataclass(frozen=True)
class KPIFacts:
    project_id: int
    indicator: str
    improvement_pct: Decimal | None


@dataclass(frozen=True)
class SourceFacts:
    """A data source of a plant: active or not, when data last arrived, and the days
    (Asia/Seoul) it has data for."""

    plant_id: int
    is_active: bool
    last_data_at: datetime.datetime | None
    data_days: tuple[datetime.date, ...] = ()


@dataclass
class History:
    plants: list[PlantFacts]
    projects: list[ProjectFacts]
    assessments: list[AssessmentFacts]
    kpis: list[KPIFacts]
    sources: list[SourceFacts] = field(default_factory=list)
    # Follow-up periods as (project id, due date, received at or None).
    follow_up: list[tuple] = field(default_factory=list)


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100 * part / whole, 2)


def _end_of(day: datetime.date) -> datetime.datetime:
    """The first instant after the day, in the hub's time zone."""
    zone = ZoneInfo(settings.TIME_ZONE)
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), zone)


def _year_end(year: int, as_of: datetime.date) -> datetime.date:
    return min(datetime.date(year, 12, 31), as_of)


def _years_before(day: datetime.date, years: int) -> datetime.date:
    if day.month == 2 and day.day == 29:
        return datetime.date(day.year - years, 2, 28)
    return datetime.date(day.year - years, day.month, day.day)


BREAKDOWN_GROUPS = ("region", "industry", "size", "program", "partner", "agency")


class Oracle:
    def __init__(self, history: History, as_of: datetime.date, scope: Scope, base_ids=None):
        self.history = history
        self.as_of = as_of
        self.scope = scope
        self.plants = {
            p.id: p
            for p in history.plants
            if (not scope.region or p.region == scope.region)
            and (not scope.industry or p.industry == scope.industry)
            and (not scope.size or p.size_class == scope.size)
            and (base_ids is None or p.id in base_ids)
        }
        # Completed on or before the as-of date under the program / partner / agency filters.
        self.filtered_projects = [
            p
            for p in history.projects
            if p.status == "completed"
            and p.completed_on is not None
            and p.completed_on <= as_of
            and (not scope.program or p.program_id == scope.program)
            and (not scope.partner or p.partner_id == scope.partner)
            and (not scope.agency or p.agency_id == scope.agency)
        ]
        self.projects = [p for p in self.filtered_projects if p.plant_id in self.plants]
        self.first_completion = {}
        for p in self.projects:
            first = self.first_completion.get(p.plant_id)
            if first is None or p.completed_on < first:
                self.first_completion[p.plant_id] = p.completed_on

    # --- per plant ----------------------------------------------------------------------

    def supported_on(self, day: datetime.date) -> list[int]:
        return sorted(pid for pid, first in self.first_completion.items() if first <= day)

    def level_on(self, plant_id: int, day: datetime.date):
        """The plant's level as of the day, EXPIRED or NEVER."""
        usable = [
            a
            for a in self.history.assessments
            if a.plant_id == plant_id
            and a.status == "confirmed"
            and a.assessed_on is not None
            and a.confirmed_at is not None
            and a.assessed_on <= day
            and a.confirmed_at < _end_of(day)
        ]
        if not usable:
            return NEVER
        latest = max(usable, key=lambda a: (a.assessed_on, a.confirmed_at, a.id))
        if latest.valid_until is None or latest.valid_until < day:
            return EXPIRED
        return latest.final_level

    def is_level3(self, plant_id: int, day: datetime.date) -> bool:
        level = self.level_on(plant_id, day)
        return isinstance(level, int) and level >= 3

    def is_connected(self, plant_id: int, day: datetime.date) -> bool:
        """Connected to the data hub on the day: see the module's docstring."""
        now = timezone.now()
        active = [s for s in self.history.sources if s.plant_id == plant_id and s.is_active]
        if day >= timezone.localdate(now):
            since = now - datetime.timedelta(days=30)
            return any(s.last_data_at is not None and s.last_data_at >= since for s in active)
        first = day - datetime.timedelta(days=29)
        return any(first <= d <= day for s in active for d in s.data_days)

    def counts_on(self, day: datetime.date) -> tuple[int, int]:
        plants = self.supported_on(day)
        return len(plants), sum(self.is_level3(pid, day) for pid in plants)

    # --- the figures --------------------------------------------------------------------

    def _table(self, key_of) -> list[dict]:
        groups = defaultdict(set)
        for pid in self.supported_on(self.as_of):
            for key in key_of(pid):
                groups[key].add(pid)
        rows = []
        for key in sorted(groups):
            plants = groups[key]
            level3 = sum(self.is_level3(pid, self.as_of) for pid in plants)
            rows.append(
                {
                    "key": key,
                    "supported": len(plants),
                    "level3": level3,
                    "share": _share(level3, len(plants)),
                    "connected": sum(self.is_connected(pid, self.as_of) for pid in plants),
                }
            )
        return rows

    def _project_keys(self, attribute: str):
        def keys(pid):
            values = {getattr(p, attribute) for p in self.projects if p.plant_id == pid}
            return values - {None}

        return keys

    def distribution(self) -> dict:
        out = {f"level_{n}": 0 for n in range(6)} | {EXPIRED: 0, NEVER: 0}
        for pid in self.supported_on(self.as_of):
            level = self.level_on(pid, self.as_of)
            out[level if level in (EXPIRED, NEVER) else f"level_{level}"] += 1
        return out

    def yearly(self) -> list[dict]:
        if not self.filtered_projects:
            return []
        first_year = min(p.completed_on for p in self.filtered_projects).year
        rows = []
        for year in range(first_year, self.as_of.year + 1):
            day = _year_end(year, self.as_of)
            supported, level3 = self.counts_on(day)
            rows.append(
                {
                    "year": year,
                    "as_of": day.isoformat(),
                    "supported": supported,
                    "level3": level3,
                    "share": _share(level3, supported),
                }
            )
        return rows

    def cohorts(self) -> list[dict]:
        return [
            {"cohort": row["key"], **{k: v for k, v in row.items() if k != "key"}}
            for row in self._table(lambda pid: [self.first_completion[pid].year])
        ]

    def kpis(self) -> dict:
        values = defaultdict(list)  # (kind, key, indicator) -> improvements
        for project in self.projects:
            pid = project.plant_id
            level = self.level_on(pid, self.as_of)
            level_key = str(level) if isinstance(level, int) else "none"
            cohort = str(self.first_completion[pid].year)
            for kpi in self.history.kpis:
                if kpi.project_id != project.id or kpi.improvement_pct is None:
                    continue
                for kind, key in (
                    ("overall", None),
                    ("by_cohort", cohort),
                    ("by_level", level_key),
                ):
                    values[(kind, key, kpi.indicator)].append(kpi.improvement_pct)
        out = {"overall": {}, "by_cohort": {}, "by_level": {}}
        for (kind, key, indicator), found in values.items():
            average = round(float(sum(found, Decimal(0)) / len(found)), 2)
            if kind == "overall":
                out["overall"][indicator] = average
            else:
                out[kind].setdefault(key, {})[indicator] = average
        out["national"] = {str(k): v for k, v in NATIONAL_AVERAGE_IMPROVEMENT.items()}
        out["indicators"] = [i.value for i in Indicator]
        return out

    def follow_up(self) -> dict:
        """Completed projects in scope with a follow-up report due before the date, and those
        with every such report received by the end of that day, project by project from the
        follow-up periods (datahub), overall and grouped like the breakdowns."""
        periods = defaultdict(list)
        for project_id, due_date, received_at in self.history.follow_up:
            periods[project_id].append((due_date, received_at))
        end = _end_of(self.as_of)
        met = due = 0
        groups = {g: defaultdict(lambda: [0, 0]) for g in BREAKDOWN_GROUPS}
        for project in self.projects:
            owed = [received for day, received in periods[project.id] if day < self.as_of]
            if not owed:
                continue
            done = all(received is not None and received < end for received in owed)
            due += 1
            met += done
            plant = self.plants[project.plant_id]
            keys = {
                "region": plant.region,
                "industry": plant.industry,
                "size": plant.size_class,
                "program": project.program_id,
                "partner": project.partner_id,
                "agency": project.agency_id,
            }
            for group, key in keys.items():
                if key is not None:
                    groups[group][key][0] += done
                    groups[group][key][1] += 1
        return {
            "met": met,
            "due": due,
            "share": _share(met, due),
            "by": {
                g: [
                    {"key": k, "met": m, "due": d, "share": _share(m, d)}
                    for k, (m, d) in sorted(cells.items(), key=lambda kv: str(kv[0]))
                ]
                for g, cells in groups.items()
            },
        }

    def as_dict(self, targets: dict) -> dict:
        """What `Summary.as_dict()` should be. The projection is the documented run-rate
        method (`progress.projection.projection`, a pure function tested on its own) applied
        to the counts this oracle finds on the four dates."""
        supported, level3 = self.counts_on(self.as_of)
        plants = {pid: self.plants[pid] for pid in self.supported_on(self.as_of)}
        series = [(day, *self.counts_on(day)) for day in self._projection_days()]
        connected = sum(self.is_connected(pid, self.as_of) for pid in plants)
        connected_target = targets.get("connected_plants", DEFAULT_TARGETS["connected_plants"])
        return {
            "as_of": self.as_of.isoformat(),
            "scope": self.scope.as_dict(),
            "supported": supported,
            "level3": level3,
            "level3_share": _share(level3, supported),
            "connected": connected,
            "connected_share": _share(connected, supported),
            "follow_up": self.follow_up(),
            "distribution": self.distribution(),
            "yearly": self.yearly(),
            "cohorts": self.cohorts(),
            "breakdowns": {
                "region": self._table(lambda pid: [plants[pid].region]),
                "industry": self._table(lambda pid: [plants[pid].industry]),
                "size": self._table(lambda pid: [plants[pid].size_class]),
                "program": self._table(self._project_keys("program_id")),
                "partner": self._table(self._project_keys("partner_id")),
                "agency": self._table(self._project_keys("agency_id")),
            },
            "kpis": self.kpis(),
            "projection": projection(
                self.as_of,
                series,
                supported_target=int(targets["supported_plants"].value),
                share_target=float(targets["level3_share"].value),
                due_year=targets["supported_plants"].due_year,
                share_due_year=targets["level3_share"].due_year,
                connected=(
                    connected,
                    int(connected_target.value),
                    connected_target.due_year,
                ),
            ),
        }

    def _projection_days(self) -> list[datetime.date]:
        return [*(_years_before(self.as_of, n) for n in (3, 2, 1)), self.as_of]


# --- writing a history to the database ----------------------------------------------------------


@dataclass(frozen=True)
class ProjectSpec:
    program: int  # index into World.programs
    partner: int | None  # index into World.partners
    status: str
    completed_on: datetime.date | None
    kpis: tuple[tuple[str, Decimal | None], ...] = ()


@dataclass(frozen=True)
class AssessmentSpec:
    status: str
    assessed_on: datetime.date | None
    confirmed_at: datetime.datetime | None
    final_level: int | None
    valid_until: datetime.date | None


@dataclass(frozen=True)
class SourceSpec:
    is_active: bool
    last_data_at: datetime.datetime | None = None
    data_days: tuple[datetime.date, ...] = ()


@dataclass(frozen=True)
class PlantSpec:
    region: str
    industry: str
    size_class: str
    projects: tuple[ProjectSpec, ...] = ()
    assessments: tuple[AssessmentSpec, ...] = ()
    sources: tuple[SourceSpec, ...] = ()


@dataclass
class World:
    """What every history refers to: companies of each size, programs of two agencies,
    partner firms, a framework and the user who opens and confirms assessments."""

    companies: dict
    programs: list
    partners: list
    framework: object
    user: object


def make_world(framework, sizes) -> World:
    from programs.models import CostShareRule, Program
    from tests.factories import AgencyFactory, CompanyFactory, PartnerFactory, UserFactory

    agencies = [AgencyFactory(), AgencyFactory()]
    rule = CostShareRule.objects.get(code="winwin")
    # Two programs of one agency and one of the other, so the agency and program tables differ.
    programs = [
        Program.objects.create(
            name_ko=f"프로그램 {i}",
            name_en=f"Program {i}",
            year=2020 + i,
            kind="winwin",
            agency=agency,
            budget=Decimal(1_000_000_000),
            applications_open=datetime.date(2020, 2, 1),
            applications_close=datetime.date(2020, 3, 31),
            cost_share_rule=rule,
        )
        for i, agency in enumerate([agencies[0], agencies[0], agencies[1]])
    ]
    return World(
        companies={size: CompanyFactory(size_class=size) for size in sizes},
        programs=programs,
        partners=[PartnerFactory() for _ in range(3)],
        framework=framework,
        user=UserFactory(),
    )


_plant_numbers = itertools.count()


def write_history(world: World, specs: list[PlantSpec]) -> History:
    """Writes the plants, projects, assessments and KPIs in bulk (no services: a history may
    hold states the services would refuse, such as a completion date on a dropped project),
    and returns them as facts with their primary keys."""
    from assessments.models import Assessment
    from hub.models import Plant
    from programs.models import KPI, Project

    plants = Plant.objects.bulk_create(
        Plant(
            company=world.companies[spec.size_class],
            name=f"oracle plant {next(_plant_numbers)}",
            region=spec.region,
            industry=spec.industry,
        )
        for spec in specs
    )
    project_specs = [
        (plant, p) for plant, spec in zip(plants, specs, strict=True) for p in spec.projects
    ]
    projects = Project.objects.bulk_create(
        Project(
            program=world.programs[p.program],
            plant=plant,
            partner=None if p.partner is None else world.partners[p.partner],
            target_level="basic",
            total_cost=Decimal(100_000_000),
            government_share=Decimal(30_000_000),
            partner_share=Decimal(30_000_000),
            sme_share=Decimal(40_000_000),
            status=p.status,
            applied_on=datetime.date(2018, 1, 2),
            completed_on=p.completed_on,
        )
        for plant, p in project_specs
    )
    assessment_specs = [
        (plant, a) for plant, spec in zip(plants, specs, strict=True) for a in spec.assessments
    ]
    assessments = Assessment.objects.bulk_create(
        Assessment(
            plant=plant,
            framework=world.framework,
            consultant=world.user,
            opened_by=world.user,
            status=a.status,
            assessed_on=a.assessed_on,
            confirmed_at=a.confirmed_at,
            final_level=a.final_level,
            valid_until=a.valid_until,
        )
        for plant, a in assessment_specs
    )
    # Written in bulk like the national seed: the level timeline is built the same way.
    level_timeline_rebuild(plant_ids=[plant.pk for plant in plants])
    kpi_specs = [
        (project, indicator, value)
        for project, (_, p) in zip(projects, project_specs, strict=True)
        for indicator, value in p.kpis
    ]
    KPI.objects.bulk_create(
        KPI(
            project=project,
            indicator=indicator,
            unit="%",
            baseline=Decimal(100),
            improvement_pct=value,
        )
        for project, indicator, value in kpi_specs
    )
    sources = write_sources(plants, [spec.sources for spec in specs])
    # The completed projects' follow-up periods (the daily refresh's work). The plants send no
    # data here: every third project's reports are marked received at each period's end.
    followups.refresh_followups()
    FollowUpPeriod.objects.filter(project__in=projects[::3]).update(received_at=F("ends_at"))
    return History(
        sources=sources,
        follow_up=list(FollowUpPeriod.objects.values_list("project_id", "due_date", "received_at")),
        plants=[
            PlantFacts(plant.pk, spec.region, spec.industry, spec.size_class)
            for plant, spec in zip(plants, specs, strict=True)
        ],
        projects=[
            ProjectFacts(
                id=project.pk,
                plant_id=plant.pk,
                program_id=world.programs[p.program].pk,
                agency_id=world.programs[p.program].agency_id,
                partner_id=None if p.partner is None else world.partners[p.partner].pk,
                status=p.status,
                completed_on=p.completed_on,
            )
            for project, (plant, p) in zip(projects, project_specs, strict=True)
        ],
        assessments=[
            AssessmentFacts(
                id=assessment.pk,
                plant_id=plant.pk,
                status=a.status,
                assessed_on=a.assessed_on,
                confirmed_at=a.confirmed_at,
                final_level=a.final_level,
                valid_until=a.valid_until,
            )
            for assessment, (plant, a) in zip(assessments, assessment_specs, strict=True)
        ],
        kpis=[KPIFacts(project.pk, indicator, value) for project, indicator, value in kpi_specs],
    )


def history_from_database() -> History:
    """What the database holds (a hand-built dataset), as the oracle's facts."""
    from assessments.models import Assessment
    from datahub.choices import Rollup
    from datahub.models import DataSource, RollupBucket
    from hub.models import Plant
    from programs.models import Project

    days: dict[int, set] = {}
    for source_id, bucket in RollupBucket.objects.filter(rollup=Rollup.DAY).values_list(
        "series__source_id", "bucket"
    ):
        days.setdefault(source_id, set()).add(timezone.localtime(bucket).date())
    return History(
        plants=[
            PlantFacts(p.pk, p.region, p.industry, p.company.size_class)
            for p in Plant.objects.select_related("company")
        ],
        projects=[
            ProjectFacts(
                p.pk,
                p.plant_id,
                p.program_id,
                p.program.agency_id,
                p.partner_id,
                p.status,
                p.completed_on,
            )
            for p in Project.objects.select_related("program")
        ],
        assessments=[
            AssessmentFacts(
                a.pk,
                a.plant_id,
                a.status,
                a.assessed_on,
                a.confirmed_at,
                a.final_level,
                a.valid_until,
            )
            for a in Assessment.objects.all()
        ],
        kpis=[],
        sources=[
            SourceFacts(s.plant_id, s.is_active, s.last_data_at, tuple(days.get(s.pk, ())))
            for s in DataSource.objects.all()
        ],
        follow_up=list(FollowUpPeriod.objects.values_list("project_id", "due_date", "received_at")),
    )


def write_sources(plants, specs_per_plant) -> list[SourceFacts]:
    """Each plant's data sources, one OEE series each and a day rollup for each data day
    (the ingest and the rollups are not run: only what the figures read is written)."""
    from datahub.buckets import ZONE
    from datahub.models import DataSource, KpiDefinition, RollupBucket, Series

    pairs = [
        (plant, spec)
        for plant, specs in zip(plants, specs_per_plant, strict=True)
        for spec in specs
    ]
    if not pairs:
        return []
    sources = DataSource.objects.bulk_create(
        DataSource(
            plant=plant,
            name=f"source {i}",
            is_active=spec.is_active,
            last_data_at=spec.last_data_at,
        )
        for i, (plant, spec) in enumerate(pairs)
    )
    kpi = KpiDefinition.objects.filter(code="oee").order_by("-pk").first()
    series = Series.objects.bulk_create(
        Series(plant=plant, source=source, kpi=kpi, unit="%", key=f"oee-{source.pk}")
        for source, (plant, _spec) in zip(sources, pairs, strict=True)
    )
    buckets = []
    for one, (plant, spec) in zip(series, pairs, strict=True):
        for day in sorted(set(spec.data_days)):
            start = datetime.datetime.combine(day, datetime.time(), ZONE)
            buckets.append(
                RollupBucket(
                    series=one,
                    rollup="day",
                    bucket=start,
                    plant=plant,
                    count=1,
                    sum=80.0,
                    min=80.0,
                    max=80.0,
                    last=80.0,
                    last_ts=start,
                )
            )
    RollupBucket.objects.bulk_create(buckets)
    return [
        SourceFacts(plant.pk, spec.is_active, spec.last_data_at, tuple(spec.data_days))
        for plant, spec in pairs
    ]
