"""The self-diagnosis API, as the issue's outline gives it: POST /self-assessments/ {"plant"}
→ 201 with id; PATCH …/ratings/ with the assessment API's list; POST …/finish/ → score and
level; share; comparison; over-rating figures."""

import datetime

import pytest
from rest_framework.test import APIClient

from assessments import services
from assessments.models import SelfAssessment, SelfRating
from assessments.services import self_assessments as self_services
from tests.assessments.conftest import confirmed
from tests.assessments.self_helpers import finished_self

pytestmark = pytest.mark.django_db

BASE = "/api/v1/self-assessments/"


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def every_item(rating=3):
    from assessments.models import Item

    codes = Item.objects.filter(category__area__framework__status="active").values_list(
        "code", flat=True
    )
    return [{"item": code, "rating": rating} for code in codes]


def test_outline_start_rate_finish(world, framework):
    client = api(world.sme)
    created = client.post(BASE, {"plant": world.plant_a.pk}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["framework"] == framework.pk
    assert created.json()["self_assessed"] is True

    again = client.post(BASE, {"plant": world.plant_a.pk}, format="json")
    assert again.status_code == 400 and again.json()["draft"] == pk

    rated = client.patch(f"{BASE}{pk}/ratings/", every_item(4), format="json")
    assert rated.status_code == 200, rated.content
    assert {row["rating"] for row in rated.json()} == {4}

    finished = client.post(f"{BASE}{pk}/finish/", {}, format="json")
    assert finished.status_code == 200, finished.content
    body = finished.json()
    assert body["score"] == "900.000" and body["level"] == 4
    assert body["status"] == "finished" and body["roadmap"]
    world.plant_a.refresh_from_db()
    assert world.plant_a.current_level is None


def test_ratings_errors_keyed_by_entry_and_all_or_nothing(world, framework):
    client = api(world.sme)
    pk = client.post(BASE, {"plant": world.plant_a.pk}, format="json").json()["id"]
    response = client.patch(
        f"{BASE}{pk}/ratings/",
        [
            {"item": "A1.1", "rating": 4},
            {"item": "NOPE", "rating": 2},
            {"item": "A1.2", "not_applicable": True, "na_reason": "해당 없음", "note": "메모"},
        ],
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"1"}
    assert not SelfRating.objects.filter(sheet_id=pk, rating__isnull=False).exists()
    bad = client.patch(f"{BASE}{pk}/ratings/", [{"item": "A1.1", "rating": 9}], format="json")
    assert bad.status_code == 400 and "0" in bad.json()
    ok = client.patch(
        f"{BASE}{pk}/ratings/",
        [{"item": "A1.2", "not_applicable": True, "na_reason": "해당 없음", "note": "메모"}],
        format="json",
    )
    assert ok.status_code == 200
    row = SelfRating.objects.get(sheet_id=pk, item__code="A1.2")
    assert row.not_applicable and row.note == "메모"


def test_finish_lists_missing_items(world, framework):
    client = api(world.sme)
    pk = client.post(BASE, {"plant": world.plant_a.pk}, format="json").json()["id"]
    client.patch(f"{BASE}{pk}/ratings/", every_item(3)[1:], format="json")
    response = client.post(f"{BASE}{pk}/finish/", {}, format="json")
    assert response.status_code == 400
    assert [m["item"] for m in response.json()["missing"]] == ["A1.1"]


def test_visibility_and_roles(world, framework):
    sheet = self_services.self_assessment_start(plant=world.plant_a, user=world.sme)
    url = f"{BASE}{sheet.pk}/"
    assert api(world.sme).get(url).status_code == 200
    for who in ("agency", "consultant", "partner_a", "official", "outsider"):
        assert api(getattr(world, who)).get(url).status_code == 404, who
    assert api().get(url).status_code == 401
    assert (
        api(world.agency).post(BASE, {"plant": world.plant_a.pk}, format="json").status_code == 403
    )
    # Another company's plant reads as unknown.
    assert api(world.sme).post(BASE, {"plant": world.plant_b.pk}, format="json").status_code == 400
    listed = api(world.sme).get(BASE).json()
    assert [row["id"] for row in listed["results"]] == [sheet.pk]


def test_share_and_comparison(world, framework):
    sheet = finished_self(world.sme, world.plant_a, 4, {"A1.1": 5, "B1.1": "na"})
    client = api(world.sme)
    refused = client.post(f"{BASE}{sheet.pk}/share/")
    assert refused.status_code == 400
    draft = services.assessment_open(
        plant=world.plant_a, consultant=world.consultant, user=world.agency
    )
    shared = client.post(f"{BASE}{sheet.pk}/share/")
    assert shared.status_code == 200 and shared.json()["shared_with"] == draft.pk
    assert api(world.consultant).get(f"{BASE}{sheet.pk}/").status_code == 200
    assert api(world.consultant).post(f"{BASE}{sheet.pk}/share/").status_code == 403
    assert client.get(f"{BASE}{sheet.pk}/comparison/").status_code == 400
    confirmed(world, draft, 3, {"A1.1": 1})
    response = client.get(f"{BASE}{sheet.pk}/comparison/")
    assert response.status_code == 200
    body = response.json()
    assert body["items"][0] == {
        "item": "A1.1",
        "self_rating": "5",
        "confirmed_rating": "1",
        "difference": 4,
    }
    assert body["level_difference"] == 1
    unshared = client.delete(f"{BASE}{sheet.pk}/share/")
    assert unshared.status_code == 200 and unshared.json()["shared_with"] is None


def test_delete_draft(world, framework):
    sheet = self_services.self_assessment_start(plant=world.plant_a, user=world.sme)
    assert api(world.sme).delete(f"{BASE}{sheet.pk}/").status_code == 204
    assert not SelfAssessment.objects.filter(pk=sheet.pk).exists()


def test_over_rating_endpoint(world, framework):
    finished_self(world.sme, world.plant_a, 4, rated_on=datetime.date(2025, 1, 1))
    draft = services.assessment_open(
        plant=world.plant_a, consultant=world.consultant, user=world.agency
    )
    confirmed(world, draft, 3, assessed_on=datetime.date(2025, 2, 1))
    response = api(world.agency).get(f"{BASE}over-rating/")
    assert response.status_code == 200
    overall = response.json()["overall"]
    assert overall["count"] == 1 and overall["mean_difference"] == "1.00"
    assert overall["over_rated_share"] == "1.000"
    for who in ("consultant", "partner_a", "official", "sme"):
        assert api(getattr(world, who)).get(f"{BASE}over-rating/").status_code == 403


def test_list_query_count(world, framework, django_assert_max_num_queries):
    for _ in range(3):
        finished_self(world.sme, world.plant_a, 3)
    with django_assert_max_num_queries(8):
        response = api(world.sme).get(BASE)
    assert response.json()["count"] == 3
    sheet = SelfAssessment.objects.first()
    with django_assert_max_num_queries(12):
        assert api(world.sme).get(f"{BASE}{sheet.pk}/").status_code == 200
