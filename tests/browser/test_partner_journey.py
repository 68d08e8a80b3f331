"""A partner firm's member in a real browser: goes from the home page to the firm's portfolio,
opens a mentored plant, and cannot open another firm's plant by typing its URL."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_register_plant import PASSWORD, log_in
from tests.factories import MentorshipFactory, PartnerFactory, PlantFactory, Role, member

pytestmark = pytest.mark.browser


def test_partner_sees_its_portfolio_and_never_another_firms_plant(live_server, page):
    firm_a = PartnerFactory(name="대한전자")
    firm_b = PartnerFactory(name="민국자동차")
    ours = PlantFactory(name="안성 멘토링 공장")
    theirs = PlantFactory(name="울산 타사 공장")
    MentorshipFactory(partner=firm_a, plant=ours)
    MentorshipFactory(partner=firm_b, plant=theirs)
    user = member(Role.PARTNER_MEMBER, firm_a, "park.partner")
    user.set_password(PASSWORD)
    user.save()

    log_in(page, live_server.url, "park.partner")
    page.locator(".home-actions a").first.click()  # the home page's first action
    page.wait_for_url(re.compile(r"/portfolio/"))
    table = page.locator("section[aria-labelledby=portfolio-plants]")
    expect(table).to_contain_text("안성 멘토링 공장")
    expect(page.locator("body")).not_to_contain_text("울산 타사 공장")

    table.get_by_role("link", name="안성 멘토링 공장").click()
    page.wait_for_url(re.compile(rf"/plants/{ours.pk}/$"))
    expect(page.locator("h1")).to_contain_text("안성 멘토링 공장")

    response = page.goto(f"{live_server.url}/plants/{theirs.pk}/")
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text("울산 타사 공장")
    page.goto(f"{live_server.url}/plants/")
    expect(page.locator("main")).to_contain_text("안성 멘토링 공장")
    expect(page.locator("main")).not_to_contain_text("울산 타사 공장")
