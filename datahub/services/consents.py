"""Consents: the plant decides who uses its data, for which purpose, until when.

- program follow-up by the operating agency: required while a completed project's follow-up
  period runs (its program's follow-up years after completion), so it cannot be revoked then;
- national statistics (aggregates only), the mentoring partner firm, anonymised research.

Every grant and revocation is audited; a consent exports as an ODRL policy (JSON-LD).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from datahub import followup_rules
from datahub.choices import Purpose
from datahub.models import Consent
from datahub.services.sources import require_data_manager
from hub.audit import audit_record, snapshot
from hub.choices import AuditAction
from hub.models import Mentorship
from programs.choices import ProjectStatus
from programs.models import Project

ODRL_CONTEXT = "http://www.w3.org/ns/odrl.jsonld"
# What each purpose permits, in ODRL's core vocabulary (https://www.w3.org/TR/odrl-vocab/).
ODRL_ACTIONS = {
    Purpose.FOLLOW_UP: "use",
    Purpose.STATISTICS: "aggregate",
    Purpose.PARTNER: "read",
    Purpose.RESEARCH: "distribute",
}


def follow_up_until(plant) -> dt.date | None:
    """The last day of the plant's follow-up: the latest end among its completed projects'
    follow-up periods (each program's years after completion, datahub.followup_rules); None
    without a completed project under a follow-up duty."""
    terms = (
        Project.objects.filter(plant=plant, status=ProjectStatus.COMPLETED)
        .exclude(completed_on=None)
        .values_list("completed_on", "program__follow_up_years")
    )
    ends = [followup_rules.follow_up_end(day, years) for day, years in terms]
    return max((end for end in ends if end is not None), default=None)


def plants_in_follow_up(today: dt.date | None = None) -> set[int]:
    """Ids of the plants whose follow-up runs on `today`: the bulk form of
    `follow_up_until(plant) >= today` (one query over the completed projects that could still
    be in their follow-up)."""
    today = today or timezone.localdate()
    # A program asks for at most 10 years (programs.Program.follow_up_years); a year more
    # covers the follow-up starting on the month after completion.
    earliest = dt.date(today.year - 11, 1, 1)
    terms = (
        Project.objects.filter(status=ProjectStatus.COMPLETED, completed_on__gte=earliest)
        .filter(program__follow_up_years__gt=0)
        .values_list("plant_id", "completed_on", "program__follow_up_years")
    )
    return {
        plant_id
        for plant_id, day, years in terms
        if (end := followup_rules.follow_up_end(day, years)) is not None and end >= today
    }


@transaction.atomic
def consent_grant(*, user, plant, purpose: str, partner=None, expires_at=None) -> Consent:
    """Grant (or renew) a consent. A partner consent names a firm that mentors the plant; an
    active consent for the same purpose (and firm) gets the new expiry instead of a copy."""
    require_data_manager(user, plant)
    errors = {}
    if purpose not in Purpose.values:
        errors["purpose"] = _("Unknown purpose.")
    if purpose == Purpose.PARTNER:
        if partner is None:
            errors["partner"] = _("Name the partner firm this consent is for.")
        elif not Mentorship.objects.filter(plant=plant, partner=partner).exists():
            errors["partner"] = _("Only a partner firm that mentors this plant can be named.")
    elif partner is not None:
        errors["partner"] = _("Only the partner consent names a partner firm.")
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = _("The expiry must be in the future.")
    if errors:
        raise ValidationError(errors)
    existing = (
        Consent.objects.active()
        .select_for_update()
        .filter(plant=plant, purpose=purpose, partner=partner)
        .first()
    )
    if existing is not None:
        before = snapshot(existing)
        existing.expires_at = expires_at
        existing.save(update_fields=["expires_at"])
        audit_record(
            user=user,
            action=AuditAction.UPDATE,
            obj=existing,
            before=before,
            after=snapshot(existing),
        )
        return existing
    consent = Consent(
        plant=plant, purpose=purpose, partner=partner, granted_by=user, expires_at=expires_at
    )
    consent.full_clean()
    consent.save()
    audit_record(user=user, action=AuditAction.CREATE, obj=consent, after=snapshot(consent))
    return consent


@transaction.atomic
def consent_revoke(*, user, consent: Consent) -> Consent:
    """Revoke at once. The follow-up consent stays while the follow-up period runs."""
    require_data_manager(user, consent.plant)
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.revoked_at is not None:
        return consent
    if consent.purpose == Purpose.FOLLOW_UP:
        until = follow_up_until(consent.plant)
        if until is not None and until >= timezone.localdate():
            raise ValidationError(
                _(
                    "The program follow-up consent is required until %(date)s, the end of the "
                    "follow-up period of the plant's completed project."
                )
                % {"date": until.isoformat()}
            )
    before = snapshot(consent)
    consent.revoked_at = timezone.now()
    consent.revoked_by = user
    consent.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(
        user=user, action=AuditAction.UPDATE, obj=consent, before=before, after=snapshot(consent)
    )
    return consent


def _party(uid: str, name: str) -> dict:
    return {"@type": "Party", "uid": uid, "name": name}


def odrl_policy(consent: Consent) -> dict:
    """The consent as an ODRL 2.2 Agreement (JSON-LD): the plant's company assigns to the
    party of the purpose the action the purpose permits on the plant's data, constrained by
    purpose and, if any, expiry; revoked consents carry their revocation time."""
    plant = consent.plant
    company = plant.company
    assigner = _party(f"urn:sfh:organization:{company.pk}", company.name)
    if consent.purpose == Purpose.PARTNER:
        assignee = _party(f"urn:sfh:organization:{consent.partner_id}", consent.partner.name)
    elif consent.purpose == Purpose.FOLLOW_UP:
        assignee = _party("urn:sfh:role:agency_staff", "Operating agency")
    elif consent.purpose == Purpose.STATISTICS:
        assignee = _party("urn:sfh:role:official", "National statistics")
    else:
        assignee = _party("urn:sfh:role:research", "Research dataset users")
    constraints = [
        {
            "leftOperand": "purpose",
            "operator": "eq",
            "rightOperand": f"urn:sfh:purpose:{consent.purpose}",
        }
    ]
    if consent.expires_at is not None:
        constraints.append(
            {
                "leftOperand": "dateTime",
                "operator": "lt",
                "rightOperand": {"@value": consent.expires_at.isoformat(), "@type": "xsd:dateTime"},
            }
        )
    permission = {
        "target": f"urn:sfh:plant:{plant.pk}:data",
        "action": ODRL_ACTIONS[consent.purpose],
        "assigner": assigner,
        "assignee": assignee,
        "constraint": constraints,
    }
    if consent.purpose == Purpose.RESEARCH:
        permission["duty"] = [{"action": "anonymize"}]
    policy = {
        "@context": ODRL_CONTEXT,
        "@type": "Agreement",
        "uid": f"urn:sfh:consent:{consent.pk}",
        "issued": consent.granted_at.isoformat(),
        "permission": [permission],
    }
    if consent.revoked_at is not None:
        policy["revoked"] = consent.revoked_at.isoformat()
    return policy
