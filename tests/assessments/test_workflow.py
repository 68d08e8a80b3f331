"""The assessment workflow through its services: every transition and every refusal."""

import copy
import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import translation

from assessments import services
from assessments.choices import AssessmentStatus, FrameworkStatus
from assessments.models import Assessment, Evidence, Framework, FrozenError, Item, ItemRating
from hub.choices import PlantStatus, Role
from hub.models import AuditEntry
from tests.assessments.conftest import confirmed, items_by_code, rate_all, seed_definition
from tests.factories import ConsultancyFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The refusals asserted below are the English source strings."""
    with translation.override("en"):
        yield


# --- frameworks ------------------------------------------------------------------------------


def test_seed_framework_loads_with_its_40_items_and_1000_points(framework):
    items = Item.objects.filter(category__area__framework=framework)
    assert items.count() == 40
    assert sum(i.points for i in items) == 1000
    assert [a.code for a in framework.areas.order_by("order")] == ["A", "B", "C", "D"]
    assert framework.status == FrameworkStatus.ACTIVE
    assert framework.validity_years == 3


def test_loading_the_same_framework_again_changes_nothing(framework):
    again, outcome = services.framework_load(data=seed_definition())
    assert outcome == "unchanged" and again.pk == framework.pk
    assert Framework.objects.count() == 1


def test_load_framework_command_is_idempotent(db):
    out = io.StringIO()
    call_command("load_framework", stdout=out)
    call_command("load_framework", stdout=out)
    assert out.getvalue().splitlines() == [
        "SF-L5 v1 (active): created",
        "SF-L5 v1 (active): unchanged",
    ]


def test_a_framework_in_use_cannot_be_edited_only_superseded(framework, assessment):
    changed = seed_definition()
    changed["level_thresholds"]["3"] = 760
    with pytest.raises(FrozenError):
        services.framework_load(data=changed)
    item = Item.objects.filter(category__area__framework=framework).first()
    item.points = 99
    with pytest.raises(FrozenError):
        item.save()

    changed["version"] = 2
    v2, outcome = services.framework_load(data=changed)
    assert outcome == "created"
    framework.refresh_from_db()
    assert framework.status == FrameworkStatus.SUPERSEDED
    assert v2.status == FrameworkStatus.ACTIVE
    assessment.refresh_from_db()
    assert assessment.framework_id == framework.pk  # the assessment keeps its version


def test_an_unused_framework_version_may_be_reloaded_with_changes(framework):
    changed = seed_definition()
    changed["validity_years"] = 2
    again, outcome = services.framework_load(data=changed)
    assert outcome == "updated"
    assert again.validity_years == 2
    assert Framework.objects.count() == 1


def test_inconsistent_framework_is_refused_with_reasons(db):
    broken = copy.deepcopy(seed_definition())
    broken["areas"][0]["categories"][0]["items"][0]["points"] = 30
    with pytest.raises(ValidationError) as exc:
        services.framework_load(data=broken)
    text = " ".join(exc.value.messages)
    assert "Category A1 has 100 points but its items add up to 105" in text
    assert not Framework.objects.exists()


# --- opening ---------------------------------------------------------------------------------


def test_agency_opens_an_assessment_with_a_rating_row_per_item(assessment, world):
    assert assessment.status == AssessmentStatus.DRAFT
    assert assessment.ratings.count() == 40
    assert assessment.consultant == world.consultant
    entry = AuditEntry.objects.for_object(assessment).get(action="create")
    assert entry.user == world.agency


@pytest.mark.parametrize("persona", ["official", "partner_a", "consultant", "outsider"])
def test_only_agency_staff_open_assessments(world, framework, persona):
    with pytest.raises(PermissionDenied):
        services.assessment_open(
            plant=world.plant_a, consultant=world.consultant, user=getattr(world, persona)
        )
    assert not Assessment.objects.exists()


def test_the_assignee_must_be_a_consultant(world, framework):
    with pytest.raises(ValidationError) as exc:
        services.assessment_open(plant=world.plant_a, consultant=world.official, user=world.agency)
    assert "consultant" in exc.value.message_dict


def test_one_assessment_in_progress_per_plant(world, assessment):
    with pytest.raises(ValidationError) as exc:
        services.assessment_open(
            plant=world.plant_a, consultant=world.consultant, user=world.agency
        )
    assert "plant" in exc.value.message_dict


def test_a_closed_plant_cannot_be_assessed(world, framework):
    world.plant_b.status = PlantStatus.CLOSED
    world.plant_b.save()
    with pytest.raises(ValidationError):
        services.assessment_open(
            plant=world.plant_b, consultant=world.consultant, user=world.agency
        )


def test_opening_makes_the_plant_visible_to_the_assigned_consultant_only(world, assessment):
    from hub.models import Plant

    assert list(Plant.objects.visible_to(world.consultant)) == [world.plant_a]
    other = member(Role.CONSULTANT, ConsultancyFactory(), "consultant2")
    assert not Plant.objects.visible_to(other).exists()


# --- rating ----------------------------------------------------------------------------------


def test_consultant_rates_an_item_and_it_is_audited(world, assessment):
    item = items_by_code(assessment.framework)["C1.2"]
    services.assessment_rate_item(
        assessment=assessment,
        item=item,
        user=world.consultant,
        data={"rating": 4, "evidence_note": "MES 화면 확인"},
    )
    rating = ItemRating.objects.get(assessment=assessment, item=item)
    assert (rating.rating, rating.evidence_note) == (4, "MES 화면 확인")
    entry = AuditEntry.objects.for_object(assessment).filter(action="update").get()
    assert entry.before["rating"] is None and entry.after["rating"] == 4


def test_not_applicable_clears_the_rating(world, assessment):
    item = items_by_code(assessment.framework)["B5.3"]
    services.assessment_rate_item(
        assessment=assessment, item=item, user=world.consultant, data={"rating": 2}
    )
    services.assessment_rate_item(
        assessment=assessment,
        item=item,
        user=world.consultant,
        data={"not_applicable": True, "na_reason": "도장 공정 없음"},
    )
    rating = ItemRating.objects.get(assessment=assessment, item=item)
    assert rating.rating is None and rating.not_applicable and rating.na_reason == "도장 공정 없음"


def test_out_of_range_rating_is_refused(world, assessment):
    item = items_by_code(assessment.framework)["A1.1"]
    with pytest.raises(ValidationError) as exc:
        services.assessment_rate_item(
            assessment=assessment, item=item, user=world.consultant, data={"rating": 6}
        )
    assert "rating" in exc.value.message_dict
    assert ItemRating.objects.get(assessment=assessment, item=item).rating is None


@pytest.mark.parametrize("persona", ["agency", "official", "partner_a"])
def test_only_the_assigned_consultant_rates(world, assessment, persona):
    item = items_by_code(assessment.framework)["A1.1"]
    with pytest.raises(PermissionDenied):
        services.assessment_rate_item(
            assessment=assessment, item=item, user=getattr(world, persona), data={"rating": 3}
        )


def test_another_consultant_cannot_rate(world, assessment):
    other = member(Role.CONSULTANT, ConsultancyFactory(), "consultant2")
    item = items_by_code(assessment.framework)["A1.1"]
    with pytest.raises(PermissionDenied):
        services.assessment_rate_item(
            assessment=assessment, item=item, user=other, data={"rating": 3}
        )


# --- submit ----------------------------------------------------------------------------------


def test_submit_refuses_with_the_list_of_what_is_missing(world, assessment):
    rate_all(assessment, 3, overrides={"A1.1": None, "B5.3": "na"})
    ItemRating.objects.filter(assessment=assessment, item__code="B5.3").update(na_reason=" ")
    with pytest.raises(ValidationError) as exc:
        services.assessment_submit(assessment=assessment, user=world.consultant)
    messages = exc.value.messages
    assert any("A1.1" in m and "not rated" in m for m in messages)
    assert any("B5.3" in m and "without a reason" in m for m in messages)
    assert len(messages) == 2
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT


def test_submit_refuses_when_nothing_applies(world, assessment):
    rate_all(assessment, overrides=dict.fromkeys(items_by_code(assessment.framework), "na"))
    with pytest.raises(ValidationError) as exc:
        services.assessment_submit(assessment=assessment, user=world.consultant)
    assert any("At least one item" in m for m in exc.value.messages)


def test_submit_stores_the_computed_result(world, assessment):
    rate_all(assessment, 3)
    services.assessment_submit(
        assessment=assessment, user=world.consultant, assessed_on=datetime.date(2025, 5, 20)
    )
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED
    assert assessment.total_score == 800
    assert (assessment.band_level, assessment.final_level) == (3, 3)
    assert assessment.result["areas"]["C"] == {"score": "800.000", "level": 3}
    assert assessment.assessed_on == datetime.date(2025, 5, 20)
    entry = AuditEntry.objects.for_object(assessment).get(action="transition")
    assert (entry.before, entry.after) == ({"status": "draft"}, {"status": "submitted"})


def test_submit_refuses_a_future_assessment_date(world, assessment):
    rate_all(assessment, 3)
    with pytest.raises(ValidationError):
        services.assessment_submit(
            assessment=assessment,
            user=world.consultant,
            assessed_on=datetime.date.today() + datetime.timedelta(days=3),
        )


def test_only_the_assigned_consultant_submits(world, assessment):
    rate_all(assessment, 3)
    with pytest.raises(PermissionDenied):
        services.assessment_submit(assessment=assessment, user=world.agency)


def test_submitted_assessment_can_no_longer_be_rated(world, assessment):
    rate_all(assessment, 3)
    services.assessment_submit(assessment=assessment, user=world.consultant)
    item = items_by_code(assessment.framework)["A1.1"]
    with pytest.raises(ValidationError):
        services.assessment_rate_item(
            assessment=assessment, item=item, user=world.consultant, data={"rating": 5}
        )
    assert ItemRating.objects.get(assessment=assessment, item=item).rating == 3


# --- confirm and return ----------------------------------------------------------------------


def test_confirm_freezes_and_sets_the_plant_level_and_validity(world, assessment):
    done = confirmed(
        world,
        assessment,
        3,
        overrides={"C1.1": 1, "C1.2": 1, "C1.3": 1, "C1.4": 1},
        assessed_on=datetime.date(2024, 2, 29),
    )
    assert done.status == AssessmentStatus.CONFIRMED
    assert done.confirmed_by == world.agency
    assert done.valid_until == datetime.date(2027, 2, 28)  # 3 years, leap day
    plant = done.plant
    plant.refresh_from_db()
    assert plant.current_level == done.final_level
    assert plant.current_score == done.total_score.quantize(plant.current_score)
    assert plant.level_valid_until == datetime.date(2027, 2, 28)
    assert AuditEntry.objects.for_object(plant).filter(action="update").exists()


def test_systems_lagging_caps_the_level_and_names_the_rule(world, assessment):
    c_items = [c for c in items_by_code(assessment.framework) if c.startswith("C")]
    done = confirmed(world, assessment, 4, overrides=dict.fromkeys(c_items, 2))
    assert done.band_level == 3
    assert done.final_level == 2
    assert done.capping_rule == "systems_for_l3"


def test_confirmed_assessment_is_frozen_everywhere(world, assessment):
    done = confirmed(world, assessment, 3)
    rating = done.ratings.first()
    rating.rating = 5
    with pytest.raises(FrozenError):
        rating.save()
    with pytest.raises(FrozenError):
        rating.delete()
    done.return_reason = "tamper"
    with pytest.raises(FrozenError):
        done.save()
    with pytest.raises(FrozenError):
        done.delete()
    item = items_by_code(done.framework)["A1.1"]
    with pytest.raises(ValidationError):
        services.assessment_rate_item(
            assessment=done, item=item, user=world.consultant, data={"rating": 5}
        )
    with pytest.raises(ValidationError):
        services.assessment_return(assessment=done, user=world.agency, reason="again")
    with pytest.raises(ValidationError):
        services.assessment_confirm(assessment=done, user=world.agency)
    assert ItemRating.objects.filter(assessment=done, rating=3).count() == 40


@pytest.mark.parametrize("persona", ["consultant", "official", "partner_a"])
def test_only_agency_staff_confirm_or_return(world, assessment, persona):
    rate_all(assessment, 3)
    services.assessment_submit(assessment=assessment, user=world.consultant)
    user = getattr(world, persona)
    with pytest.raises(PermissionDenied):
        services.assessment_confirm(assessment=assessment, user=user)
    with pytest.raises(PermissionDenied):
        services.assessment_return(assessment=assessment, user=user, reason="no")
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED


def test_a_draft_cannot_be_confirmed_or_returned(world, assessment):
    with pytest.raises(ValidationError):
        services.assessment_confirm(assessment=assessment, user=world.agency)
    with pytest.raises(ValidationError):
        services.assessment_return(assessment=assessment, user=world.agency, reason="x")


def test_return_needs_a_reason_and_reopens_the_draft(world, assessment):
    rate_all(assessment, 3)
    services.assessment_submit(assessment=assessment, user=world.consultant)
    with pytest.raises(ValidationError) as exc:
        services.assessment_return(assessment=assessment, user=world.agency, reason="  ")
    assert "reason" in exc.value.message_dict
    services.assessment_return(
        assessment=assessment, user=world.agency, reason="C2 증빙이 부족합니다"
    )
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.RETURNED
    assert assessment.return_reason == "C2 증빙이 부족합니다"
    item = items_by_code(assessment.framework)["C2.1"]
    services.assessment_rate_item(
        assessment=assessment, item=item, user=world.consultant, data={"rating": 4}
    )
    services.assessment_submit(assessment=assessment, user=world.consultant)
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED
    transitions = AuditEntry.objects.for_object(assessment).filter(action="transition")
    assert [e.after["status"] for e in transitions.order_by("pk")] == [
        "submitted",
        "returned",
        "submitted",
    ]


def test_plant_level_follows_the_latest_assessment_date(world, framework):
    first = services.assessment_open(
        plant=world.plant_a, consultant=world.consultant, user=world.agency
    )
    confirmed(world, first, 4, assessed_on=datetime.date(2024, 6, 1))
    second = services.assessment_open(
        plant=world.plant_a, consultant=world.consultant, user=world.agency
    )
    confirmed(world, second, 1, assessed_on=datetime.date(2023, 1, 1))  # filed late
    world.plant_a.refresh_from_db()
    assert world.plant_a.current_level == 4
    assert world.plant_a.level_confirmed_on == datetime.date(2024, 6, 1)


# --- evidence --------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_evidence_is_stored_under_a_generated_name(world, assessment, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    item = items_by_code(assessment.framework)["B1.1"]
    evidence = services.evidence_add(
        assessment=assessment,
        item=item,
        user=world.consultant,
        upload=SimpleUploadedFile("공정 사진.pdf", PDF, content_type="application/pdf"),
    )
    assert evidence.original_name == "공정 사진.pdf"
    assert evidence.content_type == "application/pdf"
    assert "공정" not in evidence.file.name and evidence.file.name.endswith(".pdf")
    assert evidence.file.read() == PDF


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("tool.exe", b"MZ\x90\x00", "Only PDF"),
        ("fake.pdf", b"<html>not a pdf</html>", "does not match"),
        ("empty.png", b"", "empty"),
    ],
)
def test_evidence_type_is_checked(world, assessment, settings, tmp_path, name, content, fragment):
    settings.MEDIA_ROOT = tmp_path
    item = items_by_code(assessment.framework)["B1.1"]
    with pytest.raises(ValidationError) as exc:
        services.evidence_add(
            assessment=assessment,
            item=item,
            user=world.consultant,
            upload=SimpleUploadedFile(name, content),
        )
    assert fragment in " ".join(exc.value.messages)
    assert not Evidence.objects.exists()


def test_evidence_size_is_limited(world, assessment, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.EVIDENCE_MAX_BYTES = 100
    item = items_by_code(assessment.framework)["B1.1"]
    with pytest.raises(ValidationError) as exc:
        services.evidence_add(
            assessment=assessment,
            item=item,
            user=world.consultant,
            upload=SimpleUploadedFile("big.pdf", PDF + b"0" * 200),
        )
    assert "at most" in " ".join(exc.value.messages)


def test_evidence_cannot_change_after_confirmation(world, assessment, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    item = items_by_code(assessment.framework)["B1.1"]
    evidence = services.evidence_add(
        assessment=assessment,
        item=item,
        user=world.consultant,
        upload=SimpleUploadedFile("a.pdf", PDF),
    )
    confirmed(world, assessment, 3)
    with pytest.raises(ValidationError):
        services.evidence_add(
            assessment=assessment,
            item=item,
            user=world.consultant,
            upload=SimpleUploadedFile("b.pdf", PDF),
        )
    with pytest.raises(ValidationError):
        services.evidence_delete(evidence=evidence, user=world.consultant)
    assert Evidence.objects.count() == 1


def test_admin_cannot_change_a_confirmed_assessment(world, assessment, client_for):
    done = confirmed(world, assessment, 3)
    admin = client_for(world.admin_user)
    url = f"/admin/assessments/assessment/{done.pk}/change/"
    page = admin.get(url)
    assert page.status_code == 200  # viewable, read-only
    assert b'name="ratings-0-rating"' not in page.content
    response = admin.post(url, {"return_reason": "tamper"})
    assert response.status_code == 403
    assert (
        admin.post(f"/admin/assessments/assessment/{done.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    done.refresh_from_db()
    assert done.return_reason == "" and done.status == AssessmentStatus.CONFIRMED


def test_admin_cannot_edit_a_framework_in_use(world, assessment, client_for):
    admin = client_for(world.admin_user)
    item = Item.objects.filter(category__area__framework=assessment.framework).first()
    response = admin.post(f"/admin/assessments/item/{item.pk}/change/", {"points": "99"})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.points != 99
