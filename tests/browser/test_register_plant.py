"""Agency staff register a plant through the real pages in a real browser, then open its
first assessment for a consultant."""

import re

import pytest
from playwright.sync_api import expect

from assessments import services as assessment_services
from assessments.models import Assessment
from hub.models import AuditEntry, Plant
from tests.assessments.conftest import seed_definition
from tests.browser.test_forms import pick
from tests.factories import AgencyFactory, CompanyFactory, ConsultancyFactory, Role, member

pytestmark = pytest.mark.browser

PASSWORD = "browser-test-pw-1"


def log_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form:has(#id_username) [type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_agency_staff_registers_a_plant(live_server, page):
    staff = member(Role.AGENCY_STAFF, AgencyFactory(name="스마트제조혁신추진단"), "kim.agency")
    staff.set_password(PASSWORD)
    staff.save()
    company = CompanyFactory(name="(주)대성정밀")

    log_in(page, live_server.url, "kim.agency")
    page.goto(f"{live_server.url}/plants/new/")
    pick(page, "id_company", "대성", company.pk)
    page.fill("#id_name", "화성 제2공장")
    page.select_option("#id_region", "41")
    page.fill("#id_address", "경기도 화성시 향남읍 발안공단로 120")
    page.select_option("#id_industry", "25")
    page.fill("#id_employees", "48")
    page.fill("#id_factory_registration_number", "")
    page.select_option("#id_status", "active")
    page.locator("form:has(#id_name) [type=submit]").click()

    page.wait_for_url(re.compile(r"/plants/\d+/$"))
    expect(page.locator("h1")).to_contain_text("화성 제2공장")
    plant = Plant.objects.get(company=company, name="화성 제2공장")
    assert page.url.endswith(plant.get_absolute_url())
    assert (plant.region, plant.industry, plant.employees) == ("41", "25", 48)
    assert AuditEntry.objects.for_object(plant).filter(user=staff, action="create").exists()

    # Open the plant's first assessment from its page, assigned to a consultant.
    assessment_services.framework_load(data=seed_definition())
    consultant = member(Role.CONSULTANT, ConsultancyFactory(name="한국생산성컨설팅"), "lee.c")
    page.goto(f"{live_server.url}{plant.get_absolute_url()}")
    page.get_by_role("link", name="수준평가 개설").click()
    page.wait_for_url(re.compile(rf"/plants/{plant.pk}/assessments/new/$"))
    pick(page, "id_consultant", "한국생산성", consultant.pk)
    page.locator("form:has(#id_consultant) [type=submit]").click()
    page.wait_for_url(re.compile(r"/assessments/\d+/"))
    assessment = Assessment.objects.get(plant=plant)
    assert (assessment.status, assessment.consultant) == ("draft", consultant)
    assert f"/assessments/{assessment.pk}/" in page.url
