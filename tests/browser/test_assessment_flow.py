"""A consultant fills and submits an assessment in a real browser (htmx saves item by item),
agency staff confirm it, and the plant page shows the new level."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from assessments import services
from assessments.choices import AssessmentStatus
from assessments.models import Assessment, Evidence, ItemRating
from tests.factories import AgencyFactory, ConsultancyFactory, PlantFactory, Role, member

pytestmark = pytest.mark.browser

PASSWORD = "browser-test-pw-1"
SEED = Path(settings.BASE_DIR) / "assessments" / "frameworks" / "sf-l5-v1.json"
LEFT_FOR_THE_BROWSER = ("B1.1", "D1.6")


def person(role, organization, username):
    user = member(role, organization, username)
    user.set_password(PASSWORD)
    user.save()
    return user


def log_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form:has(#id_username) [type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def settled(page):
    """Wait until htmx has no request under way and has finished swapping and settling (new
    content gets its listeners as it settles)."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')",
        polling=50,
    )


def rate_in_browser(page, code, value):
    card = page.locator(f"#item-{code.replace('.', '-')}")
    card.locator(f"label.rating-option:has(input[value='{value}'])").click()
    # the card is swapped for the server's answer, which says it was saved
    expect(card.locator(".item-card__saved")).to_be_visible()
    expect(card.locator(f"input[type=radio][value='{value}']")).to_be_checked()
    settled(page)


def test_consultant_fills_and_submits_agency_confirms(live_server, browser, page):
    framework, _ = services.framework_load(data=json.loads(SEED.read_text(encoding="utf-8")))
    agency = person(Role.AGENCY_STAFF, AgencyFactory(name="스마트제조혁신추진단"), "kim.agency")
    consultant = person(Role.CONSULTANT, ConsultancyFactory(name="한빛컨설팅"), "lee.consultant")
    plant = PlantFactory(name="창원 제1공장")
    assessment = services.assessment_open(plant=plant, consultant=consultant, user=agency)
    # 38 items rated 3 up front; the browser rates the last two
    rows = list(ItemRating.objects.filter(assessment=assessment).select_related("item"))
    for row in rows:
        row.rating = None if row.item.code in LEFT_FOR_THE_BROWSER else 3
    ItemRating.objects.bulk_update(rows, ["rating"])

    log_in(page, live_server.url, "lee.consultant")
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/fill/")
    progress = page.locator("#assessment-progress")
    expect(progress).to_contain_text("38 / 40")

    rate_in_browser(page, "B1.1", 4)
    expect(progress).to_contain_text("39 / 40")
    rate_in_browser(page, "D1.6", 4)
    expect(progress).to_contain_text("40 / 40")
    saved = dict(
        ItemRating.objects.filter(
            assessment=assessment, item__code__in=LEFT_FOR_THE_BROWSER
        ).values_list("item__code", "rating")
    )
    assert saved == {"B1.1": 4, "D1.6": 4}

    page.locator("#submit [type=submit]").click()
    page.wait_for_url(re.compile(rf"/assessments/{assessment.pk}/$"))
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED

    staff_context = browser.new_context(locale="ko-KR", viewport={"width": 1280, "height": 900})
    staff_context.set_default_timeout(10_000)
    try:
        staff = staff_context.new_page()
        log_in(staff, live_server.url, "kim.agency")
        staff.goto(f"{live_server.url}/assessments/{assessment.pk}/")
        staff.locator(f"form[action='/assessments/{assessment.pk}/confirm/'] [type=submit]").click()
        with staff.expect_navigation():  # confirming asks first: what it cannot undo
            staff.locator("dialog.confirm-dialog .confirm-dialog__yes").click()
        staff.wait_for_url(re.compile(rf"/assessments/{assessment.pk}/$"))
        assert Assessment.objects.get(pk=assessment.pk).status == AssessmentStatus.CONFIRMED

        staff.goto(f"{live_server.url}{plant.get_absolute_url()}")
        panel = staff.locator(".plant-assessments")
        expect(panel.locator(".plant-level__number")).to_contain_text("3")
        expect(panel.locator("svg").first).to_be_visible()
    finally:
        staff_context.close()
    plant.refresh_from_db()
    assert plant.current_level == 3


def test_not_applicable_notes_and_evidence_save_in_place(live_server, page, settings, tmp_path):
    """N/A with a reason, a note typed while a save is under way (kept, not overwritten), an
    evidence file uploaded on choosing it, a refused file, and a delete, all without leaving
    the page."""
    settings.MEDIA_ROOT = tmp_path / "media"
    services.framework_load(data=json.loads(SEED.read_text(encoding="utf-8")))
    agency = person(Role.AGENCY_STAFF, AgencyFactory(), "kim.agency")
    consultant = person(Role.CONSULTANT, ConsultancyFactory(), "lee.consultant")
    assessment = services.assessment_open(plant=PlantFactory(), consultant=consultant, user=agency)
    log_in(page, live_server.url, "lee.consultant")
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/fill/")

    card = page.locator("#item-A1-3")
    reason = card.locator("textarea[name$=na_reason]")
    note = card.locator("textarea[name$=evidence_note]")
    expect(reason).to_be_hidden()
    card.locator("input[type=checkbox]").check()
    expect(card.locator(".item-card__saved")).to_be_visible()
    settled(page)
    expect(reason).to_be_visible()
    reason.fill("해당 공정 없음")
    note.click()  # leaving the reason saves it; the note keeps focus and text meanwhile
    note.press_sequentially("현장 확인")
    expect(page.locator("#assessment-progress")).to_contain_text("1 / 40")
    expect(note).to_have_value("현장 확인")
    expect(note).to_be_focused()
    page.locator("h1").click()
    expect(card.locator(".item-card__saved")).to_be_visible()
    page.wait_for_function("() => !document.querySelector('#item-A1-3 .htmx-request')", polling=100)
    rating = ItemRating.objects.get(assessment=assessment, item__code="A1.3")
    assert (rating.not_applicable, rating.na_reason) == (True, "해당 공정 없음")

    pdf = tmp_path / "점검표.pdf"
    pdf.write_bytes(b"%PDF-1.4 test")
    card.locator("input[type=file]").set_input_files(str(pdf))
    expect(card.locator(".evidence__list")).to_contain_text("점검표.pdf")
    settled(page)
    exe = tmp_path / "setup.exe"
    exe.write_bytes(b"MZ\x90\x00")
    card.locator("input[type=file]").set_input_files(str(exe))
    expect(card.locator(".errorlist")).to_be_visible()
    settled(page)
    assert [e.original_name for e in Evidence.objects.filter(assessment=assessment)] == [
        "점검표.pdf"
    ]
    card.locator(".button--danger").click()
    page.locator("dialog.confirm-dialog .confirm-dialog__yes").click()  # deleting asks first
    expect(card.locator(".evidence__list")).to_have_count(0)
    assert not Evidence.objects.filter(assessment=assessment).exists()
    assert ItemRating.objects.get(pk=rating.pk).evidence_note == "현장 확인"
