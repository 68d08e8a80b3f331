"""Assessment API /api/v1/frameworks/ and /api/v1/assessments/: who sees what, the workflow
actions and their refusals, item ratings, evidence upload, filters, query counts, schema."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from assessments import services
from assessments.choices import AssessmentStatus
from assessments.models import Assessment, Evidence, ItemRating
from hub.choices import AuditAction, Region, Role
from hub.models import AuditEntry
from tests.assessments.conftest import confirmed, rate_all, seed_definition
from tests.factories import ConsultancyFactory, PlantFactory, member

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def api(user=None):
    """An API client reading English messages (the language cookie, as the switch sets)."""
    client = APIClient()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_authenticate(user)
    return client


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def url(assessment, suffix=""):
    return f"/api/v1/assessments/{assessment.pk}/{suffix}"


def ratings_in_db(assessment):
    return list(
        ItemRating.objects.filter(assessment=assessment)
        .order_by("item__order")
        .values_list("item__code", "rating", "not_applicable", "na_reason", "evidence_note")
    )


@pytest.fixture
def consultant2(world):
    return member(Role.CONSULTANT, ConsultancyFactory(), "consultant2")


@pytest.fixture
def submitted(world, assessment):
    rate_all(assessment, 3)
    return services.assessment_submit(assessment=assessment, user=world.consultant)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def open_for(world, plant, consultant=None):
    return services.assessment_open(
        plant=plant, consultant=consultant or world.consultant, user=world.agency
    )


# --- who sees what ---------------------------------------------------------------------------


def test_anonymous_gets_401(world, assessment):
    for path in ["/api/v1/assessments/", url(assessment), "/api/v1/frameworks/"]:
        assert api().get(path).status_code == 401


def test_agency_and_admin_see_drafts(world, assessment):
    assert ids(api(world.agency).get("/api/v1/assessments/")) == {assessment.pk}
    assert ids(api(world.admin_user).get("/api/v1/assessments/")) == {assessment.pk}


def test_consultant_sees_only_assigned_assessments(world, framework, assessment, consultant2):
    other = open_for(world, world.plant_b, consultant=consultant2)
    assert ids(api(world.consultant).get("/api/v1/assessments/")) == {assessment.pk}
    assert ids(api(consultant2).get("/api/v1/assessments/")) == {other.pk}


def test_second_consultant_gets_404_everywhere_on_anothers_assessment(
    world, assessment, consultant2
):
    client = api(consultant2)
    assert client.get(url(assessment)).status_code == 404
    assert client.get(url(assessment, "ratings/")).status_code == 404
    assert client.get(url(assessment, "evidence/")).status_code == 404
    assert client.patch(url(assessment, "ratings/A1.1/"), {"rating": 3}).status_code == 404
    assert client.post(url(assessment, "submit/")).status_code == 404


def test_partner_sees_only_confirmed_assessments_of_mentored_plants(world, framework):
    confirmed_a = confirmed(world, open_for(world, world.plant_a))
    draft_a = open_for(world, world.plant_a)
    confirmed_b = confirmed(world, open_for(world, world.plant_b))
    confirmed_free = confirmed(world, open_for(world, world.plant_free))

    client = api(world.partner_a)
    assert ids(client.get("/api/v1/assessments/")) == {confirmed_a.pk}
    assert client.get(url(confirmed_a)).status_code == 200
    for hidden in (draft_a, confirmed_b, confirmed_free):
        assert client.get(url(hidden)).status_code == 404
    assert ids(api(world.partner_b).get("/api/v1/assessments/")) == {confirmed_b.pk}


def test_official_sees_assessments_past_the_draft_stage_only(world, framework):
    draft = open_for(world, world.plant_a)
    returned = open_for(world, world.plant_b)
    rate_all(returned)
    services.assessment_submit(assessment=returned, user=world.consultant)
    services.assessment_return(assessment=returned, user=world.agency, reason="Check B1")
    submitted = open_for(world, world.plant_free)
    rate_all(submitted)
    services.assessment_submit(assessment=submitted, user=world.consultant)

    client = api(world.official)
    assert ids(client.get("/api/v1/assessments/")) == {submitted.pk}
    assert client.get(url(draft)).status_code == 404
    assert client.get(url(returned)).status_code == 404
    assert client.get(url(submitted)).status_code == 200


def test_outsider_sees_nothing(world, assessment):
    client = api(world.outsider)
    assert ids(client.get("/api/v1/assessments/")) == set()
    assert client.get(url(assessment)).status_code == 404
    assert ids(client.get("/api/v1/frameworks/")) == set()


# --- opening ---------------------------------------------------------------------------------


def test_agency_opens_an_assessment(world, framework):
    response = api(world.agency).post(
        "/api/v1/assessments/",
        {"plant": world.plant_a.pk, "consultant": world.consultant.pk, "due_on": "2030-06-30"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["plant"] == world.plant_a.pk
    assert body["plant_name"] == world.plant_a.name
    assert body["framework_label"] == f"{framework.code} v{framework.version}"
    assert body["consultant"] == world.consultant.pk
    assert body["due_on"] == "2030-06-30"
    assert body["completeness"] == {"done": 0, "total": 40}
    assert len(body["ratings"]) == 40
    assessment = Assessment.objects.get(pk=body["id"])
    entry = AuditEntry.objects.for_object(assessment).get()
    assert (entry.action, entry.user) == (AuditAction.CREATE, world.agency)
    # The consultant now reaches the plant and the assessment.
    assert ids(api(world.consultant).get("/api/v1/assessments/")) == {assessment.pk}


@pytest.mark.parametrize("persona", ["consultant", "partner_a", "official", "outsider"])
def test_only_agency_staff_open_assessments(world, framework, persona):
    response = api(getattr(world, persona)).post(
        "/api/v1/assessments/",
        {"plant": world.plant_a.pk, "consultant": world.consultant.pk},
        format="json",
    )
    assert response.status_code == 403
    assert not Assessment.objects.exists()


def test_opening_for_a_missing_plant_or_a_non_consultant_is_a_field_error(world, framework):
    client = api(world.agency)
    response = client.post(
        "/api/v1/assessments/", {"plant": 999999, "consultant": world.consultant.pk}, format="json"
    )
    assert response.status_code == 400
    assert "plant" in response.json()
    response = client.post(
        "/api/v1/assessments/",
        {"plant": world.plant_a.pk, "consultant": world.partner_a.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "consultant" in response.json()
    assert not Assessment.objects.exists()


def test_a_plant_has_one_assessment_in_progress(world, assessment):
    response = api(world.agency).post(
        "/api/v1/assessments/",
        {"plant": world.plant_a.pk, "consultant": world.consultant.pk},
        format="json",
    )
    assert response.status_code == 400
    assert f"#{assessment.pk}" in response.json()["plant"][0]
    assert Assessment.objects.count() == 1


def test_assessments_are_not_edited_or_deleted_directly(world, assessment):
    client = api(world.agency)
    assert client.put(url(assessment), {"status": "confirmed"}, format="json").status_code == 405
    assert client.patch(url(assessment), {"status": "confirmed"}, format="json").status_code == 405
    assert client.delete(url(assessment)).status_code == 405
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT


# --- ratings ---------------------------------------------------------------------------------


def test_ratings_list_in_framework_order(world, assessment):
    response = api(world.consultant).get(url(assessment, "ratings/"))
    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == 40
    assert rows[0]["item"] == "A1.1"
    assert set(rows[0]) == {
        "item",
        "area",
        "name_ko",
        "name_en",
        "points",
        "rating",
        "not_applicable",
        "na_reason",
        "evidence_note",
        "is_complete",
        "updated_at",
    }
    assert sum(Decimal(r["points"]) for r in rows) == 1000


def test_assigned_consultant_rates_an_item(world, assessment):
    client = api(world.consultant)
    response = client.patch(
        url(assessment, "ratings/A1.1/"),
        {"rating": 4, "evidence_note": "Roadmap 2025 signed by the CEO"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["rating"] == 4
    assert response.json()["is_complete"] is True
    row = ItemRating.objects.get(assessment=assessment, item__code="A1.1")
    assert (row.rating, row.evidence_note) == (4, "Roadmap 2025 signed by the CEO")
    assert client.get(url(assessment)).json()["completeness"] == {"done": 1, "total": 40}

    response = client.patch(
        url(assessment, "ratings/A1.2/"),
        {"not_applicable": True, "na_reason": "No such process"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["rating"] is None
    assert client.get(url(assessment)).json()["completeness"]["done"] == 2


def test_a_rating_clears_the_na_mark_and_a_blank_reason_is_not_done(world, assessment):
    client = api(world.consultant)
    client.patch(url(assessment, "ratings/A1.1/"), {"not_applicable": True, "na_reason": "  "})
    assert client.get(url(assessment)).json()["completeness"]["done"] == 0
    response = client.patch(url(assessment, "ratings/A1.1/"), {"rating": 2}, format="json")
    assert response.json()["not_applicable"] is False
    assert response.json()["rating"] == 2
    response = client.patch(
        url(assessment, "ratings/A1.1/"), {"rating": 2, "not_applicable": True}, format="json"
    )
    assert response.status_code == 400
    assert "rating" in response.json()


def test_rating_out_of_range_is_a_field_error(world, assessment):
    before = ratings_in_db(assessment)
    response = api(world.consultant).patch(
        url(assessment, "ratings/A1.1/"), {"rating": 7}, format="json"
    )
    assert response.status_code == 400
    assert "rating" in response.json()
    assert ratings_in_db(assessment) == before


def test_unknown_item_code_is_404(world, assessment):
    response = api(world.consultant).patch(url(assessment, "ratings/Z9.9/"), {"rating": 3})
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["agency", "admin_user"])
def test_agency_cannot_rate(world, assessment, persona):
    response = api(getattr(world, persona)).patch(
        url(assessment, "ratings/A1.1/"), {"rating": 7}, format="json"
    )
    assert response.status_code == 403
    assert ratings_in_db(assessment)[0][1] is None


def test_submitted_and_confirmed_ratings_are_frozen(world, submitted):
    client = api(world.consultant)
    before = ratings_in_db(submitted)
    revision = Assessment.objects.get(pk=submitted.pk).revision
    response = client.patch(url(submitted, "ratings/A1.1/"), {"rating": 5}, format="json")
    assert response.status_code == 400
    assert "submitted" in str(response.json())

    services.assessment_confirm(assessment=submitted, user=world.agency)
    revision = Assessment.objects.get(pk=submitted.pk).revision
    for body in ({"rating": 5}, [{"item": "A1.1", "rating": 5}]):
        path = url(submitted, "ratings/A1.1/" if isinstance(body, dict) else "ratings/")
        response = client.patch(path, body, format="json")
        assert response.status_code == 400, response.content
        assert "confirmed" in str(response.json())
    # Partners see a confirmed assessment of their plant but may not touch it.
    response = api(world.partner_a).patch(url(submitted, "ratings/A1.1/"), {"rating": 5})
    assert response.status_code == 403
    assert ratings_in_db(submitted) == before
    assert Assessment.objects.get(pk=submitted.pk).revision == revision


def test_bulk_rating_saves_every_entry(world, assessment):
    body = [
        {"item": "A1.1", "rating": 4},
        {"item": "A1.2", "not_applicable": True, "na_reason": "No such process"},
        {"item": "B1.1", "rating": 2, "evidence_note": "MES screenshots"},
    ]
    response = api(world.consultant).patch(url(assessment, "ratings/"), body, format="json")
    assert response.status_code == 200, response.content
    by_code = {r["item"]: r for r in response.json()}
    assert by_code["A1.1"]["rating"] == 4
    assert by_code["A1.2"]["not_applicable"] is True
    assert by_code["B1.1"]["evidence_note"] == "MES screenshots"
    assert api(world.consultant).get(url(assessment)).json()["completeness"]["done"] == 3


def test_bulk_rating_with_an_invalid_entry_saves_nothing(world, assessment):
    before = ratings_in_db(assessment)
    body = [{"item": "A1.1", "rating": 4}, {"item": "A1.2", "rating": 9}, {"item": "Q0.0"}]
    response = api(world.consultant).patch(url(assessment, "ratings/"), body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["1"]
    assert "rating" in response.json()["1"]
    assert ratings_in_db(assessment) == before

    body = [{"item": "A1.1", "rating": 4}, {"item": "Q0.0", "rating": 1}]
    response = api(world.consultant).patch(url(assessment, "ratings/"), body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["1"]
    assert "item" in response.json()["1"]
    assert ratings_in_db(assessment) == before


def test_bulk_rating_rolls_back_when_a_later_entry_fails_in_the_service(
    world, assessment, monkeypatch
):
    real = services.assessment_rate_item

    def failing_on_b11(*, assessment, item, user, data):
        if item.code == "B1.1":
            raise ValidationError({"na_reason": "refused for the test"})
        return real(assessment=assessment, item=item, user=user, data=data)

    monkeypatch.setattr(services, "assessment_rate_item", failing_on_b11)
    before = ratings_in_db(assessment)
    audit_before = AuditEntry.objects.count()
    body = [{"item": "A1.1", "rating": 4}, {"item": "A1.2", "rating": 3}, {"item": "B1.1"}]
    response = api(world.consultant).patch(url(assessment, "ratings/"), body, format="json")
    assert response.status_code == 400
    assert response.json() == {"2": {"na_reason": ["refused for the test"]}}
    assert ratings_in_db(assessment) == before
    assert AuditEntry.objects.count() == audit_before


# --- workflow --------------------------------------------------------------------------------


def test_incomplete_submit_lists_what_is_missing(world, assessment):
    rate_all(assessment, 3, overrides={"A1.1": None, "C2.1": None})
    ItemRating.objects.filter(assessment=assessment, item__code="B1.1").update(
        rating=None, not_applicable=True, na_reason=""
    )
    response = api(world.consultant).post(url(assessment, "submit/"))
    assert response.status_code == 400
    body = response.json()
    assert [m["item"] for m in body["missing"]] == ["A1.1", "B1.1", "C2.1"]
    assert len(body["non_field_errors"]) == 3
    assert "B1.1" in body["missing"][1]["message"]
    assert Assessment.objects.get(pk=assessment.pk).status == AssessmentStatus.DRAFT


def test_only_the_assigned_consultant_submits(world, assessment):
    rate_all(assessment)
    assert api(world.agency).post(url(assessment, "submit/")).status_code == 403
    assert api(world.official).post(url(assessment, "submit/")).status_code == 404  # a draft
    assert Assessment.objects.get(pk=assessment.pk).status == AssessmentStatus.DRAFT


def test_submit_date_cannot_be_in_the_future(world, assessment):
    rate_all(assessment)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = api(world.consultant).post(
        url(assessment, "submit/"), {"assessed_on": tomorrow.isoformat()}, format="json"
    )
    assert response.status_code == 400
    assert "assessed_on" in response.json()


def test_full_flow_updates_the_plant_and_audits_each_transition(world, assessment):
    consultant, agency = api(world.consultant), api(world.agency)
    body = [{"item": r[0], "rating": 3} for r in ratings_in_db(assessment)]
    assert consultant.patch(url(assessment, "ratings/"), body, format="json").status_code == 200

    response = consultant.post(
        url(assessment, "submit/"), {"assessed_on": "2025-05-20"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "submitted"
    assert Decimal(body["total_score"]) == 800
    assert body["final_level"] == 3
    assert body["result"]["final_level"] == 3
    assert body["completeness"] == {"done": 40, "total": 40}

    response = agency.post(url(assessment, "confirm/"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "confirmed"
    assert body["valid_until"] == "2028-05-20"

    plant = agency.get(f"/api/v1/plants/{world.plant_a.pk}/").json()
    assert plant["current_level"] == 3
    assert Decimal(plant["current_score"]) == 800
    assert plant["level_valid_until"] == "2028-05-20"

    transitions = AuditEntry.objects.for_object(assessment).filter(action=AuditAction.TRANSITION)
    assert sorted((e.before["status"], e.after["status"], e.user) for e in transitions) == [
        ("draft", "submitted", world.consultant),
        ("submitted", "confirmed", world.agency),
    ]
    assert AuditEntry.objects.for_object(world.plant_a).filter(action=AuditAction.UPDATE).exists()


def test_return_needs_a_reason_and_reopens_the_draft(world, submitted):
    agency = api(world.agency)
    response = agency.post(url(submitted, "return/"), {"reason": "  "}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
    assert agency.post(url(submitted, "return/")).status_code == 400

    response = agency.post(url(submitted, "return/"), {"reason": "B2.3 needs evidence"})
    assert response.status_code == 200
    assert response.json()["status"] == "returned"
    assert response.json()["return_reason"] == "B2.3 needs evidence"
    entry = AuditEntry.objects.for_object(submitted).filter(action=AuditAction.TRANSITION).first()
    assert (entry.after["status"], entry.message) == ("returned", "B2.3 needs evidence")
    # Back with the consultant, who may edit and submit again.
    consultant = api(world.consultant)
    response = consultant.patch(url(submitted, "ratings/A1.1/"), {"rating": 4}, format="json")
    assert response.status_code == 200
    assert consultant.post(url(submitted, "submit/")).status_code == 200


@pytest.mark.parametrize("action", ["confirm/", "return/"])
def test_consultant_cannot_confirm_or_return(world, submitted, action):
    response = api(world.consultant).post(url(submitted, action), {"reason": "x"})
    assert response.status_code == 403
    assert Assessment.objects.get(pk=submitted.pk).status == AssessmentStatus.SUBMITTED


def test_confirming_twice_or_confirming_a_draft_is_refused(world, framework, submitted):
    agency = api(world.agency)
    assert agency.post(url(submitted, "confirm/")).status_code == 200
    response = agency.post(url(submitted, "confirm/"))
    assert response.status_code == 400
    assert "confirmed" in response.json()["non_field_errors"][0]
    response = agency.post(url(submitted, "return/"), {"reason": "late"})
    assert response.status_code == 400
    draft = open_for(world, world.plant_b)
    response = agency.post(url(draft, "confirm/"))
    assert response.status_code == 400
    assert "draft" in response.json()["non_field_errors"][0]
    assert Assessment.objects.get(pk=draft.pk).status == AssessmentStatus.DRAFT


# --- filters and query counts ----------------------------------------------------------------


def test_filters(world, framework, consultant2):
    draft = open_for(world, world.plant_a)
    waiting = open_for(world, world.plant_b, consultant=consultant2)
    rate_all(waiting, 3)
    services.assessment_submit(assessment=waiting, user=consultant2)
    seoul = PlantFactory(region=Region.SEOUL)
    level4 = confirmed(world, open_for(world, seoul), rating=4)

    client = api(world.agency)

    def found(query):
        return ids(client.get(f"/api/v1/assessments/?{query}"))

    assert found("status=draft") == {draft.pk}
    assert found("status=draft&status=submitted") == {draft.pk, waiting.pk}
    assert found("queue=to_confirm") == {waiting.pk}
    assert found("queue=in_progress") == {draft.pk}
    assert found("level=4") == {level4.pk}
    assert found(f"region={Region.SEOUL}") == {level4.pk}
    assert found(f"consultant={consultant2.pk}") == {waiting.pk}
    assert found(f"plant={world.plant_a.pk}") == {draft.pk}
    rows = client.get("/api/v1/assessments/?ordering=-level").json()["results"]
    assert rows[0]["id"] == level4.pk
    assert client.get("/api/v1/assessments/?status=nonsense").status_code == 400
    # The consultant's own queue.
    assert ids(api(consultant2).get("/api/v1/assessments/?queue=mine")) == {waiting.pk}


def _list_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/v1/assessments/?page_size=100")
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()["count"]


def _open_many(world, n):
    for _ in range(n):
        assessment = open_for(world, PlantFactory())
        rate_all(assessment, 2, overrides={"A1.1": None})


def test_list_query_count_is_constant(world, framework):
    client = api(world.agency)
    _open_many(world, 10)
    few, count = _list_queries(api(world.agency))
    assert count == 10
    _open_many(world, 20)
    many, count = _list_queries(api(world.agency))
    assert count == 30
    assert many == few
    row = client.get("/api/v1/assessments/").json()["results"][0]
    assert row["completeness"] == {"done": 39, "total": 40}


# --- frameworks ------------------------------------------------------------------------------


def test_framework_is_nested_with_items_and_points(world, framework):
    response = api(world.consultant).get("/api/v1/frameworks/")
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert (row["code"], row["version"], row["status"]) == ("SF-L5", 1, "active")
    assert row["thresholds"] == {"1": 550, "2": 650, "3": 750, "4": 850, "5": 950}
    assert row["validity_years"] == 3
    assert len(row["floor_rules"]) == 3
    assert [lvl["level"] for lvl in row["levels"]] == [0, 1, 2, 3, 4, 5]
    assert [Decimal(a["points"]) for a in row["areas"]] == [100, 400, 400, 100]
    categories = [c for a in row["areas"] for c in a["categories"]]
    items = [i for c in categories for i in c["items"]]
    assert len(categories) == 10
    assert len(items) == 40
    assert sum(Decimal(i["points"]) for i in items) == 1000
    assert items[0]["code"] == "A1.1"
    assert set(items[0]) == {"code", "name_ko", "name_en", "points", "order", "descriptors"}
    assert set(items[0]["descriptors"]) >= {"1", "3", "5"}
    assert api(world.partner_a).get(f"/api/v1/frameworks/{framework.pk}/").status_code == 200


def test_framework_list_query_count_does_not_grow_with_versions(world, framework):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            response = api(world.agency).get("/api/v1/frameworks/")
        assert response.status_code == 200
        return len(ctx.captured_queries), response.json()["count"]

    queries()  # warm the per-process caches (content types, …)
    one, count = queries()
    assert count == 1
    services.framework_load(data={**seed_definition(), "version": 2})
    two, count = queries()
    assert (two, count) == (one, 2)


def test_frameworks_are_read_only(world, framework):
    client = api(world.agency)
    assert client.post("/api/v1/frameworks/", {}, format="json").status_code == 405
    assert client.delete(f"/api/v1/frameworks/{framework.pk}/").status_code == 405


# --- evidence --------------------------------------------------------------------------------


def upload(client, assessment, name, content, item="A1.1"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        url(assessment, "evidence/"),
        {"item": item, "file": SimpleUploadedFile(name, content)},
        format="multipart",
    )


def test_consultant_uploads_and_lists_evidence(world, assessment, media):
    client = api(world.consultant)
    response = upload(client, assessment, "roadmap.pdf", PDF)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["item"] == "A1.1"
    assert body["original_name"] == "roadmap.pdf"
    assert body["content_type"] == "application/pdf"
    assert body["size"] == len(PDF)
    assert body["download_url"].endswith(f"/evidence/{body['id']}/")
    evidence = Evidence.objects.get()
    assert evidence.file.read() == PDF
    assert "roadmap" not in evidence.file.name  # stored under a random name

    rows = api(world.agency).get(url(assessment, "evidence/")).json()
    assert [r["id"] for r in rows] == [body["id"]]


def test_evidence_refusals_are_field_errors(world, assessment, media, settings):
    client = api(world.consultant)
    response = upload(client, assessment, "tool.exe", b"MZ\x90\x00")
    assert response.status_code == 400
    assert "file" in response.json()
    response = upload(client, assessment, "photo.pdf", PNG)
    assert response.status_code == 400
    assert "does not match" in response.json()["file"][0]
    response = upload(client, assessment, "roadmap.pdf", PDF, item="Z9.9")
    assert response.status_code == 400
    assert "item" in response.json()
    settings.EVIDENCE_MAX_BYTES = 16
    response = upload(client, assessment, "roadmap.pdf", PDF)
    assert response.status_code == 400
    assert "file" in response.json()
    assert not Evidence.objects.exists()


def test_only_the_assigned_consultant_uploads_to_an_editable_assessment(
    world, submitted, media, consultant2
):
    assert upload(api(world.agency), submitted, "a.pdf", PDF).status_code == 403
    assert upload(api(consultant2), submitted, "a.pdf", PDF).status_code == 404
    response = upload(api(world.consultant), submitted, "a.pdf", PDF)
    assert response.status_code == 400
    assert not Evidence.objects.exists()


def test_consultant_removes_evidence_from_a_draft(world, assessment, media):
    client = api(world.consultant)
    evidence_id = upload(client, assessment, "roadmap.pdf", PDF).json()["id"]
    path = url(assessment, f"evidence/{evidence_id}/")
    assert api(world.agency).delete(path).status_code == 403
    assert client.delete(path).status_code == 204
    assert not Evidence.objects.exists()


# --- schema ----------------------------------------------------------------------------------


def test_schema_describes_the_assessment_endpoints(world):
    response = api(world.agency).get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path, method in [
        ("/api/v1/frameworks/", "get"),
        ("/api/v1/frameworks/{id}/", "get"),
        ("/api/v1/assessments/", "get"),
        ("/api/v1/assessments/", "post"),
        ("/api/v1/assessments/{id}/submit/", "post"),
        ("/api/v1/assessments/{id}/confirm/", "post"),
        ("/api/v1/assessments/{id}/return/", "post"),
        ("/api/v1/assessments/{id}/ratings/", "get"),
        ("/api/v1/assessments/{id}/ratings/", "patch"),
        ("/api/v1/assessments/{id}/ratings/{item_code}/", "patch"),
        ("/api/v1/assessments/{id}/evidence/", "post"),
    ]:
        assert method in paths[path], (path, method)
    assert "put" not in paths["/api/v1/assessments/{id}/"]
    assert "delete" not in paths["/api/v1/assessments/{id}/"]
