"""A worker killed while recomputing rollups, and an ingest that writes into an hour while
it is being recomputed: the touched hours stay marked until their rollups are committed, a
mark stamped again meanwhile survives, and the next run leaves every rollup equal to a
recomputation from scratch (docs/datahub/faults.md).

The kill is real: `datahub.tasks.refresh_rollups` runs in a child process against the test
database (PostgreSQL, committed data) and is SIGKILLed while paused between two of its
statements, inside a batch's transaction."""

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from datahub import tasks
from datahub.buckets import bucket_start
from datahub.models import DirtyBucket, Observation, RollupBucket
from datahub.services import rollups
from datahub.services.ingest import ingest_rows
from tests.datahub.ingest_client import fresh_partitions, hours_ago  # noqa: F401
from tests.datahub.observations import write

ROOT = Path(__file__).resolve().parents[2]
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a second process on the test database"
)


def from_scratch() -> dict:
    """Every hour, day and month rollup computed in Python from the raw observations."""
    groups = defaultdict(list)
    for series_id, plant_id, ts, value in Observation.objects.values_list(
        "series_id", "plant_id", "ts", "value"
    ):
        for rollup in ("hour", "day", "month"):
            groups[(series_id, rollup, bucket_start(ts, rollup))].append((ts, value, plant_id))
    expected = {}
    for key, rows in groups.items():
        values = [v for _ts, v, _p in rows]
        last_ts, last, plant_id = max(rows)
        expected[key] = (plant_id, len(rows), sum(values), min(values), max(values), last, last_ts)
    return expected


def stored() -> dict:
    return {
        (b.series_id, b.rollup, b.bucket): (
            b.plant_id,
            b.count,
            b.sum,
            b.min,
            b.max,
            b.last,
            b.last_ts,
        )
        for b in RollupBucket.objects.all()
    }


def assert_rollups_exact():
    expected, actual = from_scratch(), stored()
    assert actual.keys() == expected.keys()
    for key, want in expected.items():
        plant, count, total, lo, hi, last, last_ts = actual[key]
        assert (plant, count, lo, hi, last, last_ts) == (*want[:2], *want[3:]), key
        assert total == pytest.approx(want[2]), key


def dirty() -> set:
    return set(DirtyBucket.objects.values_list("series_id", "hour"))


# --- an ingest during the refresh (both engines: the ingest runs between two statements) ---


class Between:
    """Runs `action` once, just before the refresh's first statement matching `marker`."""

    def __init__(self, marker, action):
        self.marker, self.action, self.done = marker, action, False

    def __call__(self, execute, sql, params, many, context):
        if not self.done and self.marker in sql:
            self.done = True
            self.action()
        return execute(sql, params, many, context)


@pytest.mark.django_db
def test_an_ingest_into_an_hour_being_refreshed_is_not_lost(feed):
    hour = hours_ago(5)
    first = [{"series": feed.oee.key, "ts": hour.isoformat(), "value": 60.0}]
    assert ingest_rows(source=feed.source, rows=first).accepted == 1
    late = [{"series": feed.oee.key, "ts": (hour + dt.timedelta(minutes=30)).isoformat()}]
    late[0]["value"] = 80.0

    def ingest_meanwhile():  # after the hour was recomputed, before its day and month
        assert ingest_rows(source=feed.source, rows=late).accepted == 1

    with connection.execute_wrapper(Between("'day'", ingest_meanwhile)):
        assert rollups.refresh_dirty() == 1
    # The hour's rollup misses the late row, but its mark was stamped again: it stays.
    hour_rollup = RollupBucket.objects.get(series=feed.oee, rollup="hour", bucket=hour)
    assert hour_rollup.count == 1
    assert dirty() == {(feed.oee.pk, hour)}
    assert rollups.refresh_dirty() == 1
    assert not dirty()
    assert_rollups_exact()
    assert RollupBucket.objects.get(series=feed.oee, rollup="hour", bucket=hour).count == 2


@pytest.mark.django_db
def test_a_bulk_load_marked_during_a_refresh_is_not_lost(feed):
    hour = hours_ago(3)
    write(feed.oee, [(hour, 10.0)])

    def bulk_load_meanwhile():  # rows loaded past the ingest, then their series marked
        Observation.objects.create(
            series=feed.oee,
            plant_id=feed.oee.plant_id,
            ts=hour + dt.timedelta(minutes=5),
            value=20.0,
        )
        assert rollups.mark_series([feed.oee.pk]) == 0  # the hour was marked already

    with connection.execute_wrapper(Between("'day'", bulk_load_meanwhile)):
        rollups.refresh_dirty()
    assert dirty() == {(feed.oee.pk, hour)}
    rollups.refresh_dirty()
    assert not dirty()
    assert_rollups_exact()


@pytest.mark.django_db
def test_a_mark_not_stamped_again_goes_with_its_refresh(feed):
    write(feed.oee, [(hours_ago(h), float(h)) for h in range(1, 4)])
    with CaptureQueriesContext(connection) as queries:
        assert rollups.refresh_dirty() == 3
    assert not dirty()
    assert_rollups_exact()
    assert len(queries) <= 12  # set-based: a fixed number of statements per batch


