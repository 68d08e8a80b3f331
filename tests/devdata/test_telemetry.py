"""Demo telemetry (devdata/telemetry.py, `manage.py seed_telemetry`, a step of seed_demo):
plausible, consistent and deterministic rows; better after the project by about its gain;
written in bulk with their rollups; seeding again adds nothing."""

import datetime as dt
import io
import statistics

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from datahub.buckets import ZONE
from datahub.choices import DatasetStatus, Purpose
from datahub.models import (
    Consent,
    DataSource,
    DirtyBucket,
    Observation,
    RollupBucket,
    Series,
)
from datahub.services import datasets
from devdata import telemetry, warnings_demo
from hub.models import Membership

START = dt.datetime(2026, 1, 5, tzinfo=ZONE)  # a Monday
END = START + dt.timedelta(days=56)
COMPLETED = dt.date(2026, 1, 31)


def profile(gain=0.3, completed_on=COMPLETED):
    return telemetry.Profile(
        seed="test",
        availability=0.72,
        performance=0.75,
        quality=0.94,
        rate=200,
        completed_on=completed_on,
        gain=gain,
    )


def test_rows_are_consistent_and_idle_hours_send_nothing():
    data = telemetry.rows(profile(), START, END)
    assert set(data) == set(telemetry.KPIS)
    assert len({len(values) for values in data.values()}) == 1
    for i, (ts, oee) in enumerate(data["oee"]):
        a, p, q = (data[code][i][1] for code in ("availability", "performance", "quality_rate"))
        produced, good = data["produced_quantity"][i][1], data["good_quantity"][i][1]
        assert good <= produced
        assert q == pytest.approx(100 * good / produced, abs=0.01)
        assert oee == pytest.approx(a * p * q / 10_000, abs=0.02)
        assert 0 < oee < 100
        local = ts.astimezone(ZONE)
        assert local.weekday() != 6 and local.hour >= 8
        assert local.weekday() != 5 or local.hour < 16
    # 5 weekdays x 16 h + 8 h on Saturday, for 8 weeks
    assert len(data["oee"]) == 8 * (5 * 16 + 8)


def test_oee_is_plausible_and_better_after_the_project_by_about_its_gain():
    data = telemetry.rows(profile(gain=0.3), START, END)
    before = [v for ts, v in data["oee"] if ts.astimezone(ZONE).date() <= COMPLETED]
    after = [v for ts, v in data["oee"] if ts.astimezone(ZONE).date() > COMPLETED]
    assert 45 <= statistics.mean(before) <= 85 and 45 <= statistics.mean(after) <= 85
    ratio = statistics.mean(after) / statistics.mean(before)
    assert 1.25 <= ratio <= 1.40  # +30 % productivity, +2 points of quality


def test_a_large_gain_stays_below_about_85_percent():
    data = telemetry.rows(profile(gain=0.6, completed_on=dt.date(2025, 1, 1)), START, END)
    assert statistics.mean(v for _, v in data["oee"]) <= 85


def test_the_same_plant_gets_the_same_rows():
    assert telemetry.rows(profile(), START, END) == telemetry.rows(profile(), START, END)
    other = telemetry.Profile(**{**profile().__dict__, "seed": "other"})
    assert telemetry.rows(other, START, END) != telemetry.rows(profile(), START, END)


def test_daily_rows_sum_the_day():
    hourly = telemetry.rows(profile(), START, START + dt.timedelta(days=7))
    daily = telemetry.rows(profile(), START, START + dt.timedelta(days=7), daily=True)
    assert len(daily["oee"]) == 6  # no Sunday
    assert daily["oee"][0][0] == START
    assert sum(v for _, v in daily["produced_quantity"]) == pytest.approx(
        sum(v for _, v in hourly["produced_quantity"])
    )


def counts():
    return [m.objects.count() for m in (DataSource, Series, Observation, RollupBucket)]


def test_seed_demo_gives_plants_with_completed_projects_telemetry_and_rollups(seeded):
    fed = Series.objects.filter(kpi__code="oee", last_ts__isnull=False)
    # (seed_warnings, the next step, feeds two more plants: tests/devdata/test_warnings_demo.py)
    sources = (
        DataSource.objects.filter(series__in=fed)
        .exclude(name__in=[warnings_demo.SLUMP_SOURCE, warnings_demo.SILENT_SOURCE])
        .select_related("plant")
    )
    assert sources.count() == 8
    # the `sme` login's plant with a completed project first, on its own demo source
    sme = Membership.objects.get(user__username="sme")
    own = sources.filter(plant__company_id=sme.organization_id)
    assert [s.name for s in own] == ["MES"]
    assert Series.objects.get(source=own[0], kpi__code="oee").granularity == "hour"
    for source in sources:
        assert source.plant.projects.filter(status="completed").exists()
        assert source.last_data_at is not None
    hourly = Series.objects.filter(granularity="hour", kpi__code="oee")
    assert hourly.count() == 2
    assert Observation.objects.filter(series__in=hourly).count() > 2 * 25 * 16 * 0.8
    assert not DirtyBucket.objects.exists()
    for series in Series.objects.filter(source__in=sources):
        rows = Observation.objects.filter(series=series).count()
        days = RollupBucket.objects.filter(series=series, rollup="day")
        assert rows and sum(days.values_list("count", flat=True)) == rows


def test_seeding_again_adds_nothing(seeded):
    before = counts()
    call_command("seed_telemetry", plants=30, force=True, stdout=io.StringIO())
    assert counts() == before


def test_the_fed_plants_lend_their_data_to_research_and_an_official_builds_a_dataset(
    seeded, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path)
    # The telemetry's plants (seed_warnings' two plants only show warnings, they lend nothing).
    fed = set(
        Series.objects.filter(kpi__code="oee", last_ts__isnull=False)
        .exclude(source__name__in=[warnings_demo.SLUMP_SOURCE, warnings_demo.SILENT_SOURCE])
        .values_list("plant_id", flat=True)
    )
    research = Consent.objects.active().filter(purpose=Purpose.RESEARCH)
    assert set(research.values_list("plant_id", flat=True)) == fed
    # A 30-plant demo holds 30 days; give the same plants four months, so that whole months
    # a month old exist (the full demo holds a year).
    DataSource.objects.all().delete()
    Observation.objects.all().delete()
    RollupBucket.objects.all().delete()
    call_command(
        "seed_telemetry",
        plants=30,
        hourly_plants=0,
        daily_plants=8,
        days=120,
        force=True,
        stdout=io.StringIO(),
    )
    official = get_user_model().objects.get(username="official")
    with django_capture_on_commit_callbacks(execute=True):
        dataset = datasets.dataset_request(user=official, title="Demo", as_of=timezone.localdate())
    dataset.refresh_from_db()
    assert dataset.status == DatasetStatus.READY, dataset.refusal_reason or dataset.error
    assert dataset.plant_count == 8 and dataset.row_count > 0


def test_sizes_and_days_are_options(seeded):
    DataSource.objects.all().delete()
    Observation.objects.all().delete()
    out = io.StringIO()
    call_command(
        "seed_telemetry", plants=30, hourly_plants=1, daily_plants=0, days=3, force=True, stdout=out
    )
    assert "for 1 plants" in out.getvalue()
    assert Observation.objects.count() <= 6 * 3 * 16
