"""The demo's spot-checks (seed_calibration, a step of seed_demo): a seeded draw, most
spot-checks submitted near the original, one left to the `consultant` login on an assessment
of another consultancy, kappa figures on the agency's calibration page; a second run adds
nothing."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from assessments.choices import SpotCheckStatus
from assessments.models import SpotCheck, SpotCheckDraw
from assessments.services.spot_checks import assignment_problem
from devdata import calibration_demo

pytestmark = pytest.mark.django_db


def test_seed_demo_leaves_spot_checks(seeded, client):
    draw = SpotCheckDraw.objects.get(seed=calibration_demo.SEED)
    assert draw.spot_checks.exists()
    submitted = SpotCheck.objects.filter(status=SpotCheckStatus.SUBMITTED)
    assert submitted.exists()
    users = get_user_model().objects
    login = users.get(username="consultant")
    draft = SpotCheck.objects.get(consultant=login, status=SpotCheckStatus.DRAFT)
    assert assignment_problem(draft, login) is None
    client.force_login(users.get(username="agency"))
    page = client.get("/calibration/")
    assert page.status_code == 200
    assert page.context["overall"].checks == submitted.count()
    assert page.context["overall"].kappa != "—"
    assert client.get(submitted.first().get_absolute_url()).status_code == 200
    client.force_login(login)
    assert client.get(f"/spot-checks/{draft.pk}/fill/").status_code == 200


def test_seeding_again_adds_nothing(seeded):
    before = sorted(SpotCheck.objects.values_list("pk", "status", "decision"))
    call_command("seed_calibration", force=True, stdout=io.StringIO())
    assert sorted(SpotCheck.objects.values_list("pk", "status", "decision")) == before
    assert SpotCheckDraw.objects.count() == 1
