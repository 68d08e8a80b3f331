"""Hour, day and month rollups kept incrementally: an ingest marks the hours it touched, the
refresh recomputes them and their days and months (Asia/Seoul), so late and replaced values
correct every level. Runs on SQLite and PostgreSQL (the SQL differs per engine)."""

import datetime as dt

import pytest

from datahub import tasks
from datahub.buckets import ZONE, bucket_end, bucket_start, buckets_between, months_back
from datahub.models import DirtyBucket, RollupBucket
from datahub.services import rollups
from tests.datahub.observations import at, write

pytestmark = pytest.mark.django_db


def buckets(series, rollup):
    return {
        b.bucket: b
        for b in RollupBucket.objects.filter(series=series, rollup=rollup).order_by("bucket")
    }


def seoul(*args):
    return dt.datetime(*args, tzinfo=ZONE)


def test_hour_day_and_month_buckets_from_raw_rows(feed):
    # 2026-03-31 23:30 KST is 14:30 UTC: the last hour of March in Seoul, though March 31 UTC
    # goes on for nine more hours; 2026-04-01 00:10 KST is 2026-03-31 15:10 UTC.
    write(
        feed.oee,
        [
            (seoul(2026, 3, 31, 23, 10), 60.0),
            (seoul(2026, 3, 31, 23, 30), 70.0),
            (seoul(2026, 3, 31, 22, 0), 50.0),
            (seoul(2026, 4, 1, 0, 10), 80.0),
        ],
    )
    assert rollups.refresh_dirty() == 3
    assert not DirtyBucket.objects.exists()

    hours = buckets(feed.oee, "hour")
    assert list(hours) == [at(2026, 3, 31, 13), at(2026, 3, 31, 14), at(2026, 3, 31, 15)]
    h = hours[at(2026, 3, 31, 14)]
    assert (h.count, h.sum, h.min, h.max, h.last) == (2, 130.0, 60.0, 70.0, 70.0)
    assert h.last_ts == seoul(2026, 3, 31, 23, 30)
    assert h.mean == 65.0

    days = buckets(feed.oee, "day")
    assert list(days) == [seoul(2026, 3, 31), seoul(2026, 4, 1)]
    d = days[seoul(2026, 3, 31)]
    assert (d.count, d.sum, d.min, d.max, d.last) == (3, 180.0, 50.0, 70.0, 70.0)
    months = buckets(feed.oee, "month")
    assert list(months) == [seoul(2026, 3, 1), seoul(2026, 4, 1)]
    m = months[seoul(2026, 4, 1)]
    assert (m.count, m.sum, m.last, m.last_ts) == (1, 80.0, 80.0, seoul(2026, 4, 1, 0, 10))
    assert all(b.plant_id == feed.oee.plant_id for b in RollupBucket.objects.all())


def test_late_data_corrects_the_hour_day_and_month(feed):
    write(feed.oee, [(at(2026, 5, 10, h), 50.0 + h) for h in range(24)])
    rollups.refresh_dirty()
    day = seoul(2026, 5, 10)
    before = buckets(feed.oee, "day")[day]
    # A late row for an hour already rolled up, and one for an hour that had none.
    write(feed.oee, [(at(2026, 5, 10, 3, 30), 10.0), (at(2026, 5, 9, 20, 15), 99.0)])
    assert DirtyBucket.objects.count() == 2
    rollups.refresh_dirty()

    hour = buckets(feed.oee, "hour")[at(2026, 5, 10, 3)]
    assert (hour.count, hour.sum, hour.min, hour.last) == (2, 63.0, 10.0, 10.0)
    after = buckets(feed.oee, "day")[day]
    # 2026-05-10 KST runs from 05-09 15:00 to 05-10 15:00 UTC.
    in_day = [50.0 + h for h in range(15)] + [10.0, 99.0]
    assert after.count == 17 == before.count + 2
    assert after.sum == pytest.approx(sum(in_day))
    assert (after.min, after.max) == (10.0, 99.0)
    assert after.last == 64.0  # 14:00 UTC, still the latest row of that day
    month = buckets(feed.oee, "month")[seoul(2026, 5, 1)]
    assert month.count == 26 and month.sum == pytest.approx(sum(50.0 + h for h in range(24)) + 109)
    assert month.min == 10.0 and month.max == 99.0


def test_a_replaced_value_corrects_every_level(feed):
    write(feed.oee, [(at(2026, 6, 1, 0), 40.0), (at(2026, 6, 1, 1), 60.0)])
    rollups.refresh_dirty()
    write(feed.oee, [(at(2026, 6, 1, 1), 90.0)])  # on_conflict=replace
    rollups.refresh_dirty()
    for rollup in ("hour", "day", "month"):
        latest = max(buckets(feed.oee, rollup).values(), key=lambda b: b.last_ts)
        assert (latest.max, latest.last) == (90.0, 90.0), rollup
    month = buckets(feed.oee, "month")[seoul(2026, 6, 1)]
    assert (month.count, month.sum) == (2, 130.0)


def test_late_data_from_an_older_month_leaves_others_alone(feed):
    write(feed.oee, [(at(2026, 7, 15, 1), 70.0)])
    write(feed.produced, [(at(2026, 7, 15, 1), 500.0)])
    rollups.refresh_dirty()
    untouched = buckets(feed.produced, "month")
    write(feed.oee, [(at(2026, 2, 3, 4), 55.0)])
    assert rollups.refresh_dirty() == 1
    assert buckets(feed.produced, "month") == untouched
    assert set(buckets(feed.oee, "month")) == {seoul(2026, 2, 1), seoul(2026, 7, 1)}


