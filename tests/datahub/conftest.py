"""Data hub fixtures on top of the shared personas (tests/conftest.py `world`): plant A's
company has an SME member (`world.sme`); `feed` gives plant A a source with a token and two
series, and plant B (another company) a source of its own."""

from types import SimpleNamespace

import pytest

from datahub.services import sources


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
