"""Program API /api/v1/programs|projects|kpis/: persona visibility (partners see only their own
firm's projects, KPIs and commitment), writes through the services with the 404 → 403 → 400
order, transitions, KPI sign conventions, filters and constant query counts."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from hub.choices import Industry, Region
from programs import services
from programs.choices import ProgramKind, ProjectStatus, TargetLevel
from programs.models import KPI, CostShareRule, PartnerCommitment, Program, Project
from tests.factories import AgencyFactory, PartnerFactory, PlantFactory, Role, member
from tests.programs.conftest import M, complete, project_data

pytestmark = pytest.mark.django_db


def api(user=None):
    """An API client reading English messages (the language cookie, as the switch sets)."""
    client = APIClient()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_authenticate(user)
    return client


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def body(**overrides):
    """A compliant basic win-win application body (₩100 m: 30 / 30 / 40)."""
    data = {
        "target_level": "basic",
        "total_cost": "100000000",
        "government_share": "30000000",
        "partner_share": "30000000",
        "sme_share": "40000000",
        "applied_on": "2025-03-02",
    }
    data.update(overrides)
    return data


@pytest.fixture
def two_projects(world, winwin, supplier, project_a):
    """project_a (plant_a, firm_a) and project_b (plant_b, firm_b), each with a KPI."""
    project_b = services.project_apply(
        user=world.agency,
        data=project_data(winwin, world.plant_b, world.firm_b, partner_share=30 * M),
    )
    for project in (project_a, project_b):
        services.kpi_record(
            project=project, indicator="productivity", user=world.agency, data={"baseline": 100}
        )
    return project_a, project_b


@pytest.fixture
def other_program(world):
    """A general program of another agency with no partner commitments."""
    return services.program_create(
        user=world.admin_user,
        data={
            "name_ko": "2024 일반형 지원",
            "name_en": "2024 general support",
            "year": 2024,
            "kind": ProgramKind.GENERAL,
            "agency": AgencyFactory(name="지역 테크노파크"),
            "budget": 1_000 * M,
            "applications_open": datetime.date(2024, 2, 1),
            "applications_close": datetime.date(2024, 3, 31),
            "cost_share_rule": CostShareRule.objects.get(code="general"),
        },
    )


# --- reading: who sees what ------------------------------------------------------------------


def test_anonymous_gets_401(world, two_projects):
    project_a, _ = two_projects
    for url in [
        "/api/v1/programs/",
        "/api/v1/projects/",
        f"/api/v1/projects/{project_a.pk}/",
        "/api/v1/kpis/",
    ]:
        assert api().get(url).status_code == 401


def test_each_partner_sees_only_their_own_projects_and_kpis(world, two_projects):
    project_a, project_b = two_projects
    assert ids(api(world.partner_a).get("/api/v1/projects/")) == {project_a.pk}
    assert ids(api(world.partner_b).get("/api/v1/projects/")) == {project_b.pk}
    kpis_a = api(world.partner_a).get("/api/v1/kpis/").json()
    assert kpis_a["count"] == 1
    assert kpis_a["results"][0]["project"] == project_a.pk
    kpis_b = api(world.partner_b).get("/api/v1/kpis/").json()
    assert [k["project"] for k in kpis_b["results"]] == [project_b.pk]


def test_partner_gets_404_for_another_firms_project_and_kpi(world, two_projects):
    _, project_b = two_projects
    client = api(world.partner_a)
    assert client.get(f"/api/v1/projects/{project_b.pk}/").status_code == 404
    kpi_b = project_b.kpis.get()
    assert client.get(f"/api/v1/kpis/{kpi_b.pk}/").status_code == 404
    # Filtering on the other firm does not reveal a count either.
    response = client.get("/api/v1/projects/", {"partner": world.firm_b.pk})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.json()["count"] == 0


def test_partner_sees_only_programs_it_commits_to_and_only_its_own_commitment(
    world, winwin, other_program, two_projects
):
    client = api(world.partner_a)
    assert ids(client.get("/api/v1/programs/")) == {winwin.pk}
    assert client.get(f"/api/v1/programs/{other_program.pk}/").status_code == 404
    program = client.get(f"/api/v1/programs/{winwin.pk}/").json()
    assert [c["partner"] for c in program["commitments"]] == [world.firm_a.pk]
    assert "민국자동차" not in str(program)


def test_agency_and_official_see_everything_with_commitment_sums(
    world, winwin, other_program, two_projects
):
    for persona in (world.agency, world.official):
        assert ids(api(persona).get("/api/v1/programs/")) == {winwin.pk, other_program.pk}
        assert ids(api(persona).get("/api/v1/projects/")) == {p.pk for p in two_projects}
    program = api(world.agency).get(f"/api/v1/programs/{winwin.pk}/").json()
    by_partner = {c["partner"]: c for c in program["commitments"]}
    assert by_partner[world.firm_a.pk] == {
        "partner": world.firm_a.pk,
        "partner_name": "대한전자",
        "committed": "100000000",
        "allocated": "30000000",
        "remaining": "70000000",
    }
    assert by_partner[world.firm_b.pk]["remaining"] == "20000000"


def test_dropped_project_frees_its_partner_share_in_the_commitment(world, winwin, project_a):
    services.project_advance(project=project_a, to="dropped", user=world.agency, reason="포기")
    program = api(world.agency).get(f"/api/v1/programs/{winwin.pk}/").json()
    firm_a = next(c for c in program["commitments"] if c["partner"] == world.firm_a.pk)
    assert (firm_a["allocated"], firm_a["remaining"]) == ("0", "100000000")


def test_outsider_and_consultant_see_nothing(world, two_projects):
    for persona in (world.outsider, world.consultant):
        client = api(persona)
        assert ids(client.get("/api/v1/projects/")) == set()
        assert ids(client.get("/api/v1/kpis/")) == set()
    assert ids(api(world.outsider).get("/api/v1/programs/")) == set()


# --- programs: writes ------------------------------------------------------------------------


def program_body(**overrides):
    data = {
        "name_ko": "2025 고도화 지원",
        "name_en": "2025 upgrade support",
        "year": 2025,
        "kind": "upgrade",
        "budget": "2000000000",
        "applications_open": "2025-01-01",
        "applications_close": "2025-02-28",
        "cost_share_rule": CostShareRule.objects.get(code="general").pk,
    }
    data.update(overrides)
    return data


def test_agency_creates_a_program_of_its_own_agency(world):
    response = api(world.agency).post("/api/v1/programs/", program_body(), format="json")
    assert response.status_code == 201, response.content
    program = Program.objects.get(pk=response.json()["id"])
    assert program.agency == world.agency_org
    assert response.json()["commitments"] == []


@pytest.mark.parametrize("persona", ["official", "partner_a", "consultant", "outsider"])
def test_only_agency_staff_create_programs(world, persona):
    response = api(getattr(world, persona)).post("/api/v1/programs/", program_body(), format="json")
    assert response.status_code == 403
    assert not Program.objects.exists()


def test_agency_cannot_create_a_program_for_another_agency(world):
    other = AgencyFactory()
    response = api(world.agency).post(
        "/api/v1/programs/", program_body(agency=other.pk), format="json"
    )
    assert response.status_code == 403


def test_program_window_closing_before_opening_is_400(world):
    response = api(world.agency).post(
        "/api/v1/programs/", program_body(applications_close="2024-12-01"), format="json"
    )
    assert response.status_code == 400
    assert "applications_close" in response.json()


def test_staff_of_another_agency_cannot_change_the_program(world, winwin):
    stranger = member(Role.AGENCY_STAFF, AgencyFactory(), "other_agency")
    client = api(stranger)
    url = f"/api/v1/programs/{winwin.pk}/"
    assert client.patch(url, {"budget": "1"}, format="json").status_code == 403
    # 403 before 400: an invalid body does not reveal validation details.
    assert client.patch(url, {"year": "nope"}, format="json").status_code == 403
    assert api(world.official).patch(url, {"budget": "1"}, format="json").status_code == 403
    winwin.refresh_from_db()
    assert winwin.budget == 5_000 * M


def test_operating_agency_updates_program(world, winwin):
    response = api(world.agency).patch(
        f"/api/v1/programs/{winwin.pk}/", {"budget": "6000000000"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["budget"] == "6000000000"


def test_commitments_action_adds_and_changes_a_partner(world, winwin, project_a):
    firm_c = PartnerFactory(name="통일중공업")
    url = f"/api/v1/programs/{winwin.pk}/commitments/"
    client = api(world.agency)
    response = client.post(url, {"partner": firm_c.pk, "committed": "80000000"}, format="json")
    assert response.status_code == 200, response.content
    assert PartnerCommitment.objects.get(program=winwin, partner=firm_c).committed == 80 * M
    # firm_a's project uses ₩30 m: the commitment cannot drop below.
    response = client.post(
        url, {"partner": world.firm_a.pk, "committed": "20000000"}, format="json"
    )
    assert response.status_code == 400
    assert "₩30,000,000" in response.json()["committed"][0]
    stranger = member(Role.AGENCY_STAFF, AgencyFactory(), "other_agency")
    response = api(stranger).post(url, {"partner": firm_c.pk, "committed": "1"}, format="json")
    assert response.status_code == 403
    response = api(world.partner_a).post(url, {"partner": firm_c.pk, "committed": "1"})
    assert response.status_code == 403


# --- projects: apply, update, advance --------------------------------------------------------


def test_agency_applies_a_project_and_mentorship_follows(world, winwin, supplier):
    plant = world.plant_free
    response = api(world.agency).post(
        "/api/v1/projects/",
        body(program=winwin.pk, plant=plant.pk, partner=world.firm_a.pk, supplier=supplier.pk),
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "applied"
    assert data["partner_name"] == "대한전자"
    assert plant.mentorships.filter(partner=world.firm_a).exists()
    # The new project is now visible to firm_a's member, not to firm_b's.
    assert api(world.partner_a).get(f"/api/v1/projects/{data['id']}/").status_code == 200
    assert api(world.partner_b).get(f"/api/v1/projects/{data['id']}/").status_code == 404


def test_apply_breaching_the_government_cap_is_400_naming_rule_and_amount(world, winwin):
    response = api(world.agency).post(
        "/api/v1/projects/",
        body(
            program=winwin.pk,
            plant=world.plant_a.pk,
            partner=world.firm_a.pk,
            total_cost="200000000",
            government_share="60000000",
            partner_share="60000000",
            sme_share="80000000",
        ),
        format="json",
    )
    assert response.status_code == 400
    message = " ".join(response.json()["government_share"])
    assert "₩42,000,000" in message  # the basic-level cap
    assert "₩18,000,000" in message  # by how much
    assert not Project.objects.exists()


def test_apply_beyond_partner_funds_is_400_with_remaining_amount(world, winwin, project_a):
    # firm_b committed ₩50 m; a ₩60 m partner share needs ₩10 m more.
    response = api(world.agency).post(
        "/api/v1/projects/",
        body(
            program=winwin.pk,
            plant=world.plant_b.pk,
            partner=world.firm_b.pk,
            total_cost="200000000",
            government_share="40000000",
            partner_share="80000000",
            sme_share="80000000",
        ),
        format="json",
    )
    assert response.status_code == 400
    message = " ".join(response.json()["partner_share"])
    assert "₩50,000,000" in message and "₩30,000,000" in message


def test_winwin_project_without_partner_is_400(world, winwin):
    response = api(world.agency).post(
        "/api/v1/projects/", body(program=winwin.pk, plant=world.plant_a.pk), format="json"
    )
    assert response.status_code == 400
    assert "partner" in response.json()


def test_overlapping_project_is_400(world, winwin, project_a):
    response = api(world.agency).post(
        "/api/v1/projects/",
        body(
            program=winwin.pk,
            plant=world.plant_a.pk,
            partner=world.firm_a.pk,
            applied_on="2025-03-10",
        ),
        format="json",
    )
    assert response.status_code == 400
    assert "plant" in response.json()


@pytest.mark.parametrize("persona", ["official", "partner_a", "consultant", "outsider"])
def test_only_agency_staff_apply(world, winwin, persona):
    response = api(getattr(world, persona)).post(
        "/api/v1/projects/",
        body(program=winwin.pk, plant=world.plant_a.pk, partner=world.firm_a.pk),
        format="json",
    )
    assert response.status_code == 403


def test_staff_of_another_agency_cannot_apply_or_change_projects(world, winwin, project_a):
    stranger = member(Role.AGENCY_STAFF, AgencyFactory(), "other_agency")
    client = api(stranger)
    response = client.post(
        "/api/v1/projects/",
        body(program=winwin.pk, plant=world.plant_b.pk, partner=world.firm_b.pk),
        format="json",
    )
    assert response.status_code == 403
    url = f"/api/v1/projects/{project_a.pk}/"
    assert client.patch(url, {"title": "x"}, format="json").status_code == 403
    assert client.post(url + "advance/", {"to": "selected"}).status_code == 403


def test_partner_gets_403_on_own_project_and_404_on_anothers(world, two_projects):
    project_a, project_b = two_projects
    client = api(world.partner_a)
    assert client.patch(f"/api/v1/projects/{project_a.pk}/", {"title": "x"}).status_code == 403
    assert client.patch(f"/api/v1/projects/{project_b.pk}/", {"title": "x"}).status_code == 404
    response = client.post(f"/api/v1/projects/{project_b.pk}/advance/", {"to": "selected"})
    assert response.status_code == 404


def test_patch_changes_shares_until_agreed_then_they_are_frozen(world, project_a):
    client = api(world.agency)
    url = f"/api/v1/projects/{project_a.pk}/"
    response = client.patch(
        url,
        {"government_share": "25000000", "partner_share": "35000000", "title": "MES 구축"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["government_share"] == "25000000"
    assert response.json()["revision"] == 1
    # A breach of the rule is refused with the rule named.
    response = client.patch(
        url,
        {"sme_share": "50000000", "government_share": "20000000", "partner_share": "30000000"},
        format="json",
    )
    assert response.status_code == 400
    assert "sme_share" in response.json()
    for to in ("selected", "agreed"):
        assert client.post(url + "advance/", {"to": to, "on": "2025-03-20"}).status_code == 200
    response = client.patch(url, {"total_cost": "90000000"}, format="json")
    assert response.status_code == 400
    assert "total_cost" in response.json()
    # Status is not writable through PATCH.
    client.patch(url, {"status": "completed"}, format="json")
    project_a.refresh_from_db()
    assert project_a.status == ProjectStatus.AGREED


def test_no_delete(world, project_a):
    response = api(world.agency).delete(f"/api/v1/projects/{project_a.pk}/")
    assert response.status_code == 405
    assert Project.objects.filter(pk=project_a.pk).exists()


def test_advance_through_the_pipeline_with_dates(world, project_a):
    client = api(world.agency)
    url = f"/api/v1/projects/{project_a.pk}/advance/"
    steps = [
        ("selected", "2025-03-09"),
        ("agreed", "2025-03-16"),
        ("building", "2025-03-23"),
        ("completed", "2025-09-30"),
    ]
    for to, on in steps:
        response = client.post(url, {"to": to, "on": on}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["status"] == to
        assert response.json()[f"{to}_on" if to != "building" else "building_on"] == on
    response = client.post(url, {"to": "dropped", "reason": "x"}, format="json")
    assert response.status_code == 400
    assert "status" in response.json()


def test_illegal_transitions_are_400_naming_the_allowed_ones(world, project_a):
    client = api(world.agency)
    url = f"/api/v1/projects/{project_a.pk}/advance/"
    response = client.post(url, {"to": "completed"}, format="json")
    assert response.status_code == 400
    assert "Selected" in response.json()["status"][0]
    response = client.post(url, {"to": "not-a-status"}, format="json")
    assert response.status_code == 400
    assert "to" in response.json()
    response = client.post(url, {"to": "dropped"}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
    response = client.post(url, {"to": "selected", "on": "2025-03-01"}, format="json")
    assert response.status_code == 400  # before the application date
    assert "on" in response.json()
    response = client.post(url, {"to": "dropped", "reason": "자금 사정"}, format="json")
    assert response.status_code == 200
    assert response.json()["drop_reason"] == "자금 사정"


def test_agreement_needs_a_supplier(world, winwin):
    project = services.project_apply(
        user=world.agency, data=project_data(winwin, world.plant_a, world.firm_a)
    )
    client = api(world.agency)
    url = f"/api/v1/projects/{project.pk}/advance/"
    assert client.post(url, {"to": "selected", "on": "2025-03-05"}).status_code == 200
    response = client.post(url, {"to": "agreed", "on": "2025-03-06"})
    assert response.status_code == 400
    assert "supplier" in response.json()


# --- KPIs ------------------------------------------------------------------------------------


def test_kpi_sign_conventions_through_the_api(world, project_a):
    complete(world, project_a)
    client = api(world.agency)
    response = client.post(
        "/api/v1/kpis/",
        {"project": project_a.pk, "indicator": "defect_rate", "baseline": "200", "result": "100"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["improvement_pct"] == "50.00"
    assert response.json()["unit"] == "ppm"  # the indicator's default unit
    assert response.json()["higher_is_better"] is False
    response = client.post(
        "/api/v1/kpis/",
        {
            "project": project_a.pk,
            "indicator": "productivity",
            "baseline": 100,
            "result": 130,
            "unit": "개/시간",
            "baseline_from": "2024-01-01",
            "baseline_to": "2024-12-31",
            "result_from": "2025-10-01",
            "result_to": "2025-12-31",
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["improvement_pct"] == "30.00"
    assert response.json()["unit"] == "개/시간"


def test_kpi_post_upserts_by_project_and_indicator(world, project_a):
    complete(world, project_a)
    client = api(world.agency)
    payload = {"project": project_a.pk, "indicator": "cost", "baseline": "1000"}
    assert client.post("/api/v1/kpis/", payload, format="json").status_code == 201
    payload["result"] = "841"
    response = client.post("/api/v1/kpis/", payload, format="json")
    assert response.status_code == 200
    assert response.json()["improvement_pct"] == "15.90"
    assert KPI.objects.filter(project=project_a).count() == 1
    # improvement_pct is read-only; PATCH corrects one KPI.
    kpi_id = response.json()["id"]
    response = client.patch(
        f"/api/v1/kpis/{kpi_id}/", {"result": "900", "improvement_pct": "99"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["improvement_pct"] == "10.00"


def test_kpi_result_before_building_is_400(world, project_a):
    response = api(world.agency).post(
        "/api/v1/kpis/",
        {"project": project_a.pk, "indicator": "oee", "baseline": "60", "result": "70"},
        format="json",
    )
    assert response.status_code == 400
    assert "result" in response.json()


def test_kpi_writes_need_the_operating_agency(world, project_a):
    payload = {"project": project_a.pk, "indicator": "oee", "baseline": "60"}
    stranger = member(Role.AGENCY_STAFF, AgencyFactory(), "other_agency")
    assert api(stranger).post("/api/v1/kpis/", payload, format="json").status_code == 403
    assert api(world.official).post("/api/v1/kpis/", payload, format="json").status_code == 403
    assert api(world.partner_a).post("/api/v1/kpis/", payload, format="json").status_code == 403
    assert not KPI.objects.exists()


# --- filters ---------------------------------------------------------------------------------


def test_project_filters(world, winwin, other_program, supplier):
    seoul_food = PlantFactory(region=Region.SEOUL, industry=Industry.FOOD)
    a = services.project_apply(
        user=world.agency, data=project_data(winwin, world.plant_a, world.firm_a)
    )
    b = services.project_apply(
        user=world.agency,
        data=project_data(
            winwin,
            seoul_food,
            world.firm_b,
            target_level=TargetLevel.ADVANCED1,
            supplier=supplier,
        ),
    )
    services.project_advance(
        project=b, to="selected", user=world.agency, on=datetime.date(2025, 3, 9)
    )
    c = services.project_apply(
        user=world.admin_user,
        data=project_data(
            other_program,
            world.plant_free,
            None,
            total_cost=100 * M,
            government_share=50 * M,
            partner_share=0,
            sme_share=50 * M,
            applied_on=datetime.date(2024, 3, 2),
        ),
    )
    client = api(world.agency)

    def get(**params):
        return ids(client.get("/api/v1/projects/", params))

    assert get() == {a.pk, b.pk, c.pk}
    assert get(program=winwin.pk) == {a.pk, b.pk}
    assert get(year=2024) == {c.pk}
    assert get(status="selected") == {b.pk}
    assert get(partner=world.firm_a.pk) == {a.pk}
    assert get(region=Region.SEOUL) == {b.pk}
    assert get(industry=Industry.FOOD) == {b.pk}
    assert get(target_level="advanced1") == {b.pk}
    assert ids(client.get("/api/v1/programs/", {"year": 2024})) == {other_program.pk}
    assert ids(client.get("/api/v1/programs/", {"partner": world.firm_b.pk})) == {winwin.pk}


def test_kpi_filters(world, two_projects):
    project_a, project_b = two_projects
    client = api(world.agency)
    rows = client.get("/api/v1/kpis/", {"project": project_b.pk}).json()["results"]
    assert [r["project"] for r in rows] == [project_b.pk]
    assert client.get("/api/v1/kpis/", {"indicator": "cost"}).json()["count"] == 0
    assert client.get("/api/v1/kpis/", {"partner": world.firm_a.pk}).json()["count"] == 1


# --- query counts ----------------------------------------------------------------------------


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", ["agency", "partner_a"])
def test_list_query_counts_do_not_grow(world, winwin, persona):
    client = api(getattr(world, persona))
    urls = ["/api/v1/programs/", "/api/v1/projects/", "/api/v1/kpis/"]
    small = None
    for _ in range(6):
        plant = PlantFactory()
        project = services.project_apply(
            user=world.agency,
            data=project_data(
                winwin,
                plant,
                world.firm_a,
                total_cost=10 * M,
                government_share=3 * M,
                partner_share=3 * M,
                sme_share=4 * M,
            ),
        )
        services.kpi_record(
            project=project, indicator="oee", user=world.agency, data={"baseline": 60}
        )
        partner = PartnerFactory()
        services.commitment_set(
            program=winwin, partner=partner, committed=10 * M, user=world.agency
        )
        if small is None:  # one of each first (after a warm-up call), then five more
            small = {url: (_count(client, url), _count(client, url))[1] for url in urls}
    for url in urls:
        assert _count(client, url) == small[url], url
    assert api(getattr(world, persona)).get("/api/v1/kpis/").json()["count"] == 6
