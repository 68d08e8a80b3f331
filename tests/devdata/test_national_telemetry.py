"""The national telemetry generator (`devdata.national_telemetry`, `seed_national_telemetry`)
at a tiny scale on both engines — binary COPY into fresh partitions and bulk-SQL rollups on
PostgreSQL, bulk_create and the data hub's refresh on SQLite — and a smoke run of
`benchmark_datahub` on PostgreSQL."""

import datetime as dt
import io
import json
import math

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from datahub import partitions
from datahub.choices import Purpose
from datahub.models import Consent, DataSource, Observation, RollupBucket, Series
from datahub.services import rollups
from devdata import national_telemetry as nt
from tests.factories import PlantFactory

END = dt.date(2026, 11, 20)


@pytest.fixture
def plants(db):
    partitions.forget()
    yield [PlantFactory() for _ in range(4)]
    partitions.forget()


def _plan(seed=nt.SEED, days=40):
    return nt.choose(plants=4, hourly=1, days=days, seed=seed, end=END)


def _write(plan):
    nt.write_metadata(plan)
    if connection.vendor == "postgresql":
        return nt.write_postgresql(plan)
    return nt.write_orm(plan)


def _rollups(ids, daily):
    return {
        (r[0], r[1], r[2]): r[3:]
        for r in RollupBucket.objects.filter(series_id__in=ids).values_list(
            "series_id", "rollup", "bucket", "count", "sum", "min", "max", "last", "last_ts"
        )
        if not (r[0] in daily and r[1] == "hour")
    }


def _same(a, b):
    return all(
        math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9) if isinstance(x, float) else x == y
        for x, y in zip(a, b, strict=True)
    )


def test_rows_match_the_plan_and_rollups_a_recomputation(plants):
    plan = _plan()
    written = _write(plan)
    assert written == plan.row_count() == Observation.objects.count() > 0
    hourly = [p for p in plan.plants if p.hourly]
    assert len(hourly) == 1 and Series.objects.filter(granularity="hour").count() == len(nt.CODES)
    assert Series.objects.count() == len(nt.CODES) * 4
    # Each row is the value the plan gives (the COPY path writes month slices).
    for p in plan.plants:
        oee = Series.objects.get(plant_id=p.plant_id, kpi__code="oee")
        stored = list(
            Observation.objects.filter(series=oee).order_by("ts").values_list("value", flat=True)
        )
        assert stored == pytest.approx(nt.series_values(plan, p, "oee"))
        assert all(0 <= v <= 100 for v in stored)
    # Rollups equal the data hub's own computation from scratch.
    ids = [pk for p in plan.plants for pk in p.series_ids]
    daily = set(Series.objects.filter(granularity="day").values_list("pk", flat=True))
    built = _rollups(ids, daily)
    assert {key[1] for key in built} == {"hour", "day", "month"}
    RollupBucket.objects.all().delete()
    rollups.mark_series(ids)
    rollups.refresh_dirty()
    again = _rollups(ids, daily)
    assert set(built) == set(again)
    assert all(_same(built[k], again[k]) for k in built)
    # Sources carry the last data time; consents are given to some.
    assert DataSource.objects.filter(name=nt.SOURCE_NAME, last_data_at__isnull=False).count() == 4
    assert Consent.objects.filter(purpose=Purpose.STATISTICS).count() == sum(
        Purpose.STATISTICS in p.consents for p in plan.plants
    )


def test_the_same_seed_gives_the_same_rows(plants):
    a, b, c = _plan(), _plan(), _plan(seed=7)
    for p, q, r in zip(a.plants, b.plants, c.plants, strict=True):
        assert nt.series_values(a, p, "availability") == nt.series_values(b, q, "availability")
        assert nt.series_values(a, p, "availability") != nt.series_values(c, r, "availability")


