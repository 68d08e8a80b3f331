"""The audit trail and log read as people read them on Korean pages: names instead of ids and
logins, family name first, actions, fields and units in Korean, no value repeated."""

import pytest
from django.template import Context, Template
from django.utils import translation

from hub import formats, services
from hub.audit import attach_change_rows, message_text
from hub.models import AuditEntry
from tests.factories import CompanyFactory


@pytest.fixture
def named(world):
    world.agency.first_name, world.agency.last_name = "지현", "김"
    world.agency.save()
    return world


def test_a_moved_plant_names_both_companies_and_who_moved_it(named, client_for):
    plant = named.plant_a
    old_company, new_company = plant.company, CompanyFactory(name="새한정밀")
    services.plant_update(plant=plant, user=named.agency, data={"company": new_company})
    html = client_for(named.agency).get(plant.get_absolute_url()).content.decode()
    trail = html[html.index('class="panel audit-trail"') :]
    assert old_company.name in trail and "새한정밀" in trail
    assert f"→ {new_company.pk}" not in trail and f">{new_company.pk}<" not in trail
    assert "김지현" in trail and "지현 김" not in trail
    assert "수정" in trail or "변경" in trail  # the action in Korean


def test_the_audit_log_shows_names_and_finds_people_by_name(named, client_for):
    services.plant_update(plant=named.plant_a, user=named.agency, data={"employees": 77})
    client = client_for(named.agency)
    html = client.get("/audit/").content.decode()
    assert "김지현" in html
    assert f"#{named.plant_a.pk}" in html
    for query in ("김지현", "지현", "agency"):
        found = client.get("/audit/", {"user": query}).context["entries"]
        assert found and all(e.user == named.agency for e in found), query
    assert not client.get("/audit/", {"user": "박서연"}).context["entries"]


def test_change_rows_cost_one_query_per_related_model(named, django_assert_num_queries):
    for n in range(5):
        services.plant_update(
            plant=named.plant_a,
            user=named.agency,
            data={"company": CompanyFactory(name=f"회사{n}"), "employees": n},
        )
    entries = list(AuditEntry.objects.select_related("user")[:5])
    with django_assert_num_queries(1):
        attach_change_rows(entries)
    labels = {label for e in entries for label, _b, _a in e.change_rows}
    assert "company" not in labels and "employees" not in labels


def test_stored_english_notes_are_read_in_the_readers_language(db):
    with translation.override("en"):
        assert message_text("research dataset requested") == "Research dataset requested."
        assert (
            message_text("research dataset #12 downloaded (parquet)")
            == "Research dataset #12 downloaded (parquet)."
        )
    assert message_text("A note someone wrote.") == "A note someone wrote."


@pytest.mark.parametrize(
    ("code", "korean"),
    [
        ("h", "시간"),
        ("min", "분"),
        ("%", "%"),
        ("{unit}/h", "개/시간"),
        ("units/h", "개/시간"),
        ("KRW/unit", "원/개"),
        ("cases/yr", "건/년"),
        ("kW.h", "kWh"),
        ("kW.h/{unit}", "kWh/개"),
        ("1", ""),
        ("furlongs", "furlongs"),
    ],
)
def test_units_are_written_the_korean_way(code, korean):
    with translation.override("ko"):
        assert formats.unit_name(code) == korean


def test_a_name_that_says_its_version_is_not_followed_by_it_again():
    template = Template(
        "{% load korean %}{{ name }}{% if not name|names_version:1 %} v1{% endif %}"
    )
    assert template.render(Context({"name": "수준진단 모델 v1"})) == "수준진단 모델 v1"
    assert template.render(Context({"name": "수준진단 모델"})) == "수준진단 모델 v1"
    assert template.render(Context({"name": "모델 v10"})) == "모델 v10 v1"


@pytest.mark.parametrize(
    ("amount", "korean"),
    [
        (2_000_000_000, "20억 원"),
        (350_000_000, "3억 5,000만 원"),
        (42_000_000, "4,200만 원"),
        (5_000, "5,000원"),
        (0, "0원"),
        (1_234_567_890_000, "12,345억 6,789만 원"),
        (None, "—"),
    ],
)
def test_won_amounts_are_written_the_korean_way(amount, korean):
    with translation.override("ko"):
        assert formats.won(amount) == korean


def test_won_amounts_in_english_keep_the_sign():
    with translation.override("en"):
        assert formats.won(42_000_000) == "₩42,000,000"
