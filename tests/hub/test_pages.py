"""The server-rendered registry pages, persona by persona (DESIGN.md §4).

Pages are fetched in English (the language cookie the switch sets) wherever a test reads page
text; the Korean default has its own tests in test_i18n.py.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hub.choices import AuditAction, Industry, OrganizationKind, Region, SizeClass
from hub.models import AuditEntry, Mentorship, Organization, Plant
from tests.factories import CompanyFactory, MentorshipFactory, PartnerFactory, PlantFactory

# (url name, attribute of `world` holding the object, or None for pages without one)
LIST_PAGES = ["hub:plant_list", "hub:organization_list", "hub:mentorship_list"]
DETAIL_PAGES = [
    ("hub:plant_detail", "plant_a"),
    ("hub:organization_detail", "firm_a"),
    ("hub:mentorship_detail", "mentorship_a"),
]
CREATE_PAGES = ["hub:plant_create", "hub:organization_create", "hub:mentorship_create"]
EDIT_PAGES = [
    ("hub:plant_update", "plant_a"),
    ("hub:organization_update", "firm_a"),
    ("hub:mentorship_update", "mentorship_a"),
]
ALL_PAGES = (
    [("home", None)]
    + [(name, None) for name in LIST_PAGES]
    + DETAIL_PAGES
    + [(name, None) for name in CREATE_PAGES]
    + EDIT_PAGES
)


def page_url(world, name, attr=None):
    return reverse(name, args=[getattr(world, attr).pk] if attr else [])


def listed(response) -> list:
    return list(response.context["object_list"])


def plant_data(plant, **changes) -> dict:
    data = {
        "company": plant.company_id,
        "name": plant.name,
        "region": plant.region,
        "address": plant.address,
        "industry": plant.industry,
        "employees": plant.employees if plant.employees is not None else "",
        "factory_registration_number": plant.factory_registration_number,
        "status": plant.status,
    }
    data.update(changes)
    return data


def sme_data(**changes) -> dict:
    data = {
        "kind": OrganizationKind.SME,
        "name": "(주)새별기계",
        "name_en": "Saebyeol Machinery",
        "business_number": "124-81-00998",
        "size_class": SizeClass.SMALL,
        "employees": "48",
        "revenue_million_krw": "5300",
        "region": Region.GYEONGNAM,
        "address": "경상남도 창원시 성산구 공단로 100",
        "is_active": "on",
    }
    data.update(changes)
    return data


# --- Anonymous visitors --------------------------------------------------------------------


@pytest.mark.parametrize(("name", "attr"), ALL_PAGES)
def test_anonymous_visitor_is_sent_to_login(world, client_for, name, attr):
    url = page_url(world, name, attr)
    response = client_for(None).get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_anonymous_post_to_create_page_changes_nothing(world, client_for):
    response = client_for(None).post(reverse("hub:organization_create"), sme_data())
    assert response.status_code == 302
    assert not Organization.objects.filter(name="(주)새별기계").exists()


def test_login_page_shows_a_form_with_csrf(world, browse):
    response = browse(None).get(reverse("login"))
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content
    assert b'for="id_username"' in response.content
    assert b'for="id_password"' in response.content


def test_login_then_lands_on_home(world, client_for):
    client = client_for(None)
    response = client.post(
        reverse("login"), {"username": "agency", "password": "pw-for-tests-1"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert response.context["user"] == world.agency


def test_logout_is_a_post_form(world, browse):
    response = browse(world.agency).get(reverse("home"))
    assert f'action="{reverse("logout")}" method="post"'.encode() in response.content
    assert browse(world.agency).post(reverse("logout")).status_code == 302


# --- Outsider: logged in without membership ---------------------------------------------------


def test_outsider_home_says_plainly_there_is_no_membership(world, browse):
    response = browse(world.outsider).get(reverse("home"))
    assert response.status_code == 200
    assert "not a member of any organisation" in response.content.decode()
    assert response.context["plant_count"] == 0
    assert response.context["organization_count"] == 0
    assert response.context["mentorship_count"] == 0


@pytest.mark.parametrize("name", LIST_PAGES)
def test_outsider_sees_empty_lists(world, browse, name):
    response = browse(world.outsider).get(reverse(name))
    assert response.status_code == 200
    assert listed(response) == []
    assert response.context["paginator"].count == 0


@pytest.mark.parametrize(("name", "attr"), DETAIL_PAGES)
def test_outsider_gets_404_on_every_detail_page(world, browse, name, attr):
    assert browse(world.outsider).get(page_url(world, name, attr)).status_code == 404


@pytest.mark.parametrize("name", CREATE_PAGES)
def test_outsider_is_refused_the_create_pages(world, browse, name):
    assert browse(world.outsider).get(reverse(name)).status_code == 403


@pytest.mark.parametrize(("name", "attr"), EDIT_PAGES)
def test_outsider_gets_404_on_edit_pages(world, browse, name, attr):
    assert browse(world.outsider).get(page_url(world, name, attr)).status_code == 404


# --- Partner members ---------------------------------------------------------------------------


def test_partner_sees_the_plant_their_firm_mentors(world, browse):
    response = browse(world.partner_a).get(page_url(world, "hub:plant_detail", "plant_a"))
    assert response.status_code == 200
    assert world.plant_a.name in response.content.decode()
    assert list(response.context["mentorships"]) == [world.mentorship_a]


@pytest.mark.parametrize("attr", ["plant_b", "plant_free"])
def test_partner_cannot_see_unmentored_plant(world, browse, attr):
    response = browse(world.partner_a).get(page_url(world, "hub:plant_detail", attr))
    assert response.status_code == 404
    assert getattr(world, attr).name not in response.content.decode()


def test_partner_cannot_see_another_firms_page(world, browse):
    assert (
        browse(world.partner_a)
        .get(page_url(world, "hub:organization_detail", "firm_b"))
        .status_code
        == 404
    )


def test_partner_cannot_see_another_firms_mentorship(world, browse):
    url = page_url(world, "hub:mentorship_detail", "mentorship_b")
    assert browse(world.partner_a).get(url).status_code == 404


def test_partner_sees_their_own_firm_and_mentored_company(world, browse):
    client = browse(world.partner_a)
    assert client.get(page_url(world, "hub:organization_detail", "firm_a")).status_code == 200
    company_url = reverse("hub:organization_detail", args=[world.plant_a.company_id])
    assert client.get(company_url).status_code == 200


def test_partner_lists_show_only_their_own(world, browse):
    client = browse(world.partner_a)
    assert listed(client.get(reverse("hub:plant_list"))) == [world.plant_a]
    assert set(listed(client.get(reverse("hub:organization_list")))) == {
        world.firm_a,
        world.plant_a.company,
    }
    assert listed(client.get(reverse("hub:mentorship_list"))) == [world.mentorship_a]


def test_partner_filter_offers_only_their_own_firm(world, browse):
    response = browse(world.partner_a).get(reverse("hub:plant_list"))
    choices = list(response.context["filterset"].form.fields["partner"].queryset)
    assert choices == [world.firm_a]
    assert world.firm_b.name not in response.content.decode()


def test_partner_filtering_by_another_firm_reveals_nothing(world, browse):
    response = browse(world.partner_a).get(f"{reverse('hub:plant_list')}?partner={world.firm_b.pk}")
    assert response.status_code == 200
    assert listed(response) == [world.plant_a]
    assert "partner" in response.context["filterset"].form.errors


def test_partner_home_leads_to_their_portfolio_of_mentored_plants_only(world, browse):
    response = browse(world.partner_a).get(reverse("home"))
    assert response.status_code == 200
    portfolio = reverse("programs:portfolio")
    assert f'href="{portfolio}"' in response.content.decode()
    content = browse(world.partner_a).get(portfolio).content.decode()
    assert world.plant_a.name in content and world.firm_a.name in content
    assert world.plant_b.name not in content and world.firm_b.name not in content


def test_consultant_home_counts_only_what_they_see(world, browse):
    response = browse(world.consultant).get(reverse("home"))
    assert response.context["plant_count"] == 0
    assert response.context["organization_count"] == 1
    assert "Consultant" in response.content.decode()


def test_partner_sees_no_register_or_edit_buttons(world, browse):
    client = browse(world.partner_a)
    list_page = client.get(reverse("hub:plant_list")).content.decode()
    assert reverse("hub:plant_create") not in list_page
    detail = client.get(page_url(world, "hub:plant_detail", "plant_a")).content.decode()
    assert reverse("hub:plant_update", args=[world.plant_a.pk]) not in detail


@pytest.mark.parametrize("attr", ["plant_b", "plant_free"])
def test_partner_gets_404_on_edit_page_of_invisible_plant(world, browse, attr):
    url = page_url(world, "hub:plant_update", attr)
    assert browse(world.partner_a).get(url).status_code == 404
    assert browse(world.partner_a).post(url, plant_data(getattr(world, attr))).status_code == 404


@pytest.mark.parametrize(("name", "attr"), EDIT_PAGES)
def test_partner_gets_403_on_edit_pages_of_what_they_see(world, browse, name, attr):
    assert browse(world.partner_a).get(page_url(world, name, attr)).status_code == 403


def test_partner_cannot_change_a_visible_plant_by_posting(world, browse):
    url = page_url(world, "hub:plant_update", "plant_a")
    response = browse(world.partner_a).post(url, plant_data(world.plant_a, name="바뀐 이름"))
    assert response.status_code == 403
    world.plant_a.refresh_from_db()
    assert world.plant_a.name == "A사 멘토링 공장"
    assert not AuditEntry.objects.exists()


def test_partner_does_not_see_the_audit_trail(world, browse):
    response = browse(world.partner_a).get(page_url(world, "hub:plant_detail", "plant_a"))
    assert "audit_entries" not in response.context
    assert "Change history" not in response.content.decode()


# --- Consultant --------------------------------------------------------------------------------


def test_consultant_sees_no_plant_before_any_assessment(world, browse):
    client = browse(world.consultant)
    assert listed(client.get(reverse("hub:plant_list"))) == []
    assert listed(client.get(reverse("hub:mentorship_list"))) == []
    assert client.get(page_url(world, "hub:plant_detail", "plant_a")).status_code == 404


def test_consultant_sees_only_their_own_consultancy(world, browse):
    response = browse(world.consultant).get(reverse("hub:organization_list"))
    own = world.consultant.membership.organization
    assert listed(response) == [own]


# --- Official: everything, read-only -------------------------------------------------------------


def test_official_sees_everything(world, browse):
    client = browse(world.official)
    assert set(listed(client.get(reverse("hub:plant_list")))) == {
        world.plant_a,
        world.plant_b,
        world.plant_free,
    }
    assert set(listed(client.get(reverse("hub:mentorship_list")))) == {
        world.mentorship_a,
        world.mentorship_b,
    }
    assert len(listed(client.get(reverse("hub:organization_list")))) == Organization.objects.count()
    for name, attr in [*DETAIL_PAGES, ("hub:plant_detail", "plant_free")]:
        assert client.get(page_url(world, name, attr)).status_code == 200


def test_official_sees_no_register_or_edit_buttons(world, browse):
    client = browse(world.official)
    for name in LIST_PAGES:
        content = client.get(reverse(name)).content.decode()
        assert "/new/" not in content
    detail = client.get(page_url(world, "hub:plant_detail", "plant_b")).content.decode()
    assert "/edit/" not in detail


@pytest.mark.parametrize("name", CREATE_PAGES)
def test_official_is_refused_the_create_pages(world, browse, name):
    assert browse(world.official).get(reverse(name)).status_code == 403


@pytest.mark.parametrize(("name", "attr"), EDIT_PAGES)
def test_official_is_refused_the_edit_pages(world, browse, name, attr):
    assert browse(world.official).get(page_url(world, name, attr)).status_code == 403


def test_official_cannot_register_or_change_by_posting(world, browse):
    client = browse(world.official)
    assert client.post(reverse("hub:organization_create"), sme_data()).status_code == 403
    url = page_url(world, "hub:plant_update", "plant_b")
    assert client.post(url, plant_data(world.plant_b, employees=999)).status_code == 403
    world.plant_b.refresh_from_db()
    assert world.plant_b.employees == 35
    assert not Organization.objects.filter(name="(주)새별기계").exists()
    assert not AuditEntry.objects.exists()


# --- Agency staff: register and edit, audited ---------------------------------------------------


def test_agency_sees_register_buttons_on_every_list(world, browse):
    client = browse(world.agency)
    for name, create in zip(LIST_PAGES, CREATE_PAGES, strict=True):
        assert reverse(create) in client.get(reverse(name)).content.decode()


@pytest.mark.parametrize(("name", "attr"), [*[(n, None) for n in CREATE_PAGES], *EDIT_PAGES])
def test_agency_opens_create_and_edit_pages(world, browse, name, attr):
    response = browse(world.agency).get(page_url(world, name, attr))
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content
    assert response.context["form"] is not None


def test_create_page_is_titled_from_the_model(world, browse):
    content = browse(world.agency).get(reverse("hub:plant_create")).content.decode()
    assert "Register plant" in content
    content = browse(world.agency).get(page_url(world, "hub:plant_update", "plant_a")).content
    assert f"Edit plant: {world.plant_a.name}" in content.decode()


def test_agency_registers_an_sme_company_and_it_is_audited(world, browse):
    response = browse(world.agency).post(
        reverse("hub:organization_create"), sme_data(), follow=True
    )
    company = Organization.objects.get(name="(주)새별기계")
    assert response.redirect_chain[-1][0] == company.get_absolute_url()
    assert company.business_number == "1248100998"
    entry = AuditEntry.objects.for_object(company).get()
    assert entry.action == AuditAction.CREATE
    assert entry.user == world.agency
    assert entry.after["business_number"] == "1248100998"
    content = response.content.decode()
    assert "124-81-00998" in content
    assert "Change history" in content


def test_agency_registers_a_plant_for_a_company(world, browse):
    company = world.plant_free.company
    data = plant_data(world.plant_free, name="제2공장", factory_registration_number="")
    response = browse(world.agency).post(reverse("hub:plant_create"), data)
    plant = Plant.objects.get(company=company, name="제2공장")
    assert response.status_code == 302
    assert response["Location"] == plant.get_absolute_url()
    assert AuditEntry.objects.for_object(plant).get().action == AuditAction.CREATE


def test_plant_create_page_preselects_the_company_from_the_link(world, browse):
    company = world.plant_free.company
    response = browse(world.agency).get(f"{reverse('hub:plant_create')}?company={company.pk}")
    assert response.context["form"].initial["company"] == str(company.pk)


def test_agency_registers_a_mentorship(world, browse):
    data = {"partner": world.firm_b.pk, "plant": world.plant_free.pk, "start_date": "2025-04-01"}
    response = browse(world.agency).post(reverse("hub:mentorship_create"), data)
    mentorship = Mentorship.objects.get(partner=world.firm_b, plant=world.plant_free)
    assert response["Location"] == mentorship.get_absolute_url()
    assert AuditEntry.objects.for_object(mentorship).get().action == AuditAction.CREATE
    # The partner firm now sees the plant it mentors.
    url = page_url(world, "hub:plant_detail", "plant_free")
    assert browse(world.partner_b).get(url).status_code == 200


def test_agency_edits_a_plant_and_the_change_is_audited_and_shown(world, browse):
    client = browse(world.agency)
    url = page_url(world, "hub:plant_update", "plant_a")
    response = client.post(url, plant_data(world.plant_a, employees=120, region=Region.BUSAN))
    assert response.status_code == 302
    world.plant_a.refresh_from_db()
    assert world.plant_a.employees == 120
    entry = AuditEntry.objects.for_object(world.plant_a).get()
    assert entry.action == AuditAction.UPDATE
    assert entry.user == world.agency
    assert entry.before["employees"] == 35 and entry.after["employees"] == 120
    assert ("region", Region.GYEONGGI, Region.BUSAN) in entry.changes

    detail = client.get(world.plant_a.get_absolute_url())
    assert list(detail.context["audit_entries"]) == [entry]
    content = detail.content.decode()
    assert "Change history" in content
    assert '<td class="audit-before">35</td>' in content
    assert '<td class="audit-after">120</td>' in content
    # Choice values are shown by their labels, not their codes.
    assert '<td class="audit-before">Gyeonggi</td>' in content
    assert '<td class="audit-after">Busan</td>' in content


def test_saving_an_unchanged_form_writes_no_audit_entry(world, browse):
    url = page_url(world, "hub:plant_update", "plant_a")
    response = browse(world.agency).post(url, plant_data(world.plant_a))
    assert response.status_code == 302
    assert not AuditEntry.objects.exists()
    detail = browse(world.agency).get(world.plant_a.get_absolute_url())
    assert "Change history" not in detail.content.decode()


def test_agency_edits_an_organisation_keeping_its_business_number(world, browse):
    company = world.plant_a.company
    client = browse(world.agency)
    form = client.get(reverse("hub:organization_update", args=[company.pk])).context["form"]
    assert form.initial["business_number"] == company.business_number_display
    data = sme_data(
        name=company.name,
        business_number=company.business_number_display,
        region=company.region,
        employees="50",
    )
    response = client.post(reverse("hub:organization_update", args=[company.pk]), data)
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.employees == 50
    entry = AuditEntry.objects.for_object(company).get()
    assert (entry.before["employees"], entry.after["employees"]) == (42, 50)


def test_plant_detail_without_assessment_says_not_assessed(world, browse):
    response = browse(world.agency).get(world.plant_free.get_absolute_url())
    assert "Not assessed yet" in response.content.decode()


def test_plant_detail_shows_the_confirmed_level(world, browse):
    Plant.objects.filter(pk=world.plant_a.pk).update(
        current_level=3,
        current_score="612.5",
        level_confirmed_on=datetime.date(2025, 5, 2),
        level_valid_until=datetime.date(2028, 5, 1),
    )
    content = browse(world.partner_a).get(world.plant_a.get_absolute_url()).content.decode()
    assert "Level 3" in content
    assert "612.5" in content
    assert "2028-05-01" in content
    assert "Not assessed yet" not in content


def test_detail_pages_show_related_lists(world, browse):
    client = browse(world.agency)
    company = world.plant_a.company
    response = client.get(company.get_absolute_url())
    assert list(response.context["plants"]) == [world.plant_a]
    response = client.get(world.firm_a.get_absolute_url())
    assert list(response.context["mentorships"]) == [world.mentorship_a]
    assert world.plant_a.name in response.content.decode()
    response = client.get(world.mentorship_a.get_absolute_url())
    content = response.content.decode()
    assert world.firm_a.name in content and world.plant_a.name in content


def test_administrator_without_membership_sees_and_edits_everything(world, browse):
    client = browse(world.admin_user)
    home = client.get(reverse("home"))
    assert "You are an administrator" in home.content.decode()
    assert home.context["plant_count"] == 3
    assert client.get(page_url(world, "hub:plant_update", "plant_b")).status_code == 200


# --- Form errors ---------------------------------------------------------------------------------


def test_wrong_check_digit_is_refused_with_its_message(world, browse):
    response = browse(world.agency).post(
        reverse("hub:organization_create"), sme_data(business_number="124-81-00999")
    )
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()["business_number"]
    assert [e.code for e in errors] == ["business_number_checksum"]
    assert "124-81-00999 fails the business registration number check digit" in (
        response.content.decode()
    )
    assert not Organization.objects.filter(name="(주)새별기계").exists()
    assert not AuditEntry.objects.exists()


def test_sme_without_business_number_is_refused(world, browse):
    response = browse(world.agency).post(
        reverse("hub:organization_create"), sme_data(business_number="")
    )
    assert response.status_code == 200
    assert "business_number" in response.context["form"].errors
    assert "An SME company needs its business number." in response.content.decode()
    assert not Organization.objects.filter(name="(주)새별기계").exists()


def test_duplicate_business_number_is_refused(world, browse):
    taken = world.plant_a.company.business_number_display
    response = browse(world.agency).post(
        reverse("hub:organization_create"), sme_data(business_number=taken)
    )
    assert response.status_code == 200
    assert "business_number" in response.context["form"].errors
    assert not Organization.objects.filter(name="(주)새별기계").exists()


def test_mentorship_ending_before_it_starts_is_refused(world, browse):
    data = {
        "partner": world.firm_b.pk,
        "plant": world.plant_free.pk,
        "start_date": "2025-04-01",
        "end_date": "2025-03-01",
    }
    response = browse(world.agency).post(reverse("hub:mentorship_create"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["end_date"]
    content = response.content.decode()
    assert "The end date cannot be before the start date." in content
    # The message sits next to its field and is announced with it.
    assert 'id="id_end_date_error"' in content
    assert 'aria-invalid="true"' in content
    assert not Mentorship.objects.filter(plant=world.plant_free).exists()


def test_form_errors_are_summarised_at_the_top(world, browse):
    response = browse(world.agency).post(reverse("hub:plant_create"), {})
    assert response.status_code == 200
    assert "Please correct the errors below." in response.content.decode()
    assert Plant.objects.count() == 3


# --- Filters, search, sorting, pagination on the plant list --------------------------------------


@pytest.fixture
def more_plants(world):
    """Plants that differ from the world's (all Gyeonggi, metal products, small companies)."""
    busan_company = CompanyFactory(
        name="(주)부산차체", business_number="1248100998", size_class=SizeClass.MEDIUM
    )
    return {
        "busan": PlantFactory(
            name="부산 차체공장",
            company=busan_company,
            region=Region.BUSAN,
            industry=Industry.MOTOR_VEHICLES,
        ),
        "food": PlantFactory(name="김해 식품공장", region=Region.GYEONGNAM, industry=Industry.FOOD),
    }


