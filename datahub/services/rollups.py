"""Hour, day and month rollups (count, sum, min, max, last) kept up to date incrementally.

An ingest marks each (series, hour) it wrote into as a DirtyBucket row (datahub/storage.py),
stamping `marked_at`. `refresh_dirty` works in batches, each one transaction:

1. claim up to BATCH marked hours: copy them, with their `marked_at`, into a temporary table
   (the marks stay in place);
2. recompute each claimed hour from the raw observations of that hour (an hour whose raw rows
   are gone keeps its rollup);
3. each day (Asia/Seoul) holding a claimed hour from that day's hour rollups;
4. each month (Asia/Seoul) holding a claimed hour from that month's day rollups;
5. remove the claimed marks whose `marked_at` is still the one claimed.

Days come from hours and months from days, never from raw rows, so they stay right after the
raw data they summarise has been dropped by the retention. Late or replaced values mark their
hour like any other row, so the next refresh corrects the hour, its day and its month.

Crash-safe, and no ingest is lost (docs/datahub/faults.md): a mark goes only in the
transaction that commits the recomputed rollups, so a worker killed mid-batch leaves every
claimed hour marked for the next run. An ingest that writes into a claimed hour meanwhile
stamps its mark again (`marked_at` changes; on PostgreSQL it holds the mark's row lock until
it commits, and step 5 skips locked marks), so that mark survives step 5 and the hour is
recomputed once more with the new row. The ingest never waits for the refresh: the refresh
takes no lock on the marks before step 5.

Every step is one set-based SQL statement over the claimed hours (a temporary table), on
both engines. On PostgreSQL the claim takes a transaction-level advisory lock per series and
skips series another worker holds, so several workers share the backlog and never recompute
the same day or month at once.
"""

# ruff: noqa: S608 - the SQL is built from this module's constants; values are parameters.
from __future__ import annotations

from celery import current_app
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from datahub.buckets import SEOUL_OFFSET_HOURS

BATCH = 5_000
REFRESH_TASK = "datahub.tasks.refresh_rollups"
CLAIMED = "datahub_claimed_mark"
# Namespace of the per-series advisory locks of the refresh (PostgreSQL; "SF").
LOCK_SPACE = 0x5346
ROLLUPS = "datahub_rollupbucket"
OBSERVATIONS = "datahub_observation"
DIRTY = "datahub_dirtybucket"
VALUES = ("plant_id", '"count"', '"sum"', '"min"', '"max"', '"last"', "last_ts")
COLUMNS = f"(series_id, rollup, bucket, {', '.join(VALUES)})"


class _Postgres:
    create = (
        f"CREATE TEMP TABLE IF NOT EXISTS {CLAIMED} (series_id bigint NOT NULL, "
        "hour timestamptz NOT NULL, plant_id bigint NOT NULL, marked_at timestamptz NOT NULL, "
        "PRIMARY KEY (series_id, hour)) ON COMMIT DELETE ROWS"
    )
    # The marks stay; a series another worker is refreshing is skipped (its lock is held).
    claim = (
        f"INSERT INTO {CLAIMED} (series_id, hour, plant_id, marked_at) "  # nosec B608
        f"SELECT series_id, hour, plant_id, marked_at FROM {DIRTY} "
        f"WHERE pg_try_advisory_xact_lock({LOCK_SPACE}, (series_id %% 2147483647)::integer) "
        "LIMIT %s"
    )
    # A temporary table has no statistics until analysed: the planner needs them.
    analyse: tuple[str, ...] = (f"ANALYZE {CLAIMED}",)
    # A mark stamped again since the claim, or locked by an ingest stamping it now, stays.
    release = (
        f"DELETE FROM {DIRTY} x USING (SELECT d.series_id, d.hour FROM {DIRTY} d "  # nosec B608
        f"JOIN {CLAIMED} c ON d.series_id = c.series_id AND d.hour = c.hour "
        "AND d.marked_at = c.marked_at FOR UPDATE OF d SKIP LOCKED) s "
        "WHERE x.series_id = s.series_id AND x.hour = s.hour"
    )
    local = "(date_trunc('{unit}', {x} AT TIME ZONE 'Asia/Seoul'){shift}) AT TIME ZONE 'Asia/Seoul'"

    def hour_of(self, x):
        return f"date_trunc('hour', {x})"  # the session is in UTC

    def hour_end(self, x):
        return f"({x} + interval '1 hour')"

    def start(self, unit, x):
        return self.local.format(unit=unit, x=x, shift="")

    def end(self, unit, x):
        return self.local.format(unit=unit, x=x, shift=f" + interval '1 {unit}'")


