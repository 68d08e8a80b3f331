"""The assessment pages through HTTP, persona by persona (DESIGN.md §4).

Pages are fetched in English (the language cookie) wherever a test reads page text.
"""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from assessments.choices import AssessmentStatus
from assessments.models import Assessment, Evidence, ItemRating
from hub.models import AuditEntry, Plant
from tests.assessments.conftest import confirmed, items_by_code, rate_all
from tests.factories import ConsultancyFactory, PlantFactory, Role, member

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Evidence files land in a temporary directory, never in the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def consultant2(world):
    return member(Role.CONSULTANT, ConsultancyFactory(), "consultant2")


@pytest.fixture
def items(framework):
    return items_by_code(framework)


def url(name, *args):
    return reverse(f"assessments:{name}", args=args)


def open_for(world, plant):
    return services.assessment_open(plant=plant, consultant=world.consultant, user=world.agency)


def submitted(world, assessment, rating=3, overrides=None):
    rate_all(assessment, rating, overrides)
    services.assessment_submit(assessment=assessment, user=world.consultant)
    assessment.refresh_from_db()
    return assessment


def item_data(item, **values) -> dict:
    """POST data of one item's form (prefix i<id>)."""
    data = {"rating": "", "na_reason": "", "evidence_note": ""}
    data.update(values)
    out = {}
    for key, value in data.items():
        if key == "not_applicable":
            if value:
                out[f"i{item.pk}-not_applicable"] = "on"
            continue
        out[f"i{item.pk}-{key}"] = "" if value is None else str(value)
    return out


