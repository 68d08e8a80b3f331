"""Forms for real data in a real browser: the searchable picker driven by the keyboard, cost
shares computed as the user types, and the fill page's running score with its folded items
(page height measured at desktop width)."""

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from playwright.sync_api import expect

from assessments import services as assessment_services
from assessments.models import ItemRating
from hub.models import Plant
from programs.models import CostShareRule
from tests.browser.test_assessment_flow import log_in, person, settled
from tests.factories import (
    AgencyFactory,
    CompanyFactory,
    ConsultancyFactory,
    PartnerFactory,
    PlantFactory,
    Role,
)
from tests.programs.conftest import M, winwin_program

pytestmark = pytest.mark.browser
SEED = Path(settings.BASE_DIR) / "assessments" / "frameworks" / "sf-l5-v1.json"
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


def pick(page, field_id, text, pk):
    """Choose `pk` in a searchable picker: type `text`, click the suggestion."""
    page.locator(f"#{field_id}").press_sequentially(text, delay=30)
    option = page.locator(f"#{field_id}-listbox [data-value='{pk}']")
    expect(option).to_be_visible()
    option.click()
    expect(
        page.locator(f"#{field_id}").locator("xpath=..").locator("[data-lookup-value]")
    ).to_have_value(str(pk))
    return option


def test_agency_picks_the_company_with_the_keyboard(live_server, page):
    person(Role.AGENCY_STAFF, AgencyFactory(name="스마트제조혁신추진단"), "kim.agency")
    CompanyFactory.create_batch(30)
    target = CompanyFactory(name="우진정밀", business_number="1248100998")
    CompanyFactory(name="대진정밀")
    log_in(page, live_server.url, "kim.agency")
    page.goto(f"{live_server.url}/plants/new/")
    box = page.locator("#id_company")
    expect(box).to_have_attribute("role", "combobox")
    box.press_sequentially("124-81", delay=30)
    listbox = page.locator("#id_company-listbox")
    expect(listbox).to_be_visible()
    expect(listbox.locator("[role=option]")).to_have_count(1)
    expect(listbox).to_contain_text("124-81-00998")
    expect(box).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", f"id_company-listbox-{target.pk}")
    page.keyboard.press("Enter")
    expect(listbox).to_be_hidden()
    expect(page.locator("input[name=company]")).to_have_value(str(target.pk))
    expect(box).to_have_value("우진정밀")
    page.fill("#id_name", "우진 제1공장")
    page.select_option("#id_region", "48")
    page.select_option("#id_industry", "25")
    page.locator("form.edit-form [type=submit]").click()
    page.wait_for_url(lambda url: "/plants/new/" not in url)
    assert Plant.objects.get(name="우진 제1공장").company == target


def test_an_error_summary_link_takes_the_focus_to_its_field(live_server, page):
    person(Role.AGENCY_STAFF, AgencyFactory(name="스마트제조혁신추진단"), "kim.agency")
    log_in(page, live_server.url, "kim.agency")
    page.goto(f"{live_server.url}/plants/new/")
    page.locator("#id_company").fill("없는회사")
    page.locator("form.edit-form [type=submit]").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    summary.locator("a[href='#id_company']").click()
    expect(page.locator("#id_company")).to_be_focused()


