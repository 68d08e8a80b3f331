"""What each role sees of programs, partner commitments, projects and KPIs: the querysets'
`visible_to` rules, and the pages and API that apply them (a partner firm never sees another
firm's commitment, project or KPI)."""

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from assessments import services as assessment_services
from programs import services
from programs.models import KPI, PartnerCommitment, Program, Project
from tests.assessments.conftest import framework  # noqa: F401
from tests.programs.conftest import M, project_data, winwin_program

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_authenticate(user)
    return client


@pytest.fixture
def only_b(world):
    """A program that only firm_b commits to."""
    return winwin_program(
        world, [(world.firm_b, 10 * M)], name_ko="2025 B사 전용", name_en="2025 firm B only"
    )


@pytest.fixture
def projects(world, winwin, supplier):
    """A project of each firm in `winwin`, each with one KPI."""
    made = []
    for plant, firm in ((world.plant_a, world.firm_a), (world.plant_b, world.firm_b)):
        project = services.project_apply(
            user=world.agency, data=project_data(winwin, plant, firm, supplier=supplier)
        )
        services.kpi_record(
            project=project, indicator="productivity", user=world.agency, data={"baseline": 100}
        )
        made.append(project)
    return made


def firms(queryset) -> set[str]:
    return {c.partner.name_en for c in queryset}


# --- partner commitments ---------------------------------------------------------------------


def test_partner_commitment_rule_by_role(world, winwin):
    both = {"Daehan Electronics", "Minguk Motors"}
    visible = PartnerCommitment.objects.select_related("partner").visible_to
    assert firms(visible(world.partner_a)) == {"Daehan Electronics"}
    assert firms(visible(world.partner_b)) == {"Minguk Motors"}
    for reader in (world.agency, world.official, world.admin_user, world.consultant):
        assert firms(visible(reader)) == both
    assert firms(visible(world.outsider)) == set()


def test_partner_cannot_see_other_firms_commitment(world, winwin, browse):
    page = browse(world.partner_a).get(reverse("programs:program_detail", args=[winwin.pk]))
    assert page.status_code == 200
    assert "대한전자" in page.content.decode()
    assert "민국자동차" not in page.content.decode()
    listing = browse(world.partner_a).get(reverse("programs:program_list")).content.decode()
    assert "민국자동차" not in listing
    program = api(world.partner_a).get(f"/api/v1/programs/{winwin.pk}/").json()
    assert [c["partner"] for c in program["commitments"]] == [world.firm_a.pk]


def test_agency_sees_every_firms_commitment_on_the_program_page(world, winwin, browse):
    page = browse(world.agency).get(reverse("programs:program_detail", args=[winwin.pk]))
    assert "대한전자" in page.content.decode() and "민국자동차" in page.content.decode()


def test_partner_ledger_counts_only_their_own_commitment(world, winwin, browse):
    page = browse(world.partner_a).get(reverse("programs:ledger")).content.decode()
    assert "대한전자" in page and "민국자동차" not in page


# --- programs --------------------------------------------------------------------------------


def test_program_rule_by_role(world, winwin, only_b):
    visible = Program.objects.visible_to
    assert set(visible(world.partner_a)) == {winwin}
    assert set(visible(world.partner_b)) == {winwin, only_b}
    # Programs are public information for every other member.
    for reader in (world.agency, world.official, world.admin_user, world.consultant):
        assert set(visible(reader)) == {winwin, only_b}
    assert not visible(world.outsider).exists()


def test_partner_gets_404_on_a_program_their_firm_does_not_commit_to(world, only_b, browse):
    url = reverse("programs:program_detail", args=[only_b.pk])
    assert browse(world.partner_a).get(url).status_code == 404
    assert browse(world.partner_b).get(url).status_code == 200
    assert api(world.partner_a).get(f"/api/v1/programs/{only_b.pk}/").status_code == 404


def test_a_program_with_two_commitments_is_listed_once(world, winwin):
    # Two firms commit to it; a partner's list must not repeat it (no join fan-out).
    assert list(Program.objects.visible_to(world.partner_a)) == [winwin]
    assert api(world.partner_a).get("/api/v1/programs/").json()["count"] == 1


# --- projects and KPIs -----------------------------------------------------------------------


def test_project_and_kpi_rules_by_role(world, projects, framework):  # noqa: F811
    project_a, project_b = projects
    visible_projects = Project.objects.visible_to
    visible_kpis = KPI.objects.visible_to
    assert set(visible_projects(world.partner_a)) == {project_a}
    assert set(visible_kpis(world.partner_a)) == set(project_a.kpis.all())
    for reader in (world.agency, world.official, world.admin_user):
        assert set(visible_projects(reader)) == {project_a, project_b}
        assert visible_kpis(reader).count() == 2
    assert not visible_projects(world.outsider).exists()
    assert not visible_kpis(world.outsider).exists()
    # A consultant sees the projects (and KPIs) of the plants assigned to them.
    assert not visible_projects(world.consultant).exists()
    assessment_services.assessment_open(
        plant=world.plant_b, consultant=world.consultant, user=world.agency
    )
    assert set(visible_projects(world.consultant)) == {project_b}
    assert set(visible_kpis(world.consultant)) == set(project_b.kpis.all())


def test_partner_cannot_see_other_firms_project_or_kpi(world, projects, browse):
    _, project_b = projects
    kpi_b = project_b.kpis.get()
    assert browse(world.partner_a).get(project_b.get_absolute_url()).status_code == 404
    assert api(world.partner_a).get(f"/api/v1/projects/{project_b.pk}/").status_code == 404
    assert api(world.partner_a).get(f"/api/v1/kpis/{kpi_b.pk}/").status_code == 404
    assert browse(world.partner_b).get(project_b.get_absolute_url()).status_code == 200


# --- ledger and portfolio: no ledger is invisible -------------------------------------------


@pytest.mark.parametrize("persona", ["consultant", "outsider"])
def test_who_has_no_ledger_or_portfolio_gets_404(world, winwin, browse, persona):
    client = browse(getattr(world, persona))
    assert client.get(reverse("programs:ledger")).status_code == 404
    assert client.get(reverse("programs:portfolio")).status_code == 404


def test_unknown_partner_firm_portfolio_is_404(world, winwin, browse):
    url = reverse("programs:portfolio") + f"?partner={world.agency_org.pk}"
    assert browse(world.agency).get(url).status_code == 404
