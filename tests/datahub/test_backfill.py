"""Backfill approvals: agency staff only, past periods only, audited."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from datahub.services import backfill
from hub.models import AuditEntry


def test_agency_staff_approve_a_past_period(world):
    now = timezone.now()
    approval = backfill.backfill_approve(
        user=world.agency,
        plant=world.plant_a,
        start=now - dt.timedelta(days=900),
        end=now - dt.timedelta(days=400),
        reason="MES history from before the hub",
    )
    assert backfill.covering(world.plant_a.pk) == [(approval.start, approval.end)]
    assert backfill.covering(world.plant_b.pk) == []
    assert backfill.covering(world.plant_a.pk, now=approval.expires_at) == []
    assert AuditEntry.objects.filter(object_id=str(approval.pk)).exists()


def test_nobody_else_approves_and_bad_periods_are_refused(world):
    now = timezone.now()
    period = {"start": now - dt.timedelta(days=900), "end": now - dt.timedelta(days=500)}
    for user in (world.sme, world.partner_a, world.official, world.consultant):
        with pytest.raises(PermissionDenied):
            backfill.backfill_approve(user=user, plant=world.plant_a, reason="x", **period)
    with pytest.raises(ValidationError) as error:
        backfill.backfill_approve(
            user=world.agency,
            plant=world.plant_a,
            start=period["end"],
            end=period["start"],
            reason="",
        )
    assert {"end", "reason"} <= set(error.value.message_dict)
