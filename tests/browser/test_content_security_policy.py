"""Pages work in a real browser under the Content Security Policy: nothing is blocked (no
violation events, no console errors), the progress bar gets its width from static/js/app.js,
Swagger UI renders from local files, and the audit log opens from the navigation."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from assessments import services
from hub.audit import audit_record
from hub.choices import AuditAction
from tests.factories import (
    AgencyFactory,
    ConsultancyFactory,
    PlantFactory,
    Role,
    member,
)

pytestmark = pytest.mark.browser

PASSWORD = "browser-test-pw-1"
SEED = Path(settings.BASE_DIR) / "assessments" / "frameworks" / "sf-l5-v1.json"

# Runs before any page script (injected by the browser, so the policy does not apply to it).
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


def person(role, organization, username):
    user = member(role, organization, username)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def watched(page):
    """The page, with CSP violations and console errors collected as it goes."""
    page.context.add_init_script(WATCH_VIOLATIONS)
    page.console_errors = []
    page.on(
        "console",
        lambda message: (
            page.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    return page


def assert_clean(page):
    assert page.evaluate("window.__cspViolations") == []
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []


def log_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    assert_clean(page)
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form:has(#id_username) [type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_agency_pages_and_api_docs_run_without_violations(live_server, watched):
    staff = person(Role.AGENCY_STAFF, AgencyFactory(name="스마트제조혁신추진단"), "kim.agency")
    plant = PlantFactory(name="화성 제2공장")
    audit_record(
        user=staff,
        action=AuditAction.UPDATE,
        obj=plant,
        before={"employees": 40},
        after={"employees": 48},
    )

    log_in(watched, live_server.url, "kim.agency")
    assert_clean(watched)

    watched.get_by_role("link", name="감사 로그").or_(
        watched.get_by_role("link", name="Audit log")
    ).first.click()
    watched.wait_for_url(f"{live_server.url}/audit/")
    row = watched.locator("tr.audit-log__entry").first
    expect(row).to_contain_text("kim.agency")
    expect(row.locator("a.audit-log__object")).to_have_attribute("href", plant.get_absolute_url())
    row.locator("details summary").click()
    expect(row.locator(".audit-after")).to_have_text("48")
    assert_clean(watched)

    for path in (plant.get_absolute_url(), "/plants/", "/progress/"):
        watched.goto(f"{live_server.url}{path}")
        assert_clean(watched)

    watched.goto(f"{live_server.url}/api/docs/")
    expect(watched.locator(".swagger-ui .info .title")).to_contain_text("Smart Factory Hub API")
    expect(watched.locator(".opblock").first).to_be_visible()
    assert_clean(watched)


def test_progress_bar_width_comes_from_the_static_script(live_server, watched):
    framework, _ = services.framework_load(data=json.loads(SEED.read_text(encoding="utf-8")))
    agency = person(Role.AGENCY_STAFF, AgencyFactory(), "kim.agency")
    consultant = person(Role.CONSULTANT, ConsultancyFactory(), "lee.consultant")
    assessment = services.assessment_open(
        plant=PlantFactory(), consultant=consultant, user=agency, framework=framework
    )

    log_in(watched, live_server.url, "lee.consultant")
    watched.goto(f"{live_server.url}/assessments/{assessment.pk}/fill/")
    bar = watched.locator("#assessment-progress .fill-progress__bar span")
    expect(bar).to_have_attribute("data-width", "0")
    assert bar.evaluate("el => el.style.width") == "0%"

    first = watched.locator(".item-card").first
    first.locator("label.rating-option").nth(2).click()
    expect(first.locator(".item-card__saved")).to_be_visible()
    # The out-of-band swap brings a new bar; the script sizes it too.
    expect(bar).not_to_have_attribute("data-width", "0")
    width = bar.evaluate("el => el.style.width")
    assert width == bar.get_attribute("data-width") + "%"
    assert_clean(watched)