def test_cost_shares_are_computed_as_the_user_types(live_server, page):
    agency_org = AgencyFactory(name="스마트제조혁신추진단")
    agency = person(Role.AGENCY_STAFF, agency_org, "kim.agency")
    firm = PartnerFactory(name="대한전자")
    # the migration's rule, gone when an earlier browser test flushed the tables
    CostShareRule.objects.get_or_create(
        code="winwin",
        defaults={
            "name_ko": "상생형",
            "name_en": "Win-win",
            "government_max_pct": 30,
            "partner_min_pct": 30,
            "sme_max_pct": 40,
            "cap_basic": 42 * M,
            "cap_advanced1": 120 * M,
            "cap_advanced2": 240 * M,
        },
    )
    program = winwin_program(
        SimpleNamespace(agency=agency, agency_org=agency_org), [(firm, 100 * M)]
    )
    plant = PlantFactory(name="창원 제1공장")
    log_in(page, live_server.url, "kim.agency")
    page.goto(f"{live_server.url}/projects/new/?program={program.pk}&plant={plant.pk}")
    page.fill("#id_total_cost", "100000000")
    page.fill("#id_government_share", "30000000")
    page.fill("#id_partner_share", "30000000")
    # the SME share, typed last by nobody, is the rest
    expect(page.locator("#id_sme_share")).to_have_value("40000000")
    calc = page.locator("[data-shares-calc]")
    expect(calc).to_contain_text("30.0 %")
    expect(calc).to_contain_text("40.0 %")
    # typing the SME share moves the rest to the share typed least recently: government
    page.fill("#id_sme_share", "45000000")
    expect(page.locator("#id_government_share")).to_have_value("25000000")
    expect(calc.locator("[data-shares-problems]")).not_to_be_empty()  # SME above 40 %
    page.fill("#id_sme_share", "40000000")
    page.locator("[data-shares-split]").click()
    expect(page.locator("#id_government_share")).to_have_value("30000000")
    expect(page.locator("#id_partner_share")).to_have_value("30000000")


def test_running_score_and_folded_items_on_the_fill_page(live_server, page):
    framework, _ = assessment_services.framework_load(
        data=json.loads(SEED.read_text(encoding="utf-8"))
    )
    agency = person(Role.AGENCY_STAFF, AgencyFactory(name="스마트제조혁신추진단"), "kim.agency")
    consultant = person(Role.CONSULTANT, ConsultancyFactory(name="한빛컨설팅"), "lee.consultant")
    assessment = assessment_services.assessment_open(
        plant=PlantFactory(name="창원 제1공장"), consultant=consultant, user=agency
    )
    log_in(page, live_server.url, "lee.consultant")
    fill = f"{live_server.url}/assessments/{assessment.pk}/fill/"
    page.goto(fill)
    empty_height = page.evaluate("document.documentElement.scrollHeight")
    score = page.locator("#running-score")
    card = page.locator("#item-A1-1")
    card.locator("label.rating-option:has(input[value='5'])").click()
    expect(card.locator(".item-card__saved")).to_be_visible()
    settled(page)
    expect(score).to_contain_text("1000.0")
    card = page.locator("#item-A1-2")
    card.locator("label.rating-option:has(input[value='0'])").click()
    expect(card.locator(".item-card__saved")).to_be_visible()
    settled(page)
    expect(score).to_contain_text("750.0")

    # most of the work done: rated items fold to one line, complete areas fold
    rows = list(ItemRating.objects.filter(assessment=assessment).select_related("item"))
    for row in rows:
        row.rating = None if row.item.code.startswith("D") else 3
    ItemRating.objects.bulk_update(rows, ["rating"])
    page.goto(fill)
    folded_height = page.evaluate("document.documentElement.scrollHeight")
    expect(page.locator("#item-D1-1 .item-card__fold")).to_have_attribute("open", "")
    page.locator("[data-fill-expand]").click()
    expect(page.locator("#item-B1-1 .item-card__fold")).to_have_attribute("open", "")
    page.locator("[data-fill-collapse]").click()
    expect(page.locator("#item-B1-1 .item-card__fold")).not_to_have_attribute("open", "")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "fill-page-height.txt").write_text(
        f"fill page at 1280 px: nothing rated {empty_height} px; "
        f"areas A-C rated {folded_height} px\n",
        encoding="utf-8",
    )
    page.screenshot(path=str(ARTIFACTS / "fill-page-folded.png"))
    assert folded_height < empty_height / 2


def test_required_if_is_marked_live(live_server, page):
    person(Role.AGENCY_STAFF, AgencyFactory(name="스마트제조혁신추진단"), "kim.agency")
    log_in(page, live_server.url, "kim.agency")
    page.goto(f"{live_server.url}/organizations/new/")
    number = page.locator("#id_business_number")
    field = page.locator("#id_business_number_field")
    page.select_option("#id_kind", "partner")
    expect(number).to_have_attribute("aria-required", "false")
    page.select_option("#id_kind", "sme")
    expect(number).to_have_attribute("aria-required", "true")
    expect(field).to_have_class(re.compile("field--required-now"))
