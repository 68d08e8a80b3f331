"""The dashboard's reads of the rollup tables: every series of a plant in one query per kind of
read, bucket times as whole epoch seconds (turning thousands of timestamps into datetimes in
the driver cost more than the rest of a request), and the runs of buckets without data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import F, Func, IntegerField, Q

from datahub.buckets import ZONE, bucket_start
from datahub.choices import Aggregation, Rollup
from datahub.models import RollupBucket

RECENT_DAYS = 30


@dataclass(frozen=True)
class Cell:
    """What the dashboard needs of one rollup bucket: its start as whole epoch seconds (read so
    from the database: turning thousands of timestamps into datetimes in the driver cost more
    than the rest of a request), count, sum and last value."""

    at: int
    count: int
    sum: float
    last: float


def value_of(bucket, aggregation: str) -> float:
    """A bucket's value as the KPI aggregates: total, last value or mean."""
    if aggregation == Aggregation.SUM:
        return bucket.sum
    if aggregation == Aggregation.LAST:
        return bucket.last
    return bucket.sum / bucket.count


def epoch(column: str) -> Func:
    """A timestamp column as whole epoch seconds, on either engine (SQLite keeps UTC text;
    the doubled percent signs survive the template and the driver's placeholder style)."""
    if connection.vendor == "postgresql":
        template = "EXTRACT(EPOCH FROM %(expressions)s)::bigint"
    else:
        template = "CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)"
    return Func(F(column), template=template, output_field=IntegerField())


def epochs_of(slots: list[dt.datetime]) -> list[int]:
    return [int(slot.timestamp()) for slot in slots]


@dataclass(frozen=True)
class Gap:
    """Buckets without data, from `start` up to (not including) `end`."""

    start: dt.datetime
    end: dt.datetime
    buckets: int


def gaps_of(
    slots: list[dt.datetime], present: set[int], end: dt.datetime, epochs: list[int] | None = None
) -> list[Gap]:
    """Runs of consecutive slots without a bucket (`present`: the starts, epoch seconds, of
    the slots with one; `epochs`: the slots' own, when the caller has them)."""
    if epochs is None:
        epochs = epochs_of(slots)
    runs: list[Gap] = []
    first = None
    count = 0
    for index, epoch in enumerate(epochs):
        if epoch in present:
            if first is not None:
                runs.append(Gap(first, slots[index], count))
                first, count = None, 0
            continue
        if first is None:
            first = slots[index]
        count += 1
    if first is not None:
        runs.append(Gap(first, end, count))
    return runs


_CELL = ("at", "count", "sum", "last")


def period_cells(wanted: dict[int, str], start: dt.datetime, end: dt.datetime) -> dict:
    """{series id: [Cell]} at each series' rollup over [bucket holding start, end): one
    query, whatever the number of series."""
    result: dict[int, list[Cell]] = {pk: [] for pk in wanted}
    if not wanted:
        return result
    condition = Q()
    for rollup in sorted(set(wanted.values())):
        ids = [pk for pk, r in wanted.items() if r == rollup]
        condition |= Q(series_id__in=ids, rollup=rollup, bucket__gte=bucket_start(start, rollup))
    rows = (
        RollupBucket.objects.filter(condition, bucket__lt=end)
        .annotate(at=epoch("bucket"))
        .order_by("series_id", "rollup", "bucket")
        .values_list("series_id", "rollup", *_CELL)
    )
    for series_id, rollup, *cell in rows:
        if wanted[series_id] == rollup:
            result[series_id].append(Cell(*cell))
    return result


def recent_cells(series_ids, now: dt.datetime) -> dict[int, list[Cell]]:
    """The day buckets of the last RECENT_DAYS days of each series, in one query."""
    since = bucket_start(now - dt.timedelta(days=RECENT_DAYS - 1), Rollup.DAY)
    result: dict[int, list[Cell]] = {pk: [] for pk in series_ids}
    rows = (
        RollupBucket.objects.filter(series_id__in=series_ids, rollup=Rollup.DAY, bucket__gte=since)
        .annotate(at=epoch("bucket"))
        .order_by("series_id", "bucket")
        .values_list("series_id", *_CELL)
    )
    for series_id, *cell in rows:
        result[series_id].append(Cell(*cell))
    return result


def month_cells(series_ids) -> dict[int, list[tuple[Cell, int]]]:
    """Every month bucket of each series with the time of its last value (epoch seconds)."""
    result: dict[int, list[tuple[Cell, int]]] = {pk: [] for pk in series_ids}
    rows = (
        RollupBucket.objects.filter(series_id__in=series_ids, rollup=Rollup.MONTH)
        .annotate(at=epoch("bucket"), last_at=epoch("last_ts"))
        .order_by("series_id", "bucket")
        .values_list("series_id", *_CELL, "last_at")
    )
    for series_id, *cell, last_at in rows:
        result[series_id].append((Cell(*cell), last_at))
    return result


def month_of(epoch: int) -> dt.date:
    return dt.datetime.fromtimestamp(epoch, ZONE).date().replace(day=1)