def plant_list(client, query=""):
    return client.get(f"{reverse('hub:plant_list')}{query}")


def test_plant_list_filters_by_region(world, browse, more_plants):
    response = plant_list(browse(world.agency), f"?region={Region.BUSAN}")
    assert listed(response) == [more_plants["busan"]]


def test_plant_list_filters_by_industry(world, browse, more_plants):
    response = plant_list(browse(world.agency), f"?industry={Industry.FOOD}")
    assert listed(response) == [more_plants["food"]]


def test_plant_list_filters_by_company_size(world, browse, more_plants):
    response = plant_list(browse(world.agency), f"?size={SizeClass.MEDIUM}")
    assert listed(response) == [more_plants["busan"]]


def test_plant_list_filters_by_partner(world, browse, more_plants):
    response = plant_list(browse(world.agency), f"?partner={world.firm_b.pk}")
    assert listed(response) == [world.plant_b]


def test_plant_list_searches_by_name(world, browse, more_plants):
    assert listed(plant_list(browse(world.agency), "?q=식품")) == [more_plants["food"]]


def test_plant_list_searches_by_business_number_prefix(world, browse, more_plants):
    client = browse(world.agency)
    assert listed(plant_list(client, "?q=124-81")) == [more_plants["busan"]]
    assert listed(plant_list(client, "?q=12481")) == [more_plants["busan"]]


