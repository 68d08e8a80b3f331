"""Follow-up (사후관리) obligations of completed projects (docs/datahub/follow-up.md).

`refresh_followups` materialises every reporting period of every completed project from the
project and its program's terms (datahub.followup_rules), finds the ended periods whose report
is in the plant's data (month rollups of its series: data from the API, MQTT, the spreadsheet
upload and the monthly form alike) and keeps each period's stored status. It is idempotent; it
runs daily (beat), after each ingest (`after_ingest`), and for a project's plant when the
project is saved completed, its indicators are recorded or its program's terms change.

Reads for other parts of the hub: `overdue_periods` and `follow_up_compliance`.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from datahub import followup_rules as rules
from datahub.choices import Granularity, Rollup
from datahub.models import (
    FollowUpPeriod,
    FollowUpStatus,
    KpiDefinition,
    RollupBucket,
    Series,
)
from programs.choices import FOLLOW_UP_MONTHS, FollowUpFrequency, ProjectStatus
from programs.models import KPI, Project

logger = logging.getLogger(__name__)
BATCH = 2000
# What a project and its program's terms decide about a period.
TERMS_FIELDS = [
    "plant_id",
    "program_id",
    "agency_id",
    "period_start",
    "period_end",
    "due_date",
    "starts_at",
    "ends_at",
    "required_kpis",
]
# Compared row by row (the instants follow from the dates, the KPIs are compared a project).
COMPARED = ["plant_id", "program_id", "agency_id", "period_start", "period_end", "due_date"]


@functools.lru_cache(maxsize=4096)
def _midnight(day: dt.date) -> dt.datetime:
    # Periods start on firsts of months: a few hundred distinct days for the whole country.
    return dt.datetime.combine(day, dt.time.min, ZoneInfo(settings.TIME_ZONE))


@functools.lru_cache(maxsize=65536)
def _schedule(completed_on, years, months, grace) -> tuple[rules.Period, ...]:
    return tuple(rules.schedule(completed_on, years=years, months=months, grace_days=grace))


def catalogue_inputs() -> dict[str, list[str]]:
    """Each current catalogue code and the codes it is computed from."""
    return dict(
        KpiDefinition.objects.filter(catalogue__is_current=True).values_list("code", "inputs")
    )


def _chunks(items: list, size: int = BATCH):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _status(received_at, period_end, due_date, today) -> str:
    received_on = timezone.localdate(received_at) if received_at else None
    return rules.status(end=period_end, due=due_date, today=today, received_on=received_on)


# --- materialisation -------------------------------------------------------------------------


def _expected(projects: QuerySet, grace: int) -> dict[tuple[int, int], dict]:
    """(project, sequence) -> the period's fields, for every project of `projects`."""
    rows = projects.values_list(
        "pk",
        "plant_id",
        "program_id",
        "program__agency_id",
        "completed_on",
        "program__follow_up_years",
        "program__follow_up_frequency",
    )
    indicators = defaultdict(set)
    for project_id, indicator in (
        KPI.objects.filter(project__in=projects).order_by().values_list("project_id", "indicator")
    ):
        indicators[project_id].add(indicator)
    expected = {}
    for pk, plant_id, program_id, agency_id, completed_on, years, frequency in rows:
        months = FOLLOW_UP_MONTHS[FollowUpFrequency(frequency)]
        required = list(rules.required_kpis(indicators.get(pk, ())))
        for period in _schedule(completed_on, years, months, grace):
            expected[pk, period.sequence] = {
                "plant_id": plant_id,
                "program_id": program_id,
                "agency_id": agency_id,
                "period_start": period.start,
                "period_end": period.end,
                "due_date": period.due,
                "starts_at": _midnight(period.start),
                "ends_at": _midnight(period.end + dt.timedelta(days=1)),
                "required_kpis": required,
            }
    return expected


