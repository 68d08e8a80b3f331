"""Partition upkeep on PostgreSQL (`postgres` marker; on SQLite the table is a plain one):
the beat task creates the months from last month to DATAHUB_PARTITIONS_AHEAD ahead and drops
the months past the retention; rollups stay."""

import datetime as dt

import pytest
import time_machine
from django.db import connection

from datahub import partitions, tasks
from datahub.models import Observation, RollupBucket
from datahub.services import rollups
from tests.datahub.observations import at, write

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: on SQLite the observation table has no partitions",
    ),
    pytest.mark.django_db,
]


@pytest.fixture(autouse=True)
def _fresh(settings):
    settings.DATAHUB_RAW_RETENTION_MONTHS = 6
    settings.DATAHUB_PARTITIONS_AHEAD = 2
    partitions.forget()


def names(*months):
    return [partitions.partition_name(dt.date(y, m, 1)) for y, m in months]


@time_machine.travel(at(2026, 12, 6, 3), tick=False)
def test_the_beat_task_creates_the_coming_months():
    tasks.maintain_partitions.delay().get()
    assert set(names((2026, 11), (2026, 12), (2027, 1), (2027, 2))) <= set(partitions.existing())
    assert names((2027, 3))[0] not in partitions.existing()
    # Running it again creates nothing new.
    partitions.forget()
    assert tasks.maintain_partitions.delay().get()["partitions_created"] == []


@time_machine.travel(at(2026, 12, 6, 3), tick=False)
def test_the_beat_task_drops_months_past_the_retention_and_rollups_stay(feed):
    write(feed.oee, [(at(2026, m, 15), float(m)) for m in range(1, 13)])
    rollups.refresh_dirty()
    result = tasks.maintain_partitions.delay().get()

    assert result["cutoff"] == "2026-06-01T00:00:00+00:00"
    assert result["partitions_dropped"] == names(*[(2026, m) for m in range(1, 6)])
    assert not set(result["partitions_dropped"]) & set(partitions.existing())
    assert sorted(Observation.objects.values_list("value", flat=True)) == [
        float(m) for m in range(6, 13)
    ]
    months = RollupBucket.objects.filter(series=feed.oee, rollup="month")
    assert months.count() == 12
    assert RollupBucket.objects.filter(series=feed.oee, rollup="hour").count() == 12
    # Rows the rest of the way still land in their partitions.
    write(feed.oee, [(at(2027, 2, 27), 1.0)])
    assert Observation.objects.filter(ts__year=2027).count() == 1


def test_a_row_lands_in_the_partition_of_its_utc_month(feed):
    write(feed.oee, [(at(2026, 4, 30, 23, 59), 1.0), (at(2026, 5, 1), 2.0)])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text, value FROM datahub_observation ORDER BY ts"
        )
        rows = cursor.fetchall()
    assert rows == [(names((2026, 4))[0], 1.0), (names((2026, 5))[0], 2.0)]


@pytest.mark.django_db(transaction=True)
def test_creating_and_dropping_months_does_not_make_an_ingest_wait():
    """A month is attached (SHARE UPDATE EXCLUSIVE) and an expired one detached concurrently,
    while another connection holds an open ingest transaction: a third one still inserts
    with a lock_timeout of 100 ms."""
    import threading

    import psycopg

    db = connection.settings_dict

    def connect():
        return psycopg.connect(
            dbname=db["NAME"],
            user=db["USER"],
            password=db["PASSWORD"],
            host=db["HOST"] or "127.0.0.1",
            port=db["PORT"] or 5432,
        )

    partitions.ensure(dt.date(2019, 1, 1), dt.date(2019, 1, 1))
    partitions.ensure(dt.date(2026, 5, 1), dt.date(2026, 5, 1))
    insert = (
        "INSERT INTO datahub_observation (series_id, ts, plant_id, value) "
        "VALUES (%s, '2026-05-02T00:00:00Z', 1, 1)"
    )
    with connect() as open_ingest, connect() as later_ingest:
        open_ingest.execute(insert, [1])  # left open: holds its locks
        later_ingest.execute("SET lock_timeout = '100ms'")
        with connection.cursor() as cursor:  # fail, not hang, if the upkeep waited
            cursor.execute("SET lock_timeout = '5s'")
        assert partitions.ensure(dt.date(2026, 8, 1), dt.date(2026, 8, 1)) == names((2026, 8))
        dropped = []
        upkeep = threading.Thread(target=lambda: dropped.extend(partitions.drop_before(
            dt.date(2020, 1, 1))))  # fmt: skip
        upkeep.start()
        later_ingest.execute(insert, [2])  # not queued behind the upkeep
        later_ingest.commit()
        open_ingest.commit()
        upkeep.join(timeout=30)
    assert dropped == names((2019, 1))
    assert names((2019, 1))[0] not in partitions.existing()
    assert names((2026, 8))[0] in partitions.existing()
    with connection.cursor() as cursor:
        cursor.execute("RESET lock_timeout")
    Observation.objects.all().delete()
