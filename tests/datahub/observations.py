"""Writing observations in tests the way the ingest's storage does: the rows, then a
DirtyBucket mark per (series, hour) touched (the rollups' work list)."""

import datetime as dt

from datahub import partitions
from datahub.buckets import bucket_start
from datahub.models import DirtyBucket, Observation

UTC = dt.UTC


def at(*args) -> dt.datetime:
    """An aware UTC datetime: at(2026, 3, 1, 5) is 2026-03-01 05:00 UTC."""
    return dt.datetime(*args, tzinfo=UTC)


def write(series, rows) -> None:
    """Store (ts, value) rows of `series`, replacing a stored value at the same time, and
    mark their hours."""
    rows = list(rows)
    if not rows:
        return
    partitions.forget()  # a rolled-back test may have created (and lost) a partition
    partitions.ensure(min(ts for ts, _ in rows), max(ts for ts, _ in rows))
    existing = set(
        Observation.objects.filter(series=series, ts__in=[ts for ts, _ in rows]).values_list(
            "ts", flat=True
        )
    )
    new = [
        Observation(series=series, plant_id=series.plant_id, ts=ts, value=value)
        for ts, value in rows
        if ts not in existing
    ]
    Observation.objects.bulk_create(new)
    for ts, value in rows:
        if ts in existing:
            Observation.objects.filter(series=series, ts=ts).update(value=value)
    hours = {bucket_start(ts, "hour") for ts, _ in rows}
    DirtyBucket.objects.bulk_create(
        [DirtyBucket(series=series, plant_id=series.plant_id, hour=hour) for hour in hours],
        ignore_conflicts=True,
    )
