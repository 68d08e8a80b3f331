"""Calibration figures per consultant and consultancy, and the spot-check agreement, on
constructed data with known values (tests/assessments/calibration_fixtures.py)."""

import datetime

import pytest
from django.utils import timezone

from assessments import services
from assessments.calibration_figures import (
    CONSULTANCY,
    Filters,
    calibration_rows,
    spot_check_agreement,
)
from assessments.choices import SelfAssessmentStatus
from assessments.models import Item, SelfAssessment
from assessments.services import spot_checks as sc
from tests.assessments.calibration_fixtures import (  # noqa: F401
    cal_world_fixture,
    file_confirmed,
    rate_sheet,
)
from tests.assessments.conftest import rate_all

pytestmark = pytest.mark.django_db


def by_key(rows):
    return {r.key: r for r in rows}


def test_levels_against_peers_per_consultant(cal_world, django_assert_max_num_queries):
    w = cal_world
    with django_assert_max_num_queries(6):
        rows = by_key(calibration_rows())
    kim, lee, con, park = (rows[u.pk] for u in (w.kim, w.lee, w.consultant, w.park))
    # One cell: kim 5, 5; lee 2, 2; the world's consultant 3, 3.
    assert kim.confirmed == 2 and kim.assessments == 2
    assert kim.peer.mean_level == 5 and kim.peer.peer_mean == pytest.approx(2.5)
    assert kim.peer.difference == pytest.approx(2.5)
    assert lee.peer.difference == pytest.approx(2 - 4)
    assert con.peer.difference == pytest.approx(3 - 3.5)
    assert kim.peer.histogram[5] == 2 and kim.peer.peer_histogram[2] == 2
    assert kim.peer.peer_histogram[3] == 2
    # park's plant is alone in its cell: no peer to compare with.
    assert park.peer.compared == 0 and park.peer.difference is None
    assert kim.name == "kim" or kim.name  # a person's name, never empty
    assert kim.consultancy == "북부컨설팅"
    assert kim.return_share == 0 and kim.self_difference is None


def test_per_consultancy(cal_world):
    w = cal_world
    rows = by_key(calibration_rows(by=CONSULTANCY))
    north, home = rows[w.north.pk], rows[w.home.pk]
    assert north.confirmed == 4 and north.peer.mean_level == pytest.approx(3.5)
    assert north.peer.difference == pytest.approx(3.5 - 3)
    assert home.peer.difference == pytest.approx(3 - 3.5)
    assert north.name == "북부컨설팅"


def test_returns_and_items_changed_after_the_last_return(cal_world):
    w = cal_world
    plant = w.plant_free
    assessment = services.assessment_open(plant=plant, consultant=w.lee, user=w.agency)
    rate_all(assessment, 2)
    services.assessment_submit(assessment=assessment, user=w.lee)
    services.assessment_return(assessment=assessment, user=w.agency, reason="다시 확인")
    items = list(Item.objects.filter(category__area__framework=w.framework).order_by("order"))
    for item in items[:3]:
        services.assessment_rate_item(
            assessment=assessment, item=item, user=w.lee, data={"rating": 3}
        )
    services.assessment_submit(assessment=assessment, user=w.lee)
    lee = by_key(calibration_rows(only=w.lee.pk))[w.lee.pk]
    assert lee.assessments == 3 and lee.submitted == 3 and lee.returned == 1
    assert lee.return_share == pytest.approx(1 / 3)
    assert lee.resubmitted == 1 and lee.items_changed == 3
    assert lee.items_changed_per_return == 3
    assert calibration_rows(only=w.lee.pk)[0].key == w.lee.pk
    assert len(calibration_rows(only=w.lee.pk)) == 1


def test_differences_to_self_diagnosis_and_next_assessment(cal_world):
    w = cal_world
    first = w.by_kim[0]
    made = {"plant": first.plant, "framework": w.framework, "created_by": w.sme}
    SelfAssessment.objects.create(
        **made,
        status=SelfAssessmentStatus.FINISHED,
        finished_at=first.confirmed_at - datetime.timedelta(days=3),
        final_level=2,
    )
    SelfAssessment.objects.create(
        **made,
        status=SelfAssessmentStatus.FINISHED,
        finished_at=first.confirmed_at - datetime.timedelta(days=1),
        final_level=3,  # the latest before the confirmation: this one counts
    )
    SelfAssessment.objects.create(
        **made,
        status=SelfAssessmentStatus.FINISHED,
        finished_at=first.confirmed_at + datetime.timedelta(days=1),
        final_level=1,  # after the confirmation: ignored
    )
    # lee's plant assessed again later by park, at level 4.
    file_confirmed(w, w.by_lee[0].plant, w.park, 4, assessed_on=datetime.date(2026, 6, 1))
    rows = by_key(calibration_rows())
    kim, lee = rows[w.kim.pk], rows[w.lee.pk]
    assert len(kim.self_pairs) == 1 and kim.self_difference == pytest.approx(5 - 3)
    assert len(lee.next_pairs) == 1 and lee.next_difference == pytest.approx(2 - 4)
    assert rows[w.park.pk].next_difference is None


def test_filters_period_region_industry(cal_world):
    w = cal_world
    today = timezone.localdate()
    assert calibration_rows(filters=Filters(end=today - datetime.timedelta(days=1))) == []
    rows = calibration_rows(filters=Filters(start=today, end=today, industry="29"))
    assert [r.key for r in rows] == [w.park.pk]
    assert calibration_rows(filters=Filters(region="11")) == []


def test_spot_check_agreement_weighted_kappa(cal_world, django_assert_max_num_queries):
    w = cal_world
    draw = sc.spot_check_draw(user=w.agency, share=1.0, seed=1)
    checks = {c.assessment_id: c for c in draw.spot_checks.all()}
    for original, rating in ((w.by_kim[0], 4), (w.by_lee[0], 2)):
        check = sc.spot_check_assign(
            spot_check=checks[original.pk], consultant=w.park, user=w.agency
        )
        rate_sheet(check, rating)
        sc.spot_check_submit(spot_check=check, user=w.park)
    with django_assert_max_num_queries(5):
        result = spot_check_agreement()
    # Pairs (5, 4) and (2, 2) on every item: quadratic κ = 1 − (1/25) / (14/50) = 6/7 overall
    # and per item (hand-computed in docs/ux/calibration.md).
    overall = result.overall.agreement.overall
    assert result.overall.checks == 2
    assert overall.kappa == pytest.approx(6 / 7)
    assert overall.exact == pytest.approx(0.5)
    assert overall.mean_difference == pytest.approx(-0.5)
    assert all(i["agreement"].kappa == pytest.approx(6 / 7) for i in result.items)
    assert [g.label for g in result.by_consultancy] == ["북부컨설팅"]
    assert len(result.by_period) == 1 and result.by_period[0].label.endswith(
        f"Q{(timezone.localdate().month - 1) // 3 + 1}"
    )
    levels = result.overall.agreement.levels
    assert levels.pairs == 2 and levels.mean_difference == pytest.approx((4 - 5 + 2 - 2) / 2)
    assert spot_check_agreement(consultant=w.lee).overall.checks == 1
