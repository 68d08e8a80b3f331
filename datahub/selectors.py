"""Reads of the data hub: a series' points or buckets over a period, and what the plant page
shows (sources, series with their latest value and last 30 days, whether a plant is
connected). Visibility and consent are the caller's (`visible_to`, services.access)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, F, OuterRef, Prefetch, Q, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone
from django.utils.translation import gettext as _

from datahub.buckets import EARLIEST, ZONE, bucket_start
from datahub.choices import Purpose, Rollup
from datahub.models import (
    AccessLogEntry,
    Consent,
    DataSource,
    Observation,
    ReadKind,
    RollupBucket,
    Series,
    SourceToken,
)
from hub.models import Plant

# How far one read may reach: raw rows of one series over at most this span (about 9,600
# hourly rows); hour buckets over twice that; day and month buckets over any span.
MAX_SPAN = {None: dt.timedelta(days=400), Rollup.HOUR: dt.timedelta(days=800)}
# A plant is connected when one of its active sources sent data this recently.
CONNECTED_WITHIN = dt.timedelta(days=30)


@dataclass(frozen=True)
class Point:
    ts: dt.datetime
    value: float


@dataclass(frozen=True)
class Bucket:
    start: dt.datetime
    count: int
    sum: float
    min: float
    max: float
    last: float
    last_ts: dt.datetime

    @property
    def mean(self) -> float:
        return self.sum / self.count


def check_span(start: dt.datetime, end: dt.datetime, rollup: str | None) -> None:
    """Raise ValidationError (field errors) for an empty, too early or too long period."""
    if start < EARLIEST:
        raise ValidationError({"start": _("The period is out of range.")})
    if end <= start:
        raise ValidationError({"end": _("The end must be after the start.")})
    limit = MAX_SPAN.get(rollup)
    if limit is not None and end - start > limit:
        raise ValidationError(
            {
                "start": _(
                    "At most %(days)d days can be read at once at this resolution; ask for a "
                    "rollup (hour, day or month) or a shorter period."
                )
                % {"days": limit.days}
            }
        )


def series_points(
    series: Series | int, start: dt.datetime, end: dt.datetime, rollup: str | None = None
) -> list[Point] | list[Bucket]:
    """The raw points of `series` in [start, end), or its hour/day/month buckets from the
    bucket holding `start` up to `end`, in time order. Missing hours, days or months are
    simply absent (gaps stay gaps: nothing is interpolated)."""
    check_span(start, end, rollup)
    series_id = series if isinstance(series, int) else series.pk
    if rollup is None:
        if connection.vendor == "postgresql":
            return _raw_points_postgresql(series_id, start, end)
        rows = (
            Observation.objects.filter(series_id=series_id, ts__gte=start, ts__lt=end)
            .order_by("ts")
            .values_list("ts", "value")
        )
        return [Point(ts, value) for ts, value in rows]
    rows = (
        RollupBucket.objects.filter(
            series_id=series_id,
            rollup=rollup,
            bucket__gte=bucket_start(start, rollup),
            bucket__lt=end,
        )
        .order_by("bucket")
        .values_list("bucket", "count", "sum", "min", "max", "last", "last_ts")
    )
    return [Bucket(*row) for row in rows]


def _raw_points_postgresql(series_id: int, start, end) -> list[Point]:
    """The same read with the times sent as whole epoch seconds and microseconds: the index
    scan takes about a millisecond for a year of hours, turning 8,760 timestamptz values
    into datetimes in the driver took most of the rest (three times as long)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT extract(epoch FROM date_trunc('second', ts))::bigint, "
            "extract(microseconds FROM ts)::integer %% 1000000, value "
            "FROM datahub_observation WHERE series_id = %s AND ts >= %s AND ts < %s "
            "ORDER BY ts",
            [series_id, start, end],
        )
        rows = cursor.fetchall()
    at = dt.datetime.fromtimestamp
    return [
        Point(at(seconds, dt.UTC).replace(microsecond=micro) if micro else at(seconds, dt.UTC), v)
        for seconds, micro, v in rows
    ]


def daily_buckets(series_ids, *, days: int = 30, now=None) -> dict[int, list[Bucket]]:
    """The day buckets of the last `days` days of each series, in one query."""
    now = now or timezone.now()
    start = bucket_start(now - dt.timedelta(days=days - 1), Rollup.DAY)
    result: dict[int, list[Bucket]] = {pk: [] for pk in series_ids}
    rows = (
        RollupBucket.objects.filter(series_id__in=series_ids, rollup=Rollup.DAY, bucket__gte=start)
        .order_by("series_id", "bucket")
        .values_list("series_id", "bucket", "count", "sum", "min", "max", "last", "last_ts")
    )
    for series_id, *bucket in rows:
        result[series_id].append(Bucket(*bucket))
    return result


