"""Deferred-join pagination (pick the page's keys, then load the rows): pages hold exactly the
rows plain slicing would, in the same order, for the API and the web lists, in one query."""

import pytest
from django.core.paginator import Paginator
from rest_framework.test import APIClient

from hub.choices import Region
from hub.models import Mentorship, Plant
from hub.pagination import DeferredJoinPaginator
from tests.factories import MentorshipFactory, PlantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plants(world):
    made = [
        PlantFactory(
            name=f"공장 {n % 7:02d}", employees=n, region=Region.GYEONGGI if n % 3 else "11"
        )
        for n in range(23)
    ]
    for plant in made[:9]:
        MentorshipFactory(partner=world.firm_a, plant=plant)
    return made


def all_pages(client, url, params, size=4):
    seen, page = [], 1
    while True:
        body = client.get(url, {**params, "page": page, "page_size": size}).json()
        seen += [row["id"] for row in body["results"]]
        if not body["next"]:
            return body["count"], seen
        page += 1


@pytest.mark.parametrize(
    "params",
    [{}, {"region": Region.GYEONGGI}, {"ordering": "-employees"}, {"ordering": "level,name"}],
)
def test_api_pages_concatenate_to_the_ordered_list(world, plants, params):
    client = APIClient()
    client.force_authenticate(world.agency)
    whole = client.get("/api/v1/plants/", {**params, "page_size": 500}).json()["results"]
    count, seen = all_pages(client, "/api/v1/plants/", params)
    assert seen == [row["id"] for row in whole]
    assert count == len(whole) == len(set(seen))
    assert count >= 8


def test_a_partner_pages_through_only_its_plants(world, plants):
    client = APIClient()
    client.force_authenticate(world.partner_a)
    count, seen = all_pages(client, "/api/v1/plants/", {})
    mine = set(Mentorship.objects.filter(partner=world.firm_a).values_list("plant_id", flat=True))
    assert count == len(seen) == len(mine) == 10
    assert set(seen) == mine


def test_web_list_pages_match_plain_slicing(world, plants, client_for):
    client = client_for(world.agency)
    ordered = list(Plant.objects.order_by("name", "pk").values_list("pk", flat=True))
    shown = []
    for page in (1, 2):
        response = client.get("/plants/", {"page": page, "page_size": 25})
        shown += [p.pk for p in response.context["object_list"]]
    assert len(ordered) == 26
    assert shown == ordered


def test_paginator_equals_django_paginator_with_orphans_and_falls_back_on_distinct(plants):
    qs = Plant.objects.select_related("company").order_by("-employees", "pk")
    for number in (1, 2, 3):
        mine = DeferredJoinPaginator(qs, 8, orphans=3).page(number)
        plain = Paginator(qs, 8, orphans=3).page(number)
        assert [p.pk for p in mine] == [p.pk for p in plain]
    assert DeferredJoinPaginator(qs, 8, orphans=3).num_pages == 3
    distinct = Plant.objects.filter(mentorships__isnull=False).distinct().order_by("name", "pk")
    page = DeferredJoinPaginator(distinct, 4).page(2)
    assert [p.pk for p in page] == [p.pk for p in Paginator(distinct, 4).page(2)]


def test_a_page_is_one_query(plants, django_assert_num_queries):
    paginator = DeferredJoinPaginator(Plant.objects.select_related("company").order_by("name"), 5)
    assert paginator.count == 26
    with django_assert_num_queries(1):
        page = paginator.page(4)
    assert [p.company.name for p in page]  # companies came with the rows
