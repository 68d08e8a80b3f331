"""Demo early warnings (`manage.py seed_warnings`, the step after seed_telemetry): two demo
plants under program follow-up get data that the rules flag, then the rules run once, so the
`agency` login has a queue.

- **a slump**: the first plant gets `SLUMP_DAYS` days of daily production data on a source
  "설비 모니터링" whose availability falls by a fifth `SLUMP_SINCE` days ago (OEE about 20 % lower):
  a KPI regression of OEE (and availability) with the date of the shift;
- **a silent source**: the second plant's "PLC 게이트웨이" sent two weeks of daily OEE
  and nothing for the last `SILENT_FOR` days.

Both plants have a completed project in their follow-up period and no data yet, and belong
to another company than the `sme` login's (whose plant shows its project's gain). Expired
levels and closed plants of the demo registry are flagged as they are. Running it again adds
nothing (once the demo sources exist no data is added; the rules update what they found).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db import transaction

from datahub.buckets import ZONE
from datahub.models import DataSource, Series
from datahub.services import consents, rollups, sources, warnings
from devdata import telemetry
from hub.models import Membership, Plant
from programs.choices import ProjectStatus
from programs.models import Project

SLUMP_DAYS = 150
SLUMP_SINCE = 40
SLUMP = 0.8
SLUMP_SOURCE = "설비 모니터링"
SILENT_SOURCE = "PLC 게이트웨이"
SILENT_FOR = 20


def candidates(today: dt.date, count: int = 2) -> list[Plant]:
    """Plants in a completed project's follow-up period whose project completed SLUMP_DAYS
    days ago or more (the most recent first), without data, not the `sme` login's company's."""
    completed = Project.objects.filter(
        status=ProjectStatus.COMPLETED,
        plant_id__in=consents.plants_in_follow_up(today),
        completed_on__lte=today - dt.timedelta(days=SLUMP_DAYS),
    )
    sme = Membership.objects.filter(user__username="sme").values("organization_id")
    with_data = Series.objects.filter(last_ts__isnull=False).values("plant_id")
    plants = (
        Plant.objects.filter(pk__in=completed.values("plant_id"), status="active")
        .exclude(company_id__in=sme)
        .exclude(pk__in=with_data)
        .select_related("company")
        .order_by("name", "pk")
    )
    return list(plants[:count])


def _slump(plant, actor, now) -> int:
    completed_on, gain = telemetry.project_effect(plant)
    profile = telemetry.profile_for(plant, completed_on, gain)
    turn = (now - dt.timedelta(days=SLUMP_SINCE)).astimezone(ZONE).replace(hour=0)
    start = now - dt.timedelta(days=SLUMP_DAYS)
    before = telemetry.rows(profile, start, turn, daily=True)
    slumped = dataclasses.replace(profile, availability=profile.availability * SLUMP)
    after = telemetry.rows(slumped, turn, now, daily=True)
    source, _token = sources.source_create(
        user=actor, plant=plant, name=SLUMP_SOURCE, kind="mes", description="데모 데이터"
    )
    written = 0
    for code in telemetry.KPIS:
        series = sources.series_create(user=actor, source=source, kpi=code, granularity="day")
        written += telemetry.write_rows(series, before[code] + after[code])
    return written


def _silent(plant, actor, now) -> int:
    source, _token = sources.source_create(
        user=actor, plant=plant, name=SILENT_SOURCE, kind="scada", description="데모 데이터"
    )
    series = sources.series_create(user=actor, source=source, kpi="oee", granularity="day")
    completed_on, gain = telemetry.project_effect(plant)
    last = now - dt.timedelta(days=SILENT_FOR)
    data = telemetry.rows(
        telemetry.profile_for(plant, completed_on, gain),
        last - dt.timedelta(days=14),
        last,
        daily=True,
    )["oee"]
    written = telemetry.write_rows(series, data)
    # The rows arrived when they were measured: the source has been silent since.
    DataSource.objects.filter(pk=source.pk).update(last_data_at=last)
    Series.objects.filter(pk=series.pk).update(last_data_at=last)
    return written


def seed(*, actor, now=None) -> dict:
    now = (now or dt.datetime.now(dt.UTC)).replace(minute=0, second=0, microsecond=0)
    today = now.astimezone(ZONE).date()
    seeded = DataSource.objects.filter(name__in=[SLUMP_SOURCE, SILENT_SOURCE]).exists()
    plants = [] if seeded else candidates(today)
    rows = 0
    with transaction.atomic():
        if plants:
            rows += _slump(plants[0], actor, now)
        if len(plants) > 1:
            rows += _silent(plants[1], actor, now)
    if rows:
        rollups.refresh_dirty()
    summary = warnings.run_early_warning(today=today)
    opened = {kind: row["opened"] + row["updated"] for kind, row in summary["rules"].items()}
    return {"plants": [str(p) for p in plants], "rows": rows, "warnings": opened}
