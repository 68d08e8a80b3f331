"""Program and project pages through HTTP, persona by persona (DESIGN.md §4): who reads what,
who may change what, the service refusals shown on the form, the pipeline buttons, KPIs, the
CSV export and query counts."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hub.models import Mentorship
from programs import services
from programs.choices import ProgramKind, ProjectStatus
from programs.models import KPI, CostShareRule, PartnerCommitment, Program, Project
from tests.factories import AgencyFactory, PartnerFactory, PlantFactory, Role, member
from tests.programs.conftest import M, complete, project_data

D = datetime.date


@pytest.fixture
def agency2(db):
    """Staff of another agency: reads every program, operates none of these."""
    return member(Role.AGENCY_STAFF, AgencyFactory(), "agency2")


@pytest.fixture
def project_b(world, winwin, supplier):
    return services.project_apply(
        user=world.agency,
        data=project_data(
            winwin,
            world.plant_b,
            world.firm_b,
            supplier=supplier,
            total_cost=120 * M,
            government_share=36 * M,
            partner_share=36 * M,
            sme_share=48 * M,
        ),
    )


def listed(response) -> list:
    return list(response.context["object_list"])


def apply_form(program, plant, partner=None, **overrides):
    data = {
        "program": program.pk,
        "plant": plant.pk,
        "title": "MES 구축",
        "partner": partner.pk if partner else "",
        "supplier": "",
        "target_level": "basic",
        "total_cost": "100000000",
        "government_share": "30000000",
        "partner_share": "30000000",
        "sme_share": "40000000",
        "applied_on": "2025-03-02",
        "reference": "",
    }
    data.update({k: str(v) for k, v in overrides.items()})
    return data


def csv_text(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


PAGES = [
    ("programs:program_list", None),
    ("programs:program_create", None),
    ("programs:program_detail", "program"),
    ("programs:program_update", "program"),
    ("programs:commitment_set", "program"),
    ("programs:project_list", None),
    ("programs:project_create", None),
    ("programs:project_detail", "project"),
    ("programs:project_update", "project"),
    ("programs:kpi_record", "project"),
]


def url_of(name, kind, project):
    if kind == "program":
        return reverse(name, args=[project.program_id])
    if kind == "project":
        return reverse(name, args=[project.pk])
    return reverse(name)


# --- anonymous and outsiders -----------------------------------------------------------------


@pytest.mark.parametrize(("name", "kind"), PAGES)
def test_anonymous_visitor_is_sent_to_login(project_a, client_for, name, kind):
    response = client_for(None).get(url_of(name, kind, project_a))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_anonymous_post_changes_nothing(world, project_a, client_for):
    url = reverse("programs:project_advance", args=[project_a.pk])
    response = client_for(None).post(url, {"to": "selected"})
    assert response.status_code == 302
    project_a.refresh_from_db()
    assert project_a.status == ProjectStatus.APPLIED


def test_outsider_sees_empty_lists(world, project_a, browse):
    client = browse(world.outsider)
    assert listed(client.get(reverse("programs:program_list"))) == []
    assert listed(client.get(reverse("programs:project_list"))) == []
    export = client.get(reverse("programs:project_list") + "?format=csv")
    assert len(csv_text(export).strip().splitlines()) == 1  # the header only


@pytest.mark.parametrize(
    ("name", "kind"),
    [p for p in PAGES if p[1] is not None] + [("programs:project_advance", "project")],
)
def test_outsider_gets_404_on_every_program_and_project_page(world, project_a, browse, name, kind):
    client = browse(world.outsider)
    url = url_of(name, kind, project_a)
    assert client.get(url).status_code in (404, 405)  # advance answers POST only
    if not name.endswith("_detail"):
        assert client.post(url, {"to": "selected"}).status_code == 404


@pytest.mark.parametrize("name", ["programs:program_create", "programs:project_create"])
def test_outsider_is_refused_the_create_pages(world, browse, name):
    assert browse(world.outsider).get(reverse(name)).status_code == 403


# --- programs --------------------------------------------------------------------------------


def test_program_list_shows_columns_for_agency(world, project_a, browse):
    response = browse(world.agency).get(reverse("programs:program_list"))
    assert response.status_code == 200
    program = listed(response)[0]
    assert program.n_projects == 1
    html = response.content.decode()
    assert "2025 win-win smart factory support" in html
    assert "₩5,000,000,000" in html
    assert "대한전자" in html and "민국자동차" in html
    assert "2025-02-01 – 2025-03-31" in html


def test_program_list_filters_by_kind_and_year(world, winwin, browse):
    client = browse(world.agency)
    url = reverse("programs:program_list")
    assert listed(client.get(url, {"kind": "general"})) == []
    assert listed(client.get(url, {"kind": "winwin", "year": 2025})) == [winwin]
    assert listed(client.get(url, {"partner": world.firm_b.pk})) == [winwin]


def test_program_detail_says_the_rule_in_words(world, winwin, browse):
    html = browse(world.agency).get(winwin.get_absolute_url()).content.decode()
    assert "government ≤ 30 %" in html
    assert "₩42m / ₩120m / ₩240m" in html
    assert "partner ≥ 30 %" in html
    assert "SME ≤ 40 %" in html


def test_program_detail_shows_commitments_allocated_and_remaining(world, project_a, browse):
    response = browse(world.agency).get(project_a.program.get_absolute_url())
    rows = {r["c"].partner: r for r in response.context["commitments"]}
    assert rows[world.firm_a]["allocated"] == 30 * M
    assert rows[world.firm_a]["remaining"] == 70 * M
    assert rows[world.firm_b]["allocated"] == 0
    assert rows[world.firm_b]["remaining"] == 50 * M
    html = response.content.decode()
    assert "₩70,000,000" in html
    counts = {row["status"]: row["count"] for row in response.context["status_counts"]}
    assert counts[ProjectStatus.APPLIED] == 1
    assert f"?program={project_a.program_id}&amp;status=applied" in html
    assert response.context["commitment_form"] is not None


def test_partner_sees_only_programs_they_commit_to(world, winwin, browse):
    outside = PartnerFactory(name="무관한기업")
    outsider_partner = member(Role.PARTNER_MEMBER, outside, "partner_c")
    assert listed(browse(world.partner_a).get(reverse("programs:program_list"))) == [winwin]
    client = browse(outsider_partner)
    assert listed(client.get(reverse("programs:program_list"))) == []
    assert client.get(winwin.get_absolute_url()).status_code == 404


def test_partner_sees_only_their_own_commitment_and_projects(world, project_a, project_b, browse):
    client = browse(world.partner_a)
    response = client.get(project_a.program.get_absolute_url())
    assert response.status_code == 200
    assert [r["c"].partner for r in response.context["commitments"]] == [world.firm_a]
    assert response.context["project_total"] == 1
    assert "commitment_form" not in response.context
    html = response.content.decode()
    assert "민국자동차" not in html and "Minguk" not in html
    listing = client.get(reverse("programs:program_list"))
    assert listed(listing)[0].n_projects == 1
    assert "민국자동차" not in listing.content.decode()


def test_agency_creates_a_program(world, browse):
    client = browse(world.agency)
    assert client.get(reverse("programs:program_create")).status_code == 200
    rule = CostShareRule.objects.get(code="winwin")
    response = client.post(
        reverse("programs:program_create"),
        {
            "name_ko": "2026 상생형 스마트공장",
            "name_en": "2026 win-win",
            "year": "2026",
            "kind": "winwin",
            "budget": "3000000000",
            "applications_open": "2026-02-01",
            "applications_close": "2026-03-31",
            "cost_share_rule": rule.pk,
        },
    )
    program = Program.objects.get(name_ko="2026 상생형 스마트공장")
    assert response.status_code == 302
    assert response["Location"] == program.get_absolute_url()
    assert program.agency == world.agency_org


def test_program_form_shows_the_window_error(world, browse):
    rule = CostShareRule.objects.get(code="winwin")
    response = browse(world.agency).post(
        reverse("programs:program_create"),
        {
            "name_ko": "잘못된 사업",
            "name_en": "Bad",
            "year": "2026",
            "kind": "general",
            "budget": "1",
            "applications_open": "2026-03-01",
            "applications_close": "2026-02-01",
            "cost_share_rule": rule.pk,
        },
    )
    assert response.status_code == 200
    assert "applications_close" in response.context["form"].errors
    assert not Program.objects.filter(name_ko="잘못된 사업").exists()


def test_agency_edits_their_program(world, winwin, browse):
    client = browse(world.agency)
    url = reverse("programs:program_update", args=[winwin.pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if k in form.fields}
    data.update(
        budget="6000000000", applications_open="2025-02-01", applications_close="2025-04-30"
    )
    data = {k: ("" if v is None else getattr(v, "pk", v)) for k, v in data.items()}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    winwin.refresh_from_db()
    assert winwin.budget == 6000 * M
    assert winwin.applications_close == D(2025, 4, 30)


@pytest.mark.parametrize("who", ["official", "partner_a", "consultant"])
def test_readers_are_refused_program_writes(world, winwin, browse, who):
    client = browse(getattr(world, who))
    assert client.get(reverse("programs:program_create")).status_code == 403
    assert client.get(reverse("programs:program_update", args=[winwin.pk])).status_code == 403
    response = client.post(
        reverse("programs:commitment_set", args=[winwin.pk]),
        {"partner": world.firm_a.pk, "committed": "1"},
    )
    assert response.status_code == 403
    assert PartnerCommitment.objects.get(program=winwin, partner=world.firm_a).committed == 100 * M


def test_other_agency_reads_but_may_not_change(world, project_a, browse, agency2):
    client = browse(agency2)
    program = project_a.program
    response = client.get(program.get_absolute_url())
    assert response.status_code == 200
    assert response.context["can_manage"] is False
    assert "commitment_form" not in response.context
    assert client.get(reverse("programs:program_update", args=[program.pk])).status_code == 403
    assert (
        client.post(
            reverse("programs:commitment_set", args=[program.pk]),
            {"partner": world.firm_a.pk, "committed": "1"},
        ).status_code
        == 403
    )
    assert client.get(project_a.get_absolute_url()).status_code == 200
    assert client.get(reverse("programs:project_update", args=[project_a.pk])).status_code == 403
    advance = reverse("programs:project_advance", args=[project_a.pk])
    assert client.post(advance, {"to": "selected"}).status_code == 403
    kpi = reverse("programs:kpi_record", args=[project_a.pk])
    assert client.post(kpi, {"indicator": "oee", "baseline": "60"}).status_code == 403
    # Applying to a program of another agency is refused by the service, on the form.
    response = client.post(
        reverse("programs:project_create"), apply_form(program, world.plant_free, world.firm_a)
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Project.objects.count() == 1


def test_agency_adds_and_changes_a_commitment(world, winwin, browse):
    firm_c = PartnerFactory(name="새기업")
    client = browse(world.agency)
    url = reverse("programs:commitment_set", args=[winwin.pk])
    response = client.post(url, {"partner": firm_c.pk, "committed": "70000000"})
    assert response.status_code == 302
    assert PartnerCommitment.objects.get(program=winwin, partner=firm_c).committed == 70 * M
    client.post(url, {"partner": firm_c.pk, "committed": "80000000"})
    assert PartnerCommitment.objects.get(program=winwin, partner=firm_c).committed == 80 * M


def test_commitment_cannot_fall_below_what_projects_use(world, project_a, browse):
    url = reverse("programs:commitment_set", args=[project_a.program_id])
    response = browse(world.agency).post(url, {"partner": world.firm_a.pk, "committed": "1000"})
    assert response.status_code == 200
    errors = response.context["form"].errors["committed"]
    assert "₩30,000,000" in errors[0]
    assert PartnerCommitment.objects.get(partner=world.firm_a).committed == 100 * M


# --- projects: who sees what ---------------------------------------------------------------


def test_each_partner_sees_only_their_own_projects(world, project_a, project_b, browse):
    url = reverse("programs:project_list")
    assert listed(browse(world.partner_a).get(url)) == [project_a]
    assert listed(browse(world.partner_b).get(url)) == [project_b]
    assert set(listed(browse(world.official).get(url))) == {project_a, project_b}
    assert browse(world.partner_b).get(project_a.get_absolute_url()).status_code == 404
    assert browse(world.partner_a).get(project_b.get_absolute_url()).status_code == 404
    # Asking for another firm's projects by filter reveals nothing.
    assert listed(browse(world.partner_a).get(url, {"partner": world.firm_b.pk})) == [project_a]


def test_partner_reads_their_project_but_may_not_change_it(world, project_a, browse):
    client = browse(world.partner_a)
    response = client.get(project_a.get_absolute_url())
    assert response.status_code == 200
    assert response.context["can_manage"] is False
    assert "advance_steps" not in response.context
    assert client.get(reverse("programs:project_update", args=[project_a.pk])).status_code == 403
    advance = reverse("programs:project_advance", args=[project_a.pk])
    assert client.post(advance, {"to": "selected"}).status_code == 403
    assert client.get(reverse("programs:project_create")).status_code == 403


def test_partner_gets_404_on_writes_to_another_firms_project(world, project_a, browse):
    client = browse(world.partner_b)
    for name in ("project_update", "kpi_record"):
        assert client.get(reverse(f"programs:{name}", args=[project_a.pk])).status_code == 404
    advance = reverse("programs:project_advance", args=[project_a.pk])
    assert client.post(advance, {"to": "selected"}).status_code == 404


def test_consultant_sees_projects_of_plants_assigned_to_them(world, project_a, project_b, browse):
    from assessments import services as assessment_services
    from tests.assessments.conftest import seed_definition

    client = browse(world.consultant)
    assert listed(client.get(reverse("programs:project_list"))) == []
    assert client.get(project_a.get_absolute_url()).status_code == 404
    assessment_services.framework_load(data=seed_definition())
    assessment_services.assessment_open(
        plant=world.plant_a, consultant=world.consultant, user=world.agency
    )
    assert listed(client.get(reverse("programs:project_list"))) == [project_a]
    assert client.get(project_a.get_absolute_url()).status_code == 200
    assert client.get(project_b.get_absolute_url()).status_code == 404


def test_official_reads_everything_and_changes_nothing(world, project_a, browse):
    client = browse(world.official)
    response = client.get(project_a.get_absolute_url())
    assert response.status_code == 200
    assert "advance_steps" not in response.context
    assert client.get(reverse("programs:project_create")).status_code == 403
    advance = reverse("programs:project_advance", args=[project_a.pk])
    assert client.post(advance, {"to": "selected"}).status_code == 403
    kpi = reverse("programs:kpi_record", args=[project_a.pk])
    assert client.post(kpi, {"indicator": "oee", "baseline": "60"}).status_code == 403
    project_a.refresh_from_db()
    assert project_a.status == ProjectStatus.APPLIED
    assert not KPI.objects.exists()


def test_project_list_filters(world, project_a, project_b, browse):
    client = browse(world.agency)
    url = reverse("programs:project_list")
    assert listed(client.get(url, {"partner": world.firm_b.pk})) == [project_b]
    assert listed(client.get(url, {"status": "completed"})) == []
    assert listed(client.get(url, {"q": world.plant_a.name})) == [project_a]
    assert len(listed(client.get(url, {"program": project_a.program_id, "year": 2025}))) == 2


def test_project_detail_shows_shares_and_percentages(world, project_a, browse):
    html = browse(world.agency).get(project_a.get_absolute_url()).content.decode()
    assert "₩100,000,000" in html
    assert "30.0 %" in html and "40.0 %" in html
    assert "스마트솔루션(주)" in html
    assert "2025-03-02" in html


# --- applying --------------------------------------------------------------------------------


def test_agency_opens_the_apply_form_prefilled(world, winwin, browse):
    url = reverse("programs:project_create") + f"?program={winwin.pk}&plant={world.plant_a.pk}"
    response = browse(world.agency).get(url)
    assert response.status_code == 200
    form = response.context["form"]
    assert form["program"].value() == winwin.pk
    assert form["plant"].value() == world.plant_a.pk
    assert "partner ≥ 30 %" in response.content.decode()


def test_agency_applies_a_project(world, winwin, browse):
    response = browse(world.agency).post(
        reverse("programs:project_create"), apply_form(winwin, world.plant_free, world.firm_a)
    )
    project = Project.objects.get(plant=world.plant_free)
    assert response.status_code == 302
    assert response["Location"] == project.get_absolute_url()
    assert project.status == ProjectStatus.APPLIED
    # The partner now mentors the plant.
    assert Mentorship.objects.filter(partner=world.firm_a, plant=world.plant_free).exists()


def test_cost_share_breach_is_shown_on_the_field_and_nothing_is_written(world, winwin, browse):
    data = apply_form(
        winwin,
        world.plant_free,
        world.firm_a,
        government_share=40 * M,
        partner_share=30 * M,
        sme_share=30 * M,
    )
    response = browse(world.agency).post(reverse("programs:project_create"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors["government_share"]
    assert any("maximum of 30 %" in e and "by ₩10,000,000" in e for e in errors)
    assert any("Win-win" in e for e in errors)  # the rule's name
    html = response.content.decode()
    assert "field--error" in html and "by ₩10,000,000" in html
    assert not Project.objects.exists()


def test_government_cap_breach_names_the_cap(world, winwin, browse):
    data = apply_form(
        winwin,
        world.plant_free,
        world.firm_a,
        total_cost=150 * M,
        government_share=45 * M,
        partner_share=50 * M,
        sme_share=55 * M,
    )
    response = browse(world.agency).post(reverse("programs:project_create"), data)
    errors = response.context["form"].errors["government_share"]
    assert any("cap of ₩42,000,000" in e and "by ₩3,000,000" in e for e in errors)
    assert not Project.objects.exists()


def test_winwin_project_without_partner_is_refused(world, winwin, browse):
    data = apply_form(
        winwin, world.plant_free, None, partner_share=0, government_share=30 * M, sme_share=70 * M
    )
    response = browse(world.agency).post(reverse("programs:project_create"), data)
    assert response.status_code == 200
    assert "A win-win project needs a partner firm." in response.context["form"].errors["partner"]
    assert not Project.objects.exists()


def test_partner_over_remaining_funds_is_refused_with_the_amounts(world, winwin, browse):
    data = apply_form(
        winwin,
        world.plant_b,
        world.firm_b,
        total_cost=200 * M,
        government_share=40 * M,
        partner_share=80 * M,
        sme_share=80 * M,
    )
    response = browse(world.agency).post(reverse("programs:project_create"), data)
    errors = response.context["form"].errors["partner_share"]
    assert any(
        "₩50,000,000 left of its ₩50,000,000" in e and "₩30,000,000 more" in e for e in errors
    )
    assert not Project.objects.exists()


def test_overlapping_project_is_refused(world, project_a, browse):
    response = browse(world.agency).post(
        reverse("programs:project_create"),
        apply_form(project_a.program, world.plant_a, world.firm_a, applied_on="2025-03-10"),
    )
    assert response.status_code == 200
    assert any(
        "already has an active project" in e for e in response.context["form"].errors["plant"]
    )
    assert Project.objects.count() == 1


def test_agency_edits_an_applied_project(world, project_a, browse):
    client = browse(world.agency)
    url = reverse("programs:project_update", args=[project_a.pk])
    assert client.get(url).status_code == 200
    data = apply_form(
        project_a.program,
        project_a.plant,
        world.firm_a,
        supplier=project_a.supplier_id,
        title="MES + 설비 모니터링",
        total_cost=110 * M,
        government_share=33 * M,
        partner_share=33 * M,
        sme_share=44 * M,
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    project_a.refresh_from_db()
    assert (project_a.title, project_a.total_cost) == ("MES + 설비 모니터링", 110 * M)


# --- the pipeline ----------------------------------------------------------------------------


def test_full_pipeline_through_the_buttons(world, project_a, browse):
    client = browse(world.agency)
    url = reverse("programs:project_advance", args=[project_a.pk])
    steps = [
        ("selected", "2025-04-01"),
        ("agreed", "2025-04-15"),
        ("building", "2025-05-01"),
        ("completed", "2025-10-31"),
    ]
    detail = client.get(project_a.get_absolute_url())
    assert detail.context["advance_steps"] == [ProjectStatus.SELECTED]
    assert detail.context["can_drop"] is True
    for to, on in steps:
        response = client.post(url, {"to": to, "on": on})
        assert response.status_code == 302
    project_a.refresh_from_db()
    assert project_a.status == ProjectStatus.COMPLETED
    assert (
        project_a.selected_on,
        project_a.agreed_on,
        project_a.building_on,
        project_a.completed_on,
    ) == (D(2025, 4, 1), D(2025, 4, 15), D(2025, 5, 1), D(2025, 10, 31))
    response = client.get(project_a.get_absolute_url())
    assert response.context["advance_steps"] == []
    assert response.context["can_drop"] is False
    html = response.content.decode()
    for _, on in steps:
        assert on in html


def test_illegal_transition_is_refused_with_a_message(world, project_a, browse):
    client = browse(world.agency)
    url = reverse("programs:project_advance", args=[project_a.pk])
    response = client.post(url, {"to": "completed", "on": "2025-04-01"}, follow=True)
    project_a.refresh_from_db()
    assert project_a.status == ProjectStatus.APPLIED
    text = [str(m) for m in response.context["messages"]]
    assert any("cannot become Completed" in m and "Selected" in m for m in text)


def test_dropping_needs_a_reason(world, project_a, browse):
    client = browse(world.agency)
    url = reverse("programs:project_advance", args=[project_a.pk])
    response = client.post(url, {"to": "dropped", "on": "2025-04-01", "reason": "  "}, follow=True)
    project_a.refresh_from_db()
    assert project_a.status == ProjectStatus.APPLIED
    assert any("Say why" in str(m) for m in response.context["messages"])
    client.post(url, {"to": "dropped", "on": "2025-04-01", "reason": "자금 사정으로 포기"})
    project_a.refresh_from_db()
    assert project_a.status == ProjectStatus.DROPPED
    assert project_a.dropped_on == D(2025, 4, 1)
    html = client.get(project_a.get_absolute_url()).content.decode()
    assert "자금 사정으로 포기" in html


def test_step_date_before_the_previous_step_is_refused(world, project_a, browse):
    url = reverse("programs:project_advance", args=[project_a.pk])
    response = browse(world.agency).post(url, {"to": "selected", "on": "2025-01-01"}, follow=True)
    assert any("2025-03-02" in str(m) for m in response.context["messages"])
    project_a.refresh_from_db()
    assert project_a.status == ProjectStatus.APPLIED


# --- KPIs ------------------------------------------------------------------------------------


def test_falling_defect_rate_shows_a_positive_improvement(world, project_a, browse):
    complete(world, project_a)
    client = browse(world.agency)
    url = reverse("programs:kpi_record", args=[project_a.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "indicator": "defect_rate",
            "unit": "",
            "baseline": "200",
            "result": "100",
            "baseline_from": "2024-01-01",
            "baseline_to": "2024-12-31",
            "result_from": "2025-11-01",
            "result_to": "2026-10-31",
        },
    )
    assert response.status_code == 302
    kpi = KPI.objects.get(project=project_a)
    assert kpi.improvement_pct == Decimal("50.00")
    assert kpi.unit == "ppm"
    html = client.get(project_a.get_absolute_url()).content.decode()
    assert 'delta delta--better">+50.0 %' in html
    assert "+43.5 %" in html  # the national average beside it
    # Recording the indicator again corrects it.
    client.post(
        url, {"indicator": "defect_rate", "unit": "ppm", "baseline": "200", "result": "260"}
    )
    kpi.refresh_from_db()
    assert kpi.improvement_pct == Decimal("-30.00")
    assert KPI.objects.count() == 1
    assert "delta--worse" in client.get(project_a.get_absolute_url()).content.decode()


def test_kpi_result_before_building_is_refused_on_the_field(world, project_a, browse):
    url = reverse("programs:kpi_record", args=[project_a.pk])
    response = browse(world.agency).post(
        url, {"indicator": "oee", "unit": "%", "baseline": "60", "result": "70"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["result"]
    assert not KPI.objects.exists()


# --- CSV export ------------------------------------------------------------------------------


def test_csv_export_holds_only_the_partners_own_rows(world, project_a, project_b, browse):
    url = reverse("programs:project_list") + "?format=csv"
    text_a = csv_text(browse(world.partner_a).get(url))
    text_b = csv_text(browse(world.partner_b).get(url))
    assert text_a.startswith("\ufeff")
    assert world.plant_a.name in text_a and world.plant_b.name not in text_a
    assert world.plant_b.name in text_b and world.plant_a.name not in text_b
    assert "민국자동차" not in text_a and "대한전자" not in text_b


def test_csv_export_follows_the_filters(world, project_a, project_b, browse):
    response = browse(world.agency).get(
        reverse("programs:project_list"), {"partner": world.firm_b.pk, "format": "csv"}
    )
    assert response["Content-Type"].startswith("text/csv")
    lines = csv_text(response).strip().splitlines()
    assert len(lines) == 2
    assert world.plant_b.name in lines[1]


def test_csv_export_neutralises_formulas(world, winwin, browse):
    plant = PlantFactory(name="=cmd|' /C calc'!A0")
    services.project_apply(user=world.agency, data=project_data(winwin, plant, world.firm_a))
    text = csv_text(browse(world.agency).get(reverse("programs:project_list") + "?format=csv"))
    assert "'=cmd|' /C calc'!A0" in text
    assert ",=cmd" not in text


def test_project_list_links_to_the_export_of_the_same_filters(world, project_a, browse):
    response = browse(world.agency).get(reverse("programs:project_list"), {"status": "applied"})
    assert response.context["export_url"] == "?status=applied&format=csv"


# --- plant panel -----------------------------------------------------------------------------


def test_plant_page_lists_its_projects_with_an_enrol_button(world, project_a, browse):
    response = browse(world.agency).get(world.plant_a.get_absolute_url())
    html = response.content.decode()
    assert project_a.get_absolute_url() in html
    assert f"{reverse('programs:project_create')}?plant={world.plant_a.pk}" in html


def test_partner_sees_their_plants_projects_without_the_enrol_button(world, project_a, browse):
    html = browse(world.partner_a).get(world.plant_a.get_absolute_url()).content.decode()
    assert project_a.get_absolute_url() in html
    assert reverse("programs:project_create") not in html


def test_nav_offers_programs_and_projects_to_members(world, browse):
    for user in (world.agency, world.partner_a, world.official):
        items = browse(user).get(reverse("programs:program_list")).context["nav_items"]
        urls = [url for _, url in items]
        assert reverse("programs:program_list") in urls
        assert reverse("programs:project_list") in urls


# --- query counts ----------------------------------------------------------------------------


def _grow(world, winwin, n):
    """n more programs with two commitments each, and n more projects in the win-win one."""
    rule = CostShareRule.objects.get(code="winwin")
    for i in range(n):
        program = Program.objects.create(
            name_ko=f"추가 사업 {i}",
            name_en="Extra",
            year=2024,
            kind=ProgramKind.GENERAL,
            agency=world.agency_org,
            budget=M,
            applications_open=D(2024, 1, 1),
            applications_close=D(2024, 2, 1),
            cost_share_rule=rule,
        )
        PartnerCommitment.objects.create(program=program, partner=world.firm_a, committed=M)
        PartnerCommitment.objects.create(program=program, partner=world.firm_b, committed=M)
        Project.objects.create(
            **project_data(
                winwin,
                PlantFactory(),
                world.firm_a,
                partner_share=0,
                government_share=30 * M,
                sme_share=70 * M,
            ),
        )


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["agency", "partner_a"])
def test_list_query_counts_do_not_grow_with_rows(world, project_a, browse, who):
    client = browse(getattr(world, who))
    urls = [reverse("programs:program_list"), reverse("programs:project_list")]
    before = [_count(client, url) for url in urls]
    _grow(world, project_a.program, 6)
    after = [_count(client, url) for url in urls]
    assert after == before


def test_project_detail_query_count_does_not_grow_with_kpis(world, project_a, browse):
    complete(world, project_a)
    client = browse(world.agency)
    services.kpi_record(
        project=project_a,
        indicator="oee",
        user=world.agency,
        data={"baseline": Decimal(60), "result": Decimal(70)},
    )
    before = _count(client, project_a.get_absolute_url())
    for indicator in ("productivity", "defect_rate", "cost", "lead_time"):
        services.kpi_record(
            project=project_a,
            indicator=indicator,
            user=world.agency,
            data={"baseline": Decimal(100), "result": Decimal(90)},
        )
    assert _count(client, project_a.get_absolute_url()) == before