def upload(name, content, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def text(response) -> str:
    return response.content.decode()


# --- anonymous ---------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login_everywhere(world, assessment, items, client_for):
    item = items["A1.1"]
    gets = [
        url("assessment_list"),
        url("assessment_detail", assessment.pk),
        url("assessment_fill", assessment.pk),
        url("assessment_open", world.plant_b.pk),
        url("assessment_compare") + f"?a={assessment.pk}&b={assessment.pk}",
        url("framework_list"),
        url("framework_detail", assessment.framework_id),
    ]
    posts = [
        url("item_save", assessment.pk, item.pk),
        url("evidence_upload", assessment.pk, item.pk),
        url("assessment_submit", assessment.pk),
        url("assessment_confirm", assessment.pk),
        url("assessment_return", assessment.pk),
    ]
    client = client_for(None)
    for target in gets:
        response = client.get(target)
        assert response.status_code == 302, target
        assert response["Location"].startswith(reverse("login")), target
    for target in posts:
        response = client.post(target, item_data(item, rating=3))
        assert response.status_code == 302, target
        assert response["Location"].startswith(reverse("login")), target
    assert ItemRating.objects.get(assessment=assessment, item=item).rating is None


# --- outsider ----------------------------------------------------------------------------------


def test_outsider_sees_nothing(world, assessment, items, browse):
    confirmed_one = confirmed(world, assessment)
    client = browse(world.outsider)
    assert text(client.get(url("assessment_list"))).count("Assessment #") == 0
    assert client.get(url("assessment_list")).context["paginator"].count == 0
    for target in (
        url("assessment_detail", confirmed_one.pk),
        url("assessment_fill", confirmed_one.pk),
        url("assessment_open", world.plant_a.pk),
        url("assessment_compare") + f"?a={confirmed_one.pk}&b={confirmed_one.pk}",
        url("framework_detail", confirmed_one.framework_id),
    ):
        assert client.get(target).status_code == 404, target
    assert list(client.get(url("framework_list")).context["frameworks"]) == []
    for target in (
        url("assessment_confirm", confirmed_one.pk),
        url("assessment_return", confirmed_one.pk),
        url("item_save", confirmed_one.pk, items["A1.1"].pk),
    ):
        assert client.post(target, {"reason": "x"}).status_code == 404, target


# --- who sees which assessment -----------------------------------------------------------------


def test_consultant_lists_only_assignments(world, assessment, consultant2, browse):
    other = services.assessment_open(plant=world.plant_b, consultant=consultant2, user=world.agency)
    response = browse(world.consultant).get(url("assessment_list"))
    assert list(response.context["object_list"]) == [assessment]
    response = browse(consultant2).get(url("assessment_list") + "?queue=mine")
    assert list(response.context["object_list"]) == [other]


def test_second_consultant_gets_404_on_anothers_assessment(
    world, assessment, consultant2, items, browse
):
    client = browse(consultant2)
    assert client.get(url("assessment_detail", assessment.pk)).status_code == 404
    assert client.get(url("assessment_fill", assessment.pk)).status_code == 404
    response = client.post(
        url("item_save", assessment.pk, items["A1.1"].pk), item_data(items["A1.1"], rating=4)
    )
    assert response.status_code == 404
    assert ItemRating.objects.get(assessment=assessment, item=items["A1.1"]).rating is None


def test_partner_sees_only_confirmed_assessments_of_mentored_plant(world, assessment, browse):
    client = browse(world.partner_a)
    # a draft of their own plant: invisible
    assert client.get(url("assessment_detail", assessment.pk)).status_code == 404
    done = confirmed(world, assessment)
    assert client.get(url("assessment_detail", done.pk)).status_code == 200
    # anything of plant_b, even confirmed
    other = open_for(world, world.plant_b)
    other = confirmed(world, other)
    assert client.get(url("assessment_detail", other.pk)).status_code == 404
    draft_a = open_for(world, world.plant_a)
    assert client.get(url("assessment_detail", draft_a.pk)).status_code == 404
    listed = list(client.get(url("assessment_list")).context["object_list"])
    assert listed == [done]


def test_official_sees_submitted_and_confirmed_but_not_drafts(world, assessment, browse):
    client = browse(world.official)
    assert client.get(url("assessment_detail", assessment.pk)).status_code == 404
    submitted(world, assessment)
    response = client.get(url("assessment_detail", assessment.pk))
    assert response.status_code == 200
    assert "Confirm assessment" not in text(response)
    assert client.get(url("assessment_fill", assessment.pk)).status_code == 302


def test_drafts_are_visible_to_consultant_and_agency_only(world, assessment, browse):
    for user in (world.consultant, world.agency, world.admin_user):
        assert browse(user).get(url("assessment_detail", assessment.pk)).status_code == 200
    for user in (world.partner_a, world.partner_b, world.official, world.outsider):
        assert browse(user).get(url("assessment_detail", assessment.pk)).status_code == 404


# --- work queues -------------------------------------------------------------------------------


def test_queue_presets_and_filters(world, assessment, framework, browse):
    other = open_for(world, world.plant_b)
    submitted(world, other)
    client = browse(world.agency)
    response = client.get(url("assessment_list") + "?queue=to_confirm")
    assert list(response.context["object_list"]) == [other]
    response = client.get(url("assessment_list") + "?queue=in_progress")
    assert list(response.context["object_list"]) == [assessment]
    response = client.get(url("assessment_list") + "?status=submitted")
    assert list(response.context["object_list"]) == [other]
    response = client.get(url("assessment_list") + f"?consultant={world.consultant.pk}")
    assert set(response.context["object_list"]) == {assessment, other}
    page = text(client.get(url("assessment_list")))
    assert world.plant_a.name in page and world.plant_b.name in page
    assert world.plant_a.company.name in page


def test_navigation_entries_by_role(world, framework, browse):
    def nav(user):
        return [
            label
            for label, _url in browse(user).get(reverse("home"), follow=True).context["nav_items"]
        ]

    assert "My assessments" in nav(world.consultant)
    assert {"Assessments", "To confirm"} <= set(nav(world.agency))
    assert "Assessments" in nav(world.official)
    assert "Assessments" in nav(world.partner_a)
    assert "To confirm" not in nav(world.official)
    assert "Assessments" not in nav(world.outsider)


def test_queue_query_count_does_not_grow_with_rows(world, framework, browse):
    client = browse(world.agency)
    plants = [PlantFactory() for _ in range(12)]
    for plant in plants[:2]:
        services.assessment_open(plant=plant, consultant=world.consultant, user=world.agency)
    client.get(url("assessment_list"))  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url("assessment_list")).status_code == 200
    for plant in plants[2:]:
        services.assessment_open(plant=plant, consultant=world.consultant, user=world.agency)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url("assessment_list"))
    assert response.context["paginator"].count == 12
    assert len(many) == len(few)


