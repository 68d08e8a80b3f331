"""The demo's self-diagnoses (seed_self_assessments, the last step of seed_demo): the `sme`
login can open the comparison with a confirmed assessment, the agency page has figures
(over-rating by about half a level), and seeding again creates nothing."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from assessments import self_selectors
from assessments.choices import AssessmentStatus
from assessments.models import SelfAssessment

pytestmark = pytest.mark.django_db


# The demo `seeded` builds (tests/devdata/conftest.py).
DEMO_PLANTS = 60


def test_sme_login_can_compare_and_agency_has_figures(seeded, client):
    users = get_user_model().objects
    own = SelfAssessment.objects.get(created_by__username="sme")
    assert own.shared_with.status == AssessmentStatus.CONFIRMED
    assert own.rated_on <= own.shared_with.assessed_on
    client.force_login(users.get(username="sme"))
    page = client.get(reverse("assessments:self_assessment_compare", args=[own.pk]))
    assert page.status_code == 200 and page.context["item_rows"]

    figures = self_selectors.over_rating()["overall"]
    assert figures.count >= 20
    assert 0.2 <= figures.mean_difference <= 0.8


def test_seeding_again_creates_nothing(seeded):
    before = sorted(SelfAssessment.objects.values_list("pk", flat=True))
    call_command("seed_self_assessments", force=True, stdout=io.StringIO())
    assert sorted(SelfAssessment.objects.values_list("pk", flat=True)) == before
