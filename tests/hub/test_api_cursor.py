"""Paging API lists by cursor: a walk with `?cursor=` visits each visible row once, in id
order, at a constant cost per page; a bad cursor is a 400."""

import pytest
from rest_framework.test import APIClient

from hub.api.pagination import decode_cursor, encode_cursor
from hub.models import Plant
from tests.factories import MentorshipFactory, PlantFactory


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def walk(client, url):
    seen, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["count"] is None and body["previous"] is None
        seen += [row["id"] for row in body["results"]]
        url, pages = body["next"], pages + 1
    return seen, pages


def test_a_cursor_walk_visits_every_visible_row_once_in_id_order(world):
    PlantFactory.create_batch(7)
    seen, pages = walk(api(world.agency), "/api/v1/plants/?cursor=&page_size=3&ordering=-name")
    assert seen == sorted(Plant.objects.values_list("pk", flat=True))
    assert pages == 4  # 10 plants: 3 + 3 + 3 + 1


def test_a_partner_walks_only_its_own_plants(world):
    extra = PlantFactory()
    MentorshipFactory(partner=world.firm_a, plant=extra)
    PlantFactory.create_batch(4)
    seen, _pages = walk(api(world.partner_a), "/api/v1/plants/?cursor=&page_size=1")
    assert seen == sorted([world.plant_a.pk, extra.pk])


def test_filters_still_apply(world):
    seen, _pages = walk(api(world.agency), f"/api/v1/plants/?cursor=&search={world.plant_b.name}")
    assert seen == [world.plant_b.pk]


@pytest.mark.parametrize("bad", ["x", "!!!", encode_cursor(1)[:-2] + "$$", "eyJhZnRlciI6LTF9"])
def test_a_bad_cursor_is_a_400(world, bad):
    response = api(world.agency).get(f"/api/v1/plants/?cursor={bad}")
    assert response.status_code == 400
    assert "cursor" in response.json()


def test_a_deep_page_costs_what_the_first_one_does(world, django_assert_max_num_queries):
    PlantFactory.create_batch(30)
    last = Plant.objects.order_by("pk").values_list("pk", flat=True)[25]
    client = api(world.agency)
    with django_assert_max_num_queries(8):
        response = client.get(f"/api/v1/plants/?cursor={encode_cursor(last)}&page_size=2")
    assert [row["id"] for row in response.json()["results"]] == list(
        Plant.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:2]
    )


def test_cursors_round_trip():
    assert decode_cursor(encode_cursor(12345)) == 12345
    assert decode_cursor("") is None
    for bad in ("e30", "bnVsbA", "eyJhZnRlciI6dHJ1ZX0"):  # {}, null, {"after":true}
        with pytest.raises(ValueError):
            decode_cursor(bad)