def _materialise(plant_ids, grace: int, today: dt.date) -> tuple[int, set]:
    """Create, update and delete period rows to match the completed projects. Returns the
    number of rows written and the (project, sequence) keys created."""
    projects = Project.objects.filter(status=ProjectStatus.COMPLETED, completed_on__isnull=False)
    existing = FollowUpPeriod.objects.order_by()
    if plant_ids is not None:
        projects = projects.filter(plant_id__in=plant_ids)
        existing = existing.filter(plant_id__in=plant_ids)
    expected = _expected(projects, grace)
    # The KPIs asked are the same for every period of a project: read them once a project.
    kpis = dict(existing.filter(sequence=1).values_list("project_id", "required_kpis"))
    stale, changed = [], []
    fields = ("pk", "project_id", "sequence", "received_at", *COMPARED)
    for row in existing.values_list(*fields).iterator(chunk_size=BATCH):
        pk, project_id, sequence, received_at, *terms = row
        want = expected.pop((project_id, sequence), None)
        if want is None:
            stale.append(pk)
            continue
        same_kpis = kpis.get(project_id) == want["required_kpis"]
        if same_kpis and all(a == want[name] for a, name in zip(terms, COMPARED, strict=True)):
            continue
        if (terms[3], terms[4]) != (want["period_start"], want["period_end"]):
            received_at = None  # another period now: its report is looked for again
        status = _status(received_at, want["period_end"], want["due_date"], today)
        changed.append(FollowUpPeriod(pk=pk, received_at=received_at, status=status, **want))
    written = 0
    for ids in _chunks(stale):
        written += FollowUpPeriod.objects.filter(pk__in=ids).delete()[0]
    for part in _chunks(changed):
        FollowUpPeriod.objects.bulk_update(part, [*TERMS_FIELDS, "received_at", "status"])
    written += len(changed)
    new = [
        FollowUpPeriod(
            project_id=project_id,
            sequence=sequence,
            status=_status(None, fields["period_end"], fields["due_date"], today),
            **fields,
        )
        for (project_id, sequence), fields in expected.items()
    ]
    for part in _chunks(new):
        FollowUpPeriod.objects.bulk_create(part, ignore_conflicts=True)
    written += len(new)
    return written, set(expected)


# --- received reports ------------------------------------------------------------------------


def _hits(pending: QuerySet, codes: set[str]) -> dict[int, set[str]]:
    """period id -> the codes (among `codes`) with data of the plant in the period: one
    semi-join per code over the month rollups (index: series, rollup, bucket)."""
    found: dict[int, set[str]] = defaultdict(set)
    kpi_ids = defaultdict(list)
    for pk, code in KpiDefinition.objects.filter(code__in=codes).values_list("pk", "code"):
        kpi_ids[code].append(pk)
    for code in sorted(kpi_ids):
        # Joined, not nested: the plan walks the plant's series, then the rollup key.
        months = RollupBucket.objects.filter(
            series__plant_id=OuterRef("plant_id"),
            series__kpi_id__in=kpi_ids[code],
            rollup=Rollup.MONTH,
            bucket__gte=OuterRef("starts_at"),
            bucket__lt=OuterRef("ends_at"),
        )
        for pk in pending.filter(Exists(months)).values_list("pk", flat=True):
            found[pk].add(code)
    return found


def _written(plant_id: int, hours) -> list[tuple[dt.datetime, str]]:
    """(hour, code) of what an ingest just wrote (its rollups may not be refreshed yet)."""
    codes = dict(
        Series.objects.filter(plant_id=plant_id, pk__in={s for s, _ in hours}).values_list(
            "pk", "kpi__code"
        )
    )
    return [(hour, codes[s]) for s, hour in hours if s in codes]


def _mark_received(pending: QuerySet, *, today, now, new_keys=frozenset(), written=()) -> int:
    """Stamp `received_at` (and the status) on the ended periods of `pending` whose report
    is now in the plant's data. A period first materialised in this run whose data was
    already there counts as received when it ended (the hub cannot tell when it came)."""
    inputs = catalogue_inputs()
    wanted = set()
    for required in pending.values_list("required_kpis", flat=True).distinct():
        wanted |= rules.accepted_codes(required, inputs)
    if not wanted:
        return 0
    found = _hits(pending.filter(plant_id__in=Series.objects.values("plant_id")), wanted)
    if written:
        for p in pending.values("pk", "starts_at", "ends_at"):
            for hour, code in written:
                if p["starts_at"] <= hour < p["ends_at"]:
                    found[p["pk"]].add(code)
    done = []
    for part in _chunks(list(found)):
        fields = ("pk", "project_id", "sequence", "required_kpis", "ends_at", "period_end")
        for row in FollowUpPeriod.objects.filter(pk__in=part).values(*fields, "due_date"):
            if not rules.requirement_met(row["required_kpis"], found[row["pk"]], inputs):
                continue
            new = (row["project_id"], row["sequence"]) in new_keys
            received_at = min(now, row["ends_at"]) if new else now
            status = _status(received_at, row["period_end"], row["due_date"], today)
            done.append(FollowUpPeriod(pk=row["pk"], received_at=received_at, status=status))
    for part in _chunks(done):
        FollowUpPeriod.objects.bulk_update(part, ["received_at", "status"])
    return len(done)