def test_plant_list_shows_business_numbers_with_hyphens(world, browse, more_plants):
    content = plant_list(browse(world.agency), "?q=124-81").content.decode()
    assert "124-81-00998" in content
    assert "Motor vehicles and trailers" in content  # industry by its label
    assert "Busan" in content  # region by its label


def test_plant_list_keeps_filters_in_the_form(world, browse, more_plants):
    response = plant_list(browse(world.agency), f"?region={Region.BUSAN}&ordering=-name")
    content = response.content.decode()
    assert f'<option value="{Region.BUSAN}" selected>' in content
    assert '<input type="hidden" name="ordering" value="-name">' in content


def test_plant_list_reports_an_unknown_filter_value_instead_of_failing(world, browse):
    response = plant_list(browse(world.agency), "?region=99")
    assert response.status_code == 200
    assert "region" in response.context["filterset"].form.errors
    assert 'aria-invalid="true"' in response.content.decode()


def test_plant_list_sorts_by_name(world, browse, more_plants):
    client = browse(world.agency)
    names = [p.name for p in listed(plant_list(client, "?ordering=name"))]
    assert names == sorted(names) and len(names) == 5
    names_desc = [p.name for p in listed(plant_list(client, "?ordering=-name"))]
    assert names_desc == sorted(names, reverse=True)


