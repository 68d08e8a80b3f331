"""The write path of observations: checked points in, what happened to each out.

A point is new (inserted), a duplicate (the same value is already stored), or a conflict
(another value is stored: refused, or replaced when asked). Everything runs inside the
caller's transaction with a fixed number of statements whatever the number of points.

- PostgreSQL: the points are copied (binary ``COPY``) into a temporary table, then
  ``INSERT … SELECT … ON CONFLICT DO NOTHING`` stores the new ones and returns what it wrote
  per (series, hour); unless all were new, one join finds the conflicts, one ``UPDATE``
  replaces them.
- SQLite (the embedded default): the same outcome with one read of the stored values in the
  points' time range and ``executemany`` writes.

The partitions the points fall in must exist before (``datahub.partitions.ensure``, outside
the write transaction).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Case, DateTimeField, F, Q, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from datahub.ingest.rules import Point
from datahub.models import Correction, DataSource, Observation, Series

ROWS_TABLE = "datahub_ingest_rows"
# A source's "last data received" is written at most this often (like a token's last use).
SOURCE_SEEN_RESOLUTION = dt.timedelta(seconds=30)


@dataclass
class Stored:
    inserted: int = 0
    duplicates: int = 0
    conflicts: list[tuple[Point, float]] = field(default_factory=list)  # (point, stored value)
    replaced: list[tuple[Point, float]] = field(default_factory=list)  # (point, old value)
    # What was written (inserted or replaced): hours per series, and the latest time per series.
    hours: set[tuple[int, dt.datetime]] = field(default_factory=set)
    # Of those, the hours already marked for the rollups by the statement that wrote them.
    marked: set[tuple[int, dt.datetime]] = field(default_factory=set)
    last_ts: dict[int, dt.datetime] = field(default_factory=dict)

    def wrote(self, series_id: int, moment: dt.datetime, count_hour=True) -> None:
        if count_hour:
            self.hours.add((series_id, hour_of(moment)))
        if series_id not in self.last_ts or moment > self.last_ts[series_id]:
            self.last_ts[series_id] = moment


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def from_epoch(seconds: int, microseconds: int = 0) -> dt.datetime:
    return EPOCH + dt.timedelta(seconds=seconds, microseconds=microseconds)


def hour_of(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def store_points(points: list[Point], *, plant_id: int, replace: bool = False) -> Stored:
    """Store `points` (unique per series and time) of one plant; must run in a transaction."""
    if not points:
        return Stored()
    if connection.vendor == "postgresql":
        stored = _store_postgresql(points, plant_id)
    else:
        stored = _store_orm(points, plant_id)
    if replace and stored.conflicts:
        _replace(stored.conflicts)
        stored.replaced, stored.conflicts = stored.conflicts, []
        for point, _old in stored.replaced:
            stored.wrote(point.series_id, point.ts)
    return stored


def _time_range(points: list[Point]) -> tuple[dt.datetime, dt.datetime]:
    moments = [p.ts for p in points]
    return min(moments), max(moments)


def _store_postgresql(points: list[Point], plant_id: int) -> Stored:
    stored = Stored()
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {ROWS_TABLE} (idx integer, series_id bigint, "
            "ts timestamptz, value double precision) ON COMMIT DELETE ROWS"
        )
        cursor.execute(f"DELETE FROM {ROWS_TABLE}")  # noqa: S608 (constant name)  # nosec B608
        raw = cursor.cursor
        with raw.copy(
            f"COPY {ROWS_TABLE} (idx, series_id, ts, value) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["int4", "int8", "timestamptz", "float8"])
            for p in points:
                copy.write_row((p.index, p.series_id, p.ts, p.value))
        # One statement stores the new points, groups them by (series, hour) and marks
        # those hours for the rollups (what mark_dirty would do in a second statement).
        cursor.execute(
            f"""WITH written AS (
                    INSERT INTO datahub_observation (series_id, ts, plant_id, value)
                    SELECT series_id, ts, %s, value FROM {ROWS_TABLE}
                    ON CONFLICT DO NOTHING RETURNING series_id, ts),
                hours AS (
                    SELECT series_id, date_trunc('hour', ts, 'UTC') AS hour,
                           count(*) AS n, max(ts) AS last
                    FROM written GROUP BY 1, 2),
                marked AS (
                    INSERT INTO datahub_dirtybucket (series_id, hour, plant_id, marked_at)
                    SELECT series_id, hour, %s, %s FROM hours
                    ON CONFLICT (series_id, hour, plant_id)
                    DO UPDATE SET marked_at = EXCLUDED.marked_at)
                SELECT series_id, extract(epoch FROM hour)::bigint, n,
                       floor(extract(epoch FROM last))::bigint,
                       extract(microseconds FROM last)::bigint %% 1000000
                FROM hours""",  # noqa: S608  # nosec B608 - constant table name
            [plant_id, plant_id, timezone.now()],
        )
        # Times as whole epoch seconds and microseconds: exact, and far cheaper to read than
        # a timestamp per row through the driver.
        for series_id, hour_s, count, last_s, last_us in cursor.fetchall():
            hour = from_epoch(hour_s)
            stored.inserted += count
            stored.hours.add((series_id, hour))
            stored.marked.add((series_id, hour))
            stored.wrote(series_id, from_epoch(last_s, last_us), count_hour=False)
        if stored.inserted == len(points):
            return stored  # all new (the usual case): nothing was there to compare with
        start, end = _time_range(points)
        series_ids = sorted({p.series_id for p in points})
        # Our own inserts carry the same value: only other values are conflicts.
        cursor.execute(
            f"""SELECT t.idx, o.value FROM {ROWS_TABLE} t
                JOIN datahub_observation o ON o.series_id = t.series_id AND o.ts = t.ts
                WHERE o.series_id = ANY(%s) AND o.ts BETWEEN %s AND %s
                  AND o.value <> t.value""",  # noqa: S608  # nosec B608 - constant table name
            [series_ids, start, end],
        )
        by_index = {p.index: p for p in points}
        stored.conflicts = [(by_index[idx], old) for idx, old in cursor.fetchall()]
    stored.duplicates = len(points) - stored.inserted - len(stored.conflicts)
    return stored


def _store_orm(points: list[Point], plant_id: int) -> Stored:
    stored = Stored()
    start, end = _time_range(points)
    existing = {
        (series_id, ts): value
        for series_id, ts, value in Observation.objects.filter(
            series_id__in={p.series_id for p in points}, ts__gte=start, ts__lte=end
        ).values_list("series_id", "ts", "value")
    }
    new = []
    for p in points:
        old = existing.get((p.series_id, p.ts))
        if old is None:
            new.append(p)
            stored.wrote(p.series_id, p.ts)
        elif old == p.value:
            stored.duplicates += 1
        else:
            stored.conflicts.append((p, old))
    if new:
        adapt = connection.ops.adapt_datetimefield_value
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO datahub_observation (series_id, ts, plant_id, value) "
                "VALUES (%s, %s, %s, %s)",
                [(p.series_id, adapt(p.ts), plant_id, p.value) for p in new],
            )
    stored.inserted = len(new)
    return stored


def _replace(conflicts: list[tuple[Point, float]]) -> None:
    changed = [point for point, _old in conflicts]
    if connection.vendor == "postgresql":
        start, end = _time_range(changed)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""UPDATE datahub_observation o SET value = t.value FROM {ROWS_TABLE} t
                    WHERE o.series_id = t.series_id AND o.ts = t.ts AND t.idx = ANY(%s)
                      AND o.series_id = ANY(%s) AND o.ts BETWEEN %s AND %s""",  # noqa: S608  # nosec B608 - constant table name
                [
                    [p.index for p in changed],
                    sorted({p.series_id for p in changed}),
                    start,
                    end,
                ],
            )
        return
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE datahub_observation SET value = %s WHERE series_id = %s AND ts = %s",
            [(p.value, p.series_id, adapt(p.ts)) for p in changed],
        )


