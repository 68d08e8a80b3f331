"""The SME member on the whole site: lands on its data hub home, sees only its company in
every list, and may change nothing outside its own data (every edit page answers 403 or
404)."""

import pytest
from django.urls import reverse

from datahub.services import sources
from programs import services as program_services
from tests.assessments.conftest import confirmed, seed_definition
from tests.factories import OrganizationFactory, PlantFactory, Role, member
from tests.programs.conftest import complete, project_data, winwin_program

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(world):
    """A win-win program with a completed project at plant A and one at plant B, and a
    confirmed assessment of each plant."""
    from assessments import services as assessment_services

    program = winwin_program(world, [(world.firm_a, 100_000_000), (world.firm_b, 100_000_000)])
    supplier = OrganizationFactory(kind="supplier", name="공급사")
    project_a = program_services.project_apply(
        user=world.agency,
        data=project_data(program, world.plant_a, world.firm_a, supplier=supplier),
    )
    project_b = program_services.project_apply(
        user=world.agency,
        data=project_data(program, world.plant_b, world.firm_b, supplier=supplier),
    )
    complete(world, project_a)
    assessment_services.framework_load(data=seed_definition())
    assessments = []
    for plant in (world.plant_a, world.plant_b):
        opened = assessment_services.assessment_open(
            plant=plant, consultant=world.consultant, user=world.agency
        )
        assessments.append(confirmed(world, opened))
    return program, project_a, project_b, assessments


def test_sme_member_lands_on_its_data_hub_home_with_the_next_step(world, browse):
    sister = PlantFactory(company=world.plant_a.company, name="제2공장")
    source, _token = sources.source_create(user=world.sme, plant=sister, name="MES")
    response = browse(world.sme).get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("datahub:home")
    plants = response.context["plants"]
    assert {p.pk for p in plants} == {world.plant_a.pk, sister.pk}
    page = response.content.decode()
    assert reverse("datahub:source_create", args=[world.plant_a.pk]) in page
    assert "Register a source" in page
    assert [p.pk for p in response.context["needs_source"]] == [world.plant_a.pk]
    labels = [str(label) for label, _url in response.context["nav_items"]]
    assert "Data hub" in labels


@pytest.mark.parametrize("persona", ["agency", "partner_a", "official", "consultant"])
def test_other_roles_keep_their_home_and_have_no_data_hub_entry(world, browse, persona):
    client = browse(getattr(world, persona))
    response = client.get(reverse("home"), follow=True)
    assert all(url != reverse("datahub:home") for url, _status in response.redirect_chain)
    labels = [str(label) for label, _url in response.context["nav_items"]]
    assert "Data hub" not in labels
    assert client.get(reverse("datahub:home")).status_code == 403


def test_data_hub_home_bounds_its_queries(world, browse, django_assert_max_num_queries):
    for i in range(8):
        plant = PlantFactory(company=world.plant_a.company, name=f"공장 {i}")
        source, _token = sources.source_create(user=world.sme, plant=plant, name="MES")
        sources.series_create(user=world.sme, source=source, kpi="oee")
    client = browse(world.sme)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("datahub:home"))
    assert len(response.context["plants"]) == 9


def test_sme_member_sees_only_its_company_in_the_lists(world, browse, programme):
    program, project_a, project_b, assessments = programme
    client = browse(world.sme)
    plants = client.get(reverse("hub:plant_list")).context["object_list"]
    assert {p.pk for p in plants} == {world.plant_a.pk}
    organizations = client.get(reverse("hub:organization_list")).context["object_list"]
    assert world.plant_b.company not in organizations
    projects = client.get(reverse("programs:project_list")).context["object_list"]
    assert [p.pk for p in projects] == [project_a.pk]
    listed = client.get(reverse("assessments:assessment_list")).context["object_list"]
    assert [a.pk for a in listed] == [assessments[0].pk]


def test_sme_member_reads_its_own_pages(world, browse, programme):
    program, project_a, project_b, assessments = programme
    client = browse(world.sme)
    for url in (
        reverse("hub:plant_detail", args=[world.plant_a.pk]),
        reverse("hub:organization_detail", args=[world.plant_a.company.pk]),
        reverse("programs:project_detail", args=[project_a.pk]),
        reverse("assessments:assessment_detail", args=[assessments[0].pk]),
    ):
        assert client.get(url).status_code == 200, url


def test_sme_member_cannot_see_another_company(world, browse, programme):
    program, project_a, project_b, assessments = programme
    client = browse(world.sme)
    for url in (
        reverse("hub:plant_detail", args=[world.plant_b.pk]),
        reverse("hub:organization_detail", args=[world.plant_b.company.pk]),
        reverse("programs:project_detail", args=[project_b.pk]),
        reverse("assessments:assessment_detail", args=[assessments[1].pk]),
        reverse("datahub:plant", args=[world.plant_b.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_sme_member_changes_nothing_outside_its_data(world, browse, programme):
    from assessments import services as assessment_services

    program, project_a, project_b, assessments = programme
    draft = assessment_services.assessment_open(
        plant=world.plant_a, consultant=world.consultant, user=world.agency
    )
    client = browse(world.sme)
    company = world.plant_a.company
    for method, url in [
        ("get", reverse("hub:plant_create")),
        ("get", reverse("hub:plant_update", args=[world.plant_a.pk])),
        ("post", reverse("hub:plant_update", args=[world.plant_a.pk])),
        ("get", reverse("hub:organization_create")),
        ("get", reverse("hub:organization_update", args=[company.pk])),
        ("get", reverse("hub:mentorship_create")),
        ("get", reverse("hub:mentorship_update", args=[world.mentorship_a.pk])),
        ("get", reverse("hub:plant_import")),
        ("get", reverse("hub:organization_invite", args=[company.pk])),
        ("get", reverse("hub:sme_member_create", args=[company.pk])),
        ("get", reverse("programs:program_create")),
        ("get", reverse("programs:project_create")),
        ("get", reverse("programs:project_update", args=[project_a.pk])),
        ("post", reverse("programs:project_advance", args=[project_a.pk])),
        ("get", reverse("programs:kpi_record", args=[project_a.pk])),
        ("post", reverse("programs:kpi_record", args=[project_a.pk])),
        ("get", reverse("programs:kpi_import")),
        ("get", reverse("programs:project_import")),
        ("get", reverse("assessments:assessment_open", args=[world.plant_a.pk])),
        ("post", reverse("assessments:assessment_open", args=[world.plant_a.pk])),
        ("get", reverse("assessments:assessment_fill", args=[draft.pk])),
        ("post", reverse("assessments:assessment_submit", args=[draft.pk])),
        ("post", reverse("assessments:assessment_confirm", args=[draft.pk])),
        ("get", reverse("audit-list")),
    ]:
        response = getattr(client, method)(url)
        assert response.status_code in (403, 404), (method, url, response.status_code)


def test_another_companys_member_sees_none_of_plant_as_data(world, browse):
    other = member(Role.SME_MEMBER, world.plant_b.company, "sme_b")
    sources.source_create(user=world.sme, plant=world.plant_a, name="MES")
    response = browse(other).get(reverse("datahub:home"))
    assert [p.pk for p in response.context["plants"]] == [world.plant_b.pk]
