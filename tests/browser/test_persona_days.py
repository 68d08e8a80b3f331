"""Each persona's working day in a real browser, at desktop width and at 390 px (a phone):
home → queue → action → next. Every step leaves a screenshot in test-artifacts/ (kept on
success too: they are how the pages are reviewed)."""

import re

import pytest
from playwright.sync_api import expect

from assessments import services as assessments
from datahub.choices import Purpose
from datahub.services import consents
from tests.assessments.conftest import rate_all, seed_definition
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_register_plant import PASSWORD, log_in
from tests.factories import (
    AgencyFactory,
    ConsultancyFactory,
    MentorshipFactory,
    MinistryFactory,
    PartnerFactory,
    PlantFactory,
    Role,
    member,
)

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture(params=sorted(WIDTHS))
def sized(request, page):
    """The page at one width; shot(step) saves a full-page screenshot of the step."""
    width, height = WIDTHS[request.param]
    page.set_viewport_size({"width": width, "height": height})
    ARTIFACTS.mkdir(exist_ok=True)
    test = request.node.originalname

    def shot(step: str):
        page.screenshot(path=str(ARTIFACTS / f"{test}-{request.param}-{step}.png"), full_page=True)

    page.shot = shot
    return page


def person(role, organization, username, **names):
    user = member(role, organization, username)
    for field, value in names.items():
        setattr(user, field, value)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def program_world(db):
    framework, _ = assessments.framework_load(data=seed_definition())
    agency = person(
        Role.AGENCY_STAFF, AgencyFactory(), "kim.agency", last_name="김", first_name="지현"
    )
    consultant = person(
        Role.CONSULTANT, ConsultancyFactory(), "lee.consultant", last_name="이", first_name="서준"
    )
    plants = [PlantFactory(name=name) for name in ("안산 1공장", "창원 2공장", "구미 3공장")]
    return agency, consultant, plants, framework


def no_horizontal_scroll(page):
    """At phone width the page itself must not scroll sideways (tables scroll in their box)."""
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, overflow


def test_agency_day(live_server, sized, program_world):
    agency, consultant, plants, _ = program_world
    first, second = (
        rate_all(assessments.assessment_open(plant=p, consultant=consultant, user=agency))
        for p in plants[:2]
    )
    for assessment in (first, second):
        assessments.assessment_submit(assessment=assessment, user=consultant)
    page = sized

    log_in(page, live_server.url, "kim.agency")
    page.wait_for_url(f"{live_server.url}/")
    waiting = page.locator(".home-card").filter(
        has=page.locator(f"a[href='{first.get_absolute_url()}']")
    )
    expect(waiting.locator(".home-card__count")).to_have_text("2")
    page.shot("1-home")

    waiting.locator(f"a[href='{first.get_absolute_url()}']").click()
    page.wait_for_url(re.compile(rf"/assessments/{first.pk}/$"))
    page.shot("2-assessment")

    page.locator("form[data-confirm] button[type=submit]").click()
    dialog = page.locator("dialog.confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("되돌릴 수 없습니다")  # "cannot be undone", in Korean
    page.shot("3-confirm-dialog")
    dialog.locator(".confirm-dialog__yes").click()

    page.wait_for_url(re.compile(rf"/assessments/{second.pk}/$"))
    first.refresh_from_db()
    assert first.status == "confirmed"
    page.shot("4-next")
    no_horizontal_scroll(page)


def test_consultant_day(live_server, sized, program_world):
    agency, consultant, plants, _ = program_world
    returned = rate_all(
        assessments.assessment_open(plant=plants[0], consultant=consultant, user=agency)
    )
    assessments.assessment_submit(assessment=returned, user=consultant)
    assessments.assessment_return(assessment=returned, user=agency, reason="1.1 근거 보완")
    following = assessments.assessment_open(plant=plants[1], consultant=consultant, user=agency)
    done = rate_all(
        assessments.assessment_open(plant=plants[2], consultant=consultant, user=agency)
    )
    assessments.assessment_submit(assessment=done, user=consultant)
    assessments.assessment_confirm(assessment=done, user=agency)
    page = sized

    log_in(page, live_server.url, "lee.consultant")
    page.wait_for_url(f"{live_server.url}/")
    page.shot("1-home")

    page.locator(".home-card__title a").first.click()
    page.wait_for_url(re.compile(r"/assessments/"))
    main = page.locator("main")
    expect(main).to_contain_text(plants[0].name)
    expect(main).not_to_contain_text(plants[2].name)  # confirmed: behind the "Confirmed" tab
    page.shot("2-queue")

    page.goto(f"{live_server.url}/")
    page.locator(".home-actions a").first.click()
    page.wait_for_url(re.compile(rf"/assessments/{returned.pk}/fill/"))
    page.locator(f"form[action$='/assessments/{returned.pk}/submit/'] button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/assessments/{returned.pk}/$"))
    page.shot("3-submitted")

    page.locator(".next-in-queue a").click()
    page.wait_for_url(re.compile(rf"/assessments/{following.pk}/fill/"))
    page.shot("4-next")