def test_plant_list_sorts_by_level_descending(world, browse, more_plants):
    Plant.objects.filter(pk=world.plant_a.pk).update(current_level=1)
    Plant.objects.filter(pk=world.plant_b.pk).update(current_level=4)
    Plant.objects.filter(pk=more_plants["food"].pk).update(current_level=2)
    plants = listed(plant_list(browse(world.agency), "?ordering=-level"))
    assessed = [p for p in plants if p.current_level is not None]
    assert [p.current_level for p in assessed] == [4, 2, 1]


def test_sort_header_links_keep_filters_and_flip_direction(world, browse, more_plants):
    content = plant_list(browse(world.agency), f"?region={Region.GYEONGGI}&ordering=name")
    content = content.content.decode()
    assert f'href="?region={Region.GYEONGGI}&amp;ordering=-name"' in content
    assert 'aria-sort="ascending"' in content
    assert f'href="?region={Region.GYEONGGI}&amp;ordering=level"' in content


def test_plant_list_paginates(world, browse):
    PlantFactory.create_batch(27)  # 30 plants with the world's three
    client = browse(world.agency)
    first = plant_list(client)
    assert first.context["paginator"].count == 30
    assert len(listed(first)) == 25
    assert 'href="?page=2"' in first.content.decode()
    second = plant_list(client, "?page=2")
    assert second.context["page_obj"].number == 2
    assert len(listed(second)) == 5
    assert not set(listed(first)) & set(listed(second))
    assert "Page 2 of 2" in second.content.decode()


