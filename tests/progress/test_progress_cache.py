"""Cached progress figures (programs/progress_cache.py): the dashboard and the API answer from
the cache until something they count changes, per scope and per partner firm."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hub.importers import plants_import
from progress import cache as progress_cache
from progress import services
from progress.figures import Scope
from progress.models import Target
from tests.programs.conftest import AS_OF, assessment, completed_project

pytestmark = pytest.mark.django_db
URL = "/api/v1/progress/"


def supported(client, **params):
    response = client.get(URL, {"as_of": AS_OF.isoformat(), **params})
    assert response.status_code == 200
    return response.json()["supported"]


def queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_second_request_is_answered_from_the_cache(dataset, world, client_for):
    client = client_for(world.official)
    first = queries(lambda: supported(client))
    second = queries(lambda: supported(client))
    assert second < first - 3  # the figures' queries are gone; auth/session remain
    page = client_for(world.official).get(reverse("progress:dashboard"))
    assert page.status_code == 200


def test_a_completed_project_shows_at_once(dataset, world, winwin, client_for):
    client = client_for(world.official)
    before = supported(client)
    completed_project(
        world, winwin, world.plant_free, world.firm_b, datetime.date(2022, 6, 1), small=True
    )
    assert supported(client) == before + 1


def test_a_confirmed_assessment_and_a_target_change_show_at_once(dataset, world, client_for):
    client = client_for(world.official)
    level3 = client.get(URL, {"as_of": "2025-12-31"}).json()["level3"]
    assessment(world, dataset[5], 4, datetime.date(2025, 10, 1))
    body = client.get(URL, {"as_of": "2025-12-31"}).json()
    assert body["level3"] == level3 + 1
    target = Target.objects.get(code="supported_plants")
    services.target_update(target=target, user=world.agency, value=40_000, due_year=2030)
    again = client.get(URL, {"as_of": "2025-12-31"}).json()
    assert (
        again["projection"]["supported"]["target"]
        == 40_000
        != body["projection"]["supported"]["target"]
    )


def test_a_bulk_plant_import_moves_the_figures_on(dataset, world, client_for):
    client = client_for(world.official)
    by_region = {r["key"]: r["supported"] for r in client.get(URL).json()["breakdowns"]["region"]}
    plant = dataset[1]  # supported, in Gyeonggi
    number = plant.company.business_number
    csv = (
        "사업자등록번호,회사명,기업규모,공장명,지역,업종\n"
        f"{number},{plant.company.name},{plant.company.size_class},{plant.name},26,"
        f"{plant.industry}\n"
    ).encode()
    report = plants_import(user=world.agency, content=csv, filename="move.csv")
    assert not report.errors, report.errors
    after = {r["key"]: r["supported"] for r in client.get(URL).json()["breakdowns"]["region"]}
    assert after.get("26", 0) == by_region.get("26", 0) + 1


def test_partner_figures_are_cached_per_firm(dataset, world, client_for):
    a = client_for(world.partner_a).get(URL).json()
    b = client_for(world.partner_b).get(URL).json()
    assert a["supported"] != b["supported"]
    again = client_for(world.partner_b).get(URL).json()
    assert again["digest"] == b["digest"]


def test_cache_can_be_turned_off(dataset, world, client_for, settings):
    settings.PROGRESS_CACHE_SECONDS = 0
    client = client_for(world.official)
    first = queries(lambda: supported(client))
    assert queries(lambda: supported(client)) == first


def test_a_base_without_a_key_is_never_cached(dataset, world):
    from hub.models import Plant

    base = Plant.objects.filter(pk=dataset[1].pk)
    one = queries(lambda: progress_cache.summary(as_of=AS_OF, scope=Scope(), base=base))
    two = queries(lambda: progress_cache.summary(as_of=AS_OF, scope=Scope(), base=base))
    assert one == two > 3
