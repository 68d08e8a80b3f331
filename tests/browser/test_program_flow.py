"""An agency runs a win-win program end to end in a real browser — creates it, adds a partner's
commitment, enrols a plant, moves the project to completed, records a KPI — and the partner
then finds the project on their projects list."""

import importlib
import re

import pytest
from django.apps import apps as django_apps
from playwright.sync_api import expect

from programs.models import KPI, CostShareRule, PartnerCommitment, Program, Project
from tests.browser.test_forms import pick
from tests.browser.test_register_plant import PASSWORD, log_in
from tests.factories import (
    AgencyFactory,
    OrganizationFactory,
    PartnerFactory,
    PlantFactory,
    Role,
    member,
)

pytestmark = pytest.mark.browser


def seed_cost_share_rules():
    """Live-server tests run on a flushed database, without the rules the migration seeds."""
    seed = importlib.import_module("programs.migrations.0002_seed_cost_share_rules").seed
    seed(django_apps, None)


def with_password(user):
    user.set_password(PASSWORD)
    user.save()
    return user


def test_agency_runs_a_winwin_program_and_the_partner_sees_the_project(live_server, page):
    with_password(
        member(Role.AGENCY_STAFF, AgencyFactory(name="스마트제조혁신추진단"), "kim.agency")
    )
    firm = PartnerFactory(name="대한전자", name_en="Daehan Electronics")
    with_password(member(Role.PARTNER_MEMBER, firm, "lee.partner"))
    supplier = OrganizationFactory(kind="supplier", name="스마트솔루션(주)")
    plant = PlantFactory(name="안산 제1공장")
    base = live_server.url
    seed_cost_share_rules()

    log_in(page, base, "kim.agency")

    # Create the program.
    page.goto(f"{base}/programs/new/")
    page.fill("#id_name_ko", "2026 상생형 스마트공장 구축지원")
    page.fill("#id_name_en", "2026 win-win smart factory support")
    page.fill("#id_year", "2026")
    page.select_option("#id_kind", "winwin")
    page.fill("#id_budget", "5000000000")
    page.fill("#id_applications_open", "2026-02-01")
    page.fill("#id_applications_close", "2026-03-31")
    page.select_option("#id_cost_share_rule", str(CostShareRule.objects.get(code="winwin").pk))
    page.locator("form:has(#id_name_ko) [type=submit]").click()
    page.wait_for_url(re.compile(r"/programs/\d+/$"))
    program = Program.objects.get(name_ko="2026 상생형 스마트공장 구축지원")
    expect(page.locator("h1")).to_contain_text("2026 상생형 스마트공장 구축지원")
    expect(page.locator(".rule-summary")).to_contain_text("30")

    # The partner commits funds.
    pick(page, "id_partner", firm.name[:2], firm.pk)
    page.fill("#id_committed", "100000000")
    page.locator("form.commitment-form [type=submit]").click()
    page.wait_for_url(re.compile(rf"/programs/{program.pk}/$"))
    # ₩100,000,000 written the Korean way
    expect(page.locator(".commitment-table")).to_contain_text("1억 원")
    assert PartnerCommitment.objects.get(program=program, partner=firm).committed == 100_000_000

    # Enrol a plant, choosing the partner.
    page.locator(f"a[href='/projects/new/?program={program.pk}']").click()
    page.wait_for_url(re.compile(r"/projects/new/"))
    # The plant field suggests plants as one types (35,000 would not fit a select).
    option = pick(page, "id_plant", "안산", plant.pk)
    assert "안산 제1공장" in option.inner_text()
    page.fill("#id_title", "MES 구축")
    pick(page, "id_partner", firm.name[:2], firm.pk)
    pick(page, "id_supplier", supplier.name[:2], supplier.pk)
    page.select_option("#id_target_level", "basic")
    page.fill("#id_total_cost", "100000000")
    page.fill("#id_government_share", "30000000")
    page.fill("#id_partner_share", "30000000")
    page.fill("#id_sme_share", "40000000")
    page.locator("form.project-form [type=submit]").click()
    page.wait_for_url(re.compile(r"/projects/\d+/$"))
    project = Project.objects.get(program=program, plant=plant)

    # Move it along the pipeline to completed.
    for status in ("selected", "agreed", "building", "completed"):
        if status == "completed":  # the last step asks first: it cannot be undone
            page.locator(f"button[name=to][value={status}]").click()
            with page.expect_navigation():
                page.locator("dialog.confirm-dialog .confirm-dialog__yes").click()
        else:
            with page.expect_navigation():
                page.locator(f"button[name=to][value={status}]").click()
        page.wait_for_load_state()
        expect(page.locator(".pipeline__step--current")).to_have_count(1)
        project.refresh_from_db()
        assert project.status == status
    expect(page.locator("button[name=to]")).to_have_count(0)

    # Record a KPI.
    page.select_option("#id_indicator", "defect_rate")
    page.fill("#id_baseline", "200")
    page.fill("#id_result", "100")
    page.locator("form.kpi-form [type=submit]").click()
    page.wait_for_url(re.compile(rf"/projects/{project.pk}/#kpis$"))
    expect(page.locator(".kpi-table")).to_contain_text("+50.0 %")
    assert KPI.objects.get(project=project).improvement_pct == 50

    # The partner logs in and finds the project on their list.
    page.context.clear_cookies()
    log_in(page, base, "lee.partner")
    page.goto(f"{base}/projects/")
    expect(page.locator(".project-table")).to_contain_text("안산 제1공장")
    page.locator(f"a[href='{project.get_absolute_url()}']").first.click()
    page.wait_for_url(re.compile(rf"/projects/{project.pk}/$"))
    expect(page.locator("button[name=to]")).to_have_count(0)
