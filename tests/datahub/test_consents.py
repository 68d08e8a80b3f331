"""Consents through the service: grant, renew, revoke, the follow-up duty, ODRL export."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from datahub.choices import Purpose
from datahub.models import Consent, ReadKind
from datahub.services import access, consents
from hub.models import AuditEntry


def test_partner_consent_names_a_mentoring_firm(world):
    with pytest.raises(ValidationError) as error:
        consents.consent_grant(
            user=world.sme, plant=world.plant_a, purpose=Purpose.PARTNER, partner=world.firm_b
        )
    assert "partner" in error.value.message_dict
    consent = consents.consent_grant(
        user=world.sme, plant=world.plant_a, purpose=Purpose.PARTNER, partner=world.firm_a
    )
    assert consent.is_active
    assert AuditEntry.objects.filter(object_id=str(consent.pk)).exists()


def test_granting_again_renews_instead_of_copying(world):
    first = consents.consent_grant(user=world.sme, plant=world.plant_a, purpose=Purpose.STATISTICS)
    later = timezone.now() + dt.timedelta(days=30)
    again = consents.consent_grant(
        user=world.sme, plant=world.plant_a, purpose=Purpose.STATISTICS, expires_at=later
    )
    assert again.pk == first.pk and again.expires_at == later
    assert Consent.objects.filter(plant=world.plant_a).count() == 1


def test_only_the_plant_grants(world):
    for user in (world.agency, world.partner_a, world.official):
        with pytest.raises(PermissionDenied):
            consents.consent_grant(user=user, plant=world.plant_a, purpose=Purpose.STATISTICS)


def test_revocation_stops_reads_at_once_and_they_were_logged(world):
    consent = consents.consent_grant(
        user=world.sme, plant=world.plant_a, purpose=Purpose.PARTNER, partner=world.firm_a
    )
    assert (
        access.open_for_reading(world.partner_a, world.plant_a, ReadKind.AAS, format="oee")
        == Purpose.PARTNER
    )
    assert world.plant_a.data_reads.get().user == world.partner_a
    consents.consent_revoke(user=world.sme, consent=consent)
    with pytest.raises(Exception) as refused:
        access.open_for_reading(world.partner_a, world.plant_a, ReadKind.AAS, format="oee")
    assert refused.type.__name__ == "Http404"
    # The other firm never could.
    assert not access.may_read(world.partner_b, world.plant_a)


def test_follow_up_consent_stays_while_the_follow_up_period_runs(world, monkeypatch):
    consent = consents.consent_grant(user=world.sme, plant=world.plant_a, purpose=Purpose.FOLLOW_UP)
    monkeypatch.setattr(
        consents, "follow_up_until", lambda plant: timezone.localdate() + dt.timedelta(days=1)
    )
    with pytest.raises(ValidationError):
        consents.consent_revoke(user=world.sme, consent=consent)
    monkeypatch.setattr(consents, "follow_up_until", lambda plant: None)
    assert consents.consent_revoke(user=world.sme, consent=consent).revoked_at is not None


def test_odrl_export(world):
    consent = consents.consent_grant(
        user=world.sme,
        plant=world.plant_a,
        purpose=Purpose.RESEARCH,
        expires_at=timezone.now() + dt.timedelta(days=365),
    )
    policy = consents.odrl_policy(consent)
    assert policy["@context"] == "http://www.w3.org/ns/odrl.jsonld"
    assert policy["@type"] == "Agreement"
    permission = policy["permission"][0]
    assert permission["action"] == "distribute"
    assert permission["duty"] == [{"action": "anonymize"}]
    operands = {c["leftOperand"] for c in permission["constraint"]}
    assert operands == {"purpose", "dateTime"}
    assert permission["assigner"]["uid"] == f"urn:sfh:organization:{world.plant_a.company_id}"


def test_a_completed_projects_follow_up_period_lets_the_agency_read(world, monkeypatch):
    assert not access.may_read(world.agency, world.plant_a)
    monkeypatch.setattr(
        consents, "follow_up_until", lambda plant: timezone.localdate() + dt.timedelta(days=10)
    )
    assert (
        access.open_for_reading(world.agency, world.plant_a, ReadKind.AAS, format="oee")
        == Purpose.FOLLOW_UP
    )
    entry = world.plant_a.data_reads.get()
    assert (entry.user, entry.purpose) == (world.agency, Purpose.FOLLOW_UP)
    # Partners never read under the follow-up purpose.
    assert not access.may_read(world.partner_a, world.plant_a)