def test_partner_day(live_server, sized, db):
    firm = PartnerFactory(name="대한전자")
    ours = PlantFactory(name="안성 멘토링 공장")
    theirs = PlantFactory(name="울산 타사 공장")
    MentorshipFactory(partner=firm, plant=ours)
    MentorshipFactory(partner=PartnerFactory(name="민국자동차"), plant=theirs)
    person(Role.PARTNER_MEMBER, firm, "park.partner")
    page = sized

    log_in(page, live_server.url, "park.partner")
    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator(".home-card").first).to_contain_text(ours.name)
    expect(page.locator("main")).not_to_contain_text(theirs.name)
    page.shot("1-home")

    page.locator(".home-actions a").first.click()
    page.wait_for_url(re.compile(r"/portfolio/"))
    page.shot("2-portfolio")

    page.goto(f"{live_server.url}/")
    page.locator(".home-card__items a").first.click()
    page.wait_for_url(re.compile(rf"/plants/{ours.pk}/$"))
    page.shot("3-plant")


def test_official_day(live_server, sized, db):
    person(Role.OFFICIAL, MinistryFactory(), "choi.official")
    PlantFactory(name="안산 1공장")
    page = sized

    log_in(page, live_server.url, "choi.official")
    page.wait_for_url(f"{live_server.url}/")
    page.shot("1-home")

    page.locator(".home-actions a").first.click()
    page.wait_for_url(re.compile(r"/progress/$"))
    page.shot("2-dashboard")

    page.goto(f"{live_server.url}/")
    page.locator(".home-actions a").nth(1).click()
    page.wait_for_url(re.compile(r"/reports/$"))
    page.shot("3-reports")


def test_sme_day(live_server, sized, db):
    plant = PlantFactory(name="시화 도입기업 공장")
    sme = person(Role.SME_MEMBER, plant.company, "jung.sme")
    consents.consent_grant(user=sme, plant=plant, purpose=Purpose.RESEARCH)
    page = sized

    log_in(page, live_server.url, "jung.sme")
    page.wait_for_url(re.compile(r"/datahub/"))
    page.shot("1-home")

    page.goto(f"{live_server.url}/datahub/plants/{plant.pk}/consents/")
    page.locator("form[data-confirm] button[type=submit]").first.click()
    dialog = page.locator("dialog.confirm-dialog")
    expect(dialog).to_be_visible()
    page.shot("2-revoke-dialog")
    dialog.locator(".confirm-dialog__no").click()
    expect(dialog).to_be_hidden()
    assert plant.consents.filter(revoked_at__isnull=True).count() == 1

    page.locator("form[data-confirm] button[type=submit]").first.click()
    dialog.locator(".confirm-dialog__yes").click()
    page.wait_for_load_state()
    expect(page.locator(".messages, [role=status], main").first).to_be_visible()
    page.shot("3-revoked")
    assert plant.consents.filter(revoked_at__isnull=True).count() == 0
