"""Peers for benchmark tests: plants of one division with month rollups of their KPIs over
the benchmark period and, by default, a national-statistics consent."""

import datetime as dt

from datahub import benchmarks, disclosure
from datahub.buckets import ZONE
from datahub.choices import Purpose
from datahub.models import RollupBucket
from datahub.services import consents, sources
from hub.choices import Industry, Region
from tests.factories import PlantFactory

DIVISION = Industry.FABRICATED_METALS


def month_starts(months=12):
    span = benchmarks.period()
    first = span.first
    return [
        dt.datetime.combine(disclosure.add_months(first, i), dt.time(), ZONE) for i in range(months)
    ]


def give(admin, plant, values: dict, *, consent=True, months=None):
    """Month rollups of the plant's KPIs (code -> mean) over the benchmark period, and a
    national-statistics consent."""
    source, _token = sources.source_create(user=admin, plant=plant, name=f"MES {plant.pk}")
    rows = []
    for code, value in values.items():
        series = sources.series_create(user=admin, source=source, kpi=code)
        for start in months or month_starts():
            rows.append(
                RollupBucket(
                    series=series,
                    rollup="month",
                    bucket=start,
                    plant_id=plant.pk,
                    count=10,
                    sum=10 * value,
                    min=value,
                    max=value,
                    last=value,
                    last_ts=start,
                )
            )
    RollupBucket.objects.bulk_create(rows)
    if consent:
        consents.consent_grant(user=admin, plant=plant, purpose=Purpose.STATISTICS)
    return plant


def peer(admin, values, *, consent=True, **fields):
    fields = {"industry": DIVISION, "region": Region.GYEONGGI, "employees": 35, **fields}
    return give(admin, PlantFactory(**fields), values, consent=consent)
