"""How long raw observations are kept, and their removal (DATAHUB_RAW_RETENTION_MONTHS).

Raw observations older than the retention are removed a whole month at a time: on PostgreSQL
by dropping the month's partition (instant, no bloat), on SQLite by a DELETE. Rollups (hour,
day, month) are kept: days and months are computed from hours and days, never from raw rows.
Before anything is dropped the marked hours are refreshed, so no rollup misses a raw row.

The plant sees the policy on its page (`policy_for`): never a silent loss.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Min, OuterRef, Subquery
from django.utils import timezone

from datahub import partitions
from datahub.buckets import months_back
from datahub.models import DirtyBucket, Observation, Series
from datahub.services import rollups


def cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Raw rows before this moment (the start of a UTC month) are past the retention: the
    current month and the DATAHUB_RAW_RETENTION_MONTHS months before it are kept."""
    month = months_back(now or timezone.now(), settings.DATAHUB_RAW_RETENTION_MONTHS)
    return dt.datetime.combine(month, dt.time(), dt.UTC)


@dataclass(frozen=True)
class RetentionPolicy:
    """What the plant's page says about how long its data is kept."""

    months: int
    cutoff: dt.datetime
    oldest_raw: dt.datetime | None  # the plant's oldest raw observation still stored


def policy_for(plant, now: dt.datetime | None = None) -> RetentionPolicy:
    # The first row of each series (an index probe per series and partition), then the least.
    first = Observation.objects.filter(series=OuterRef("pk")).order_by("ts").values("ts")[:1]
    oldest = (
        Series.objects.filter(plant=plant)
        .annotate(first=Subquery(first))
        .aggregate(oldest=Min("first"))["oldest"]
    )
    return RetentionPolicy(
        months=settings.DATAHUB_RAW_RETENTION_MONTHS, cutoff=cutoff(now), oldest_raw=oldest
    )


def apply(now: dt.datetime | None = None) -> dict:
    """Remove the raw observations past the retention; returns what was removed."""
    limit = cutoff(now)
    rollups.refresh_dirty()
    with transaction.atomic():
        DirtyBucket.objects.filter(hour__lt=limit).delete()
        if not partitions.is_partitioned():
            deleted, _ = Observation.objects.filter(ts__lt=limit).delete()
            return {"cutoff": limit, "partitions_dropped": [], "rows_deleted": deleted}
    # After the commit: partitions are detached concurrently, so no ingest waits on a lock.
    dropped = partitions.drop_before(limit.date())
    return {"cutoff": limit, "partitions_dropped": dropped, "rows_deleted": None}


def maintain(now: dt.datetime | None = None) -> dict:
    """The beat's upkeep: monthly partitions from last month to DATAHUB_PARTITIONS_AHEAD
    months ahead exist, and the retention is applied."""
    now = now or timezone.now()
    created = partitions.ensure(
        months_back(now, 1), months_back(now, -settings.DATAHUB_PARTITIONS_AHEAD)
    )
    return {"partitions_created": created, **apply(now)}
