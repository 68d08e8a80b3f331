"""Data hub fixtures on top of the shared personas (tests/conftest.py `world`): plant A's
company has an SME member (`world.sme`); `feed` gives plant A a source with a token and two
series, and plant B (another company) a source of its own."""

from types import SimpleNamespace

import pytest

from datahub import partitions
from datahub.models import KpiDefinition
from datahub.services import catalogue, sources


@pytest.fixture
def feed(world):
    source_a, token_a = sources.source_create(user=world.sme, plant=world.plant_a, name="MES")
    oee = sources.series_create(user=world.sme, source=source_a, kpi="oee")
    produced = sources.series_create(
        user=world.sme, source=source_a, kpi="produced_quantity", label="Line 1"
    )
    other = world.admin_user
    source_b, token_b = sources.source_create(user=other, plant=world.plant_b, name="SCADA")
    series_b = sources.series_create(user=other, source=source_b, kpi="oee")
    return SimpleNamespace(
        source=source_a,
        token=token_a,
        oee=oee,
        produced=produced,
        source_b=source_b,
        token_b=token_b,
        series_b=series_b,
    )


@pytest.fixture
def kpi_catalogue(transactional_db):
    """For transactional tests: flushes of earlier transactional tests empty the catalogue its
    migration loaded, so it is loaded again when missing."""
    partitions.forget()
    if not KpiDefinition.objects.exists():
        catalogue.load(catalogue.read())
    yield
    partitions.forget()
