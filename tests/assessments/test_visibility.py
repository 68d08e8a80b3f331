"""What each role sees of assessments, their evidence files and the frameworks (the querysets'
`visible_to` rules, through the pages and the API), and the one "latest confirmed first"
order the plant's level follows."""

import datetime

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from assessments import services
from assessments.choices import AssessmentStatus
from assessments.models import Assessment, Evidence, Framework
from tests.assessments.conftest import confirmed, items_by_code, rate_all

pytestmark = pytest.mark.django_db


def api(user):
    """An API client asking for English, like the pages' `browse` clients."""
    client = APIClient()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_authenticate(user)
    return client


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def evidence_of(world, assessment) -> Evidence:
    item = items_by_code(assessment.framework)["A1.1"]
    upload = SimpleUploadedFile("proof.pdf", b"%PDF-1.4\n% proof\n", "application/pdf")
    return services.evidence_add(
        assessment=assessment, item=item, upload=upload, user=world.consultant
    )


def test_assessment_rule_by_role(world, framework):
    draft = services.assessment_open(
        plant=world.plant_free, consultant=world.consultant, user=world.agency
    )
    done_a = confirmed(
        world,
        services.assessment_open(
            plant=world.plant_a, consultant=world.consultant, user=world.agency
        ),
    )
    done_b = confirmed(
        world,
        services.assessment_open(
            plant=world.plant_b, consultant=world.consultant, user=world.agency
        ),
    )
    visible = Assessment.objects.visible_to
    everything = {draft, done_a, done_b}
    assert set(visible(world.agency)) == everything
    assert set(visible(world.admin_user)) == everything
    assert set(visible(world.consultant)) == everything  # all assigned to them
    assert set(visible(world.official)) == {done_a, done_b}  # never a draft
    assert set(visible(world.partner_a)) == {done_a}
    assert set(visible(world.partner_b)) == {done_b}
    assert not visible(world.outsider).exists()


def test_official_cannot_download_evidence_of_a_draft(world, assessment, media, browse):
    evidence = evidence_of(world, assessment)
    url = reverse("assessments:evidence_download", args=[evidence.pk])
    assert browse(world.official).get(url).status_code == 404
    assert browse(world.consultant).get(url).status_code == 200
    rate_all(assessment)
    services.assessment_submit(assessment=assessment, user=world.consultant)
    assert browse(world.official).get(url).status_code == 200


def test_evidence_follows_its_assessment(world, assessment, media):
    evidence = evidence_of(world, assessment)
    visible = Evidence.objects.visible_to
    assert list(visible(world.consultant)) == [evidence]
    assert list(visible(world.agency)) == [evidence]
    for blind in (world.official, world.partner_a, world.partner_b, world.outsider):
        assert not visible(blind).exists()


def test_partner_cannot_download_evidence_of_another_firms_plant(world, framework, media, browse):
    assessment = services.assessment_open(
        plant=world.plant_b, consultant=world.consultant, user=world.agency
    )
    evidence = evidence_of(world, assessment)
    confirmed(world, assessment)
    url = reverse("assessments:evidence_download", args=[evidence.pk])
    assert browse(world.partner_a).get(url).status_code == 404
    assert browse(world.partner_b).get(url).status_code == 200


def test_frameworks_are_read_by_every_member_and_nobody_else(world, framework, browse):
    for member in (world.agency, world.consultant, world.partner_a, world.official):
        assert list(Framework.objects.visible_to(member)) == [framework]
    assert list(Framework.objects.visible_to(world.admin_user)) == [framework]
    assert not Framework.objects.visible_to(world.outsider).exists()
    detail = reverse("assessments:framework_detail", args=[framework.pk])
    assert browse(world.outsider).get(detail).status_code == 404
    assert api(world.outsider).get(f"/api/v1/frameworks/{framework.pk}/").status_code == 404
    assert api(world.outsider).get("/api/v1/frameworks/").json()["count"] == 0
    assert api(world.partner_a).get(f"/api/v1/frameworks/{framework.pk}/").status_code == 200


# --- latest confirmed first ------------------------------------------------------------------


def confirm_on(world, level, assessed_on, confirmed_at):
    a = services.assessment_open(
        plant=world.plant_a, consultant=world.consultant, user=world.agency
    )
    a = confirmed(world, a, level, assessed_on=assessed_on)
    Assessment.objects.filter(pk=a.pk).update(confirmed_at=confirmed_at)
    return a


def test_latest_confirmed_first_orders_by_date_then_confirmation_then_id(world, framework):
    day = datetime.date(2024, 5, 2)
    noon = timezone.make_aware(datetime.datetime(2024, 5, 10, 12))
    older = confirm_on(world, 2, day - datetime.timedelta(days=30), noon)
    first_of_day = confirm_on(world, 3, day, noon)
    later_same_day = confirm_on(world, 4, day, noon + datetime.timedelta(hours=1))
    same_time = confirm_on(world, 1, day, noon + datetime.timedelta(hours=1))
    draft = services.assessment_open(
        plant=world.plant_a, consultant=world.consultant, user=world.agency
    )

    order = list(Assessment.objects.latest_confirmed_first())
    assert order == [same_time, later_same_day, first_of_day, older]
    assert draft not in order


def test_plant_level_follows_the_latest_confirmed_assessment(world, framework):
    day = datetime.date(2024, 5, 2)
    noon = timezone.make_aware(datetime.datetime(2024, 5, 10, 12))
    confirm_on(world, 4, day, noon + datetime.timedelta(hours=1))
    confirm_on(world, 2, day, noon)  # confirmed last, but earlier in the order
    plant = services.plant_refresh_level(plant=world.plant_a)
    assert plant.current_level == 4
    assert Assessment.objects.filter(status=AssessmentStatus.CONFIRMED).count() == 2