# --- opening -----------------------------------------------------------------------------------


def test_agency_opens_an_assessment_from_the_plant_page(world, framework, browse):
    client = browse(world.agency)
    plant_page = text(client.get(world.plant_b.get_absolute_url()))
    open_url = url("assessment_open", world.plant_b.pk)
    assert open_url in plant_page and "Open assessment" in plant_page
    form_page = client.get(open_url)
    assert form_page.status_code == 200
    assert world.consultant.get_username() in text(form_page)
    response = client.post(open_url, {"consultant": world.consultant.pk, "due_on": "2030-01-31"})
    created = Assessment.objects.get(plant=world.plant_b)
    assert response.status_code == 302
    assert response["Location"] == created.get_absolute_url()
    assert created.consultant == world.consultant
    assert created.due_on == datetime.date(2030, 1, 31)
    assert created.ratings.count() == 40


def test_open_refuses_a_second_assessment_in_progress(world, assessment, browse):
    client = browse(world.agency)
    response = client.post(
        url("assessment_open", world.plant_a.pk), {"consultant": world.consultant.pk}
    )
    assert response.status_code == 200
    assert "already has an assessment in progress" in text(response)
    assert Assessment.objects.filter(plant=world.plant_a).count() == 1


def test_open_refuses_a_non_consultant(world, framework, browse):
    response = browse(world.agency).post(
        url("assessment_open", world.plant_b.pk), {"consultant": world.partner_a.pk}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["consultant"]
    assert not Assessment.objects.exists()


def test_only_agency_may_open(world, framework, browse):
    open_a = url("assessment_open", world.plant_a.pk)
    assert browse(world.official).get(open_a).status_code == 403
    assert browse(world.partner_a).get(open_a).status_code == 403
    assert (
        browse(world.partner_a).post(open_a, {"consultant": world.consultant.pk}).status_code == 403
    )
    # a plant the partner does not see: 404, not 403
    assert browse(world.partner_a).get(url("assessment_open", world.plant_b.pk)).status_code == 404
    assert not Assessment.objects.exists()
    assert "Open assessment" not in text(
        browse(world.official).get(world.plant_a.get_absolute_url())
    )


# --- the fill page -----------------------------------------------------------------------------


def test_fill_page_groups_items_with_descriptors_and_progress(world, assessment, browse):
    response = browse(world.consultant).get(url("assessment_fill", assessment.pk))
    assert response.status_code == 200
    page = text(response)
    assert "0 / 40" in page and 'role="progressbar"' in page
    assert "Leadership &amp; strategy" in page
    assert "Written roadmap tied to business goals and KPIs" in page  # an A1.1 descriptor
    assert page.count('<article class="item-card') == 40
    assert page.count('type="radio"') == 240
    assert 'id="item-A1-1"' in page
    assert 'hx-post="' + url("item_save", assessment.pk, assessment.ratings.first().item_id) in page


def test_fill_page_refuses_others_and_redirects_when_submitted(
    world, assessment, consultant2, browse
):
    fill = url("assessment_fill", assessment.pk)
    assert browse(world.agency).get(fill).status_code == 403
    assert browse(consultant2).get(fill).status_code == 404
    assert browse(world.partner_a).get(fill).status_code == 404
    submitted(world, assessment)
    response = browse(world.consultant).get(fill)
    assert response.status_code == 302
    assert response["Location"] == assessment.get_absolute_url()


def test_htmx_item_save_returns_the_partial_and_updates_the_db(world, assessment, items, browse):
    item = items["B1.2"]
    response = browse(world.consultant).post(
        url("item_save", assessment.pk, item.pk),
        item_data(item, rating=4, evidence_note="MES 화면 확인"),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    page = text(response)
    assert page.lstrip().startswith("<article")
    assert 'id="item-B1-2"' in page
    assert "Saved" in page
    assert 'id="assessment-progress"' in page and 'hx-swap-oob="true"' in page
    assert "1 / 40" in page
    rating = ItemRating.objects.get(assessment=assessment, item=item)
    assert (rating.rating, rating.evidence_note) == (4, "MES 화면 확인")


def test_plain_item_save_redirects_to_the_item(world, assessment, items, browse):
    item = items["A1.1"]
    response = browse(world.consultant).post(
        url("item_save", assessment.pk, item.pk), item_data(item, rating=2)
    )
    assert response.status_code == 302
    assert response["Location"] == url("assessment_fill", assessment.pk) + "#item-A1-1"
    assert ItemRating.objects.get(assessment=assessment, item=item).rating == 2


def test_invalid_rating_shows_the_error_on_the_item(world, assessment, items, browse):
    item = items["A1.1"]
    response = browse(world.consultant).post(
        url("item_save", assessment.pk, item.pk),
        item_data(item, rating=7),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "errorlist" in text(response)
    assert ItemRating.objects.get(assessment=assessment, item=item).rating is None


def test_item_of_another_framework_version_is_404(world, assessment, browse):
    response = browse(world.consultant).post(url("item_save", assessment.pk, 999999), {})
    assert response.status_code == 404


def test_not_applicable_without_reason_saves_but_submit_lists_it(world, assessment, items, browse):
    client = browse(world.consultant)
    rate_all(assessment, 3)
    item = items["C1.1"]
    response = client.post(
        url("item_save", assessment.pk, item.pk),
        item_data(item, rating=3, not_applicable=True),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Reason needed" in text(response)
    rating = ItemRating.objects.get(assessment=assessment, item=item)
    assert rating.not_applicable and rating.rating is None and rating.na_reason == ""

    response = client.post(url("assessment_submit", assessment.pk), follow=True)
    page = text(response)
    assert response.redirect_chain[-1][0].startswith(
        url("assessment_fill", assessment.pk) + "?check=1"
    )
    assert "C1.1 is marked not applicable without a reason." in page
    assert 'href="#item-C1-1"' in page
    assert Assessment.objects.get(pk=assessment.pk).status == AssessmentStatus.DRAFT

    client.post(
        url("item_save", assessment.pk, item.pk),
        item_data(item, not_applicable=True, na_reason="No paint shop"),
    )
    response = client.post(url("assessment_submit", assessment.pk))
    assert response["Location"] == assessment.get_absolute_url()
    assert Assessment.objects.get(pk=assessment.pk).status == AssessmentStatus.SUBMITTED


def test_submit_refusal_lists_unrated_items(world, assessment, browse):
    rate_all(assessment, 2, overrides={"A1.2": None, "D1.3": None})
    response = browse(world.consultant).post(url("assessment_submit", assessment.pk), follow=True)
    page = text(response)
    assert "2 items need attention" in page
    assert "A1.2 is not rated." in page and "D1.3 is not rated." in page
    assert 'href="#item-A1-2"' in page and 'href="#item-D1-3"' in page
    assert "A1.1 is not rated." not in page


def test_check_link_says_when_nothing_is_missing(world, assessment, browse):
    rate_all(assessment, 2)
    page = text(browse(world.consultant).get(url("assessment_fill", assessment.pk) + "?check=1"))
    assert "Nothing is missing" in page
    assert "40 / 40" in page


def test_submit_refuses_a_future_assessment_date(world, assessment, browse):
    rate_all(assessment, 2)
    future = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    response = browse(world.consultant).post(
        url("assessment_submit", assessment.pk), {"assessed_on": future}, follow=True
    )
    assert "cannot be in the future" in text(response)
    assert Assessment.objects.get(pk=assessment.pk).status == AssessmentStatus.DRAFT


def test_only_the_assigned_consultant_submits(world, assessment, consultant2, browse):
    rate_all(assessment, 3)
    assert browse(world.agency).post(url("assessment_submit", assessment.pk)).status_code == 403
    assert browse(consultant2).post(url("assessment_submit", assessment.pk)).status_code == 404
    assert Assessment.objects.get(pk=assessment.pk).status == AssessmentStatus.DRAFT


def test_pages_accept_only_post_for_transitions(world, assessment, browse):
    client = browse(world.consultant)
    for name in ("assessment_submit", "assessment_confirm", "assessment_return"):
        assert client.get(url(name, assessment.pk)).status_code == 405


# --- the full workflow through the pages ---------------------------------------------------------


def test_submit_confirm_then_plant_page_shows_level_and_history(world, assessment, browse):
    rate_all(assessment, 3)
    consultant = browse(world.consultant)
    response = consultant.post(
        url("assessment_submit", assessment.pk), {"assessed_on": "2025-05-02"}
    )
    assert response["Location"] == assessment.get_absolute_url()
    agency = browse(world.agency)
    detail = text(agency.get(assessment.get_absolute_url()))
    assert "Confirm assessment" in detail and "Return to the consultant" in detail
    assert "Provisional" in detail
    response = agency.post(url("assessment_confirm", assessment.pk), follow=True)
    assert "Assessment confirmed" in text(response)
    plant = Plant.objects.get(pk=world.plant_a.pk)
    assert plant.current_level == 3
    page = text(agency.get(plant.get_absolute_url()))
    assert "Level 3" in page and "Analysis &amp; control" in page
    assert "800.0" in page
    assert "<svg" in page and 'aria-labelledby="level-history-title' in page
    assert "2025-05-02" in page
    assert "Roadmap to Level 4" in page


def test_return_with_reason_lets_the_consultant_edit_again(world, assessment, items, browse):
    submitted(world, assessment)
    agency = browse(world.agency)
    response = agency.post(url("assessment_return", assessment.pk), {"reason": ""}, follow=True)
    assert "Say why the assessment goes back." in text(response)
    assert Assessment.objects.get(pk=assessment.pk).status == AssessmentStatus.SUBMITTED
    agency.post(url("assessment_return", assessment.pk), {"reason": "B2 증빙 사진이 없습니다"})
    assert Assessment.objects.get(pk=assessment.pk).status == AssessmentStatus.RETURNED

    consultant = browse(world.consultant)
    detail = text(consultant.get(assessment.get_absolute_url()))
    assert "B2 증빙 사진이 없습니다" in detail and "Correct and resubmit" in detail
    fill = consultant.get(url("assessment_fill", assessment.pk))
    assert fill.status_code == 200
    assert "Returned by agency staff" in text(fill) and "B2 증빙 사진이 없습니다" in text(fill)
    item = items["B2.1"]
    consultant.post(url("item_save", assessment.pk, item.pk), item_data(item, rating=1))
    assert ItemRating.objects.get(assessment=assessment, item=item).rating == 1


def test_confirm_and_return_are_agency_only(world, assessment, browse):
    submitted(world, assessment)
    for user in (world.consultant, world.official):
        client = browse(user)
        assert client.post(url("assessment_confirm", assessment.pk)).status_code == 403
        assert (
            client.post(url("assessment_return", assessment.pk), {"reason": "x"}).status_code == 403
        )
    assert browse(world.partner_a).post(url("assessment_confirm", assessment.pk)).status_code == 404
    assert Assessment.objects.get(pk=assessment.pk).status == AssessmentStatus.SUBMITTED


def test_confirming_a_draft_is_refused_with_a_message(world, assessment, browse):
    response = browse(world.agency).post(url("assessment_confirm", assessment.pk), follow=True)
    assert "cannot be confirmed" in text(response)
    assert Assessment.objects.get(pk=assessment.pk).status == AssessmentStatus.DRAFT


# --- frozen after confirm ------------------------------------------------------------------------


def test_confirmed_assessment_is_frozen_on_every_page(world, assessment, items, browse):
    item = items["A1.1"]
    evidence = services.evidence_add(
        assessment=assessment, item=item, upload=upload("plan.pdf", PDF), user=world.consultant
    )
    done = confirmed(world, assessment)
    before = list(ItemRating.objects.filter(assessment=done).values_list("rating", "evidence_note"))
    consultant = browse(world.consultant)

    response = consultant.post(url("item_save", done.pk, item.pk), item_data(item, rating=5))
    assert response.status_code == 302 and response["Location"] == done.get_absolute_url()
    response = consultant.post(
        url("item_save", done.pk, item.pk), item_data(item, rating=5), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert response["HX-Redirect"] == done.get_absolute_url()
    response = consultant.post(
        url("evidence_upload", done.pk, item.pk), {"file": upload("more.pdf", PDF)}
    )
    assert response.status_code == 302
    response = consultant.post(url("evidence_delete", evidence.pk))
    assert response.status_code == 302
    assert (
        browse(world.agency)
        .post(url("item_save", done.pk, item.pk), item_data(item, rating=5))
        .status_code
        == 403
    )
    assert browse(world.agency).post(url("evidence_delete", evidence.pk)).status_code == 403

    after = list(ItemRating.objects.filter(assessment=done).values_list("rating", "evidence_note"))
    assert after == before
    assert list(Evidence.objects.filter(assessment=done)) == [evidence]
    detail = text(consultant.get(done.get_absolute_url()))
    assert "cannot be edited" in detail or "cannot be changed" in detail
    assert url("assessment_fill", done.pk) not in detail


# --- evidence ------------------------------------------------------------------------------------


def test_evidence_upload_accepts_a_pdf(world, assessment, items, browse):
    item = items["B1.1"]
    response = browse(world.consultant).post(
        url("evidence_upload", assessment.pk, item.pk),
        {"file": upload("작업표준서.pdf", PDF)},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "작업표준서.pdf" in text(response)
    evidence = Evidence.objects.get(assessment=assessment, item=item)
    assert evidence.original_name == "작업표준서.pdf"
    assert evidence.content_type == "application/pdf"
    assert AuditEntry.objects.for_object(assessment).filter(action="create").count() == 2


def test_plain_evidence_upload_redirects_to_the_item(world, assessment, items, browse):
    item = items["B1.1"]
    response = browse(world.consultant).post(
        url("evidence_upload", assessment.pk, item.pk), {"file": upload("plan.pdf", PDF)}
    )
    assert response["Location"] == url("assessment_fill", assessment.pk) + "#item-B1-1"
    assert Evidence.objects.filter(assessment=assessment).count() == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.exe", b"MZ\x90\x00", "Only PDF, images"),
        ("report.pdf", b"<html>not a pdf</html>", "does not match its .pdf extension"),
    ],
)
def test_evidence_upload_refuses_wrong_files(
    world, assessment, items, browse, name, content, message
):
    item = items["B1.1"]
    response = browse(world.consultant).post(
        url("evidence_upload", assessment.pk, item.pk),
        {"file": upload(name, content, "application/octet-stream")},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert message in text(response)
    assert 'aria-invalid="true"' in text(response)
    assert not Evidence.objects.exists()


def test_evidence_upload_refuses_a_too_large_file(world, assessment, items, browse, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    item = items["B1.1"]
    response = browse(world.consultant).post(
        url("evidence_upload", assessment.pk, item.pk),
        {"file": upload("big.pdf", PDF + b"0" * 2048)},
        follow=True,
    )
    assert "evidence files may be at most" in text(response)
    assert not Evidence.objects.exists()


def test_only_the_assigned_consultant_uploads(world, assessment, items, consultant2, browse):
    item = items["B1.1"]
    target = url("evidence_upload", assessment.pk, item.pk)
    assert browse(world.agency).post(target, {"file": upload("a.pdf", PDF)}).status_code == 403
    assert browse(consultant2).post(target, {"file": upload("a.pdf", PDF)}).status_code == 404
    assert not Evidence.objects.exists()


def test_evidence_delete(world, assessment, items, browse):
    item = items["B1.1"]
    evidence = services.evidence_add(
        assessment=assessment, item=item, upload=upload("plan.pdf", PDF), user=world.consultant
    )
    assert browse(world.partner_a).post(url("evidence_delete", evidence.pk)).status_code == 404
    response = browse(world.consultant).post(
        url("evidence_delete", evidence.pk), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "plan.pdf" not in text(response)
    assert not Evidence.objects.exists()


def test_evidence_download_follows_assessment_visibility(world, assessment, items, browse):
    item = items["B1.1"]
    evidence = services.evidence_add(
        assessment=assessment,
        item=item,
        upload=upload("설비 점검표.pdf", PDF),
        user=world.consultant,
    )
    target = url("evidence_download", evidence.pk)
    assert browse(world.partner_a).get(target).status_code == 404  # draft
    assert browse(world.outsider).get(target).status_code == 404
    response = browse(world.consultant).get(target)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    confirmed(world, assessment)
    response = browse(world.partner_a).get(target)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "filename*=utf-8''%EC%84%A4%EB%B9%84" in response["Content-Disposition"]
    assert browse(world.partner_b).get(target).status_code == 404
    assert browse(world.outsider).get(target).status_code == 404


# --- detail, comparison, frameworks ------------------------------------------------------------


def test_detail_shows_result_capping_rule_areas_and_roadmap(world, assessment, browse):
    # Systems & automation (C) rated 1 caps a plant otherwise at 4
    overrides = {code: 1 for code in items_by_code(assessment.framework) if code.startswith("C")}
    done = confirmed(world, assessment, rating=4, overrides=overrides)
    assert done.capping_rule
    page = text(browse(world.partner_a).get(done.get_absolute_url()))
    assert f"Level {done.final_level}" in page
    assert "capped at" in page
    assert "Systems" in page
    assert f"{done.total_score:.1f}" in page
    assert "Roadmap to Level" in page
    assert "Confirm assessment" not in page and "Fill in" not in page
    assert "Change history" not in page  # audit trail is for agency staff


def test_detail_read_only_ratings_show_na_reasons_and_notes(world, assessment, items, browse):
    rate_all(assessment, 3, overrides={"D1.1": "na"})
    ItemRating.objects.filter(assessment=assessment, item=items["A1.1"]).update(
        evidence_note="로드맵 문서 확인"
    )
    page = text(browse(world.agency).get(assessment.get_absolute_url()))
    assert "No such process here" in page
    assert "로드맵 문서 확인" in page
    assert "Change history" in page


def test_compare_two_assessments(world, assessment, browse):
    first = confirmed(world, assessment, rating=2, assessed_on=datetime.date(2022, 3, 1))
    second = open_for(world, world.plant_a)
    second = confirmed(world, second, rating=2, overrides={"A1.1": 5, "C1.1": "na"})
    response = browse(world.partner_a).get(
        url("assessment_compare") + f"?a={first.pk}&b={second.pk}"
    )
    assert response.status_code == 200
    assert response.context["changed_count"] == 2
    page = text(response)
    assert 'class="changed"' in page and "+3" in page
    draft = open_for(world, world.plant_a)
    target = url("assessment_compare") + f"?a={first.pk}&b={draft.pk}"
    assert browse(world.partner_a).get(target).status_code == 404
    assert browse(world.agency).get(target).status_code == 200
    assert browse(world.partner_a).get(url("assessment_compare") + "?a=x&b=1").status_code == 404


def test_plant_page_compare_form_lists_visible_assessments(world, assessment, browse):
    first = confirmed(world, assessment, rating=2, assessed_on=datetime.date(2022, 3, 1))
    second = open_for(world, world.plant_a)
    confirmed(world, second, rating=3)
    draft = open_for(world, world.plant_a)
    page = text(browse(world.partner_a).get(world.plant_a.get_absolute_url()))
    assert url("assessment_compare") in page
    assert f'value="{first.pk}"' in page and f'value="{draft.pk}"' not in page


def test_framework_pages(world, framework, browse):
    client = browse(world.partner_a)
    listing = client.get(url("framework_list"))
    assert list(listing.context["frameworks"]) == [framework]
    page = text(client.get(framework.get_absolute_url()))
    assert "Leadership &amp; strategy" in page
    assert "Written roadmap tied to business goals and KPIs" in page
    assert "Level 3 or higher needs Systems &amp; automation at Level 3 or higher" in page
    assert "valid for 3 years" in page
    assert "950" in page


# --- plant page panel ----------------------------------------------------------------------------


def test_plant_panel_shows_level_meaning_area_profile_and_roadmap(world, assessment, browse):
    confirmed(world, assessment, rating=2, assessed_on=datetime.date(2024, 6, 3))
    response = browse(world.partner_a).get(world.plant_a.get_absolute_url())
    panel = next(p for p in response.context["plant_panels"] if "history" in p["context"])
    context = panel["context"]
    assert context["current"]["level"] == 2
    assert context["current"]["name"] == "Monitoring"
    assert not context["current"]["expired"]
    assert len(context["roadmap"]) == 5
    for svg in (context["history_svg"], context["area_svg"]):
        ET.fromstring(svg)
    area_svg = ET.fromstring(context["area_svg"])
    bars = [
        r
        for r in area_svg.iter("{http://www.w3.org/2000/svg}rect")
        if r.find("{http://www.w3.org/2000/svg}title") is not None
    ]
    assert len(bars) == 4
    page = text(response)
    assert "Automatic collection and real-time visibility" in page


def test_plant_panel_marks_an_expired_level(world, assessment, browse):
    confirmed(world, assessment, rating=1, assessed_on=datetime.date(2019, 1, 10))
    page = text(browse(world.agency).get(world.plant_a.get_absolute_url()))
    assert "expired" in page


def test_consultant_sees_the_panel_of_an_assigned_plant(world, assessment, browse):
    response = browse(world.consultant).get(world.plant_a.get_absolute_url())
    assert response.status_code == 200
    assert f"#{assessment.pk}" in text(response)


def _plant_page_queries(client, plant):
    client.get(plant.get_absolute_url())
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(plant.get_absolute_url())
    assert response.status_code == 200
    return len(ctx)


def test_plant_page_query_count_does_not_grow_with_history(world, assessment, browse):
    client = browse(world.agency)
    confirmed(world, assessment, rating=1, assessed_on=datetime.date(2021, 5, 1))
    one = _plant_page_queries(client, world.plant_a)
    for year, rating in ((2023, 2), (2025, 3)):
        again = open_for(world, world.plant_a)
        confirmed(world, again, rating=rating, assessed_on=datetime.date(year, 5, 1))
    three = _plant_page_queries(client, world.plant_a)
    assert three == one
    page = text(client.get(world.plant_a.get_absolute_url()))
    svg = page[page.index('<svg xmlns="http://www.w3.org/2000/svg"') :]
    svg = svg[: svg.index("</svg>") + 6]
    circles = list(ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}circle"))
    assert len(circles) == 3


def test_fill_and_detail_query_counts_do_not_grow_with_evidence(world, assessment, items, browse):
    client = browse(world.consultant)
    fill, detail = url("assessment_fill", assessment.pk), assessment.get_absolute_url()

    def count(target):
        client.get(target)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(target).status_code == 200
        return len(ctx)

    before = (count(fill), count(detail))
    for code in ("A1.1", "B1.1", "C2.1"):
        services.evidence_add(
            assessment=assessment,
            item=items[code],
            upload=upload(f"{code}.pdf", PDF),
            user=world.consultant,
        )
    rate_all(assessment, 2)
    assert (count(fill), count(detail)) == before
    assert before[0] <= 15
