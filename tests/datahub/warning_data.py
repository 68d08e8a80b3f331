"""Writing day rollups for the early-warning tests: the KPI rule reads only day buckets."""

import datetime as dt
import random

from datahub.buckets import ZONE
from datahub.models import RollupBucket, Series

TODAY = dt.date(2026, 12, 6)


def day_rollups(series, values, *, end=TODAY, hours=16):
    """One day bucket per value, the last one the day before `end`; None leaves a gap."""
    first = end - dt.timedelta(days=len(values))
    rows = []
    for i, value in enumerate(values):
        if value is None:
            continue
        day = first + dt.timedelta(days=i)
        start = dt.datetime.combine(day, dt.time.min, tzinfo=ZONE)
        rows.append(
            RollupBucket(
                series_id=series.pk,
                plant_id=series.plant_id,
                rollup="day",
                bucket=start,
                count=hours,
                sum=value * hours,
                min=value - 1,
                max=value + 1,
                last=value,
                last_ts=start + dt.timedelta(hours=20),
            )
        )
    RollupBucket.objects.filter(series_id=series.pk, rollup="day").delete()
    RollupBucket.objects.bulk_create(rows)
    last = dt.datetime.combine(end - dt.timedelta(days=1), dt.time(20), tzinfo=ZONE)
    Series.objects.filter(pk=series.pk).update(last_ts=last, last_data_at=last)


def step(before, after, at, n=180, sigma=1.5, seed=7):
    """n daily values: `before` until index `at`, then `after`, with Gaussian noise."""
    rng = random.Random(seed)
    return [(before if i < at else after) + rng.gauss(0, sigma) for i in range(n)]


def shift_day(at, n=180, end=TODAY):
    return end - dt.timedelta(days=n) + dt.timedelta(days=at)
