"""Monthly range partitions of the observation table (PostgreSQL only; on SQLite the table is
a plain one and these functions do nothing).

Partitions are named datahub_observation_pYYYYMM and cover UTC months. The beat task
`datahub.tasks.maintain_partitions` creates them ahead and drops those older than the
retention; an ingest creates any month it needs that is still missing (old backfills).

Neither makes an ingest wait on a lock: a month is created as a table of its own and then
attached (`ATTACH PARTITION` takes SHARE UPDATE EXCLUSIVE on the parent, which inserts and
reads do not conflict with; `CREATE TABLE … PARTITION OF` would take ACCESS EXCLUSIVE), and
outside a transaction a month is detached concurrently before it is dropped (`DROP TABLE` of
an attached partition takes ACCESS EXCLUSIVE on the parent: every ingest queued behind it for
as long as the longest running request, seconds under load).
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction

PARENT = "datahub_observation"
_known: set[str] = set()


def is_partitioned(conn=None) -> bool:
    return (conn or connection).vendor == "postgresql"


def month_of(moment: dt.datetime | dt.date) -> dt.date:
    if isinstance(moment, dt.datetime):
        moment = moment.astimezone(dt.UTC) if moment.tzinfo else moment
        return dt.date(moment.year, moment.month, 1)
    return dt.date(moment.year, moment.month, 1)


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def months_between(start, end) -> list[dt.date]:
    """Every month from the one of `start` to the one of `end`, both included."""
    month, last = month_of(start), month_of(end)
    months = []
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def partition_name(month: dt.date) -> str:
    return f"{PARENT}_p{month.year:04d}{month.month:02d}"


def create_parent_sql() -> list[str]:
    """The partitioned table itself (migration 0001): primary key (series, time), plant_id
    on every row, BRIN on time. Migration 0007 adds plant_id to the key (series, time, plant)."""
    return [
        f"""CREATE TABLE {PARENT} (
            series_id bigint NOT NULL,
            ts timestamp with time zone NOT NULL,
            plant_id bigint NOT NULL,
            value double precision NOT NULL,
            PRIMARY KEY (series_id, ts)
        ) PARTITION BY RANGE (ts)""",
        f"CREATE INDEX {PARENT}_ts_brin ON {PARENT} USING brin (ts)",
    ]


def existing(conn=None) -> list[str]:
    conn = conn or connection
    if not is_partitioned(conn):
        return []
    with conn.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname FROM pg_inherits i
               JOIN pg_class c ON c.oid = i.inhrelid
               JOIN pg_class p ON p.oid = i.inhparent
               WHERE p.relname = %s ORDER BY c.relname""",
            [PARENT],
        )
        return [row[0] for row in cursor.fetchall()]


def ensure(start, end, conn=None) -> list[str]:
    """Create the partitions of every month from start to end that do not exist yet; returns
    the names created. Safe under concurrency (advisory lock per partition)."""
    conn = conn or connection
    if not is_partitioned(conn):
        return []
    created = []
    for month in months_between(start, end):
        name = partition_name(month)
        if name in _known:
            continue
        with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
            if not cursor.fetchone()[0]:
                lower = dt.datetime.combine(month, dt.time(), dt.UTC)
                upper = dt.datetime.combine(next_month(month), dt.time(), dt.UTC)
                # A standalone table, its range checked (so ATTACH skips its scan), attached.
                cursor.execute(f"CREATE TABLE {name} (LIKE {PARENT} INCLUDING DEFAULTS)")
                cursor.execute(
                    f"ALTER TABLE {name} ADD CONSTRAINT {name}_range CHECK (ts >= %s AND ts < %s)",
                    [lower, upper],
                )
                cursor.execute(
                    f"ALTER TABLE {PARENT} ATTACH PARTITION {name} FOR VALUES FROM (%s) TO (%s)",
                    [lower, upper],
                )
                cursor.execute(f"ALTER TABLE {name} DROP CONSTRAINT {name}_range")
                created.append(name)
        _known.add(name)
    return created


def drop_before(month: dt.date, conn=None) -> list[str]:
    """Drop every partition that ends on or before `month` (whole months of raw data past
    the retention); returns the names dropped. Outside a transaction each is first detached
    concurrently (ingests and reads go on), then dropped as a table of its own."""
    conn = conn or connection
    limit = partition_name(month)
    dropped = []
    for name in existing(conn):
        if name < limit:
            with conn.cursor() as cursor:
                if not conn.in_atomic_block:
                    cursor.execute(
                        "SELECT i.inhdetachpending FROM pg_inherits i "
                        "WHERE i.inhrelid = to_regclass(%s)",
                        [name],
                    )
                    pending = cursor.fetchone()[0]
                    how = "FINALIZE" if pending else "CONCURRENTLY"
                    cursor.execute(f"ALTER TABLE {PARENT} DETACH PARTITION {name} {how}")
                cursor.execute(f"DROP TABLE IF EXISTS {name}")
            _known.discard(name)
            dropped.append(name)
    return dropped


def forget() -> None:
    """Forget which partitions this process has seen (tests that recreate the database)."""
    _known.clear()