class _Sqlite:
    # Datetimes are text in UTC ('YYYY-MM-DD HH:MM:SS[.ffffff]'), so they compare as text;
    # Asia/Seoul is a fixed UTC+9 (no daylight saving since 1988). One writer at a time: the
    # database file is locked from the first write to the commit.
    create = (
        f"CREATE TEMP TABLE IF NOT EXISTS {CLAIMED} "
        "(series_id integer NOT NULL, hour datetime NOT NULL, plant_id integer NOT NULL, "
        "marked_at datetime NOT NULL, PRIMARY KEY (series_id, hour))"
    )
    claim = (
        f"INSERT INTO {CLAIMED} (series_id, hour, plant_id, marked_at) "  # nosec B608
        f"SELECT series_id, hour, plant_id, marked_at FROM {DIRTY} LIMIT %s"
    )
    analyse: tuple[str, ...] = ()
    release = (
        f"DELETE FROM {DIRTY} WHERE EXISTS (SELECT 1 FROM {CLAIMED} c "  # nosec B608
        f"WHERE c.series_id = {DIRTY}.series_id AND c.hour = {DIRTY}.hour "
        f"AND c.marked_at = {DIRTY}.marked_at)"
    )
    shift = f"'+{SEOUL_OFFSET_HOURS} hours'"
    back = f"'-{SEOUL_OFFSET_HOURS} hours'"

    def hour_of(self, x):
        return f"strftime('%%Y-%%m-%%d %%H:00:00', {x})"

    def hour_end(self, x):
        return f"datetime({x}, '+1 hour')"

    def start(self, unit, x):
        return f"datetime({x}, {self.shift}, 'start of {unit}', {self.back})"

    def end(self, unit, x):
        return f"datetime({x}, {self.shift}, 'start of {unit}', '+1 {unit}', {self.back})"


def _dialect():
    return _Postgres() if connection.vendor == "postgresql" else _Sqlite()


def _statements(d) -> list[str]:
    """The recompute of the claimed hours, their days and their months, in order."""
    hours = [
        _upsert(
            "SELECT g.series_id, 'hour', g.hour, g.plant_id, g.n, g.total, g.lo, g.hi, "  # nosec B608
            f"(SELECT o.value FROM {OBSERVATIONS} o WHERE o.series_id = g.series_id "
            "AND o.ts = g.last_ts AND o.plant_id = g.plant_id), g.last_ts FROM ("
            "SELECT c.series_id, c.hour, c.plant_id, COUNT(*) AS n, "
            "SUM(o.value) AS total, MIN(o.value) AS lo, MAX(o.value) AS hi, "
            f"MAX(o.ts) AS last_ts FROM {CLAIMED} c JOIN {OBSERVATIONS} o "
            "ON o.series_id = c.series_id AND o.plant_id = c.plant_id "
            f"AND o.ts >= c.hour AND o.ts < {d.hour_end('c.hour')} "
            "GROUP BY c.series_id, c.hour, c.plant_id) g"
        )
    ]
    return (
        hours
        + _from_finer(d, "day", "hour", d.hour_of)
        + _from_finer(d, "month", "day", lambda x: d.start("day", x))
    )


def _from_finer(d, rollup: str, finer: str, finer_of) -> list[str]:
    """Rebuild the `rollup` buckets holding a claimed hour from their `finer`
    buckets; `finer_of(x)` is the start of the finer bucket holding time x (where the last
    value is found)."""
    touched = (
        f"(SELECT DISTINCT c.series_id, c.plant_id, {d.start(rollup, 'c.hour')} AS bucket "
        f"FROM {CLAIMED} c) t"  # nosec B608
    )
    return [
        _upsert(
            f"SELECT g.series_id, '{rollup}', g.bucket, g.plant_id, g.n, g.total, g.lo, g.hi, "  # nosec B608
            f'(SELECT f."last" FROM {ROLLUPS} f WHERE f.series_id = g.series_id '
            f"AND f.rollup = '{finer}' AND f.bucket = {finer_of('g.last_ts')} "
            "AND f.plant_id = g.plant_id), g.last_ts FROM ("
            'SELECT t.series_id, t.bucket, t.plant_id, SUM(f."count") AS n, '
            'SUM(f."sum") AS total, MIN(f."min") AS lo, MAX(f."max") AS hi, '
            f"MAX(f.last_ts) AS last_ts FROM {touched} JOIN {ROLLUPS} f "
            f"ON f.series_id = t.series_id AND f.plant_id = t.plant_id "
            f"AND f.rollup = '{finer}' AND f.bucket >= t.bucket "
            f"AND f.bucket < {d.end(rollup, 't.bucket')} "
            "GROUP BY t.series_id, t.bucket, t.plant_id) g"
        )
    ]