def _update_statuses(periods: QuerySet, today: dt.date) -> int:
    """The date-driven moves of periods without a report: upcoming → due → late."""
    pending = periods.filter(received_at__isnull=True)
    moves = (
        (rules.UPCOMING, Q(period_end__gte=today)),
        (rules.DUE, Q(period_end__lt=today, due_date__gte=today)),
        (rules.LATE, Q(due_date__lt=today)),
    )
    return sum(
        pending.filter(when).exclude(status=value).update(status=value) for value, when in moves
    )


@transaction.atomic
def refresh_followups(*, today: dt.date | None = None, plant_ids=None) -> int:
    """Bring the follow-up periods in line with the completed projects, their programs'
    terms and the plants' data (all plants, or those of `plant_ids`). Idempotent: a second run
    on the same day writes nothing. Returns the number of period rows written."""
    today = today or timezone.localdate()
    now = timezone.now()
    if plant_ids is not None:
        plant_ids = list(plant_ids)
    grace = settings.DATAHUB_FOLLOW_UP_GRACE_DAYS
    written, new_keys = _materialise(plant_ids, grace, today)
    periods = FollowUpPeriod.objects.order_by()
    if plant_ids is not None:
        periods = periods.filter(plant_id__in=plant_ids)
    pending = periods.filter(received_at__isnull=True, period_end__lt=today)
    written += _mark_received(pending, today=today, now=now, new_keys=new_keys)
    written += _update_statuses(periods, today)
    return written


# --- hooks -----------------------------------------------------------------------------------


def after_ingest(sender, *, plant_id, hours=(), **kwargs) -> None:
    """Receiver of datahub.services.ingest.rows_written: an ended period without a report
    that the rows just written fall in is checked at once (a late report, a backfill). One
    indexed query when there is none, the usual case (rows of the running period); reports
    of a period complete when it ends are found by the daily run."""
    if not hours:
        return
    try:
        today = timezone.localdate()
        moments = [hour for _series, hour in hours]
        pending = FollowUpPeriod.objects.filter(
            plant_id=plant_id,
            received_at__isnull=True,
            period_end__lt=today,
            starts_at__lte=max(moments),
            ends_at__gt=min(moments),
        )
        if not pending.exists():
            return
        with transaction.atomic():
            _mark_received(
                pending, today=today, now=timezone.now(), written=_written(plant_id, hours)
            )
    except Exception:  # never fail an ingest that is already stored; the daily run catches up
        logger.exception("follow-up refresh after ingest of plant %s failed", plant_id)


_soon = threading.local()


def refresh_plants_soon(plant_ids) -> None:
    """Refresh the plants' follow-up once the current transaction commits: one refresh for
    every plant named during the transaction (an import completing many projects)."""
    plant_ids = set(plant_ids)
    if not plant_ids:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        refresh_followups(plant_ids=sorted(plant_ids))
        return
    queued = getattr(_soon, "plants", None)
    registered = any(entry[1] is _refresh_queued for entry in connection.run_on_commit)
    if queued is None or not registered:
        _soon.plants = queued = set()
        transaction.on_commit(_refresh_queued)
    queued |= plant_ids


def _refresh_queued() -> None:
    plants, _soon.plants = getattr(_soon, "plants", None) or set(), None
    if plants:
        refresh_followups(plant_ids=sorted(plants))


def after_project_saved(sender, instance, **kwargs) -> None:
    """post_save of programs.Project: a completed project gets its periods at once."""
    if instance.status == ProjectStatus.COMPLETED:  # a terminal status
        refresh_plants_soon([instance.plant_id])


def after_kpi_saved(sender, instance, **kwargs) -> None:
    """post_save of programs.KPI: a completed project's indicators decide the KPIs asked."""
    project = Project.objects.filter(pk=instance.project_id, status=ProjectStatus.COMPLETED)
    plant_id = project.values_list("plant_id", flat=True).first()
    if plant_id is not None:
        refresh_plants_soon([plant_id])


def after_bulk_written(sender, plant_ids=(), **kwargs) -> None:
    """hub.signals.bulk_written: an import wrote projects or KPIs without model signals;
    `plant_ids` are the plants of the completed projects it touched."""
    if plant_ids:
        refresh_plants_soon(plant_ids)


def after_program_saved(sender, instance, created=False, **kwargs) -> None:
    """post_save of programs.Program: new terms move its completed projects' periods."""
    if created:
        return
    plants = Project.objects.filter(program=instance, status=ProjectStatus.COMPLETED)
    refresh_plants_soon(plants.values_list("plant_id", flat=True))


