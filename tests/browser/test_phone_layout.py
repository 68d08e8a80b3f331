"""The product on a phone (390 px wide): the main menu starts collapsed behind a button that
opens it (aria-expanded follows), and no page of a short walk (home, plant list, plant
detail, progress dashboard) scrolls sideways at the page level: wide tables scroll inside
their own box and charts shrink to the page."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_program_flow import seed_cost_share_rules
from tests.browser.test_register_plant import PASSWORD, log_in
from tests.programs.conftest import complete, project_a, supplier, winwin  # noqa: F401

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def rules():
    """The cost-share rules a migration seeds (a live-server test starts from empty tables)."""
    seed_cost_share_rules()


@pytest.fixture
def phone(page):
    page.set_viewport_size(PHONE)
    return page


def test_phone_menu_is_collapsed_and_opens(live_server, phone, world):
    world.official.set_password(PASSWORD)
    world.official.save()
    log_in(phone, live_server.url, world.official.username)
    phone.goto(f"{live_server.url}/")
    toggle = phone.locator("[data-nav-toggle]")
    menu = phone.locator("#site-nav-list")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()
    header = phone.locator(".site-header").bounding_box()
    assert header["height"] < 160, header  # was 337 px with the menu spelled out

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(menu).to_be_visible()
    link = menu.get_by_role("link").first
    assert link.bounding_box()["height"] >= 44  # a thumb's tap target
    phone.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")


def test_without_script_the_menu_is_simply_open(live_server, browser, world):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    world.official.set_password(PASSWORD)
    world.official.save()
    log_in(page, live_server.url, world.official.username)
    page.goto(f"{live_server.url}/")
    expect(page.locator("#site-nav-list")).to_be_visible()
    expect(page.locator("[data-nav-toggle]")).to_be_hidden()
    context.close()


def test_menu_is_spelled_out_at_desktop_width(live_server, page, world):
    world.official.set_password(PASSWORD)
    world.official.save()
    log_in(page, live_server.url, world.official.username)
    expect(page.locator("#site-nav-list")).to_be_visible()
    expect(page.locator("[data-nav-toggle]")).to_be_hidden()


def test_no_page_scrolls_sideways_on_a_phone(live_server, phone, rules, world, winwin, project_a):  # noqa: F811
    complete(world, project_a)
    world.official.set_password(PASSWORD)
    world.official.save()
    log_in(phone, live_server.url, world.official.username)
    widths = {}
    for path in ("/", "/plants/", f"/plants/{world.plant_a.pk}/", "/progress/"):
        response = phone.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        widths[path] = phone.evaluate("document.documentElement.scrollWidth")
        ARTIFACTS.mkdir(exist_ok=True)  # kept for a look at the phone layout
        name = path.strip("/").replace("/", "-") or "home"
        phone.screenshot(path=str(ARTIFACTS / f"phone-{name}.png"))
    assert all(width <= PHONE["width"] for width in widths.values()), widths


def test_form_fields_are_thumb_sized_on_a_phone(live_server, phone, world):
    """Full-width fields and buttons at least 44 px tall (rounded: layout gives 43.99)."""
    world.agency.set_password(PASSWORD)
    world.agency.save()
    log_in(phone, live_server.url, world.agency.username)
    phone.goto(f"{live_server.url}/plants/new/")
    sizes = phone.evaluate(
        """() => Array.from(document.querySelectorAll(
            'main form input:not([type=hidden]):not([type=checkbox]):not([type=radio]),'
            + ' main form select, main form button'))
          .filter(e => e.offsetParent !== null)
          .map(e => [e.tagName, e.name, e.getBoundingClientRect().width,
                     e.getBoundingClientRect().height])"""
    )
    assert sizes
    assert all(round(height) >= 44 for _tag, _name, _width, height in sizes), sizes
    fields = [s for s in sizes if s[0] != "BUTTON"]
    assert fields and all(width >= 300 for _tag, _name, width, _height in fields), fields
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