def test_pagination_keeps_the_filters(world, browse):
    PlantFactory.create_batch(27, region=Region.ULSAN)
    response = plant_list(browse(world.agency), f"?region={Region.ULSAN}&ordering=-name")
    assert response.context["paginator"].count == 27
    assert f'href="?region={Region.ULSAN}&amp;ordering=-name&amp;page=2"' in (
        response.content.decode()
    )


def test_page_size_can_be_chosen(world, browse):
    PlantFactory.create_batch(27)
    client = browse(world.agency)
    response = plant_list(client, "?page_size=50")
    assert len(listed(response)) == 30
    assert response.context["paginator"].num_pages == 1
    # Sizes outside the offered choices fall back to the default.
    assert len(listed(plant_list(client, "?page_size=1000"))) == 25


# --- Query counts ---------------------------------------------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_plant_list_query_count_does_not_grow_with_plants(
    world, browse, django_assert_max_num_queries
):
    client = browse(world.agency)
    url = f"{reverse('hub:plant_list')}?page_size=50"
    few = count_queries(client, url)
    for _ in range(25):
        MentorshipFactory(partner=world.firm_a)
    assert count_queries(client, url) == few
    with django_assert_max_num_queries(8):
        client.get(url)


def test_organization_list_query_count_does_not_grow(world, browse, django_assert_max_num_queries):
    client = browse(world.agency)
    url = f"{reverse('hub:organization_list')}?page_size=50"
    few = count_queries(client, url)
    CompanyFactory.create_batch(15)
    PartnerFactory.create_batch(10)
    assert count_queries(client, url) == few
    with django_assert_max_num_queries(8):
        client.get(url)


