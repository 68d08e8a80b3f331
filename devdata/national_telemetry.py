"""National telemetry: a year of data-hub observations for the plants of `seed_national`
(`manage.py seed_national_telemetry`, docs/datahub/national-telemetry.md).

Every chosen plant gets one data source ("국가 텔레메트리 MES") with one series per
catalogue KPI of `KPIS`. Most plants send one row a working day (Monday–Saturday, at 00:00
Asia/Seoul: the day's figure); `hourly` plants send one row per working hour (two shifts,
08:00–24:00 on weekdays, one on Saturdays). Values are plausible and consistent:

- each plant has its own level per KPI (availability, performance, quality rate …), inside
  the catalogue's valid range, with a small drift over the year and day-to-day noise;
- OEE = availability × performance × quality rate on every row;
- a plant whose latest completed project falls inside the window runs better from its
  completion on (higher-is-better KPIs up, lower-is-better down by the project's gain), so the
  dashboard's before/after evidence shows it;
- a few plants step the worse way in the last months (the early warning finds them) and a few
  fall silent one to two months before the end (silent sources, fewer connected plants).

Everything draws from streams seeded by `seed` and the plant's company and name, so the same
seed gives the same rows. The value of one row depends only on the plant, the KPI and the
row's index, never on the order rows are written in.

Writing (`write_postgresql`): the observation partitions of the window are created as
standalone tables, filled by binary `COPY` (rows formatted into bytes here, one block per
plant and month), then attached to the partitioned table, which builds their indexes once
over the loaded data. Rollups are built after the load by set-based SQL, `INSERT … SELECT …
GROUP BY` per month: the hour buckets of hourly series and the day buckets of every series
from the raw rows, the month buckets from the day buckets (as datahub.services.rollups
does). A daily series has no hour buckets: its one row a day is its day bucket. When the
rollup table is empty its primary key is dropped during the load and added back after.

On SQLite (tests) `write_orm` writes the same rows with `bulk_create` and builds the rollups
with the data hub's own refresh (`rollups.mark_series` + `rollups.refresh_dirty`).
"""

# ruff: noqa: S608 - SQL built from this module's constants and catalogue names; values are parameters.
from __future__ import annotations

import datetime as dt
import math
import random
import struct
import time
from dataclasses import dataclass, field
from itertools import repeat

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from datahub import partitions
from datahub.buckets import ZONE
from datahub.choices import Better, Granularity, Purpose, SourceKind
from datahub.models import Consent, DataSource, KpiDefinition, Observation, Series
from datahub.services import rollups
from hub.models import Plant
from programs.choices import Indicator, ProjectStatus
from programs.models import KPI, Project

SOURCE_NAME = "국가 텔레메트리 MES"
SEED = 20260101
NOISE = 4096  # size of the shared table of standard normal draws (a power of two)
SILENT_SHARE = 0.03  # plants whose source stops 20–60 days before the end
WORSE_SHARE = 0.04  # plants stepping the worse way in the last months
CONSENT_SHARES = {Purpose.STATISTICS: 0.7, Purpose.RESEARCH: 0.25}
FOLLOW_UP_SHARE = 0.8  # of the plants with a completed project


@dataclass(frozen=True)
class Kpi:
    """How one KPI behaves: a plant's level is drawn in [low, high]; `noise` is the standard
    deviation of a row around it, as a share of the level (`absolute` for %-points)."""

    code: str
    low: float
    high: float
    noise: float
    absolute: bool = False


# The ten series of a plant, in order. OEE is derived from the first three.
KPIS = (
    Kpi("availability", 72.0, 90.0, 3.0, absolute=True),
    Kpi("performance", 72.0, 93.0, 3.0, absolute=True),
    Kpi("quality_rate", 94.0, 99.3, 0.6, absolute=True),
    Kpi("oee", 0.0, 0.0, 0.0),
    Kpi("scrap_ratio", 0.6, 5.0, 0.12),
    Kpi("first_pass_yield", 86.0, 98.0, 1.0, absolute=True),
    Kpi("on_time_delivery", 82.0, 98.5, 2.0, absolute=True),
    Kpi("throughput", 40.0, 400.0, 0.06),
    Kpi("energy_per_unit", 0.5, 8.0, 0.05),
    Kpi("mttr", 0.5, 6.0, 0.15),
)
CODES = tuple(k.code for k in KPIS)

