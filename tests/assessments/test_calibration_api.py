"""Calibration API: /api/v1/calibration/ and /api/v1/spot-checks/ (draw, assign, blind
ratings, submit, decide, cancel)."""

import pytest
from rest_framework.test import APIClient

from assessments.choices import AssessmentOrigin, SpotCheckStatus
from assessments.models import Assessment, SpotCheck
from tests.assessments.calibration_fixtures import cal_world_fixture, item_codes  # noqa: F401

pytestmark = pytest.mark.django_db


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_calibration_rows(cal_world, django_assert_max_num_queries):
    w = cal_world
    with django_assert_max_num_queries(14):
        body = api(w.agency).get("/api/v1/calibration/").json()
    rows = {r["key"]: r for r in body["rows"]}
    assert set(rows) == {w.kim.pk, w.lee.pk, w.consultant.pk, w.park.pk}
    assert rows[w.kim.pk]["difference_to_peers"] == pytest.approx(2.5)
    assert rows[w.kim.pk]["levels"]["5"] == 2
    orgs = api(w.agency).get("/api/v1/calibration/?by=consultancy").json()["rows"]
    assert {r["key"] for r in orgs} == {w.north.pk, w.south.pk, w.home.pk}
    bad = api(w.agency).get("/api/v1/calibration/?by=nobody&start=2026-02-01&end=2026-01-01")
    assert bad.status_code == 400 and "by" in bad.json()


def test_consultant_gets_its_own_row_only(cal_world):
    w = cal_world
    body = api(w.kim).get("/api/v1/calibration/").json()
    assert [r["key"] for r in body["rows"]] == [w.kim.pk]
    assert body["agreement_by_consultancy"] == []
    assert api(w.kim).get("/api/v1/calibration/?by=consultancy").json()["rows"] == []
    for user in (w.partner_a, w.sme, w.official, w.outsider):
        assert api(user).get("/api/v1/calibration/").status_code == 403
    assert api().get("/api/v1/calibration/").status_code == 401


def test_spot_check_flow_through_the_api(cal_world, django_assert_max_num_queries):
    w = cal_world
    agency = api(w.agency)
    drawn = agency.post(
        "/api/v1/spot-checks/draw/", {"share": 1.0, "seed": 5, "limit": 10}, format="json"
    )
    assert drawn.status_code == 201, drawn.json()
    body = drawn.json()
    assert body["seed"] == 5 and len(body["spot_checks"]) == 7
    again = agency.post("/api/v1/spot-checks/draw/", {"share": 2}, format="json")
    assert again.status_code == 400 and "share" in again.json()
    check = next(c for c in body["spot_checks"] if c["assessment"]["id"] == w.by_kim[0].pk)
    url = f"/api/v1/spot-checks/{check['id']}/"
    same = agency.post(url + "assign/", {"consultant": w.lee.pk}, format="json")
    assert same.status_code == 400 and "consultant" in same.json()
    assigned = agency.post(url + "assign/", {"consultant": w.park.pk}, format="json")
    assert assigned.status_code == 200 and assigned.json()["consultant"] == w.park.pk

    park = api(w.park)
    mine = park.get("/api/v1/spot-checks/").json()
    rows = mine["results"] if isinstance(mine, dict) else mine
    assert [r["id"] for r in rows] == [check["id"]]
    detail = park.get(url).json()
    # Blind: nothing of the checked assessment.
    assert "assessment" not in detail and "decision" not in detail
    assert "kim" not in str(detail)
    codes = item_codes(w.by_kim[0])
    bad = park.patch(url + "ratings/", [{"item": "ZZ", "rating": 3}], format="json")
    assert bad.status_code == 400 and "0" in bad.json()
    # The shared `sheet_rate` validates and saves each entry (a few queries an entry): bounded
    # by the batch, never by the number of spot-checks or assessments.
    with django_assert_max_num_queries(8 * len(codes) + 20):
        saved = park.patch(
            url + "ratings/", [{"item": c, "rating": 4} for c in codes], format="json"
        )
    assert saved.status_code == 200 and all(r["rating"] == 4 for r in saved.json())
    assert api(w.kim).patch(url + "ratings/", [], format="json").status_code == 404
    assert agency.patch(url + "ratings/", [{"item": codes[0]}], format="json").status_code == 403
    submitted = park.post(url + "submit/", {"rated_on": "2026-04-01"}, format="json")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert park.post(url + "decide/", {}, format="json").status_code == 403
    no_reason = agency.post(url + "decide/", {"decision": "replaced"}, format="json")
    assert no_reason.status_code == 400 and "note" in no_reason.json()
    body_ = {"decision": "replaced", "note": "재평가"}
    decided = agency.post(url + "decide/", body_, format="json")
    assert decided.status_code == 200 and decided.json()["replacement"]
    replaced = Assessment.objects.get(pk=decided.json()["replacement"])
    assert replaced.origin == AssessmentOrigin.SPOT_CHECK and replaced.final_level == 4

    other = next(c for c in body["spot_checks"] if c["id"] != check["id"])
    cancelled = agency.post(f"/api/v1/spot-checks/{other['id']}/cancel/", {}, format="json")
    assert cancelled.status_code == 200
    assert SpotCheck.objects.get(pk=other["id"]).status == SpotCheckStatus.CANCELLED

    agreement = agency.get("/api/v1/calibration/").json()["agreement"]
    assert agreement["checks"] == 1 and agreement["items"]["pairs"] == len(codes)


