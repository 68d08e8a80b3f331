"""The searchable pickers (hub/widgets.py): lookup routes that answer only what the user may
see, bounded; forms that pick a company, plant, partner firm, supplier or consultant through
them, with and without JavaScript; required and required-if marks; the error summary."""

import re

import pytest
from django.urls import reverse

from hub.choices import OrganizationKind, Region
from hub.models import Plant
from hub.widgets import LIMIT, regions_matching, search_words
from tests.factories import CompanyFactory, ConsultancyFactory, Role, member

pytestmark = pytest.mark.django_db
ORGS = reverse("hub:organization_lookup")
CONSULTANTS = reverse("hub:consultant_lookup")


def values(response) -> list[int]:
    assert response.status_code == 200
    return [int(v) for v in re.findall(r'data-value="(\d+)"', response.content.decode())]


# --- pure helpers ------------------------------------------------------------------------------


def test_search_words_need_two_characters_or_digits_and_stop_at_four_words():
    assert search_words("a") == [] and search_words(" ") == []
    assert search_words("7") == ["7"]
    assert search_words("한빛 정밀 경기 안산 단원") == ["한빛", "정밀", "경기", "안산"]


def test_regions_match_korean_and_english_names_by_their_start():
    assert regions_matching("서울") == [Region.SEOUL]
    assert regions_matching("경기도") == [Region.GYEONGGI]
    assert regions_matching("busan") == [Region.BUSAN]
    assert set(regions_matching("경상")) == {Region.GYEONGBUK, Region.GYEONGNAM}
    assert regions_matching("정밀") == []


# --- the lookup routes -------------------------------------------------------------------------


def test_companies_by_name_business_number_and_region_each_word_narrowing(world, client_for):
    hanbit = CompanyFactory(name="한빛정밀", region=Region.BUSAN)
    other = CompanyFactory(name="한빛전자", region=Region.SEOUL)
    agency = client_for(world.agency)
    found = values(agency.get(ORGS, {"kind": "sme", "q": "한빛"}))
    assert hanbit.pk in found and other.pk in found
    assert values(agency.get(ORGS, {"kind": "sme", "q": "한빛 부산"})) == [hanbit.pk]
    number = hanbit.business_number_display  # typed with hyphens
    assert values(agency.get(ORGS, {"kind": "sme", "q": number})) == [hanbit.pk]
    assert hanbit.pk in values(agency.get(ORGS, {"kind": "sme", "q": number[:7]}))  # a prefix
    body = agency.get(ORGS, {"kind": "sme", "company__q": "한빛정밀"}).content.decode()
    assert number in body and "부산" in body  # name + business number + region
    assert values(agency.get(ORGS, {"kind": "partner", "q": "한빛"})) == []


def test_lookups_answer_only_what_the_user_may_see(world, client_for):
    partner = client_for(world.partner_a)
    plants = reverse("hub:plant_lookup")
    found = values(partner.get(plants, {"q": "공장"}))
    assert world.plant_a.pk in found and world.plant_b.pk not in found
    companies = values(partner.get(ORGS, {"q": "한빛"}))
    assert world.plant_a.company_id in companies
    assert world.plant_b.company_id not in companies
    assert values(client_for(world.outsider).get(ORGS, {"q": "대한"})) == []
    assert client_for(None).get(ORGS, {"q": "대한"}).status_code == 302


def test_suggestions_are_bounded_and_say_there_is_more(
    world, client_for, django_assert_max_num_queries
):
    CompanyFactory.create_batch(LIMIT + 5, name="반월 정밀")
    agency = client_for(world.agency)
    with django_assert_max_num_queries(4):
        response = agency.get(ORGS, {"kind": "sme", "q": "반월", "list": "id_company-listbox"})
    assert len(values(response)) == LIMIT
    body = response.content.decode()
    assert 'class="lookup__more"' in body and 'id="id_company-listbox-' in body
    weird = agency.get(ORGS, {"q": "반월", "list": '"><script>'}).content.decode()
    assert "<script>" not in weird