def record_corrections(replaced: list[tuple[Point, float]], *, plant_id: int, request) -> None:
    """Keep the old and the new value of every replaced point (the audit of corrections)."""
    if not replaced:
        return
    if connection.vendor == "postgresql":
        Correction.objects.bulk_create(
            [
                Correction(
                    series_id=point.series_id,
                    plant_id=plant_id,
                    ts=point.ts,
                    old_value=old,
                    new_value=point.value,
                    request=request,
                )
                for point, old in replaced
            ]
        )
        return
    # SQLite bounds the parameters of one statement: one executemany instead of batches.
    adapt = connection.ops.adapt_datetimefield_value
    now = adapt(timezone.now())
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO datahub_correction (series_id, plant_id, ts, old_value, "
            "new_value, request_id, corrected_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [
                (point.series_id, plant_id, adapt(point.ts), old, point.value, request.pk, now)
                for point, old in replaced
            ],
        )


def mark_dirty(hours: set[tuple[int, dt.datetime]], *, plant_id: int) -> None:
    """Mark every (series, hour) written so its rollups are recomputed (upsert marked_at)."""
    if not hours:
        return
    now = timezone.now()
    ordered = sorted(hours)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                """INSERT INTO datahub_dirtybucket (series_id, hour, plant_id, marked_at)
                   SELECT s, h, %s, %s FROM unnest(%s::bigint[], %s::timestamptz[]) AS u(s, h)
                   ON CONFLICT (series_id, hour, plant_id)
                   DO UPDATE SET marked_at = EXCLUDED.marked_at""",
                [plant_id, now, [s for s, _h in ordered], [h for _s, h in ordered]],
            )
        else:
            adapt = connection.ops.adapt_datetimefield_value
            cursor.executemany(
                "INSERT INTO datahub_dirtybucket (series_id, hour, plant_id, marked_at) "
                "VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (series_id, hour, plant_id) "
                "DO UPDATE SET marked_at = excluded.marked_at",
                [(s, adapt(h), plant_id, adapt(now)) for s, h in ordered],
            )


