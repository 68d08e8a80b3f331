"""Who may read a plant's data, under which consent, and the log of those reads.

The plant's own members read its data freely. Anyone else reads it only under an active
consent for their purpose (DESIGN.md §4): agency staff for program follow-up, a mentoring
partner firm under the partner consent it was given. A completed project's follow-up period
counts as the follow-up consent (the project agreement carries it). Every such read is logged
where the plant sees it (AccessLogEntry).
"""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone

from datahub.choices import Purpose
from datahub.models import AccessLogEntry, Consent, ReadKind
from hub import roles


def is_own(user, plant) -> bool:
    company = roles.sme_company_of(user)
    return company is not None and plant.company_id == company.pk


def purpose_of_read(user, plant) -> Purpose | None:
    """The consented purpose under which `user` may read `plant`'s data, or None. The
    plant's own members need none (and are not logged)."""
    consents = Consent.objects.active().filter(plant=plant)
    if roles.is_agency_staff_or_admin(user):
        if consents.filter(purpose=Purpose.FOLLOW_UP).exists() or in_follow_up(plant):
            return Purpose.FOLLOW_UP
        return None
    firm = roles.partner_firm_of(user)
    if firm is not None:
        from hub.models import Plant

        mentored = Plant.objects.visible_to(user).filter(pk=plant.pk).exists()
        if mentored and consents.filter(purpose=Purpose.PARTNER, partner=firm).exists():
            return Purpose.PARTNER
    return None


def in_follow_up(plant, today=None) -> bool:
    """A completed project's agreement carries the program follow-up consent for its
    follow-up period (its program's follow-up years after completion): the plant cannot withdraw
    it then, and its consents page says so."""
    from datahub.services.consents import follow_up_until

    until = follow_up_until(plant)
    return until is not None and until >= (today or timezone.localdate())


def may_read(user, plant) -> bool:
    return is_own(user, plant) or purpose_of_read(user, plant) is not None


def log_read(*, user, plant, purpose, kind: ReadKind, **details) -> AccessLogEntry:
    """Log one read: its kind and details (plain values) are kept as data and worded in the
    language of whoever reads the log."""
    membership = roles.membership_of(user)
    return AccessLogEntry.objects.create(
        plant=plant,
        user=user if user is not None and user.is_authenticated else None,
        organization=membership.organization if membership else None,
        purpose=purpose,
        kind=kind,
        details=details,
    )


def open_for_reading(user, plant, kind: ReadKind, **details) -> Purpose | None:
    """Call before reading a plant's data: raises Http404 when the user may not read it
    (never a hint that it exists), logs the read when it is not the plant's own, and returns
    the purpose (None for the plant itself)."""
    if is_own(user, plant):
        return None
    purpose = purpose_of_read(user, plant)
    if purpose is None:
        raise Http404
    log_read(user=user, plant=plant, purpose=purpose, kind=kind, **details)
    return purpose
