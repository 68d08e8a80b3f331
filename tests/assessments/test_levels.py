"""A confirmed level counts only while valid: expiry on lists, filters and the API."""

import datetime

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from assessments import services
from tests.assessments.conftest import confirmed

pytestmark = pytest.mark.django_db


@pytest.fixture
def levels(world, framework):
    """plant_a: Level 3 assessed last year (valid); plant_b: Level 2 assessed in 2020
    (expired in 2023); plant_free: never assessed."""
    recent = services.assessment_open(
        plant=world.plant_a, consultant=world.consultant, user=world.agency
    )
    confirmed(world, recent, 3, assessed_on=datetime.date.today() - datetime.timedelta(days=365))
    old = services.assessment_open(
        plant=world.plant_b, consultant=world.consultant, user=world.agency
    )
    confirmed(world, old, 2, assessed_on=datetime.date(2020, 1, 15))
    for plant in (world.plant_a, world.plant_b):
        plant.refresh_from_db()
    return world


def ids(response):
    return {row["id"] for row in response.json()["results"]}


def test_expired_level_is_flagged(levels):
    assert not levels.plant_a.level_expired
    assert levels.plant_b.level_expired
    assert levels.plant_b.level_valid_until == datetime.date(2023, 1, 15)


def test_level_filter_counts_only_valid_levels(levels):
    client = APIClient()
    client.force_authenticate(levels.agency)
    assert ids(client.get("/api/v1/plants/", {"level": "3"})) == {levels.plant_a.pk}
    assert ids(client.get("/api/v1/plants/", {"level": "2"})) == set()
    assert ids(client.get("/api/v1/plants/", {"level": "expired"})) == {levels.plant_b.pk}
    assert ids(client.get("/api/v1/plants/", {"level": "none"})) == {levels.plant_free.pk}


def test_plant_list_shows_expired_levels_as_such(levels, client_for):
    client = client_for(levels.agency)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/plants/", {"ordering": "name"}).content.decode()
    assert "Level 2 · expired" in html
    assert "Level 3" in html and "Level 3 · expired" not in html
