"""Spot-check services: the draw (reproducible by seed), assignment to another consultancy,
the blind rating, submit, and the agency's decision (keep or replace), all audited."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments.choices import (
    AssessmentOrigin,
    AssessmentStatus,
    SpotCheckDecision,
    SpotCheckStatus,
)
from assessments.models import Assessment, ItemRating, SpotCheck, SpotCheckDraw
from assessments.services import spot_checks as sc
from hub.choices import AuditAction
from hub.models import AuditEntry
from tests.assessments.calibration_fixtures import cal_world_fixture, rate_sheet  # noqa: F401

pytestmark = pytest.mark.django_db


def draw(w, **kwargs):
    kwargs.setdefault("share", 1.0)
    kwargs.setdefault("seed", 42)
    return sc.spot_check_draw(user=w.agency, **kwargs)


def test_draw_is_reproducible_by_seed(cal_world):
    w = cal_world
    first = draw(w, share=0.5, outlier_consultants=1, seed=2026)
    drawn = first.settings["drawn"]
    assert drawn and first.settings["share"] == 0.5
    # Cancel them so the same assessments are eligible again, then draw with the same seed.
    for check in first.spot_checks.all():
        sc.spot_check_cancel(spot_check=check, user=w.agency)
    again = draw(w, share=0.5, outlier_consultants=1, seed=2026)
    assert again.settings["drawn"] == drawn
    assert list(again.spot_checks.order_by("pk").values_list("assessment_id", flat=True)) == [
        *sorted(drawn, key=drawn.index)
    ]
    # The outlier is kim's (furthest above peers).
    reasons = dict(again.spot_checks.values_list("assessment_id", "reason"))
    outliers = [aid for aid, reason in reasons.items() if reason == "outlier"]
    assert outliers
    assert set(outliers) <= {a.pk for a in w.by_kim}
    assert AuditEntry.objects.filter(object_id=str(again.pk), action=AuditAction.CREATE).exists()


def test_draw_skips_assessments_already_checked_and_checks_settings(cal_world):
    w = cal_world
    first = draw(w, share=1.0)
    assert first.spot_checks.count() == 7
    second = draw(w, share=1.0)
    assert second.spot_checks.count() == 0
    with pytest.raises(ValidationError) as exc:
        draw(w, share=1.5, limit=0)
    assert {"share", "limit"} <= set(exc.value.message_dict)
    with pytest.raises(PermissionDenied):
        sc.spot_check_draw(user=w.consultant, share=0.5)
    # Without a seed one is chosen and kept.
    assert draw(w, seed=None).seed is not None


def _check_of(w, assessment):
    existing = SpotCheck.objects.filter(assessment=assessment, status="draft").first()
    return existing or draw(w, share=1.0).spot_checks.get(assessment=assessment)


def test_assignment_refuses_the_same_consultancy_and_the_original(cal_world):
    w = cal_world
    check = _check_of(w, w.by_kim[0])
    for wrong in (w.kim, w.lee):
        with pytest.raises(ValidationError) as exc:
            sc.spot_check_assign(spot_check=check, consultant=wrong, user=w.agency)
        assert "consultant" in exc.value.message_dict
    with pytest.raises(ValidationError):
        sc.spot_check_assign(spot_check=check, consultant=w.sme, user=w.agency)
    with pytest.raises(PermissionDenied):
        sc.spot_check_assign(spot_check=check, consultant=w.park, user=w.consultant)
    check = sc.spot_check_assign(
        spot_check=check, consultant=w.park, user=w.agency, due_on=datetime.date(2026, 12, 31)
    )
    assert check.consultant == w.park and check.due_on == datetime.date(2026, 12, 31)


def first_code(check) -> str:
    return check.ratings.order_by("item__order").first().item.code


def _rated_and_submitted(w, rating=3):
    check = _check_of(w, w.by_kim[0])
    check = sc.spot_check_assign(spot_check=check, consultant=w.park, user=w.agency)
    with pytest.raises(PermissionDenied):
        sc.spot_check_rate(spot_check=check, user=w.kim, entries=[{"item": "A1.1", "rating": 2}])
    rate_sheet(check, rating)
    changed = sc.spot_check_rate(
        spot_check=check, user=w.park, entries=[{"item": first_code(check), "rating": rating + 1}]
    )
    assert len(changed) == 1
    return sc.spot_check_submit(spot_check=check, user=w.park, rated_on=datetime.date(2026, 4, 1))


def test_submit_needs_every_item_and_scores(cal_world):
    w = cal_world
    check = sc.spot_check_assign(
        spot_check=_check_of(w, w.by_lee[0]), consultant=w.park, user=w.agency
    )
    with pytest.raises(ValidationError):
        sc.spot_check_submit(spot_check=check, user=w.park)
    submitted = _rated_and_submitted(w)
    assert submitted.status == SpotCheckStatus.SUBMITTED
    assert submitted.final_level is not None and submitted.finished_at is not None
    with pytest.raises(ValidationError):
        sc.spot_check_rate(spot_check=submitted, user=w.park, entries=[{"item": "A1.1"}])


def test_keep_leaves_the_level_and_is_audited(cal_world):
    w = cal_world
    check = _rated_and_submitted(w, rating=1)
    plant = check.plant
    plant.refresh_from_db()
    level = plant.current_level
    kept = sc.spot_check_decide(spot_check=check, user=w.agency, decision="kept")
    plant.refresh_from_db()
    assert kept.decision == SpotCheckDecision.KEPT and kept.replacement is None
    assert plant.current_level == level
    assert AuditEntry.objects.filter(
        object_id=str(check.pk), action=AuditAction.TRANSITION, after__decision="kept"
    ).exists()
    with pytest.raises(ValidationError):
        sc.spot_check_decide(spot_check=check, user=w.agency, decision="replaced", note="x")


def test_replace_moves_the_level_and_is_audited(cal_world):
    w = cal_world
    check = _rated_and_submitted(w, rating=1)
    with pytest.raises(ValidationError) as exc:
        sc.spot_check_decide(spot_check=check, user=w.agency, decision="replaced")
    assert "note" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        sc.spot_check_decide(spot_check=check, user=w.park, decision="kept")
    decided = sc.spot_check_decide(
        spot_check=check, user=w.agency, decision="replaced", note="현장 재확인 결과 반영"
    )
    new = decided.replacement
    assert new.status == AssessmentStatus.CONFIRMED and new.origin == AssessmentOrigin.SPOT_CHECK
    assert new.consultant == w.park and new.assessed_on == datetime.date(2026, 4, 1)
    assert new.confirmed_by == w.agency and new.final_level == check.final_level
    assert new.valid_until == datetime.date(2029, 4, 1)
    assert ItemRating.objects.filter(assessment=new).count() == check.ratings.count()
    plant = check.plant
    plant.refresh_from_db()
    assert plant.current_level == new.final_level != w.by_kim[0].final_level
    assert AuditEntry.objects.filter(object_id=str(new.pk), action=AuditAction.CREATE).exists()
    assert AuditEntry.objects.filter(object_id=str(check.pk), after__decision="replaced").exists()


def test_cancel_only_a_draft(cal_world):
    w = cal_world
    check = _check_of(w, w.by_lee[1])
    with pytest.raises(PermissionDenied):
        sc.spot_check_cancel(spot_check=check, user=w.consultant)
    cancelled = sc.spot_check_cancel(spot_check=check, user=w.agency, reason="중복")
    assert cancelled.status == SpotCheckStatus.CANCELLED
    with pytest.raises(ValidationError):
        sc.spot_check_cancel(spot_check=cancelled, user=w.agency)
    assert SpotCheck.objects.filter(status=SpotCheckStatus.CANCELLED).count() == 1
    assert SpotCheckDraw.objects.count() == 1
    assert Assessment.objects.filter(origin=AssessmentOrigin.SPOT_CHECK).count() == 0


def test_agency_may_choose_an_assessment(cal_world):
    w = cal_world
    with pytest.raises(PermissionDenied):
        sc.spot_check_choose(assessment=w.by_park, user=w.park)
    check = sc.spot_check_choose(assessment=w.by_park, user=w.agency)
    assert check.reason == "chosen" and check.draw is None
    assert check.ratings.count() == ItemRating.objects.filter(assessment=w.by_park).count()
    with pytest.raises(ValidationError):
        sc.spot_check_choose(assessment=w.by_park, user=w.agency)
    # A draw leaves it out: it has a spot-check already.
    assert w.by_park.pk not in draw(w, share=1.0).settings["drawn"]
