"""manage.py benchmark_peers: measures PostgreSQL only, and leaves nothing behind."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from datahub.models import Consent, RollupBucket, Series
from hub.models import Plant


@pytest.mark.django_db
def test_refuses_sqlite():
    if connection.vendor == "postgresql":
        pytest.skip("runs on PostgreSQL")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("benchmark_peers", plants=10, stdout=io.StringIO())


@pytest.mark.django_db
def test_small_run_reports_and_cleans_up():
    if connection.vendor != "postgresql":
        pytest.skip("measures PostgreSQL")
    out = io.StringIO()
    call_command("benchmark_peers", plants=40, others=5, kpis=2, months=13, runs=2, stdout=out)
    text = out.getvalue()
    assert "National peer table" in text and "One plant's percentiles" in text
    assert "45 plants" not in text and "= 1170 month rollups" in text
    for model in (Plant, Series, RollupBucket, Consent):
        assert not model.objects.exists()


@pytest.mark.django_db
def test_the_demo_gives_the_sme_plants_peers_with_consent():
    from datahub.choices import Purpose
    from hub.models import Membership

    call_command("seed_demo", plants=30, force=True, stdout=io.StringIO())
    assert not Consent.objects.filter(purpose=Purpose.STATISTICS).exists()  # small demo: none
    out = io.StringIO()
    call_command("seed_telemetry", plants=30, peer_plants=3, force=True, stdout=out)
    assert "Benchmark peers" in out.getvalue()
    company = Membership.objects.get(user__username="sme").organization_id
    divisions = set(Plant.objects.filter(company_id=company).values_list("industry", flat=True))
    monthly = Series.objects.filter(granularity="month", kpi__code="oee", last_ts__isnull=False)
    assert monthly.exists()
    for series in monthly.select_related("plant"):
        assert series.plant.industry in divisions and series.plant.company_id != company
        assert RollupBucket.objects.filter(series=series, rollup="month").count() >= 12
    consented = Consent.objects.active().filter(purpose=Purpose.STATISTICS)
    assert set(monthly.values_list("plant_id", flat=True)) <= set(
        consented.values_list("plant_id", flat=True)
    )
    before = Consent.objects.count()
    call_command("seed_telemetry", plants=30, peer_plants=3, force=True, stdout=io.StringIO())
    assert Consent.objects.count() == before