def _upsert(select: str) -> str:
    """Insert the buckets `select` computes, replacing those that exist. A bucket with nothing
    left to compute it from (raw data past the retention) is not touched: it stays."""
    updates = ", ".join(f"{c} = excluded.{c}" for c in VALUES)
    return (
        f"INSERT INTO {ROLLUPS} {COLUMNS} {select} WHERE true "  # nosec B608
        f"ON CONFLICT (series_id, rollup, bucket, plant_id) DO UPDATE SET {updates}"
    )


def _refresh_batch(size: int) -> int:
    """Claim up to `size` marked hours, recompute them and remove their marks unless stamped
    again meanwhile, in one transaction; returns how many were claimed."""
    d = _dialect()
    with transaction.atomic(), connection.cursor() as cursor:
        # Parameters always given (even none), so '%%' reads as '%' on both engines.
        cursor.execute(d.create, [])
        cursor.execute(f"DELETE FROM {CLAIMED}", [])  # nosec B608
        cursor.execute(d.claim, [size])
        cursor.execute(f"SELECT COUNT(*) FROM {CLAIMED}", [])  # nosec B608
        claimed = cursor.fetchone()[0]
        if not claimed:
            return 0
        for statement in (*d.analyse, *_statements(d), d.release):
            cursor.execute(statement, [])
        cursor.execute(f"DELETE FROM {CLAIMED}", [])  # nosec B608
    return claimed


def refresh_dirty(limit: int | None = None) -> int:
    """Recompute every marked hour (at most `limit`), its day and its month, in batches of
    BATCH hours, each batch in its own transaction; returns the number of hours refreshed."""
    done = 0
    while limit is None or done < limit:
        size = BATCH if limit is None else min(BATCH, limit - done)
        claimed = _refresh_batch(size)
        done += claimed
        if claimed < size:
            break
    return done


def mark_series(series_ids) -> int:
    """Mark every hour holding an observation of these series (bulk loads that bypass the
    ingest, e.g. the demo data); returns the number of hours marked."""
    ids = [int(pk) for pk in series_ids]
    if not ids:
        return 0
    d = _dialect()
    hour = d.hour_of("ts")
    marks = ", ".join(["%s"] * len(ids))
    conflict = (
        " ON CONFLICT (series_id, hour, plant_id) DO NOTHING"
        if connection.vendor == "postgresql"
        else " ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {DIRTY} (series_id, hour, plant_id, marked_at) "  # nosec B608
            f"SELECT series_id, {hour}, MIN(plant_id), CURRENT_TIMESTAMP FROM {OBSERVATIONS} "
            f"WHERE series_id IN ({marks}) GROUP BY series_id, {hour}{conflict}",
            ids,
        )
        marked = cursor.rowcount
        # Marks that were there already are stamped again, so a refresh that claimed them
        # before these rows were loaded keeps them (it removes only unchanged stamps).
        cursor.execute(
            f"UPDATE {DIRTY} SET marked_at = %s WHERE series_id IN ({marks})",  # nosec B608
            [connection.ops.adapt_datetimefield_value(timezone.now()), *ids],
        )
        return marked


def refresh_soon() -> None:
    """Have the rollups refreshed once the current transaction commits (the ingest calls
    this). In-process Celery (no broker) refreshes at once; with a worker, one task is queued
    per couple of seconds at most, and the beat entry (every minute) catches anything left."""
    transaction.on_commit(_enqueue)


def after_ingest(sender, **kwargs) -> None:
    """Receiver of datahub.services.ingest.rows_written (sent after the ingest's commit)."""
    refresh_soon()


def _enqueue() -> None:
    # By name from the registry (DatahubConfig.ready imports datahub.tasks): the tasks module
    # imports this one.
    task = current_app.tasks[REFRESH_TASK]
    if current_app.conf.task_always_eager:
        task.delay()
    elif cache.add("datahub:rollups-queued", 1, timeout=2):
        task.apply_async(countdown=1)
