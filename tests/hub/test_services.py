"""Registry services: validation, permissions and the audit trail they leave."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError

from hub import services
from hub.choices import OrganizationKind, Role
from hub.models import AuditEntry, Membership, Organization
from tests.factories import AgencyFactory, PartnerFactory

pytestmark = pytest.mark.django_db


def test_update_without_change_writes_no_audit_entry(world):
    services.plant_update(plant=world.plant_a, user=world.agency, data={"employees": 35})
    assert not AuditEntry.objects.for_object(world.plant_a).exists()


def test_update_records_only_what_changed(world):
    services.plant_update(
        plant=world.plant_a, user=world.agency, data={"employees": 36, "address": "새 주소"}
    )
    entry = AuditEntry.objects.for_object(world.plant_a).get()
    assert {field for field, _, _ in entry.changes} == {"employees", "address"}


def test_official_cannot_change_the_registry_through_a_service(world):
    with pytest.raises(PermissionDenied):
        services.plant_update(plant=world.plant_a, user=world.official, data={"employees": 1})
    world.plant_a.refresh_from_db()
    assert world.plant_a.employees == 35


def test_failed_validation_leaves_nothing_behind(world):
    with pytest.raises(ValidationError):
        services.organization_create(
            user=world.agency,
            data={
                "kind": OrganizationKind.SME,
                "name": "X",
                "business_number": "124-81-00999",
                "size_class": "small",
            },
        )
    assert not Organization.objects.filter(name="X").exists()
    assert not AuditEntry.objects.filter(object_repr="X").exists()


def test_business_number_is_stored_as_ten_digits(world):
    org = services.organization_create(
        user=world.agency,
        data={
            "kind": OrganizationKind.SME,
            "name": "정규화",
            "business_number": "124-81-00998",
            "size_class": "small",
        },
    )
    assert org.business_number == "1248100998"
    assert org.business_number_display == "124-81-00998"


def test_membership_role_must_match_organisation_kind(db):
    with pytest.raises(ValidationError) as exc:
        services.user_create_with_membership(
            username="wrong",
            password="a-long-password-1",
            organization=PartnerFactory(),
            role=Role.AGENCY_STAFF,
        )
    assert "organization" in exc.value.message_dict
    assert not Membership.objects.exists()
    assert not get_user_model().objects.filter(username="wrong").exists()
    services.user_create_with_membership(
        username="right",
        password="a-long-password-1",
        organization=AgencyFactory(),
        role=Role.AGENCY_STAFF,
    )
    assert Membership.objects.get().role == Role.AGENCY_STAFF
