"""Writing audit entries: every service that changes something calls `audit_record`."""

import datetime
import decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models

from hub.models import AuditEntry


def _plain(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict:
    """The concrete field values of obj as JSON-ready data (foreign keys as ids)."""
    data = {}
    for field in obj._meta.concrete_fields:
        if field.name in ("created_at", "updated_at"):
            continue
        if fields is not None and field.name not in fields:
            continue
        data[field.name] = _plain(getattr(obj, field.attname))
    return data


def audit_entry(*, user, action, obj=None, before=None, after=None, message="") -> AuditEntry:
    """An unsaved entry, for bulk writes."""
    entry = AuditEntry(
        user=user if user is not None and user.is_authenticated else None,
        action=action,
        before=before,
        after=after,
        message=message,
    )
    if obj is not None:
        entry.content_type = ContentType.objects.get_for_model(type(obj))
        entry.object_id = str(obj.pk)
        entry.object_repr = str(obj)[:300]
    return entry


def audit_record(*, user, action, obj=None, before=None, after=None, message="") -> AuditEntry:
    entry = audit_entry(
        user=user, action=action, obj=obj, before=before, after=after, message=message
    )
    entry.save()
    return entry
