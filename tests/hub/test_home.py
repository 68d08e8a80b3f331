"""The home page per role (what waits, the most used actions, what changed since the last
visit), the assessment queue's default, "next in queue" and confirm-first."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.choices import AssessmentStatus
from hub import services as hub_services
from hub.views.home import PREVIOUS_LOGIN_KEY, SEEN_KEY
from tests.assessments.conftest import rate_all, seed_definition
from tests.factories import PlantFactory
from tests.programs.conftest import project_a, supplier, winwin  # noqa: F401 (fixtures)

HOME = reverse("home")
QUEUE = reverse("assessments:assessment_list")


@pytest.fixture
def framework(db):
    framework, _ = services.framework_load(data=seed_definition())
    return framework


def open_for(world, plant, consultant=None):
    return services.assessment_open(
        plant=plant, consultant=consultant or world.consultant, user=world.agency
    )


def submitted(world, plant):
    assessment = rate_all(open_for(world, plant))
    services.assessment_submit(assessment=assessment, user=world.consultant)
    assessment.refresh_from_db()
    return assessment


def card(response, title):
    found = [c for c in response.context["cards"] if c.title == title]
    assert found, [c.title for c in response.context["cards"]]
    return found[0]


def action_urls(response):
    return [action.url for action in response.context["actions"]]


# --- what waits, per role ---


def test_agency_home_counts_what_waits_to_confirm(world, framework, browse):
    waiting = submitted(world, world.plant_a)
    open_for(world, world.plant_b)
    response = browse(world.agency).get(HOME)
    assert response.status_code == 200
    to_confirm = card(response, "submitted assessments to confirm")
    assert to_confirm.count == 1
    assert to_confirm.items[0][1] == waiting.get_absolute_url()
    never = card(response, "plants without an assessment")
    assert never.count == 1  # plant_free: a and b have one
    assert never.items[0][1] == reverse("assessments:assessment_open", args=[world.plant_free.pk])
    assert action_urls(response)[0] == f"{QUEUE}?queue=to_confirm"
    assert card(response, "open early warnings").count == 0
    assert card(response, "overdue follow-up reports").count == 0


def test_consultant_home_lists_their_open_assessments_first(world, framework, browse):
    draft = open_for(world, world.plant_a)
    returned = submitted(world, world.plant_b)
    services.assessment_return(assessment=returned, user=world.agency, reason="Fix 1.1")
    response = browse(world.consultant).get(HOME)
    content = response.content.decode()
    assert "may read the registry but not change it" not in content
    mine = card(response, "open assessments to fill")
    assert mine.count == 2
    fill = "assessments:assessment_fill"
    assert [url for _label, url, _detail in mine.items] == [
        reverse(fill, args=[returned.pk]),
        reverse(fill, args=[draft.pk]),
    ]
    assert action_urls(response)[0] == reverse(fill, args=[returned.pk])


def test_official_home_starts_from_the_dashboard(world, browse):
    response = browse(world.official).get(HOME)
    assert action_urls(response) == [
        reverse("progress:dashboard"),
        reverse("progress:report_list"),
        reverse("progress:target_list"),
    ]
    assert f'href="{reverse("progress:dashboard")}"' in response.content.decode()
    card(response, "progress reports")


def test_official_home_shows_where_the_program_stands(world, browse, settings):
    from progress.selectors import progress_summary

    settings.PROGRESS_CACHE_SECONDS = 0
    response = browse(world.official).get(HOME)
    standing = card(response, "plants supported so far")
    figures = progress_summary(as_of=timezone.localdate())
    assert standing.count == figures.supported
    labels = [label for label, _url, _detail in standing.items]
    assert labels[0].startswith(f"Supported plants: {figures.supported}")
    assert labels[1].startswith("At Level 3 or higher:")
    assert labels[2] == f"Connected to the data hub: {figures.connected} plants"
    details = [detail for _label, _url, detail in standing.items]
    assert "30,000" in details[0] and "7,500" in details[2]  # the stored targets
    assert {url for _label, url, _detail in standing.items} == {reverse("progress:dashboard")}
    assert "See all" not in response.content.decode()  # figures, not a queue


def test_partner_home_shows_only_its_own_plants_needing_attention(world, browse):
    response = browse(world.partner_a).get(HOME)
    plants = card(response, "mentored plants needing attention")
    assert [label for label, _url, _detail in plants.items] == [world.plant_a.name]
    assert world.plant_b.name not in response.content.decode()


def test_sme_home_stays_the_data_hub_home(world, client_for):
    response = client_for(world.sme).get(HOME)
    assert response.status_code == 302 and response.url == reverse("datahub:home")


def test_admin_home_has_the_agency_queues(world, framework, browse):
    submitted(world, world.plant_a)
    response = browse(world.admin_user).get(HOME)
    assert card(response, "submitted assessments to confirm").count == 1


@pytest.mark.parametrize("who", ["agency", "consultant", "partner_a", "official", "admin_user"])
def test_home_query_count_is_bounded(
    world, framework, client_for, who, django_assert_max_num_queries
):
    for plant in (world.plant_a, world.plant_b, world.plant_free):
        submitted(world, plant)
    for n in range(6):
        PlantFactory(name=f"빈 공장 {n}")
    client = client_for(getattr(world, who))
    client.get(HOME)  # the first visit may load content types into the cache
    with django_assert_max_num_queries(20):
        response = client.get(HOME)
    assert response.status_code == 200


# --- what changed since the last visit ---


def test_changes_since_the_last_visit_are_others_and_visible_only(world, browse):
    client = browse(world.partner_a)
    client.get(HOME)
    session = client.session
    session[SEEN_KEY] = (timezone.now() - datetime.timedelta(minutes=5)).isoformat()
    session.save()
    hub_services.plant_update(plant=world.plant_a, user=world.agency, data={"employees": 77})
    hub_services.plant_update(plant=world.plant_b, user=world.agency, data={"employees": 88})
    response = client.get(HOME)
    assert response.context["change_count"] == 1
    assert [c["object"] for c in response.context["changes"]] == [str(world.plant_a)]
    assert response.context["changes"][0]["url"] == world.plant_a.get_absolute_url()
    # Seen now: the next visit starts from here.
    assert client.get(HOME).context["change_count"] == 0


def test_own_changes_are_not_news(world, browse):
    client = browse(world.agency)
    client.get(HOME)
    session = client.session
    session[SEEN_KEY] = (timezone.now() - datetime.timedelta(minutes=5)).isoformat()
    session.save()
    hub_services.plant_update(plant=world.plant_a, user=world.agency, data={"employees": 9})
    assert client.get(HOME).context["change_count"] == 0


def test_signing_in_keeps_the_previous_sign_in(world, client_for):
    before = timezone.now() - datetime.timedelta(days=2)
    world.agency.last_login = before
    world.agency.save(update_fields=["last_login"])
    world.agency.set_password("pw-for-home-1")
    world.agency.save()
    client = client_for(None)
    client.post(reverse("login"), {"username": "agency", "password": "pw-for-home-1"})
    assert client.session[PREVIOUS_LOGIN_KEY] == before.isoformat()
    response = client.get(HOME)
    assert response.context["since"] == before
    world.agency.refresh_from_db()
    assert world.agency.last_login > before


# --- the queue: open first, done behind a filter ---


def test_the_consultants_queue_opens_on_open_assessments(world, framework, browse):
    done = submitted(world, world.plant_a)
    services.assessment_confirm(assessment=done, user=world.agency)
    draft = open_for(world, world.plant_b)
    client = browse(world.consultant)
    response = client.get(QUEUE)
    assert [a.pk for a in response.context["object_list"]] == [draft.pk]
    assert response.context["queue"] == "open"
    done_page = client.get(QUEUE + "?queue=done")
    assert [a.pk for a in done_page.context["object_list"]] == [done.pk]
    every = client.get(QUEUE + "?queue=all")
    assert [a.pk for a in every.context["object_list"]] == [draft.pk, done.pk]


def test_an_explicit_status_filter_replaces_the_default(world, framework, browse):
    done = submitted(world, world.plant_a)
    services.assessment_confirm(assessment=done, user=world.agency)
    response = browse(world.agency).get(QUEUE + "?status=confirmed")
    assert [a.pk for a in response.context["object_list"]] == [done.pk]


# --- confirm first, then the next in the queue ---


def test_confirming_asks_first_without_javascript(world, framework, browse):
    waiting = submitted(world, world.plant_a)
    client = browse(world.agency)
    url = reverse("assessments:assessment_confirm", args=[waiting.pk])
    page = client.post(url, {"confirm_first": "1", "then": "next"})
    assert page.status_code == 200
    content = page.content.decode()
    assert "cannot be undone" in content
    assert 'name="then" value="next"' in content and "confirm_first" not in content
    waiting.refresh_from_db()
    assert waiting.status == AssessmentStatus.SUBMITTED
    # The page's own form posts the same fields without the question.
    assert client.post(url, {"then": "next"}).status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == AssessmentStatus.CONFIRMED


def test_the_detail_page_marks_confirm_as_irreversible(world, framework, browse):
    waiting = submitted(world, world.plant_a)
    content = browse(world.agency).get(waiting.get_absolute_url()).content.decode()
    assert 'data-confirm="Confirming freezes the assessment for good' in content
    assert 'name="confirm_first" value="1"' in content


def test_after_confirming_the_next_submitted_one_opens(world, framework, browse):
    first = submitted(world, world.plant_a)
    second = submitted(world, world.plant_b)
    client = browse(world.agency)
    response = client.post(
        reverse("assessments:assessment_confirm", args=[first.pk]), {"then": "next"}
    )
    assert response.url == second.get_absolute_url()
    last = client.post(
        reverse("assessments:assessment_confirm", args=[second.pk]), {"then": "next"}
    )
    assert last.url == second.get_absolute_url()  # nothing else waits: stay on the result


def test_after_submitting_the_consultant_is_offered_the_next_one(world, framework, browse):
    first = rate_all(open_for(world, world.plant_a))
    second = open_for(world, world.plant_b)
    client = browse(world.consultant)
    client.post(reverse("assessments:assessment_submit", args=[first.pk]), {})
    content = client.get(first.get_absolute_url()).content.decode()
    assert reverse("assessments:assessment_fill", args=[second.pk]) in content
    assert "Next in your queue" in content


# --- every irreversible action asks first without JavaScript ---


def asks_first(response, *, repeated: dict):
    content = response.content.decode()
    assert response.status_code == 200
    assert "cannot" in content and 'name="confirm_first"' not in content
    for name, value in repeated.items():
        assert f'name="{name}" value="{value}"' in content


def test_resolving_a_warning_asks_first(world, browse):
    from datahub.models import EarlyWarning, WarningKind, WarningStatus

    today = timezone.localdate()
    warning = EarlyWarning.objects.create(
        plant=world.plant_a,
        kind=WarningKind.PLANT_CLOSED,
        first_detected=today,
        last_detected=today,
    )
    url = reverse("datahub:warning", args=[warning.pk])
    client = browse(world.agency)
    page = client.get(url).content.decode()
    assert 'name="confirm_first" value="1"' in page and "cannot be reopened" in page
    data = {"action": "resolve", "note": "폐업 확인", "then": "next"}
    asks_first(client.post(url, {**data, "confirm_first": "1"}), repeated={"note": "폐업 확인"})
    warning.refresh_from_db()
    assert warning.status == WarningStatus.OPEN
    # Acknowledging can be changed later: it does not ask.
    assert client.post(url, {"action": "acknowledge", "confirm_first": "1"}).status_code == 302
    assert client.post(url, data).status_code == 302
    warning.refresh_from_db()
    assert warning.status == WarningStatus.RESOLVED


def test_revoking_a_consent_asks_first(world, browse):
    from datahub.choices import Purpose
    from datahub.services import consents

    consent = consents.consent_grant(user=world.sme, plant=world.plant_a, purpose=Purpose.RESEARCH)
    client = browse(world.sme)
    page = client.get(reverse("datahub:consents", args=[world.plant_a.pk])).content.decode()
    assert "data-confirm=" in page and 'name="confirm_first" value="1"' in page
    url = reverse("datahub:consent_revoke", args=[consent.pk])
    asks_first(client.post(url, {"confirm_first": "1"}), repeated={})
    consent.refresh_from_db()
    assert consent.revoked_at is None
    assert client.post(url).status_code == 302
    consent.refresh_from_db()
    assert consent.revoked_at is not None


def test_deleting_evidence_asks_first(world, framework, browse, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assessments.models import Evidence

    settings.MEDIA_ROOT = tmp_path
    assessment = open_for(world, world.plant_a)
    item = assessment.ratings.select_related("item").first().item
    evidence = services.evidence_add(
        assessment=assessment,
        item=item,
        upload=SimpleUploadedFile("점검표.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
        user=world.consultant,
    )
    url = reverse("assessments:evidence_delete", args=[evidence.pk])
    client = browse(world.consultant)
    asks_first(client.post(url, {"confirm_first": "1"}), repeated={})
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    assert client.post(url).status_code == 302
    assert not Evidence.objects.filter(pk=evidence.pk).exists()


def test_dropping_a_project_asks_first(world, project_a, browse):  # noqa: F811
    from programs.choices import ProjectStatus

    url = reverse("programs:project_advance", args=[project_a.pk])
    client = browse(world.agency)
    page = client.get(project_a.get_absolute_url()).content.decode()
    assert "Dropping ends the project for good" in page
    data = {"to": "dropped", "on": timezone.localdate().isoformat(), "reason": "자진 포기"}
    asks_first(client.post(url, {**data, "confirm_first": "1"}), repeated={"to": "dropped"})
    project_a.refresh_from_db()
    assert project_a.status == ProjectStatus.APPLIED
    # A step that can be followed by another does not ask.
    step = {"to": "selected", "on": data["on"], "confirm_first": "1"}
    assert client.post(url, step).status_code == 302
    assert client.post(url, data).status_code == 302
    project_a.refresh_from_db()
    assert project_a.status == ProjectStatus.DROPPED
