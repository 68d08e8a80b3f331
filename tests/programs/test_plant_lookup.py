"""The plant field of the project form: a searchable picker fed by `hub:plant_lookup` instead
of a select of every plant."""

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import PlantFactory

pytestmark = pytest.mark.django_db
LOOKUP = reverse("hub:plant_lookup")


def options(response):
    assert response.status_code == 200
    return response.content.decode().count("data-value=")


def test_suggests_visible_plants_by_name_and_business_number(world, client_for):
    agency = client_for(world.agency)
    assert options(agency.get(LOOKUP, {"q": "멘토링"})) == 2  # A사 / B사 멘토링 공장
    number = world.plant_a.company.business_number
    # htmx sends the picker's own text input (<field>__q)
    body = agency.get(LOOKUP, {"plant__q": number[:6]}).content.decode()
    assert f'value="{world.plant_a.pk}"' in body
    assert options(agency.get(LOOKUP, {"q": "x"})) == 0  # one letter: no suggestions yet


def test_suggestions_are_capped(world, client_for):
    PlantFactory.create_batch(25, name="반월 공장")
    assert options(client_for(world.agency).get(LOOKUP, {"q": "반월"})) == 20


def test_suggestions_respect_visibility(world, client_for):
    partner = client_for(world.partner_a)
    body = partner.get(LOOKUP, {"q": "멘토링"}).content.decode()
    assert f'value="{world.plant_a.pk}"' in body and f'value="{world.plant_b.pk}"' not in body
    assert options(client_for(world.outsider).get(LOOKUP, {"q": "멘토링"})) == 0
    anonymous = client_for(None).get(LOOKUP, {"q": "멘토링"})
    assert anonymous.status_code == 302 and settings.LOGIN_URL in anonymous["Location"]


def test_project_form_renders_no_plant_list_and_names_the_chosen_plant(
    world, winwin, client_for, django_assert_max_num_queries
):
    PlantFactory.create_batch(30)
    client = client_for(world.agency)
    url = reverse("programs:project_create")
    with django_assert_max_num_queries(20):
        response = client.get(url, {"program": winwin.pk, "plant": world.plant_free.pk})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_plant-listbox"' in body and 'role="combobox"' in body
    assert f'name="plant" value="{world.plant_free.pk}"' in body
    assert world.plant_free.name in body
    assert body.count("<option") < 40  # programs, partners, suppliers, levels — not plants


def test_an_unknown_plant_number_is_a_field_error(world, winwin, client_for):
    client = client_for(world.agency)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        reverse("programs:project_create"),
        {"program": winwin.pk, "plant": "999999", "title": "MES"},
    )
    assert response.status_code == 200
    assert "plant" in response.context["form"].errors


def test_project_form_carries_the_cost_share_rules_and_marks_the_partner(world, winwin, client_for):
    import html
    import json
    import re

    client = client_for(world.agency)
    body = client.get(reverse("programs:project_create"), {"program": winwin.pk}).content.decode()
    rules = json.loads(html.unescape(re.search(r'data-share-rules="([^"]*)"', body).group(1)))
    rule = winwin.cost_share_rule
    assert rules[str(winwin.pk)]["government_max_pct"] == str(rule.government_max_pct)
    assert rules[str(winwin.pk)]["partner_min_pct"] == str(rule.partner_min_pct)
    assert rules[str(winwin.pk)]["caps"]["basic"] == str(rule.cap_basic)
    # the partner firm is required in win-win programs: marked, and live for this program
    assert f'data-required-when="program={winwin.pk}"' in body
    assert 'id="id_partner-listbox"' in body and 'id="id_supplier-listbox"' in body
    assert "data-shares-calc" in body


def test_project_edit_form_carries_its_own_programs_rule(world, project_a, client_for):
    import html
    import json
    import re

    body = client_for(world.agency).get(reverse("programs:project_update", args=[project_a.pk]))
    body = body.content.decode()
    rules = json.loads(html.unescape(re.search(r'data-share-rules="([^"]*)"', body).group(1)))
    assert list(rules) == [""]
    assert f'name="partner" value="{project_a.partner_id}"' in body
