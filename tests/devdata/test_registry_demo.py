"""`manage.py seed_demo`: deterministic, idempotent demo data written through the services."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from devdata import registry as demo
from hub.choices import Industry, OrganizationKind, Region
from hub.models import AuditEntry, Membership, Mentorship, Organization, Plant
from hub.validators import is_valid_business_number

pytestmark = pytest.mark.django_db

MODELS = (Organization, Plant, Mentorship, Membership, AuditEntry, get_user_model())


def seed(**options):
    call_command("seed_demo", plants=30, force=True, stdout=io.StringIO(), **options)


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def test_seeding_twice_creates_nothing_new():
    seed()
    first = counts()
    seed()
    assert counts() == first
    assert first["Plant"] == 30


def test_every_plant_and_company_was_created_through_the_services():
    seed()
    audited = set(
        AuditEntry.objects.filter(content_type__model="plant").values_list("object_id", flat=True)
    )
    assert audited == {str(pk) for pk in Plant.objects.values_list("pk", flat=True)}


@pytest.mark.parametrize("username", [*demo.USERS, "admin"])
def test_each_demo_login_works(client, username):
    seed()
    assert client.login(username=username, password=demo.PASSWORD)


def test_partner_login_belongs_to_a_firm_that_mentors_plants():
    seed()
    partner = get_user_model().objects.get(username="partner")
    assert partner.membership.organization.kind == OrganizationKind.PARTNER
    assert Mentorship.objects.filter(partner=partner.membership.organization).exists()


def test_every_sme_has_a_valid_business_number():
    seed()
    numbers = Organization.objects.filter(kind=OrganizationKind.SME).values_list(
        "business_number", flat=True
    )
    assert numbers and all(is_valid_business_number(n) for n in numbers)


def test_refuses_to_create_known_passwords_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", plants=1)
    assert not Organization.objects.exists()


def test_default_plan_covers_every_region_and_is_deterministic():
    companies = demo.plan(240)
    plants = [p for c in companies for p in c.plants]
    assert len(plants) == 240 and len(companies) >= 220
    assert {p.region for p in plants} == set(Region.values)
    assert {p.industry for p in plants} <= set(Industry.values)
    assert 0.3 < sum(p.partner is not None for p in plants) / len(plants) < 0.5
    small = demo.plan(30)  # a smaller plan is a prefix (its last company may lose a plant)
    assert small[:-1] == companies[: len(small) - 1]


def test_name_lists_match_the_vocabularies():
    assert set(demo.REGION_WEIGHTS) == set(demo.ADDRESSES) == set(Region.values)
    assert set(demo.INDUSTRY_WEIGHTS) == set(Industry.values)
    assert set(demo.PARTNER_WEIGHTS) == {
        name for kind, name, *_ in demo.ORGANIZATIONS if kind == OrganizationKind.PARTNER
    }