def test_a_row_depends_on_its_index_not_on_the_slice():
    times = nt.Times.build(dt.date(2026, 1, 1), 90)
    noise = nt.noise_table(1)
    import random

    profile = nt.profile_for(random.Random(3), 90, improved_from=45, gain=0.2)  # noqa: S311  # nosec B311
    whole = nt.values(profile, times.hourly_day, 90, noise)
    lo, hi = 300, 700
    part = nt.values(profile, times.hourly_day[lo:hi], 90, noise, lo)
    assert [col[lo:hi] for col in whole] == part


def test_a_project_shows_as_a_better_level_after_its_completion():
    times = nt.Times.build(dt.date(2026, 1, 1), 120)
    noise = nt.noise_table(1)
    import random

    profile = nt.profile_for(random.Random(5), 120, improved_from=60, gain=0.15)  # noqa: S311  # nosec B311
    profile = nt.Profile(**{**profile.__dict__, "worse_from": None, "last_day": 120})
    cols = dict(zip(nt.CODES, nt.values(profile, times.daily_day, 120, noise), strict=True))
    before = [v for v, d in zip(cols["oee"], times.daily_day, strict=True) if d < 60]
    after = [v for v, d in zip(cols["oee"], times.daily_day, strict=True) if d >= 60]
    assert sum(after) / len(after) > 1.1 * sum(before) / len(before)
    scrap_before = [v for v, d in zip(cols["scrap_ratio"], times.daily_day, strict=True) if d < 60]
    scrap_after = [v for v, d in zip(cols["scrap_ratio"], times.daily_day, strict=True) if d >= 60]
    assert sum(scrap_after) / len(scrap_after) < sum(scrap_before) / len(scrap_before)


def test_the_command_reports_and_refuses_a_second_dataset(plants):
    out = io.StringIO()
    call_command(
        "seed_national_telemetry", plants=3, hourly_plants=1, days=10, force=True, stdout=out
    )
    assert "observations of 3 plants (1 hourly)" in out.getvalue()
    assert Observation.objects.exists() and RollupBucket.objects.exists()
    with pytest.raises(CommandError, match="already holds"):
        call_command("seed_national_telemetry", plants=3, days=10, force=True, stdout=io.StringIO())


def test_benchmark_refused_on_sqlite(db):
    if connection.vendor == "postgresql":
        pytest.skip("SQLite only")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("benchmark_datahub", stdout=io.StringIO())


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL and gunicorn")
@pytest.mark.django_db(transaction=True)
def test_a_tiny_benchmark_run_prints_every_figure(tmp_path):
    if not Series._meta.get_field("kpi").related_model.objects.exists():
        call_command("load_kpi_catalogue", stdout=io.StringIO())
    partitions.forget()
    for _ in range(12):
        PlantFactory()
    call_command(
        "seed_national_telemetry",
        plants=10,
        hourly_plants=2,
        days=20,
        force=True,
        stdout=io.StringIO(),
    )
    path = tmp_path / "figures.json"
    call_command(
        "benchmark_datahub",
        duration=2,
        clients=1,
        readers=1,
        workers=1,
        rows=20,
        series=10,
        expired=1,
        expired_rows=50,
        copy_rows=100,
        backfill_plants=2,
        sample=1,
        runs=1,
        json=str(path),
        stdout=io.StringIO(),
    )
    figures = json.loads(path.read_text())
    assert figures["ingest"]["api"]["requests"] >= 1 and figures["ingest"]["api"]["failures"] == 0
    assert figures["ingest"]["dashboard_reads"]["n"] >= 1
    assert figures["partitions"]["dropped"] == figures["partitions"]["expected_dropped"]
    assert figures["backfill"]["rows_accepted"] > 0
    assert figures["backfill"]["verified"]["wrong"] == 0
    for key in ("dashboard_hourly_plant_day", "peer_table", "connected_past", "early_warning"):
        assert key in figures["reads"]
    assert not DataSource.objects.filter(name__startswith="benchmark-datahub").exists()
    partitions.forget()
