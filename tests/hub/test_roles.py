"""The role predicates of hub.roles and the base visibility rule every queryset builds on."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from hub import roles
from hub.models import Organization, Plant, VisibleQuerySet
from hub.views.mixins import get_visible_or_404

pytestmark = pytest.mark.django_db

PERSONAS = ("agency", "consultant", "partner_a", "official", "outsider", "admin_user")


def who(world, predicate) -> set[str]:
    return {name for name in PERSONAS if predicate(getattr(world, name))}


def test_role_predicates(world):
    assert who(world, roles.is_agency_staff_or_admin) == {"agency", "admin_user"}
    assert who(world, roles.sees_everything) == {"agency", "official", "admin_user"}
    assert who(world, roles.is_member) == set(PERSONAS) - {"outsider"}
    assert who(world, roles.is_partner_member) == {"partner_a"}
    assert who(world, roles.is_consultant) == {"consultant"}


def test_partner_firm_and_agency_of(world):
    assert roles.partner_firm_of(world.partner_a) == world.firm_a
    assert roles.partner_firm_of(world.partner_b) == world.firm_b
    assert roles.agency_of(world.agency) == world.agency_org
    for name in PERSONAS:
        user = getattr(world, name)
        if name != "partner_a":
            assert roles.partner_firm_of(user) is None
        if name != "agency":
            assert roles.agency_of(user) is None


def test_anonymous_has_no_role(world):
    anonymous = AnonymousUser()
    assert roles.membership_of(anonymous) is None
    assert not roles.is_member(anonymous)
    assert not roles.is_agency_staff_or_admin(anonymous)
    assert roles.partner_firm_of(anonymous) is None


def test_membership_is_read_once_per_user_object(world, django_assert_num_queries):
    user = type(world.agency).objects.get(pk=world.agency.pk)
    with django_assert_num_queries(1):
        roles.is_agency_staff_or_admin(user)
        roles.sees_everything(user)
        roles.agency_of(user)


def test_base_rule_agency_and_officials_everything_admin_everything_others_nothing(world):
    base = VisibleQuerySet(model=Organization)
    count = Organization.objects.count()
    for name in ("agency", "official", "admin_user"):
        assert base.visible_to(getattr(world, name)).count() == count
    for name in ("consultant", "partner_a", "outsider"):
        assert not base.visible_to(getattr(world, name)).exists()


def test_get_visible_or_404(world):
    assert get_visible_or_404(Plant.objects, world.partner_a, pk=world.plant_a.pk) == world.plant_a
    with pytest.raises(Http404):
        get_visible_or_404(Plant.objects, world.partner_a, pk=world.plant_b.pk)
    with pytest.raises(Http404):
        get_visible_or_404(Plant.objects, world.agency, pk=10**9)
    related = Plant.objects.select_related("company")
    assert get_visible_or_404(related, world.official, pk=world.plant_b.pk) == world.plant_b
