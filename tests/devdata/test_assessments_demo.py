"""Demo assessments: `manage.py seed_assessments` (run by seed_demo) and its pure plan."""

import datetime
import io
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from assessments import scoring
from assessments.choices import AssessmentOrigin, AssessmentStatus
from assessments.models import Assessment, Framework, ItemRating
from assessments.services import add_years
from devdata import assessments as demo
from devdata import registry as registry_demo
from hub.choices import Role
from hub.models import AuditEntry, Plant
from tests.assessments.conftest import seed_definition

TODAY = datetime.date(2026, 11, 24)


def seed(plants=30):
    call_command("seed_demo", plants=plants, force=True, stdout=io.StringIO())


@pytest.fixture(scope="module")
def spec():
    return scoring.spec_from_json(seed_definition())


# --- the command -----------------------------------------------------------------------------


def counts():
    models = (Assessment, ItemRating, AuditEntry, Framework, Plant, get_user_model())
    return {model.__name__: model.objects.count() for model in models}


def test_seeding_twice_creates_nothing_new(seeded):
    first = counts()
    seed()
    assert counts() == first
    assert Assessment.objects.confirmed().count() >= 20


def test_every_confirmed_assessment_is_complete_scored_and_valid(seeded):
    # The assessments seed_assessments files in the hub (back-filed history has its own test).
    confirmed = list(
        Assessment.objects.confirmed()
        .filter(origin=AssessmentOrigin.HUB)
        .select_related("framework")
    )
    assert confirmed
    for a in confirmed:
        assert a.result is not None and a.result["final_level"] == a.final_level
        assert a.total_score is not None and a.confirmed_by.username == demo.AGENCY_USER
        assert a.valid_until == add_years(a.assessed_on, a.framework.validity_years)
        assert a.assessed_on < TODAY
    ratings = ItemRating.objects.filter(assessment__in=confirmed)
    assert ratings.count() == 40 * len(confirmed)
    assert all(r.is_complete for r in ratings)
    assert ratings.filter(not_applicable=True).exclude(na_reason="").exists()


def test_plant_levels_follow_their_latest_confirmed_assessment(seeded):
    plants = list(Plant.objects.all())
    for plant in plants:
        latest = Assessment.objects.confirmed().filter(plant=plant).order_by("-assessed_on").first()
        assert plant.current_level == (latest.final_level if latest else None)
        assert plant.level_valid_until == (latest.valid_until if latest else None)
    assessed = sum(p.current_level is not None for p in plants)
    assert 0.6 <= assessed / len(plants) <= 0.9


def test_some_plants_have_a_history_of_several_assessments(seeded):
    per_plant = Counter(Assessment.objects.confirmed().values_list("plant_id", flat=True))
    assert max(per_plant.values()) >= 2


def test_transitions_went_through_the_services(seeded):
    transitions = AuditEntry.objects.filter(
        content_type__model="assessment", action="transition"
    ).count()
    statuses = Counter(
        Assessment.objects.filter(origin=AssessmentOrigin.HUB).values_list("status", flat=True)
    )
    # submit + confirm per confirmed one; submit per submitted one; submit + return per returned
    assert transitions == (
        2 * statuses[AssessmentStatus.CONFIRMED]
        + statuses[AssessmentStatus.SUBMITTED]
        + 2 * statuses[AssessmentStatus.RETURNED]
    )


def test_the_consultant_has_work_in_every_queue(seeded):
    mine = Assessment.objects.filter(consultant__username="consultant")
    assert mine.filter(status=AssessmentStatus.DRAFT).exists()
    assert mine.filter(status=AssessmentStatus.SUBMITTED).exists()
    assert mine.filter(status=AssessmentStatus.RETURNED).exclude(return_reason="").exists()
    assert mine.filter(status=AssessmentStatus.CONFIRMED).count() >= 5
    draft = mine.filter(status=AssessmentStatus.DRAFT).first()
    rated = (
        draft.ratings.exclude(rating=None).count()
        + draft.ratings.filter(not_applicable=True).count()
    )
    assert 0 < rated < 40


def test_more_consultants_share_the_work(seeded, client):
    users = get_user_model().objects.filter(username__in=demo.CONSULTANTS)
    assert {u.username for u in users} == set(demo.CONSULTANTS)
    assert {u.membership.role for u in users} == {Role.CONSULTANT}
    assert client.login(username="consultant3", password=registry_demo.PASSWORD)
    consultants = set(Assessment.objects.confirmed().values_list("consultant__username", flat=True))
    assert len(consultants) >= 3


def test_the_partner_login_sees_confirmed_assessments(seeded):
    partner = get_user_model().objects.get(username="partner")
    assert Assessment.objects.visible_to(partner).exists()


def test_refuses_without_debug_or_registry_data(settings, db):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_assessments", plants=1)
    call_command("load_framework", stdout=io.StringIO())
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_assessments", plants=1, force=True)
    assert not Assessment.objects.exists()


# --- the pure plan ---------------------------------------------------------------------------


def test_the_level_distribution_looks_like_a_real_program(spec):
    plans = demo.plan(spec, demo.profiles(400), TODAY)
    levels = Counter(demo.current_levels(spec, plans).values())
    total = sum(levels.values())
    share = {level: n / total for level, n in levels.items()}
    assert 0.15 <= sum(share.get(level, 0) for level in (3, 4, 5)) <= 0.28
    assert share.get(1, 0) + share.get(2, 0) > 0.5
    assert 0 < share.get(0, 0) < 0.12
    assert 0 < share.get(4, 0) + share.get(5, 0) < 0.1
    assert 0.7 <= total / 400 <= 0.85


def test_histories_rise_over_time_and_some_plants_are_capped_by_systems(spec):
    plans = demo.plan(spec, demo.profiles(300), TODAY)
    steps = Counter()
    capped = Counter()
    for p in plans:
        results = [scoring.score(spec, a.ratings) for a in p.history]
        dates = [a.assessed_on for a in p.history]
        assert dates == sorted(dates) and all(
            demo.FIRST_MONTH <= d <= demo.LAST_MONTH.replace(day=28) for d in dates
        )
        for earlier, later in zip(dates, dates[1:], strict=False):
            assert 365 - 31 <= (later - earlier).days <= 3 * 366 + 31
        for before, after in zip(results, results[1:], strict=False):
            steps[(after.total > before.total) - (after.total < before.total)] += 1
        if results:
            capped[results[-1].capping_rule] += 1
    assert steps[1] > 3 * steps[-1]
    assert capped["systems_for_l3"] >= 5
    assert max(len(p.history) for p in plans) == 4


def test_the_plan_is_deterministic_and_per_plant(spec):
    small = {p.key: p for p in demo.plan(spec, demo.profiles(30), TODAY)}
    large = {p.key: p for p in demo.plan(spec, demo.profiles(240), TODAY)}
    assert len(small) >= 29
    for key, p in small.items():
        assert p.history == large[key].history
        assert p.in_progress == large[key].in_progress
    in_progress = [p.in_progress for p in small.values() if p.in_progress]
    assert len(in_progress) == len(demo.IN_PROGRESS)
    na = [a for p in small.values() for a in p.history if a.na_reasons]
    assert na and all(
        a.ratings[code] == scoring.NOT_APPLICABLE and reason
        for a in na
        for code, reason in a.na_reasons.items()
    )