# --- real connections and a real kill (PostgreSQL) --------------------------------------------


@on_postgresql
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("kpi_catalogue")
def test_an_ingest_never_waits_for_a_refresh_in_progress(feed):
    """The refresh is paused mid-batch on its own connection; an ingest into one of its
    hours commits at once (it waits on no lock of the refresh) and its hour stays marked."""
    hour = hours_ago(7)
    write(feed.oee, [(hour, 50.0), (hours_ago(8), 40.0)])
    paused, resume, outcome = threading.Event(), threading.Event(), {}

    def pause():
        paused.set()
        resume.wait(timeout=15)

    def refresh():
        try:
            with connection.execute_wrapper(Between("'day'", pause)):
                outcome["refreshed"] = rollups.refresh_dirty()
        finally:
            connection.close()

    worker = threading.Thread(target=refresh)
    worker.start()
    try:
        assert paused.wait(timeout=10)
        started = time.monotonic()
        late = [{"series": feed.oee.key, "ts": (hour + dt.timedelta(minutes=20)).isoformat()}]
        late[0]["value"] = 90.0
        assert ingest_rows(source=feed.source, rows=late).accepted == 1
        waited = time.monotonic() - started
    finally:
        resume.set()
        worker.join(timeout=20)
    assert outcome["refreshed"] == 2
    print(f"ingest into an hour being refreshed: committed in {waited * 1000:.0f} ms")
    assert waited < 1.0, f"the ingest waited {waited:.2f} s for the refresh"
    assert dirty() == {(feed.oee.pk, hour)}  # the other hour's mark went with its refresh
    tasks.refresh_rollups()
    assert not dirty()
    assert_rollups_exact()


CHILD = """
import os, sys, time
import django

django.setup()
from django.db import connection
from datahub import tasks
from datahub.services import rollups

rollups.BATCH = int(sys.argv[1])
stop_at = int(sys.argv[2])
seen = 0


def pause(execute, sql, params, many, context):
    global seen
    result = execute(sql, params, many, context)
    if "INSERT INTO datahub_rollupbucket" in sql:
        seen += 1
        if seen == stop_at:
            print("paused", connection.connection.info.backend_pid, flush=True)
            time.sleep(600)
    return result


with connection.execute_wrapper(pause):
    print("done", tasks.refresh_rollups(), flush=True)
"""
BATCH = 100
# Per batch the refresh upserts hours, then days, then months, then removes the marks: stop
# after the N-th upsert of the child's run, i.e. inside batch (N - 1) // 3 + 1.
KILL_AFTER = (2, 3, 4)


def database_url() -> str:
    p = connection.settings_dict
    return f"postgres://{p['USER']}:{p['PASSWORD']}@{p['HOST']}:{p['PORT'] or 5432}/{p['NAME']}"


def backend_alive(pid: int) -> bool:
    with psycopg.connect(database_url(), autocommit=True) as other:
        found = other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return found.fetchone() is not None


def run_child(stop_at: int) -> subprocess.Popen:
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")},
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "hub.settings",
    }
    return subprocess.Popen(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-c", CHILD, str(BATCH), str(stop_at)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


@on_postgresql
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("kpi_catalogue")
def test_a_refresh_killed_mid_batch_leaves_its_hours_marked_and_the_next_run_fixes_all(feed):
    # 20 days of half-hourly rows on two series, rolled up; then corrections and late rows
    # over the whole range leave stale rollups and 520 marked hours.
    start = bucket_start(hours_ago(24 * 20), "hour")
    for series, base in ((feed.oee, 50.0), (feed.series_b, 30.0)):
        write(series, [(start + dt.timedelta(minutes=30 * i), base + i % 17) for i in range(960)])
    rollups.refresh_dirty()
    assert_rollups_exact()
    for series in (feed.oee, feed.series_b):
        write(series, [(start + dt.timedelta(hours=h), 99.0 - h % 5) for h in range(0, 480, 2)])
        write(series, [(start + dt.timedelta(hours=h, minutes=45), 1.0) for h in range(40)])
    marked = dirty()
    assert len(marked) == 520
    assert stored() != from_scratch()

    done = 0
    for stop_at in KILL_AFTER:
        before = len(dirty())
        child = run_child(stop_at)
        line = child.stdout.readline().split()
        assert line[0] == "paused", line
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        child.stdout.close()
        deadline = time.monotonic() + 10
        while backend_alive(int(line[1])) and time.monotonic() < deadline:
            time.sleep(0.05)  # the server rolls the killed transaction back
        committed = (stop_at - 1) // 3  # whole batches before the one killed
        assert len(dirty()) == before - committed * BATCH
        done += committed * BATCH
        assert dirty() <= marked

    # The next run (a process of its own, not killed) recomputes what is left.
    child = run_child(10**6)
    out, _ = child.communicate(timeout=60)
    assert out.split() == ["done", str(520 - done)]
    assert not dirty()
    assert_rollups_exact()
