"""Self-diagnosis by the SME: the services' rules (who, which state, one draft, sharing) and
the pages (list, start, fill saved as it goes, result, share, comparison, over-rating)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from assessments import services
from assessments.choices import SelfAssessmentStatus
from assessments.models import Item, SelfAssessment, SelfRating
from assessments.services import self_assessments as self_services
from hub.choices import AuditAction
from hub.models import AuditEntry
from tests.assessments.self_helpers import confirmed_assessment, finished_self, rate_sheet

pytestmark = pytest.mark.django_db


@pytest.fixture
def sheet(world, framework):
    return self_services.self_assessment_start(plant=world.plant_a, user=world.sme)


# --- services --------------------------------------------------------------------------------


def test_start_gives_a_blank_draft_of_the_current_framework(world, framework, sheet):
    assert sheet.status == SelfAssessmentStatus.DRAFT
    assert sheet.framework == framework
    assert sheet.created_by == world.sme
    assert SelfRating.objects.filter(sheet=sheet).count() == 40
    assert not SelfRating.objects.filter(sheet=sheet, rating__isnull=False).exists()
    assert AuditEntry.objects.filter(object_id=str(sheet.pk), action=AuditAction.CREATE).exists()


def test_a_plant_has_one_draft_at_a_time(world, sheet):
    with pytest.raises(ValidationError) as exc:
        self_services.self_assessment_start(plant=world.plant_a, user=world.sme)
    assert f"#{sheet.pk}" in str(exc.value)
    assert SelfAssessment.objects.filter(plant=world.plant_a).count() == 1


@pytest.mark.parametrize("who", ["agency", "consultant", "partner_a", "official", "admin_user"])
def test_only_the_plants_sme_members_write(world, framework, who):
    with pytest.raises(PermissionDenied):
        self_services.self_assessment_start(plant=world.plant_a, user=getattr(world, who))


def test_an_sme_member_cannot_start_another_companys_plant(world, framework):
    with pytest.raises(PermissionDenied):
        self_services.self_assessment_start(plant=world.plant_b, user=world.sme)


def test_rate_is_all_or_nothing_and_audited(world, sheet):
    self_services.self_assessment_rate(
        self_assessment=sheet, user=world.sme, entries=[{"item": "A1.1", "rating": 4}]
    )
    with pytest.raises(ValidationError) as exc:
        self_services.self_assessment_rate(
            self_assessment=sheet,
            user=world.sme,
            entries=[{"item": "A1.2", "rating": 2}, {"item": "ZZ", "rating": 1}],
        )
    assert set(exc.value.by_entry) == {1}
    ratings = dict(SelfRating.objects.filter(sheet=sheet).values_list("item__code", "rating"))
    assert ratings["A1.1"] == 4 and ratings["A1.2"] is None
    assert (
        AuditEntry.objects.filter(object_id=str(sheet.pk), action=AuditAction.UPDATE).count() == 1
    )


def test_others_cannot_rate(world, sheet):
    with pytest.raises(PermissionDenied):
        self_services.self_assessment_rate(
            self_assessment=sheet, user=world.agency, entries=[{"item": "A1.1", "rating": 4}]
        )


def test_finish_refuses_listing_whats_missing(world, sheet):
    rate_sheet(sheet, 3, {"A1.1": None, "B1.1": "na"})
    SelfRating.objects.filter(sheet=sheet, item__code="B1.1").update(na_reason=" ")
    with pytest.raises(ValidationError) as exc:
        self_services.self_assessment_finish(self_assessment=sheet, user=world.sme)
    text = " ".join(exc.value.messages)
    assert "A1.1" in text and "B1.1" in text
    sheet.refresh_from_db()
    assert sheet.status == SelfAssessmentStatus.DRAFT


def test_finish_scores_and_never_touches_the_plant(world, sheet):
    rate_sheet(sheet, 3)
    sheet = self_services.self_assessment_finish(self_assessment=sheet, user=world.sme)
    assert sheet.status == SelfAssessmentStatus.FINISHED
    assert sheet.total_score == 800 and sheet.final_level == 3
    assert sheet.rated_on == datetime.date.today() and sheet.finished_at is not None
    assert sheet.result["roadmap"]
    world.plant_a.refresh_from_db()
    assert world.plant_a.current_level is None
    with pytest.raises(ValidationError):
        self_services.self_assessment_rate(
            self_assessment=sheet, user=world.sme, entries=[{"item": "A1.1", "rating": 1}]
        )


def test_share_needs_an_assessment_in_progress(world, framework):
    sheet = finished_self(world.sme, world.plant_a)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        self_services.self_assessment_share(self_assessment=sheet, user=world.sme)
    assert "no assessment in progress" in str(exc.value)
    draft = services.assessment_open(
        plant=world.plant_a, consultant=world.consultant, user=world.agency
    )
    sheet = self_services.self_assessment_share(self_assessment=sheet, user=world.sme)
    assert sheet.shared_with == draft
    assert SelfAssessment.objects.visible_to(world.consultant).filter(pk=sheet.pk).exists()
    sheet = self_services.self_assessment_unshare(self_assessment=sheet, user=world.sme)
    assert sheet.shared_with is None
    assert not SelfAssessment.objects.visible_to(world.consultant).filter(pk=sheet.pk).exists()


def test_a_draft_cannot_be_shared(world, sheet):
    services.assessment_open(plant=world.plant_a, consultant=world.consultant, user=world.agency)
    with pytest.raises(ValidationError):
        self_services.self_assessment_share(self_assessment=sheet, user=world.sme)


def test_delete_only_drafts(world, sheet):
    self_services.self_assessment_delete(self_assessment=sheet, user=world.sme)
    assert not SelfAssessment.objects.filter(pk=sheet.pk).exists()
    done = finished_self(world.sme, world.plant_a)
    with pytest.raises(ValidationError):
        self_services.self_assessment_delete(self_assessment=done, user=world.sme)


def test_visibility(world, framework):
    draft = self_services.self_assessment_start(plant=world.plant_a, user=world.sme)
    visible = SelfAssessment.objects.visible_to
    assert visible(world.sme).filter(pk=draft.pk).exists()
    for who in ("agency", "consultant", "partner_a", "official", "outsider"):
        assert not visible(getattr(world, who)).filter(pk=draft.pk).exists(), who
    rate_sheet(draft)
    self_services.self_assessment_finish(self_assessment=draft, user=world.sme)
    assert visible(world.agency).filter(pk=draft.pk).exists()
    assert not visible(world.partner_a).filter(pk=draft.pk).exists()


# --- pages -----------------------------------------------------------------------------------


def test_sme_starts_fills_and_finishes_through_the_pages(world, framework, browse):
    client = browse(world.sme)
    page = client.get(reverse("assessments:self_assessment_list"))
    assert page.status_code == 200
    assert reverse("assessments:self_assessment_start", args=[world.plant_a.pk]) in page.text
    start = reverse("assessments:self_assessment_start", args=[world.plant_a.pk])
    assert client.get(start).status_code == 200
    response = client.post(start)
    sheet = SelfAssessment.objects.get(plant=world.plant_a)
    assert response.url == reverse("assessments:self_assessment_fill", args=[sheet.pk])
    # Starting again opens the same draft.
    assert client.post(start).url == response.url
    fill = client.get(response.url)
    assert fill.status_code == 200 and "Self-assessed" in fill.text

    item = Item.objects.get(category__area__framework=framework, code="A1.1")
    save = reverse("assessments:self_assessment_item_save", args=[sheet.pk, item.pk])
    htmx = client.post(save, {f"i{item.pk}-rating": "4"}, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200
    assert 'id="running-score"' in htmx.text and "Level" in htmx.text
    assert SelfRating.objects.get(sheet=sheet, item=item).rating == 4
    # N/A without a reason is kept and flagged; finishing then lists it.
    client.post(save, {f"i{item.pk}-not_applicable": "on"}, HTTP_HX_REQUEST="true")
    assert SelfRating.objects.get(sheet=sheet, item=item).not_applicable

    finish = reverse("assessments:self_assessment_finish", args=[sheet.pk])
    refused = client.post(finish)
    assert "check=1" in refused.url
    rate_sheet(sheet, 4)
    done = client.post(finish)
    assert done.url == sheet.get_absolute_url()
    result = client.get(done.url)
    assert result.status_code == 200
    assert "Self-assessed result" in result.text and "Roadmap to Level 5" in result.text
    assert "Level 4" in result.text


def test_fill_page_of_someone_else(world, framework, client_for):
    sheet = self_services.self_assessment_start(plant=world.plant_a, user=world.sme)
    fill = reverse("assessments:self_assessment_fill", args=[sheet.pk])
    assert client_for(world.agency).get(fill).status_code == 404  # drafts are the plant's own
    assert client_for(world.partner_a).get(fill).status_code == 404
    assert client_for(world.official).get(fill).status_code == 404


def test_result_labelled_self_assessed_and_share_flow(world, framework, browse):
    sheet = finished_self(world.sme, world.plant_a, rating=4)
    client = browse(world.sme)
    page = client.get(sheet.get_absolute_url())
    assert "Self-assessed" in page.text and "never changes the plant" in page.text
    assert "No assessment of this plant is in progress" in page.text
    draft = services.assessment_open(
        plant=world.plant_a, consultant=world.consultant, user=world.agency
    )
    share = reverse("assessments:self_assessment_share", args=[sheet.pk])
    assert client.post(share).status_code == 302
    sheet.refresh_from_db()
    assert sheet.shared_with == draft
    # The consultant reads it from the assessment's page.
    consultant = browse(world.consultant)
    assessment_page = consultant.get(draft.get_absolute_url())
    assert sheet.get_absolute_url() in assessment_page.text
    assert consultant.get(sheet.get_absolute_url()).status_code == 200
    assert consultant.post(share).status_code == 403
    # Unshare.
    client.post(share, {"unshare": "1"})
    assert consultant.get(sheet.get_absolute_url()).status_code == 404


def test_comparison_page_after_confirmation(world, framework, browse):
    sheet = finished_self(world.sme, world.plant_a, rating=4, overrides={"A1.1": 5})
    draft = services.assessment_open(
        plant=world.plant_a, consultant=world.consultant, user=world.agency
    )
    self_services.self_assessment_share(self_assessment=sheet, user=world.sme)
    compare = reverse("assessments:self_assessment_compare", args=[sheet.pk])
    client = browse(world.sme)
    assert "appears once" in client.get(compare).text
    from tests.assessments.conftest import confirmed

    confirmed(world, draft, 3, {"A1.1": 1})
    page = client.get(compare)
    assert page.status_code == 200
    assert page.text.index('data-item="A1.1"') < page.text.index('data-item="A1.2"')
    assert "+4" in page.text
    assert compare in client.get(sheet.get_absolute_url()).text


def test_over_rating_page_and_csv(world, framework, browse, client_for):
    sheet = finished_self(world.sme, world.plant_a, rating=4, rated_on=datetime.date(2025, 1, 1))
    confirmed_assessment(world, world.plant_a, 3, assessed_on=datetime.date(2025, 3, 1))
    url = reverse("assessments:self_assessment_over_rating")
    page = browse(world.agency).get(url)
    assert page.status_code == 200
    assert 'data-figure="count">1<' in page.text
    assert 'data-figure="difference">+1.00<' in page.text
    csv = browse(world.agency).get(url + "?format=csv")
    assert csv.status_code == 200
    body = b"".join(csv.streaming_content) if csv.streaming else csv.content
    assert b"1.00" in body
    for who in ("consultant", "partner_a", "official", "sme"):
        assert client_for(getattr(world, who)).get(url).status_code == 403
    assert sheet.pk


def test_plant_page_panel_and_nav(world, framework, browse):
    client = browse(world.sme)
    page = client.get(world.plant_a.get_absolute_url())
    assert reverse("assessments:self_assessment_start", args=[world.plant_a.pk]) in page.text
    assert reverse("assessments:self_assessment_list") in page.text
    partner = browse(world.partner_a).get(world.plant_a.get_absolute_url())
    assert "plant-self-heading" not in partner.text


def test_pages_query_counts(world, framework, client_for, django_assert_max_num_queries):
    sheet = finished_self(world.sme, world.plant_a, rating=3)
    client = client_for(world.sme)
    for url in (
        reverse("assessments:self_assessment_list"),
        sheet.get_absolute_url(),
        reverse("assessments:self_assessment_compare", args=[sheet.pk]),
    ):
        with django_assert_max_num_queries(16):
            assert client.get(url).status_code == 200
    draft = self_services.self_assessment_start(plant=world.plant_a, user=world.sme)
    with django_assert_max_num_queries(16):
        assert (
            client.get(reverse("assessments:self_assessment_fill", args=[draft.pk])).status_code
            == 200
        )


def test_the_list_pages_its_rows_and_still_finds_the_draft(
    world, framework, browse, django_assert_max_num_queries
):
    """Sixty finished self-diagnoses and an older draft: 25 rows a page, newest first, the
    draft's "continue" button on every page, and a bounded number of queries."""
    draft = self_services.self_assessment_start(plant=world.plant_a, user=world.sme)
    SelfAssessment.objects.bulk_create(
        SelfAssessment(
            plant=world.plant_a,
            framework=framework,
            status=SelfAssessmentStatus.FINISHED,
            created_by=world.sme,
        )
        for _ in range(60)
    )
    client = browse(world.sme)
    url = reverse("assessments:self_assessment_list")
    with django_assert_max_num_queries(12):
        first = client.get(url)
    newest = SelfAssessment.objects.order_by("-started_at", "-pk")
    assert [r.pk for r in first.context["rows"]] == [r.pk for r in newest[:25]]
    assert "Page 1 of 3" in first.text
    fill = reverse("assessments:self_assessment_fill", args=[draft.pk])
    assert fill in first.text
    last = client.get(url, {"page": 3, "plant": world.plant_a.pk})
    assert len(last.context["rows"]) == 11 and fill in last.text
    assert len(client.get(url, {"page_size": 100}).context["rows"]) == 61
    assert client.get(url, {"page": 9}).status_code == 404
    # Another company's member sees none of them, on any page.
    outsider = browse(world.outsider).get(url)
    assert outsider.status_code == 200 and list(outsider.context["rows"]) == []
