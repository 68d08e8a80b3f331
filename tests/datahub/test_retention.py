"""Retention of raw observations (DATAHUB_RAW_RETENTION_MONTHS): whole months past it are
removed (partitions dropped on PostgreSQL, rows deleted on SQLite), the rollups stay and stay
right, and the plant is told (policy_for). Both engines."""

import datetime as dt

import pytest

from datahub import partitions, tasks
from datahub.models import DirtyBucket, Observation, RollupBucket
from datahub.services import retention, rollups
from tests.datahub.observations import at, write

pytestmark = pytest.mark.django_db
NOW = at(2026, 12, 6, 3)


@pytest.fixture(autouse=True)
def _twelve_months(settings):
    settings.DATAHUB_RAW_RETENTION_MONTHS = 12
    partitions.forget()


def months_of_data(series, first, count, value=1.0):
    """One row at 02:00 UTC on the 10th of `count` months from `first` (a date)."""
    rows, year, month = [], first.year, first.month
    for _ in range(count):
        rows.append((at(year, month, 10, 2), value))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    write(series, rows)


def test_cutoff_keeps_the_current_month_and_the_retention_before_it():
    assert retention.cutoff(NOW) == at(2025, 12, 1)
    assert retention.cutoff(at(2026, 1, 31, 23)) == at(2025, 1, 1)


def test_old_months_are_removed_and_rollups_stay(feed):
    months_of_data(feed.oee, dt.date(2025, 6, 1), 19)  # June 2025 … December 2026
    months_of_data(feed.series_b, dt.date(2025, 9, 1), 3, value=5.0)  # … November 2025
    rollups.refresh_dirty()
    rollups_before = RollupBucket.objects.count()

    result = retention.apply(NOW)

    assert result["cutoff"] == at(2025, 12, 1)
    kept = Observation.objects.order_by("ts")
    assert kept.filter(series=feed.oee).count() == 13  # December 2025 … December 2026
    assert kept.first().ts == at(2025, 12, 10, 2)
    assert not kept.filter(series=feed.series_b).exists()
    assert RollupBucket.objects.count() == rollups_before
    june = RollupBucket.objects.get(series=feed.oee, rollup="month", bucket=at(2025, 5, 31, 15))
    assert (june.count, june.sum) == (1, 1.0)
    if partitions.is_partitioned():
        assert result["partitions_dropped"] == [
            partitions.partition_name(dt.date(2025, m, 1)) for m in range(6, 12)
        ]
        assert partitions.partition_name(dt.date(2025, 12, 1)) in partitions.existing()
    else:
        assert result["rows_deleted"] == 6 + 3


def test_marked_hours_are_refreshed_before_their_rows_go(feed):
    write(feed.oee, [(at(2025, 3, 1, 0), 7.0)])  # never refreshed yet
    retention.apply(NOW)
    assert not Observation.objects.exists()
    assert not DirtyBucket.objects.exists()
    day = RollupBucket.objects.get(series=feed.oee, rollup="day")
    assert (day.count, day.sum) == (1, 7.0)


def test_late_data_after_the_retention_keeps_older_hours_of_its_day(feed):
    """A day whose early hours are past the retention is rebuilt from its hour rollups: a
    late row in its last hour does not lose the hours whose raw rows are gone."""
    write(feed.oee, [(at(2025, 11, 30, 14), 1.0), (at(2025, 11, 30, 15, 30), 2.0)])
    rollups.refresh_dirty()
    retention.apply(NOW)  # November 2025 (UTC) goes
    write(feed.oee, [(at(2025, 12, 1, 14, 45), 3.0)])  # 1 December KST, still kept
    rollups.refresh_dirty()
    december_first = RollupBucket.objects.get(
        series=feed.oee, rollup="day", bucket=at(2025, 11, 30, 15)
    )
    assert (december_first.count, december_first.sum) == (2, 5.0)


def test_the_plant_is_told_how_long_its_raw_data_is_kept(feed, world):
    policy = retention.policy_for(world.plant_a, now=NOW)
    assert (policy.months, policy.cutoff, policy.oldest_raw) == (12, at(2025, 12, 1), None)
    months_of_data(feed.oee, dt.date(2025, 10, 1), 4)
    months_of_data(feed.series_b, dt.date(2025, 1, 1), 1)
    assert retention.policy_for(world.plant_a, now=NOW).oldest_raw == at(2025, 10, 10, 2)
    retention.apply(NOW)
    assert retention.policy_for(world.plant_a, now=NOW).oldest_raw == at(2025, 12, 10, 2)


def test_the_beat_task_applies_the_retention(feed, settings):
    settings.DATAHUB_RAW_RETENTION_MONTHS = 0  # only the current month is kept
    write(feed.oee, [(at(2020, 1, 1), 1.0)])
    result = tasks.maintain_partitions.delay().get()
    assert not Observation.objects.exists()
    assert RollupBucket.objects.filter(series=feed.oee, rollup="month").count() == 1
    assert "cutoff" in result