# --- the window and its rows' times ------------------------------------------------------------

PG_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_TS = struct.Struct(">iq")  # a binary COPY field: length 8, microseconds since 2000-01-01
_PREFIX = struct.Struct(">hiqiq")  # 4 fields; series_id; plant_id
_ROW = struct.Struct(">26s12sid")  # prefix, time field, value field (length 8, float8)
SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
TRAILER = b"\xff\xff"
DAY = dt.timedelta(days=1)


def working_hours(day: dt.date) -> range:
    """The local hours a plant works on `day` (telemetry demo's shifts)."""
    weekday = day.weekday()
    if weekday == 6:
        return range(0)
    return range(8, 16 if weekday == 5 else 24)


@dataclass
class Times:
    """The rows' times of the window [start day, end day), Asia/Seoul, daily and hourly: for
    each, the aware datetimes and the day index (fraction of the window) of each row."""

    first: dt.date
    days: int
    daily: list[dt.datetime] = field(default_factory=list)
    daily_day: list[int] = field(default_factory=list)
    hourly: list[dt.datetime] = field(default_factory=list)
    hourly_day: list[int] = field(default_factory=list)

    @classmethod
    def build(cls, first: dt.date, days: int) -> Times:
        t = cls(first, days)
        for d in range(days):
            day = first + d * DAY
            hours = working_hours(day)
            if not hours:
                continue
            midnight = dt.datetime.combine(day, dt.time(), ZONE)
            t.daily.append(midnight.astimezone(dt.UTC))
            t.daily_day.append(d)
            for h in hours:
                t.hourly.append((midnight + dt.timedelta(hours=h)).astimezone(dt.UTC))
                t.hourly_day.append(d)
        return t

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time(), ZONE)

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(self.first + self.days * DAY, dt.time(), ZONE)


