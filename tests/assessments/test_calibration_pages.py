"""Calibration pages: agency staff see every row and spot-check, a consultant their own row
and their spot-checks blind; the fill page saves as it goes; decisions through the page."""

import datetime

import pytest

from assessments.choices import AssessmentOrigin, SpotCheckDecision, SpotCheckStatus
from assessments.models import Assessment, Item, SpotCheck, SpotCheckRating
from assessments.services import spot_checks as sc
from tests.assessments.calibration_fixtures import cal_world_fixture, rate_sheet  # noqa: F401

pytestmark = pytest.mark.django_db


def draw_all(w):
    return sc.spot_check_draw(user=w.agency, share=1.0, seed=9)


def assigned(w, assessment, consultant):
    check = SpotCheck.objects.filter(assessment=assessment).first() or draw_all(w).spot_checks.get(
        assessment=assessment
    )
    return sc.spot_check_assign(spot_check=check, consultant=consultant, user=w.agency)


def test_agency_sees_every_consultant_and_consultancy(cal_world, browse):
    w = cal_world
    page = browse(w.agency).get("/calibration/")
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("kim", "lee", "park", "North Consulting", "South Consulting"):
        assert name in html
    assert "+2.50" in html  # kim against peers
    csv = browse(w.agency).get("/calibration/?format=csv&by=consultancy")
    assert csv.status_code == 200 and "North Consulting" in csv.content.decode()
    bad = browse(w.agency).get("/calibration/?start=2026-02-01&end=2026-01-01")
    assert bad.status_code == 200