def test_limit_and_batches_leave_the_rest_marked(feed, monkeypatch):
    write(feed.oee, [(at(2026, 1, 1, h), float(h)) for h in range(10)])
    assert rollups.refresh_dirty(limit=4) == 4
    assert DirtyBucket.objects.count() == 6
    monkeypatch.setattr(rollups, "BATCH", 4)
    assert rollups.refresh_dirty() == 6
    assert not DirtyBucket.objects.exists()
    assert len(buckets(feed.oee, "hour")) == 10
    day = buckets(feed.oee, "day")[seoul(2026, 1, 1)]
    assert day.count == 10 and day.sum == 45.0


def test_the_task_and_refresh_soon(feed, django_capture_on_commit_callbacks):
    write(feed.oee, [(at(2026, 8, 1, 0), 1.0)])
    assert tasks.refresh_rollups.delay().get() == 1
    write(feed.oee, [(at(2026, 8, 1, 1), 2.0)])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rollups.refresh_soon()
    assert len(callbacks) == 1
    assert not DirtyBucket.objects.exists()
    assert buckets(feed.oee, "day")[seoul(2026, 8, 1)].count == 2


def test_a_crash_during_the_recompute_leaves_the_hours_marked(feed, monkeypatch):
    write(feed.oee, [(at(2026, 9, 1, 0), 1.0)])

    def broken(d):
        return ["SELECT no_such_column FROM datahub_rollupbucket"]

    monkeypatch.setattr(rollups, "_statements", broken)
    with pytest.raises(Exception):  # noqa: B017 - whatever the engine raises
        rollups.refresh_dirty()
    assert DirtyBucket.objects.count() == 1
    assert not RollupBucket.objects.exists()


def test_mark_series_marks_every_hour_with_rows(feed):
    write(feed.oee, [(at(2026, 10, 1, h, 15), 1.0) for h in range(5)])
    DirtyBucket.objects.all().delete()
    assert rollups.mark_series([feed.oee.pk]) == 5
    assert rollups.mark_series([feed.oee.pk]) == 0  # already marked
    rollups.refresh_dirty()
    assert len(buckets(feed.oee, "hour")) == 5


@pytest.mark.parametrize(
    ("moment", "rollup", "start", "end"),
    [
        (at(2026, 3, 31, 14, 59), "hour", at(2026, 3, 31, 14), at(2026, 3, 31, 15)),
        (at(2026, 3, 31, 15, 0), "day", seoul(2026, 4, 1), seoul(2026, 4, 2)),
        (at(2026, 3, 31, 14, 59), "day", seoul(2026, 3, 31), seoul(2026, 4, 1)),
        (at(2026, 12, 31, 15), "month", seoul(2027, 1, 1), seoul(2027, 2, 1)),
        (at(2026, 2, 10), "month", seoul(2026, 2, 1), seoul(2026, 3, 1)),
    ],
)
def test_bucket_bounds(moment, rollup, start, end):
    assert bucket_start(moment, rollup) == start
    assert bucket_end(start, rollup) == end


def test_buckets_between_and_months_back():
    assert buckets_between(at(2026, 1, 1, 0, 30), at(2026, 1, 1, 3), "hour") == [
        at(2026, 1, 1, h) for h in range(3)
    ]
    assert len(buckets_between(seoul(2026, 1, 1), seoul(2027, 1, 1), "month")) == 12
    assert months_back(dt.date(2026, 3, 15), 3) == dt.date(2025, 12, 1)
    assert months_back(dt.date(2026, 3, 15), -10) == dt.date(2027, 1, 1)


def test_through_the_ingest_api_late_and_replaced_rows_correct_the_rollups(
    feed, django_capture_on_commit_callbacks
):
    """The real path: POST /api/v1/ingest/ writes and marks, its commit refreshes."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {feed.token}")

    def send(rows, **query):
        suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/api/v1/ingest/" + suffix, rows, format="json")
        assert response.status_code in (200, 201), response.content
        return response.json()

    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    day = now - dt.timedelta(days=3)
    send(
        [
            {"series": "oee", "ts": (day + dt.timedelta(minutes=m)).isoformat(), "value": 60.0}
            for m in (0, 20, 40)
        ]
    )
    assert not DirtyBucket.objects.exists()
    hour = buckets(feed.oee, "hour")[day]
    assert (hour.count, hour.sum) == (3, 180.0)

    late = day - dt.timedelta(days=1)
    send([{"series": "oee", "ts": late.isoformat(), "value": 40.0}])
    send([{"series": "oee", "ts": day.isoformat(), "value": 90.0}], on_conflict="replace")
    hour = buckets(feed.oee, "hour")[day]
    assert (hour.count, hour.sum, hour.max) == (3, 210.0, 90.0)
    month = bucket_start(day, "month")
    months = buckets(feed.oee, "month")
    total = sum(b.count for b in months.values())
    assert total == 4 and months[month].max == 90.0
    assert sum(b.sum for b in months.values()) == 250.0
    assert sum(b.count for b in buckets(feed.oee, "day").values()) == 4