def touch_series(last_ts: dict[int, dt.datetime], *, source_id: int, now=None) -> None:
    """Latest observation time and last data received of the series written, and the
    source's last data received (to the half minute): one statement each."""
    now = now or timezone.now()
    if last_ts and connection.vendor == "postgresql":
        # One statement over two arrays: the ORM's CASE of one branch per series costs more
        # in Python than the update in the database.
        ids = sorted(last_ts)
        with connection.cursor() as cursor:
            cursor.execute(
                """UPDATE datahub_series s
                   SET last_ts = GREATEST(COALESCE(s.last_ts, u.ts), u.ts), last_data_at = %s
                   FROM unnest(%s::bigint[], %s::timestamptz[]) AS u(id, ts)
                   WHERE s.id = u.id""",
                [now, ids, [last_ts[i] for i in ids]],
            )
    elif last_ts:
        latest = Case(
            *[
                When(
                    pk=series_id,
                    then=Greatest(
                        Coalesce(F("last_ts"), Value(ts, output_field=DateTimeField())),
                        Value(ts, output_field=DateTimeField()),
                    ),
                )
                for series_id, ts in last_ts.items()
            ],
            default=F("last_ts"),
            output_field=DateTimeField(),
        )
        Series.objects.filter(pk__in=list(last_ts)).update(last_ts=latest, last_data_at=now)
    # Every request of a source would otherwise queue on the source's row lock.
    DataSource.objects.filter(pk=source_id).filter(
        Q(last_data_at__isnull=True) | Q(last_data_at__lt=now - SOURCE_SEEN_RESOLUTION)
    ).update(last_data_at=now)
