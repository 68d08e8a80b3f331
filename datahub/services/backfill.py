"""Backfills: agency staff let a plant send data older than the late-data horizon (history
kept before it connected, a system migrated), for a period and until an expiry. Audited."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from datahub.models import BackfillApproval
from hub import roles
from hub.audit import audit_record, snapshot
from hub.choices import AuditAction

DEFAULT_VALIDITY = dt.timedelta(days=30)


@transaction.atomic
def backfill_approve(*, user, plant, start, end, reason: str, expires_at=None):
    if not roles.is_agency_staff_or_admin(user):
        raise PermissionDenied(_("Only agency staff approve backfills."))
    errors = {}
    if start is None or end is None or end <= start:
        errors["end"] = _("The end must be after the start.")
    elif end > timezone.now():
        errors["end"] = _("A backfill covers the past only.")
    if not (reason or "").strip():
        errors["reason"] = _("Say why the backfill is needed.")
    expires_at = expires_at or timezone.now() + DEFAULT_VALIDITY
    if expires_at <= timezone.now():
        errors["expires_at"] = _("The approval must expire in the future.")
    if errors:
        raise ValidationError(errors)
    approval = BackfillApproval.objects.create(
        plant=plant,
        start=start,
        end=end,
        reason=reason.strip(),
        approved_by=user,
        expires_at=expires_at,
    )
    audit_record(user=user, action=AuditAction.CREATE, obj=approval, after=snapshot(approval))
    return approval


def covering(plant_id: int, now=None):
    """The plant's approvals in force now, as (start, end) pairs."""
    now = now or timezone.now()
    return list(
        BackfillApproval.objects.filter(plant_id=plant_id, expires_at__gt=now).values_list(
            "start", "end"
        )
    )