def test_mentorship_list_query_count_does_not_grow(world, browse, django_assert_max_num_queries):
    client = browse(world.agency)
    url = f"{reverse('hub:mentorship_list')}?page_size=50"
    few = count_queries(client, url)
    MentorshipFactory.create_batch(25)
    assert count_queries(client, url) == few
    with django_assert_max_num_queries(8):
        client.get(url)


def test_partner_list_query_count_does_not_grow(world, browse):
    client = browse(world.partner_a)
    url = f"{reverse('hub:plant_list')}?page_size=50"
    few = count_queries(client, url)
    for _ in range(25):
        MentorshipFactory(partner=world.firm_a)
    assert count_queries(client, url) == few
    assert len(listed(client.get(url))) == 26


# --- Language -------------------------------------------------------------------------------------


def test_pages_are_korean_by_default(world, client_for):
    response = client_for(world.agency).get(reverse("hub:plant_list"))
    assert '<html lang="ko">' in response.content.decode()


def test_language_switch_to_english(world, client_for):
    client = client_for(world.agency)
    home = client.get(reverse("home")).content.decode()
    assert f'action="{reverse("set_language")}" method="post"' in home
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("hub:plant_list")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("hub:plant_list")
    assert '<html lang="en">' in client.get(reverse("hub:plant_list")).content.decode()


def test_base_page_loads_local_assets_only(world, client_for):
    content = client_for(world.agency).get(reverse("home")).content.decode()
    assert "/static/django_htmx/htmx-2.min.js" in content
    assert "/static/css/app.css" in content
    assert "https://" not in content and "http://" not in content


def test_header_says_who_the_user_acts_for(world, browse):
    content = browse(world.official).get(reverse("hub:plant_list")).content.decode()
    assert "Official" in content
    assert world.official.membership.organization.name in content
