"""`manage.py benchmark_ingest`: refused on SQLite; on PostgreSQL a tiny real run (gunicorn,
a client with a real source token, COPY, the refresh, the reads) prints every figure and
leaves nothing behind."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from datahub.models import DataSource, IngestRequest, Observation, RollupBucket, Series
from tests.factories import PlantFactory, UserFactory


def test_refused_on_sqlite(db):
    if connection.vendor == "postgresql":
        pytest.skip("SQLite only")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("benchmark_ingest", stdout=io.StringIO())


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL and gunicorn")
@pytest.mark.django_db(transaction=True)
def test_a_tiny_run_prints_every_figure_and_cleans_up(tmp_path):
    if not Series._meta.get_field("kpi").related_model.objects.exists():
        call_command("load_kpi_catalogue", stdout=io.StringIO())
    UserFactory(username="bench-root", is_superuser=True, is_staff=True)
    PlantFactory(), PlantFactory()
    before = [m.objects.count() for m in (DataSource, Series, Observation, IngestRequest)]
    out, path = io.StringIO(), tmp_path / "figures.json"
    call_command(
        "benchmark_ingest",
        clients=1,
        workers=1,
        requests=3,
        rows=10,
        series=5,
        reads=2,
        json=str(path),
        stdout=out,
    )
    text = out.getvalue()
    for label in ("raw COPY", "POST /api/v1/ingest/", "p95", "rollup refresh", "a year"):
        assert label in text
    figures = json.loads(path.read_text())
    assert figures["api"]["points"] == 30 and figures["api"]["requests"] == 3
    assert figures["copy"]["rows"] == 30
    assert figures["read_year"]["raw"]["points"] == figures["read_year"]["rows"]
    assert figures["refresh"]["hours_refreshed"] >= 6
    after = [m.objects.count() for m in (DataSource, Series, Observation, IngestRequest)]
    assert after == before and not RollupBucket.objects.exists()