# --- reads for other parts -------------------------------------------------------------------


def overdue_periods(today: dt.date | None = None) -> QuerySet:
    """Periods whose due date has passed without a report (status late on `today`)."""
    return FollowUpPeriod.objects.in_status([rules.LATE], today=today)


def follow_up_compliance(projects, today: dt.date | None = None) -> tuple[int, int]:
    """(met, due): among the given completed projects with at least one period past its due
    date on `today`, how many have a report for every such period (late reports count as
    received). `projects`: a queryset of projects or an iterable of projects or ids."""
    today = today or timezone.localdate()
    if not isinstance(projects, QuerySet):
        projects = [getattr(p, "pk", p) for p in projects]
    rows = (
        FollowUpPeriod.objects.filter(project__in=projects, due_date__lt=today)
        .order_by()
        .values("project_id")
        .annotate(periods=Count("pk"), received=Count("received_at"))
    )
    due = met = 0
    for row in rows.iterator(chunk_size=BATCH):
        due += 1
        met += row["periods"] == row["received"]
    return met, due


# What the national progress groups completed projects by, as FollowUpPeriod lookups (the
# progress breakdowns: a project counts in its plant's region, industry and company size, its
# program, partner firm and operating agency).
COMPLIANCE_GROUPS = {
    "region": "plant__region",
    "industry": "plant__industry",
    "size": "plant__company__size_class",
    "program": "program_id",
    "partner": "project__partner_id",
    "agency": "agency_id",
}


def follow_up_compliance_by(projects, as_of: dt.date) -> dict:
    """`follow_up_compliance` as of a date, overall and by each of COMPLIANCE_GROUPS: among
    the given completed projects with at least one report due before `as_of`, those with
    every such report received by the end of that day (late ones count). One query.

    {"met": int, "due": int, "by": {group: {key: (met, due)}}} (a project without a partner
    firm is in no partner group)."""
    end = dt.datetime.combine(as_of, dt.time.max, tzinfo=ZoneInfo(settings.TIME_ZONE))
    fields = list(COMPLIANCE_GROUPS.values())
    rows = (
        FollowUpPeriod.objects.filter(project__in=projects, due_date__lt=as_of)
        .order_by()
        .values("project_id", *fields)
        .annotate(periods=Count("pk"), received=Count("pk", filter=Q(received_at__lte=end)))
    )
    met = due = 0
    by: dict[str, dict] = {group: defaultdict(lambda: [0, 0]) for group in COMPLIANCE_GROUPS}
    for row in rows.iterator(chunk_size=BATCH):
        done = row["periods"] == row["received"]
        due += 1
        met += done
        for group, field in COMPLIANCE_GROUPS.items():
            if row[field] is not None:
                cell = by[group][row[field]]
                cell[0] += done
                cell[1] += 1
    return {
        "met": met,
        "due": due,
        "by": {g: {k: tuple(v) for k, v in cells.items()} for g, cells in by.items()},
    }


# --- what the monthly form offers to add ----------------------------------------------------

WAITING = (FollowUpStatus.UPCOMING, FollowUpStatus.DUE, FollowUpStatus.LATE)


def kpis_without_series(plant) -> list[str]:
    """The KPI codes the plant's follow-up reports still to send ask for that none of its
    series delivers (neither the KPI itself nor every input it is computed from)."""
    asked: set[str] = set()
    waiting = FollowUpPeriod.objects.filter(plant=plant, status__in=WAITING)
    for required in waiting.values_list("required_kpis", flat=True).distinct():
        asked.update(required)
    if not asked:
        return []
    present = set(Series.objects.filter(plant=plant).values_list("kpi__code", flat=True))
    return rules.missing_kpis(sorted(asked), present, catalogue_inputs())


@transaction.atomic
def follow_up_series_add(*, user, plant) -> list[Series]:
    """Monthly series for every KPI the plant's follow-up asks for and no series delivers, on
    the plant's spreadsheet source (the one its uploads and monthly form write through), so
    the monthly form and the spreadsheet template ask for them. Returns the series added
    (none when nothing is missing)."""
    from datahub.services import sources

    sources.require_data_manager(user, plant)
    missing = kpis_without_series(plant)
    if not missing:
        return []
    source = sources.spreadsheet_source(user=user, plant=plant)
    return [
        sources.series_create(user=user, source=source, kpi=code, granularity=Granularity.MONTH)
        for code in missing
    ]