def test_consultant_sees_only_its_own_row(cal_world, browse, django_assert_max_num_queries):
    w = cal_world
    client = browse(w.kim)
    client.get("/")  # warm the session
    with django_assert_max_num_queries(25):
        page = client.get("/calibration/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "+2.50" in html
    for other in ("lee", "park", "South Consulting", "Per consultancy"):
        assert other not in html
    csv = client.get("/calibration/?format=csv").content.decode()
    assert "lee" not in csv and len(csv.strip().splitlines()) == 2


@pytest.mark.parametrize("persona", ["partner_a", "sme", "official", "outsider"])
def test_other_roles_are_refused(cal_world, client_for, persona):
    w = cal_world
    client = client_for(getattr(w, persona))
    assert client.get("/calibration/").status_code == 403
    assert client.get("/spot-checks/").status_code == 403
    check = draw_all(w).spot_checks.first()
    assert client.get(f"/spot-checks/{check.pk}/").status_code == 404


def test_draw_page_and_list(cal_world, browse):
    w = cal_world
    client = browse(w.agency)
    assert client.get("/spot-checks/draw/").status_code == 200
    answer = client.post(
        "/spot-checks/draw/",
        {"share_percent": "50", "outlier_consultants": "1", "limit": "10", "seed": "77"},
    )
    assert answer.status_code == 302
    assert SpotCheck.objects.count() >= 3
    listing = client.get(answer["Location"]).content.decode()
    assert "Outlier" in listing and "Not assigned" in listing
    wrong = client.post("/spot-checks/draw/", {"share_percent": "150", "limit": "0"})
    assert wrong.status_code == 200 and SpotCheck.objects.filter(draw__seed=0).count() == 0
    assert browse(w.kim).get("/spot-checks/draw/").status_code == 403


def test_second_consultant_rates_blind(cal_world, browse, django_assert_max_num_queries):
    w = cal_world
    original = w.by_kim[0]
    check = assigned(w, original, w.park)
    client = browse(w.park)
    assert client.get(f"/spot-checks/{check.pk}/").status_code == 302  # a draft opens the fill page
    with django_assert_max_num_queries(30):
        page = client.get(f"/spot-checks/{check.pk}/fill/")
    html = page.content.decode()
    assert page.status_code == 200
    # Nothing of the checked assessment: its consultant, score or link.
    assert "kim" not in html and f"/assessments/{original.pk}/" not in html
    assert f"{original.total_score:.1f}" not in html
    item = Item.objects.filter(category__area__framework=w.framework).order_by("order").first()
    saved = client.post(
        f"/spot-checks/{check.pk}/items/{item.pk}/",
        {f"i{item.pk}-rating": "2"},
        HTTP_HX_REQUEST="true",
    )
    assert saved.status_code == 200 and "Saved" in saved.content.decode()
    assert SpotCheckRating.objects.get(sheet=check, item=item).rating == 2
    refused = client.post(f"/spot-checks/{check.pk}/submit/", {})
    assert refused.status_code == 302 and "check=1" in refused["Location"]
    rate_sheet(check, 4)
    done = client.post(f"/spot-checks/{check.pk}/submit/", {"rated_on": "2026-04-01"})
    assert done.status_code == 302
    check.refresh_from_db()
    assert check.status == SpotCheckStatus.SUBMITTED
    after = client.get(f"/spot-checks/{check.pk}/").content.decode()
    assert "kim" not in after and f"{original.total_score:.1f}" not in after
    # Others may not fill it: the original consultant does not even see it.
    assert browse(w.kim).get(f"/spot-checks/{check.pk}/fill/").status_code == 404
    assert browse(w.agency).get(f"/spot-checks/{check.pk}/fill/").status_code in (302, 403)


def test_agency_detail_assign_decide(cal_world, browse):
    w = cal_world
    check = draw_all(w).spot_checks.get(assessment=w.by_lee[0])
    client = browse(w.agency)
    page = client.get(f"/spot-checks/{check.pk}/").content.decode()
    assert "Assign" in page and "lee" in page
    same = client.post(f"/spot-checks/{check.pk}/assign/", {"consultant": w.kim.pk})
    assert same.status_code == 302
    check.refresh_from_db()
    assert check.consultant is None
    ok = client.post(f"/spot-checks/{check.pk}/assign/", {"consultant": w.park.pk})
    assert ok.status_code == 302
    check.refresh_from_db()
    assert check.consultant == w.park
    rate_sheet(check, 4)
    sc.spot_check_submit(spot_check=check, user=w.park, rated_on=datetime.date(2026, 4, 2))
    page = client.get(f"/spot-checks/{check.pk}/").content.decode()
    assert "largest differences first" in page and "+2" in page
    no_reason = client.post(f"/spot-checks/{check.pk}/decide/", {"decision": "replaced"})
    assert no_reason.status_code == 302
    check.refresh_from_db()
    assert check.decision == SpotCheckDecision.PENDING
    client.post(f"/spot-checks/{check.pk}/decide/", {"decision": "replaced", "note": "재평가"})
    check.refresh_from_db()
    assert check.decision == SpotCheckDecision.REPLACED
    assert Assessment.objects.filter(origin=AssessmentOrigin.SPOT_CHECK).count() == 1
    assert browse(w.park).post(f"/spot-checks/{check.pk}/decide/", {}).status_code == 403


def test_cancel_page(cal_world, browse):
    w = cal_world
    check = draw_all(w).spot_checks.first()
    answer = browse(w.agency).post(f"/spot-checks/{check.pk}/cancel/", {"reason": "x"})
    assert answer.status_code == 302
    check.refresh_from_db()
    assert check.status == SpotCheckStatus.CANCELLED


def test_consultant_home_shows_open_spot_checks(cal_world, browse):
    w = cal_world
    check = assigned(w, w.by_kim[0], w.park)
    home = browse(w.park).get("/").content.decode()
    assert f"/spot-checks/{check.pk}/fill/" in home
    assert "/calibration/" in browse(w.agency).get("/").content.decode()


def test_korean_calibration_page(cal_world, client_for):
    w = cal_world
    page = client_for(w.agency).get("/calibration/")
    assert page.status_code == 200


def test_agency_chooses_one_assessment(cal_world, browse):
    w = cal_world
    client = browse(w.agency)
    assert "Check one assessment" in client.get("/spot-checks/").content.decode()
    answer = client.post("/spot-checks/choose/", {"assessment": w.by_park.pk})
    check = SpotCheck.objects.get(assessment=w.by_park)
    assert answer.status_code == 302 and answer["Location"] == check.get_absolute_url()
    assert check.reason == "chosen"
    again = client.post("/spot-checks/choose/", {"assessment": w.by_park.pk}, follow=True)
    assert "has a spot-check already" in again.content.decode()
    missing = client.post("/spot-checks/choose/", {"assessment": 987654}, follow=True)
    assert "No such assessment" in missing.content.decode()
    assert browse(w.kim).post("/spot-checks/choose/", {"assessment": 1}).status_code == 403