def test_spot_checks_refused_to_other_roles(cal_world):
    w = cal_world
    api(w.agency).post("/api/v1/spot-checks/draw/", {"share": 1.0, "seed": 1}, format="json")
    check = SpotCheck.objects.first()
    for user in (w.partner_a, w.sme, w.official):
        assert api(user).get("/api/v1/spot-checks/").status_code == 403
        assert api(user).get(f"/api/v1/spot-checks/{check.pk}/").status_code == 403
    assert api(w.kim).get(f"/api/v1/spot-checks/{check.pk}/").status_code == 404
    assert api(w.kim).post("/api/v1/spot-checks/draw/", {}, format="json").status_code == 403


def test_lists_do_not_grow_with_rows(cal_world, client_for, django_assert_max_num_queries):
    w = cal_world
    api(w.agency).post("/api/v1/spot-checks/draw/", {"share": 1.0, "seed": 3}, format="json")
    for check in SpotCheck.objects.order_by("pk")[:3]:
        api(w.agency).post(
            f"/api/v1/spot-checks/{check.pk}/assign/", {"consultant": w.park.pk}, format="json"
        )
    agency, page = api(w.agency), client_for(w.agency)
    page.get("/spot-checks/")
    with django_assert_max_num_queries(8):
        assert len(agency.get("/api/v1/spot-checks/").json()["results"]) == 7
    with django_assert_max_num_queries(20):
        assert page.get("/spot-checks/").status_code == 200
    with django_assert_max_num_queries(30):
        assert page.get("/calibration/").status_code == 200


def test_agency_chooses_one_assessment_through_the_api(cal_world):
    w = cal_world
    made = api(w.agency).post("/api/v1/spot-checks/", {"assessment": w.by_park.pk}, format="json")
    assert made.status_code == 201 and made.json()["reason"] == "chosen"
    assert made.json()["assessment"]["id"] == w.by_park.pk
    again = api(w.agency).post("/api/v1/spot-checks/", {"assessment": w.by_park.pk}, format="json")
    assert again.status_code == 400 and "assessment" in again.json()
    assert api(w.agency).post("/api/v1/spot-checks/", {}, format="json").status_code == 400
    refused = api(w.kim).post("/api/v1/spot-checks/", {"assessment": 1}, format="json")
    assert refused.status_code == 403