def ts_field(moment: dt.datetime) -> bytes:
    delta = moment - PG_EPOCH
    return _TS.pack(8, (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)


# --- one plant ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """How one plant's rows look: per KPI its level, drift over the window, noise offset; the
    project's completion (day index in the window) and gain; worse step; last day sending."""

    levels: tuple[float, ...]
    drifts: tuple[float, ...]
    offsets: tuple[int, ...]
    improved_from: int | None  # day index from which the project's gain shows
    gain: float
    worse_from: int | None
    worse: float
    last_day: int  # rows on days < last_day only


def profile_for(rng: random.Random, days: int, improved_from: int | None, gain: float) -> Profile:
    levels = tuple(k.low + (k.high - k.low) * rng.random() for k in KPIS)
    drifts = tuple(rng.uniform(-0.03, 0.05) for _ in KPIS)
    offsets = tuple(rng.randrange(NOISE) for _ in KPIS)
    worse_from = None
    if rng.random() < WORSE_SHARE and days > 40:
        worse_from = days - rng.randint(20, min(150, days - 10))
    worse = rng.uniform(0.10, 0.20)
    last_day = days
    if rng.random() < SILENT_SHARE and days > 90:
        last_day = days - rng.randint(20, 60)
    return Profile(levels, drifts, offsets, improved_from, gain, worse_from, worse, last_day)


def _factor(kpi_better: str, d: int, p: Profile) -> float:
    """The multiplier of a KPI's level on day index d (project gain, worse step)."""
    f = 1.0
    sign = 1 if kpi_better == Better.HIGHER else -1
    if p.improved_from is not None and d >= p.improved_from:
        f *= 1 + sign * p.gain
    if p.worse_from is not None and d >= p.worse_from:
        f *= 1 - sign * p.worse
    return f


_BETTER = {
    "availability": Better.HIGHER,
    "performance": Better.HIGHER,
    "quality_rate": Better.HIGHER,
    "oee": Better.HIGHER,
    "scrap_ratio": Better.LOWER,
    "first_pass_yield": Better.HIGHER,
    "on_time_delivery": Better.HIGHER,
    "throughput": Better.HIGHER,
    "energy_per_unit": Better.LOWER,
    "mttr": Better.LOWER,
}
_CAP = {"availability": 97.0, "performance": 98.0, "quality_rate": 99.7}


def values(
    p: Profile, day_index: list[int], days: int, noise: list[float], first: int = 0
) -> list[list[float]]:
    """The plant's values of each KPI (in KPIS order) at its rows `first`, `first` + 1, …
    whose day indices are given (a row's value depends on its index, not on the slice)."""
    n = len(day_index)
    out: list[list[float]] = []
    mask = NOISE - 1
    for k, kpi in enumerate(KPIS):
        if kpi.code == "oee":
            a, perf, q = out[0], out[1], out[2]
            out.append([a[i] * perf[i] * q[i] / 10_000 for i in range(n)])
            continue
        base, drift, off = p.levels[k], p.drifts[k], p.offsets[k]
        better = _BETTER[kpi.code]
        # The level changes at most twice in the window: compute it per distinct factor.
        cache: dict[int, float] = {}
        levels = []
        for d in day_index:
            f = cache.get(d)
            if f is None:
                f = base * (1 + drift * d / days) * _factor(better, d, p)
                cache[d] = f
            levels.append(f)
        sigma = kpi.noise if kpi.absolute else kpi.noise * base
        cap = _CAP.get(kpi.code, 99.9 if kpi.absolute else math.inf)
        low = 0.0
        vals = [lv + noise[i & mask] * sigma for i, lv in enumerate(levels, off + first)]
        out.append([low if v < low else cap if v > cap else v for v in vals])
    return out


def noise_table(seed: int) -> list[float]:
    rng = random.Random(f"noise:{seed}")  # noqa: S311 - generated data  # nosec B311
    return [max(-3.0, min(3.0, rng.gauss(0, 1))) for _ in range(NOISE)]


# --- the plan ----------------------------------------------------------------------------------


@dataclass
class PlantPlan:
    plant_id: int
    company_id: int
    hourly: bool
    profile: Profile
    consents: tuple[str, ...]
    source_id: int | None = None
    series_ids: tuple[int, ...] = ()


@dataclass
class Plan:
    seed: int
    times: Times
    plants: list[PlantPlan]
    noise: list[float]

    def row_count(self) -> int:
        total = 0
        for plan in self.plants:
            idx = self.times.hourly_day if plan.hourly else self.times.daily_day
            total += sum(1 for d in idx if d < plan.profile.last_day) * len(KPIS)
        return total


def choose(*, plants: int, hourly: int, days: int, seed: int, end: dt.date | None = None) -> Plan:
    """Which plants (active, the first `plants` by id), which of them hourly (those with the
    latest completed projects first), and how each one's rows look."""
    end = end or timezone.localdate()
    first = end - days * DAY
    times = Times.build(first, days)
    chosen = list(
        Plant.objects.filter(status="active")
        .order_by("pk")
        .values_list("pk", "company_id", "name", "company__name")[:plants]
    )
    ids = [row[0] for row in chosen]
    latest = dict(
        Project.objects.filter(plant_id__in=ids, status=ProjectStatus.COMPLETED)
        .exclude(completed_on=None)
        .values_list("plant_id")
        .annotate(last=Max("completed_on"))
    )
    gains = _gains(latest)
    order = sorted(ids, key=lambda pk: (-(latest[pk].toordinal() if pk in latest else 0), pk))
    hourly_ids = set(order[:hourly])
    plans = []
    for pk, company_id, name, company in chosen:
        rng = random.Random(f"{seed}:{company}:{name}")  # noqa: S311 - generated data  # nosec B311
        completed = latest.get(pk)
        improved_from = None
        if completed is not None and first < completed < end:
            improved_from = (completed - first).days + 1
        gain = gains.get(pk, rng.uniform(0.05, 0.2))
        profile = profile_for(rng, days, improved_from, gain)
        consents = tuple(
            purpose for purpose, share in CONSENT_SHARES.items() if rng.random() < share
        )
        if completed is not None and rng.random() < FOLLOW_UP_SHARE:
            consents += (Purpose.FOLLOW_UP,)
        plans.append(PlantPlan(pk, company_id, pk in hourly_ids, profile, consents))
    return Plan(seed, times, plans, noise_table(seed))


def _gains(latest: dict) -> dict[int, float]:
    """The productivity (or OEE) gain each plant's latest completed project reported, as a
    share (0.1 = +10 %), bounded to 0.02–0.3."""
    rows = KPI.objects.filter(
        project__plant_id__in=list(latest),
        project__status=ProjectStatus.COMPLETED,
        indicator__in=[Indicator.PRODUCTIVITY, Indicator.OEE],
    ).exclude(improvement_pct=None)
    out: dict[int, float] = {}
    for plant_id, completed_on, pct in rows.values_list(
        "project__plant_id", "project__completed_on", "improvement_pct"
    ):
        if completed_on == latest.get(plant_id):
            out[plant_id] = max(0.02, min(0.3, float(pct) / 100 / 2))
    return out


# --- the metadata: sources, series, consents ---------------------------------------------------


def write_metadata(plan: Plan) -> None:
    """One source per plant, one series per KPI, the consents; ids go into the plan."""
    kpis = {
        k.code: k for k in KpiDefinition.objects.filter(catalogue__is_current=True, code__in=CODES)
    }
    missing = set(CODES) - set(kpis)
    if missing:
        raise ValueError(f"The current KPI catalogue lacks {sorted(missing)}.")
    times = plan.times
    with transaction.atomic():
        sources = DataSource.objects.bulk_create(
            (
                DataSource(
                    plant_id=p.plant_id,
                    name=SOURCE_NAME,
                    kind=SourceKind.MES,
                    last_data_at=_last_time(times, p),
                )
                for p in plan.plants
            ),
            batch_size=5000,
        )
        for p, source in zip(plan.plants, sources, strict=True):
            p.source_id = source.pk
        series = Series.objects.bulk_create(
            (
                Series(
                    plant_id=p.plant_id,
                    source_id=p.source_id,
                    kpi=kpis[code],
                    unit=kpis[code].unit,
                    granularity=Granularity.HOUR if p.hourly else Granularity.DAY,
                    key=f"nat-{code.replace('_', '-')}",
                    last_ts=_last_time(times, p),
                    last_data_at=_last_time(times, p),
                )
                for p in plan.plants
                for code in CODES
            ),
            batch_size=5000,
        )
        for i, p in enumerate(plan.plants):
            p.series_ids = tuple(s.pk for s in series[i * len(CODES) : (i + 1) * len(CODES)])
        granted = times.start
        Consent.objects.bulk_create(
            (
                Consent(plant_id=p.plant_id, purpose=purpose, granted_at=granted)
                for p in plan.plants
                for purpose in p.consents
            ),
            batch_size=5000,
        )


def _last_time(times: Times, p: PlantPlan) -> dt.datetime | None:
    stamps, index = (times.hourly, times.hourly_day) if p.hourly else (times.daily, times.daily_day)
    last = None
    for moment, d in zip(stamps, index, strict=True):
        if d < p.profile.last_day:
            last = moment
    return last


# --- the rows ----------------------------------------------------------------------------------


def _month_slices(stamps: list[dt.datetime], months: list[dt.date]) -> list[tuple[int, int]]:
    """For each UTC month, [lo, hi) of the row indices whose time falls in it."""
    out, i = [], 0
    for month in months:
        upper = dt.datetime.combine(partitions.next_month(month), dt.time(), dt.UTC)
        lo = i
        while i < len(stamps) and stamps[i] < upper:
            i += 1
        out.append((lo, i))
    return out


def write_postgresql(plan: Plan, *, lap=lambda name: None, log=lambda line: None) -> int:
    """Binary COPY of every row into fresh monthly partitions, attached afterwards; then the
    rollups in bulk SQL. Returns the rows written."""
    t = plan.times
    months = partitions.months_between(t.start, t.end - dt.timedelta(microseconds=1))
    slices = {
        "daily": _month_slices(t.daily, months),
        "hourly": _month_slices(t.hourly, months),
    }
    ts_fields = {"daily": [ts_field(m) for m in t.daily], "hourly": [ts_field(m) for m in t.hourly]}
    staged, direct = _prepare_partitions(months)
    lap("partitions")
    total = 0
    # Values of a whole plant are computed once per month slice (they depend only on the
    # row's day index, so slicing gives the same values as the whole window).
    for m, month in enumerate(months):
        name = partitions.partition_name(month)
        started = time.monotonic()
        count = 0
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(
                f"COPY {name} (series_id, plant_id, ts, value) FROM STDIN (FORMAT BINARY)"
            ) as copy:
                buffer = bytearray(SIGNATURE)
                for p in plan.plants:
                    kind = "hourly" if p.hourly else "daily"
                    lo, hi = slices[kind][m]
                    if lo == hi:
                        continue
                    idx = (t.hourly_day if p.hourly else t.daily_day)[lo:hi]
                    cut = len(idx)
                    while cut and idx[cut - 1] >= p.profile.last_day:
                        cut -= 1
                    if not cut:
                        continue
                    idx = idx[:cut]
                    fields = ts_fields[kind][lo : lo + cut]
                    vals = values(p.profile, idx, t.days, plan.noise, lo)
                    for series_id, column in zip(p.series_ids, vals, strict=True):
                        prefix = _PREFIX.pack(4, 8, series_id, 8, p.plant_id)
                        buffer += b"".join(
                            map(_ROW.pack, repeat(prefix, cut), fields, repeat(8, cut), column)
                        )
                    count += cut * len(p.series_ids)
                    if len(buffer) > 1 << 20:
                        copy.write(bytes(buffer))
                        buffer = bytearray()
                buffer += TRAILER
                copy.write(bytes(buffer))
        total += count
        log(f"  {name}: {count:,} rows in {time.monotonic() - started:.1f} s")
    lap("copy")
    _attach(staged)
    lap("attach (indexes)")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE datahub_observation")
    lap("analyze")
    build_rollups_postgresql(plan, months, log=log)
    lap("rollups")
    return total


def _prepare_partitions(months: list[dt.date]) -> tuple[list[tuple[str, dt.date]], list[str]]:
    """Standalone tables for the months that have no partition yet, or an empty one
    (dropped first); a month whose partition holds rows is written into as it is."""
    staged, direct = [], []
    existing = set(partitions.existing())
    with connection.cursor() as cursor:
        for month in months:
            name = partitions.partition_name(month)
            if name in existing:
                cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {name})")  # nosec B608
                if cursor.fetchone()[0]:
                    direct.append(name)
                    continue
                cursor.execute(f"DROP TABLE {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
            cursor.execute(f"CREATE TABLE {name} (LIKE {partitions.PARENT} INCLUDING DEFAULTS)")
            staged.append((name, month))
    partitions.forget()
    return staged, direct


def _attach(staged: list[tuple[str, dt.date]]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for name, month in staged:
            lower = dt.datetime.combine(month, dt.time(), dt.UTC)
            upper = dt.datetime.combine(partitions.next_month(month), dt.time(), dt.UTC)
            # The check lets ATTACH skip its own validation scan.
            cursor.execute(
                f"ALTER TABLE {name} ADD CONSTRAINT {name}_range CHECK (ts >= %s AND ts < %s)",
                [lower, upper],
            )
            cursor.execute(
                f"ALTER TABLE {partitions.PARENT} ATTACH PARTITION {name} "
                f"FOR VALUES FROM (%s) TO (%s)",
                [lower, upper],
            )
            cursor.execute(f"ALTER TABLE {name} DROP CONSTRAINT {name}_range")
        cursor.execute("RESET maintenance_work_mem")


# --- rollups -----------------------------------------------------------------------------------

ROLLUP_COLUMNS = (
    'series_id, rollup, bucket, plant_id, "count", "sum", "min", "max", "last", last_ts'
)
# Asia/Seoul is a fixed UTC+9 since 1988 (datahub.buckets): with the session in UTC, a day
# or month starts at the UTC truncation of the time shifted by nine hours, shifted back. The
# same buckets as `AT TIME ZONE 'Asia/Seoul'`, without a time-zone lookup per row.
_SEOUL = "(date_trunc('{unit}', {x} + interval '9 hours') - interval '9 hours')"


def _primary_key(cursor, table: str) -> tuple[str, str] | None:
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'p'",
        [table],
    )
    row = cursor.fetchone()
    return (row[0], row[1]) if row else None


def _series_filter(cursor, plan: Plan, hourly: bool) -> str:
    """A predicate on `o.series_id` selecting the plan's hourly (or daily) series: an id
    range when they are contiguous (write_metadata creates them in one go), else a join
    table."""
    ids = [pk for p in plan.plants if p.hourly == hourly for pk in p.series_ids]
    if not ids:
        return "false"
    lo, hi = min(ids), max(ids)
    if hi - lo + 1 == len(ids):
        return f"o.series_id BETWEEN {int(lo)} AND {int(hi)}"
    table = "nat_hourly" if hourly else "nat_daily"
    cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute(f"CREATE TEMP TABLE {table} (id bigint PRIMARY KEY)")
    with cursor.cursor.copy(f"COPY {table} (id) FROM STDIN") as copy:
        for pk in ids:
            copy.write_row((pk,))
    cursor.execute(f"ANALYZE {table}")
    return f"o.series_id IN (SELECT id FROM {table})"  # nosec B608


def build_rollups_postgresql(plan: Plan, months: list[dt.date], log=lambda line: None) -> None:
    """The rollups of the plan's series, after the load, by set-based SQL month by month:

    - hour buckets of the hourly series and day buckets of the daily series: each such
      bucket holds exactly one row (one row per working hour, one per day at 00:00), so
      the bucket is the row (count 1): one INSERT … SELECT per month;
    - day buckets of the hourly series: INSERT … SELECT … GROUP BY series and day over the
      raw rows, per Asia/Seoul month;
    - month buckets of every series: INSERT … SELECT … GROUP BY series and month over the
      day buckets (as datahub.services.rollups builds months from days).

    When the rollup table is empty its primary key is dropped first and added back after
    (one index build). The same figures as datahub.services.rollups (tests compare them)."""
    t = plan.times
    clock = [time.monotonic()]

    def step(name: str) -> None:
        now = time.monotonic()
        log(f"  rollups, {name}: {now - clock[0]:.1f} s")
        clock[0] = now

    insert = f"INSERT INTO datahub_rollupbucket ({ROLLUP_COLUMNS}) "
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL TIME ZONE 'UTC'")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cursor.execute("SELECT NOT EXISTS (SELECT 1 FROM datahub_rollupbucket)")
        empty = cursor.fetchone()[0]
        key = _primary_key(cursor, "datahub_rollupbucket") if empty else None
        if key:
            cursor.execute(f"ALTER TABLE datahub_rollupbucket DROP CONSTRAINT {key[0]}")
        hourly = _series_filter(cursor, plan, hourly=True)
        daily = _series_filter(cursor, plan, hourly=False)
        is_hourly = hourly.replace("o.series_id", "series_id")
        day = _SEOUL.format(unit="day", x="ts")
        for month in months:
            lower = dt.datetime.combine(month, dt.time(), dt.UTC)
            upper = dt.datetime.combine(partitions.next_month(month), dt.time(), dt.UTC)
            cursor.execute(
                insert + f"SELECT series_id, CASE WHEN {is_hourly} THEN 'hour' ELSE 'day' END, "  # nosec B608
                f"CASE WHEN {is_hourly} THEN date_trunc('hour', ts) ELSE {day} END, "
                "plant_id, 1, value, value, value, value, ts FROM datahub_observation o "
                f"WHERE ({hourly} OR {daily}) AND ts >= %s AND ts < %s",
                [lower, upper],
            )
        step("hours of hourly series, days of daily series (one row each)")
        month = dt.date(t.first.year, t.first.month, 1)
        while hourly != "false" and dt.datetime.combine(month, dt.time(), ZONE) < t.end:
            lower = dt.datetime.combine(month, dt.time(), ZONE)
            upper = dt.datetime.combine(partitions.next_month(month), dt.time(), ZONE)
            cursor.execute(
                insert + f"SELECT series_id, 'day', {day}, MIN(plant_id), COUNT(*), SUM(value), "  # nosec B608
                "MIN(value), MAX(value), (array_agg(value ORDER BY ts DESC))[1], MAX(ts) "
                f"FROM datahub_observation o WHERE {hourly} AND ts >= %s AND ts < %s "
                f"GROUP BY series_id, {day}",
                [lower, upper],
            )
            month = partitions.next_month(month)
        step("days of hourly series (GROUP BY)")
        month_of = _SEOUL.format(unit="month", x="bucket")
        cursor.execute(
            insert + f"SELECT series_id, 'month', {month_of}, MIN(plant_id), SUM(\"count\"), "  # nosec B608
            'SUM("sum"), MIN("min"), MAX("max"), '
            '(max(ARRAY[extract(epoch FROM last_ts)::float8, "last"]))[2], '
            f"MAX(last_ts) FROM datahub_rollupbucket o WHERE ({hourly} OR {daily}) "
            f"AND rollup = 'day' GROUP BY series_id, {month_of}",
        )
        step("months (GROUP BY)")
        if key:
            cursor.execute(f"ALTER TABLE datahub_rollupbucket ADD CONSTRAINT {key[0]} {key[1]}")
            step("primary key")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE datahub_rollupbucket")
    step("analyze")


# --- SQLite (and small PostgreSQL runs without COPY) ------------------------------------------


def write_orm(plan: Plan, *, lap=lambda name: None, log=lambda line: None) -> int:
    """The same rows with bulk_create, rollups by the data hub's own refresh."""
    t = plan.times
    total = 0
    partitions.ensure(t.start, t.end)
    batch: list[Observation] = []
    for p in plan.plants:
        stamps, idx = (t.hourly, t.hourly_day) if p.hourly else (t.daily, t.daily_day)
        cut = sum(1 for d in idx if d < p.profile.last_day)
        vals = values(p.profile, idx[:cut], t.days, plan.noise)
        for series_id, column in zip(p.series_ids, vals, strict=True):
            batch.extend(
                Observation(series_id=series_id, plant_id=p.plant_id, ts=moment, value=value)
                for moment, value in zip(stamps[:cut], column, strict=True)
            )
        if len(batch) > 20_000:
            Observation.objects.bulk_create(batch)
            total += len(batch)
            batch = []
    Observation.objects.bulk_create(batch)
    total += len(batch)
    lap("rows")
    ids = [pk for p in plan.plants for pk in p.series_ids]
    rollups.mark_series(ids)
    rollups.refresh_dirty()
    lap("rollups")
    return total


# Kept for the tests: the value of one series' rows, as the writers compute them.
def series_values(plan: Plan, p: PlantPlan, code: str) -> list[float]:
    t = plan.times
    idx = t.hourly_day if p.hourly else t.daily_day
    cut = sum(1 for d in idx if d < p.profile.last_day)
    return values(p.profile, idx[:cut], t.days, plan.noise)[CODES.index(code)]