def plant_sources(plant, user):
    """The plant's data sources `user` may see, with their tokens and series (each series
    annotated with its latest value from the month rollups): three queries."""
    latest = RollupBucket.objects.filter(series=OuterRef("pk"), rollup=Rollup.MONTH).order_by(
        "-bucket"
    )
    series = (
        Series.objects.select_related("kpi")
        .annotate(
            latest_value=Subquery(latest.values("last")[:1]),
            latest_at=Subquery(latest.values("last_ts")[:1]),
        )
        .order_by("key")
    )
    return list(
        DataSource.objects.visible_to(user)
        .filter(plant=plant)
        .order_by("name", "pk")
        .prefetch_related(
            Prefetch("tokens", queryset=SourceToken.objects.order_by("-created_at", "-pk")),
            Prefetch("series", queryset=series),
        )
    )


def connected_filter(now=None) -> Q:
    """Plants with an active source that sent data within CONNECTED_WITHIN (a Plant filter)."""
    since = (now or timezone.now()) - CONNECTED_WITHIN
    return Q(
        pk__in=DataSource.objects.filter(is_active=True, last_data_at__gte=since).values("plant_id")
    )


def connected_plants(*, as_of: dt.date | None = None, now=None, among=None):
    """The plants connected as of a day, as a one-column values queryset
    (`connected_plant_id`) to use in a subquery. On today (or `as_of` None) exactly
    `connected_filter(now)`: an active source that received data within CONNECTED_WITHIN.
    For a past day the hub keeps no history of `last_data_at`, so the day rollups stand in:
    a series of an active source with data for one of the CONNECTED_WITHIN days ending that
    day (Asia/Seoul). That counts data *about* the window, not data *received* in it (a later
    backfill fills the past), and `is_active` is today's flag (docs/datahub/national.md).
    `among`: a Plant queryset to look in (by default every plant)."""
    now = now or timezone.now()
    plants = Plant.objects.order_by()  # no ORDER BY (the plant's default) in a subquery
    if among is not None:
        plants = plants.filter(pk__in=among.order_by().values("pk"))
    if as_of is None or as_of >= timezone.localdate(now):
        return plants.filter(connected_filter(now)).values(connected_plant_id=F("pk"))
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), ZONE)
    days = RollupBucket.objects.filter(
        series=OuterRef("pk"),
        rollup=Rollup.DAY,
        bucket__gte=end - CONNECTED_WITHIN,
        bucket__lt=end,
    )
    # Per plant, its series one by one until one has a day in the window: one primary-key
    # probe for a connected plant, one per series for the others.
    series = Series.objects.order_by().filter(plant=OuterRef("pk"), source__is_active=True)
    return plants.filter(Exists(series.filter(Exists(days)))).values(connected_plant_id=F("pk"))


def last_data_at(sources) -> dt.datetime | None:
    times = [s.last_data_at for s in sources if s.is_active and s.last_data_at]
    return max(times, default=None)


def is_connected(sources, now=None) -> bool:
    latest = last_data_at(sources)
    return latest is not None and latest >= (now or timezone.now()) - CONNECTED_WITHIN


def dataset_withdrawals(datasets) -> dict[int, int]:
    """For released research datasets: how many of the plants whose data went into each one
    have since withdrawn their research consent (revoked after the build and not granted
    again). The released files cannot change (their hash is published), so the dataset says
    it instead. Contributions are the access-log entries the build wrote (2 queries)."""
    built = {d.pk: d.built_at for d in datasets if d.built_at is not None}
    if not built:
        return {}
    contributions = (
        AccessLogEntry.objects.filter(purpose=Purpose.RESEARCH, kind=ReadKind.DATASET)
        .annotate(dataset_key=KeyTextTransform("dataset", "details"))
        .filter(dataset_key__in=[str(pk) for pk in built])
        .values_list("dataset_key", "plant_id")
        .distinct()
    )
    by_dataset: dict[int, set[int]] = {}
    for key, plant_id in contributions:
        by_dataset.setdefault(int(key), set()).add(plant_id)
    plants = set().union(*by_dataset.values()) if by_dataset else set()
    if not plants:
        return {}
    now = timezone.now()
    consenting_now: set[int] = set()
    last_revoked: dict[int, object] = {}
    for plant_id, revoked_at, expires_at in Consent.objects.filter(
        purpose=Purpose.RESEARCH, plant_id__in=plants
    ).values_list("plant_id", "revoked_at", "expires_at"):
        if revoked_at is None and (expires_at is None or expires_at > now):
            consenting_now.add(plant_id)
        elif revoked_at is not None:
            last_revoked[plant_id] = max(revoked_at, last_revoked.get(plant_id, revoked_at))
    return {
        pk: sum(
            1
            for plant_id in by_dataset.get(pk, ())
            if plant_id not in consenting_now
            and plant_id in last_revoked
            and last_revoked[plant_id] > built[pk]
        )
        for pk in built
    }