def test_consultants_only_for_agency_staff(world, client_for):
    firm = ConsultancyFactory(name="한빛컨설팅")
    lee = member(Role.CONSULTANT, firm, "lee")
    lee.first_name, lee.last_name = "민수", "이"
    lee.save()
    body = client_for(world.agency).get(CONSULTANTS, {"q": "한빛컨"}).content.decode()
    assert f'data-value="{lee.pk}"' in body and "이민수" in body and "한빛컨설팅" in body
    assert client_for(world.partner_a).get(CONSULTANTS, {"q": "한빛"}).status_code == 403
    assert client_for(world.consultant).get(CONSULTANTS, {"q": "한빛"}).status_code == 403


# --- the forms ---------------------------------------------------------------------------------


def plant_data(**overrides):
    data = {
        "name": "새 공장",
        "region": Region.GYEONGGI,
        "industry": "25",
        "status": "active",
    }
    return {**data, **overrides}


def test_plant_form_picks_the_company_without_a_select_of_every_company(world, browse):
    CompanyFactory.create_batch(30)
    page = browse(world.agency).get(reverse("hub:plant_create")).content.decode()
    assert 'role="combobox"' in page and 'aria-controls="id_company-listbox"' in page
    assert 'aria-required="true"' in page
    assert page.count("<option") < 60  # regions, industries, statuses — not companies


def test_plant_form_takes_the_chosen_id_or_without_javascript_the_typed_text(world, browse):
    company = CompanyFactory(name="유일정밀")
    client = browse(world.agency)
    create = reverse("hub:plant_create")
    response = client.post(create, plant_data(company=company.pk, company__q="유일정밀"))
    assert response.status_code == 302
    # no script: the typed business number, or the exact name, is enough
    number = company.business_number_display
    assert client.post(create, plant_data(company__q=number, name="둘")).status_code == 302
    assert client.post(create, plant_data(company__q="유일정밀", name="셋")).status_code == 302
    assert Plant.objects.filter(company=company).count() == 3


def test_an_unresolved_company_is_a_field_error_linked_from_the_summary(world, browse):
    CompanyFactory(name="같은이름")
    CompanyFactory(name="같은이름")
    client = browse(world.agency)
    response = client.post(reverse("hub:plant_create"), plant_data(company__q="같은이름"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Several match" in body
    summary = body[body.index("data-error-summary") :]
    assert '<a href="#id_company">Company</a>' in summary
    response = client.post(reverse("hub:plant_create"), plant_data(company__q="없는회사", name=""))
    body = response.content.decode()
    assert "Nothing matches" in body and '<a href="#id_name">' in body
    assert 'value="없는회사"' in body  # what was typed is kept


def test_required_and_required_if_are_marked(world, browse):
    body = browse(world.agency).get(reverse("hub:organization_create")).content.decode()
    name_label = re.search(r'<label for="id_name">(.*?)</label>', body, re.S).group(1)
    assert 'class="field__mark"' in name_label and "(required)" in name_label
    number = re.search(r'<label for="id_business_number">(.*?)</label>', body, re.S).group(1)
    assert "required for SME companies" in number and "field__mark" not in number
    assert 'data-required-when="kind=sme"' in body


def test_mentorship_form_picks_partner_and_plant(world, browse):
    client = browse(world.agency)
    body = client.get(reverse("hub:mentorship_create")).content.decode()
    assert 'id="id_partner-listbox"' in body and 'id="id_plant-listbox"' in body
    assert f"kind={OrganizationKind.PARTNER}" in body
    response = client.post(
        reverse("hub:mentorship_create"),
        {"partner": world.firm_b.pk, "plant": world.plant_free.pk, "start_date": "2025-01-01"},
    )
    assert response.status_code == 302
    assert world.plant_free.mentorships.filter(partner=world.firm_b).exists()


def test_editing_a_plant_shows_the_company_by_name(world, browse):
    body = browse(world.agency).get(reverse("hub:plant_update", args=[world.plant_a.pk]))
    body = body.content.decode()
    company = world.plant_a.company
    assert f'name="company" value="{company.pk}"' in body
    # English page: the English name, which the field also resolves without script
    assert f'value="{company.name_en}"' in body and company.business_number_display in body
