"""The access log is append-only like the audit log: what was read stays on record."""

import pytest

from datahub.choices import Purpose
from datahub.models import AccessLogEntry, ReadKind
from datahub.services.access import log_read
from hub.models import AuditLogAppendOnly


@pytest.fixture
def entry(world):
    return log_read(
        user=world.partner_a,
        plant=world.plant_a,
        purpose=Purpose.PARTNER,
        kind=ReadKind.DASHBOARD,
    )


def test_an_entry_cannot_be_saved_again_or_deleted(entry):
    entry.purpose = Purpose.FOLLOW_UP
    with pytest.raises(AuditLogAppendOnly):
        entry.save()
    with pytest.raises(AuditLogAppendOnly):
        entry.delete()
    stored = AccessLogEntry.objects.get(pk=entry.pk)
    assert stored.purpose == Purpose.PARTNER


def test_the_queryset_refuses_every_change(entry):
    rows = AccessLogEntry.objects.filter(pk=entry.pk)
    for attempt in (
        lambda: rows.update(purpose=Purpose.FOLLOW_UP),
        lambda: rows.delete(),
        lambda: AccessLogEntry.objects.bulk_update([entry], ["purpose"]),
        lambda: AccessLogEntry.objects.update_or_create(pk=entry.pk, defaults={"kind": "other"}),
    ):
        with pytest.raises(AuditLogAppendOnly):
            attempt()
    assert AccessLogEntry.objects.filter(pk=entry.pk, purpose=Purpose.PARTNER).count() == 1


def test_new_entries_are_still_written_one_by_one_and_in_bulk(world, entry):
    log_read(user=world.agency, plant=world.plant_a, purpose=Purpose.FOLLOW_UP, kind=ReadKind.AAS)
    AccessLogEntry.objects.bulk_create(
        [AccessLogEntry(plant=world.plant_b, purpose=Purpose.FOLLOW_UP, kind=ReadKind.SERIES)]
    )
    assert AccessLogEntry.objects.count() == 3
