"""Writing audit entries (every service that changes something calls `audit_record`) and
reading them as people do (`attach_change_rows`: names, not ids; labels, not codes)."""

import datetime
import decimal
import re
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_lazy

from hub.formats import number, org_name, person_name, program_name, unit_name
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


# --- Reading entries: what the audit trail and the audit log show -------------------------

# Messages some services store as fixed English notes (they are written for the log, not for
# one reader): shown in the reader's language.
STORED_NOTES = {
    "research dataset requested": gettext_lazy("Research dataset requested."),
    "research dataset refused": gettext_lazy("Research dataset refused."),
    "progress report retried": gettext_lazy("Progress report requested again."),
    "progress report swept: its worker stopped": gettext_lazy(
        "Progress report stopped: its worker ended."
    ),
    "two-step sign-in turned on": gettext_lazy("Two-step sign-in turned on."),
    "two-step sign-in turned off": gettext_lazy("Two-step sign-in turned off."),
    "recovery codes renewed": gettext_lazy("New recovery codes issued."),
    "signed in with a recovery code": gettext_lazy("Signed in with a recovery code."),
}
_DOWNLOADED = re.compile(r"^research dataset #(?P<id>\d+) downloaded \((?P<kind>[\w-]+)\)$")
_IMPORTED = re.compile(r"^imported from (?P<file>.+), row (?P<row>\d+)$")


def import_note(filename: str, row: int) -> str:
    """The stored note of a row written by a file import (worded per reader by message_text)."""
    return f"imported from {filename}, row {row}"


def message_text(message: str) -> str:
    """An entry's message in the reader's language when it is one of the stored notes."""
    if message in STORED_NOTES:
        return str(STORED_NOTES[message])
    match = _DOWNLOADED.match(message or "")
    if match:
        return gettext("Research dataset #%(id)s downloaded (%(kind)s).") % match.groupdict()
    match = _IMPORTED.match(message or "")
    if match:
        return gettext("Imported from %(file)s, row %(row)s.") % match.groupdict()
    return message


def _display_name(obj) -> str:
    """How a related object is named in a change: people by name (family name first in
    Korean), organisations and programs in the reader's language, the rest by str()."""
    if isinstance(obj, get_user_model()):
        return person_name(obj)
    if hasattr(obj, "name_ko") and hasattr(obj, "name_en"):
        return program_name(obj)
    if hasattr(obj, "name") and hasattr(obj, "name_en"):
        return org_name(obj)
    return str(obj)


def _value_text(field, value, names) -> str:
    if value is None or value == "":
        return "—"
    if _is_key(field):
        return names.get((field.related_model, str(value)), f"#{value}")
    if getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if field is not None and field.name == "unit":
        return unit_name(value) or "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(field, models.DecimalField | models.IntegerField):
        text = number(value, min(getattr(field, "decimal_places", 0) or 0, 2))
        return text if text != "—" else str(value)
    if isinstance(value, list | dict):
        return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return str(value)


def _is_key(field) -> bool:
    """A foreign key (or one-to-one) stored on the entry's model: its values are ids."""
    return (
        field is not None
        and getattr(field, "concrete", False)
        and (field.many_to_one or field.one_to_one)
        and field.related_model is not None
    )


def _field(model, name):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        pass
    # Snapshots store foreign keys under their attname ("company_id") as well.
    for field in model._meta.concrete_fields:
        if field.attname == name:
            return field
    # An object's entry may record one of its parts (a program's commitment: its "partner"
    # and "committed"): the field of the part's model.
    for relation in model._meta.related_objects:
        if relation.one_to_many and relation.related_model is not None:
            try:
                return relation.related_model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
    return None


# Keys some services record that are not fields of the object (a transition's date, an
# import's file and row count…).
KEY_LABELS = {
    "on": gettext_lazy("Date"),
    "rows": gettext_lazy("Rows"),
    "file": gettext_lazy("File"),
    "item": gettext_lazy("Item"),
    "items": gettext_lazy("Items"),
    "evidence": gettext_lazy("Evidence"),
    "version": gettext_lazy("Version"),
    "title": gettext_lazy("Title"),
    "size": gettext_lazy("File size"),
    "scope": gettext_lazy("Scope"),
    "scope_value": gettext_lazy("Scope value"),
    "refusal": gettext_lazy("Reason"),
    "projects": gettext_lazy("Projects"),
    "plants": gettext_lazy("Plants"),
    "language": gettext_lazy("Language"),
    "kpis": gettext_lazy("KPIs"),
    "assessments": gettext_lazy("Assessments"),
    "outcome_only": gettext_lazy("score and level only"),
    "note": gettext_lazy("Note"),
    "format": gettext_lazy("File format"),
    "dataset": gettext_lazy("Dataset"),
    "as_of": gettext_lazy("As of"),
    "status": gettext_lazy("Status"),
    "code": gettext_lazy("Code"),
}


def _label(model, name, field) -> str:
    if field is not None and hasattr(field, "verbose_name"):
        return capfirst(str(field.verbose_name))
    if name in KEY_LABELS:
        return str(KEY_LABELS[name])
    return name


def attach_change_rows(entries, model=None) -> None:
    """entry.change_rows = [(field label, before, after)] as people read them, for each entry
    (of `model`, or of its own object type): field names by their verbose names, choices by
    their labels, related objects by their names, not their ids. One query per related
    model on the page, whatever the number of entries. Also entry.message_text and
    entry.user_name."""
    prepared = []
    wanted = defaultdict(set)
    for entry in entries:
        # An object's trail also holds entries of its parts (a program's commitments): each
        # entry is read with its own model (content types are cached: no query).
        entry_model = model
        if entry.content_type_id:
            entry_model = ContentType.objects.get_for_id(entry.content_type_id).model_class()
        rows = []
        for name, before, after in entry.changes:
            field = _field(entry_model, name)
            if _is_key(field):
                for value in (before, after):
                    if value not in (None, ""):
                        wanted[field.related_model].add(str(value))
            rows.append((name, field, before, after))
        prepared.append((entry, entry_model, rows))
        entry.message_text = message_text(entry.message)
        entry.user_name = person_name(entry.user) if entry.user_id else ""
    names = {}
    for related, keys in wanted.items():
        pks = []
        for key in keys:
            try:
                pks.append(related._meta.pk.to_python(key))
            except ValidationError:
                continue
        for obj in related._base_manager.filter(pk__in=pks).order_by():
            names[(related, str(obj.pk))] = _display_name(obj)
    for entry, entry_model, rows in prepared:
        entry.change_rows = [
            (
                _label(entry_model, name, field),
                _marked(name, _value_text(field, before, names)),
                _marked(name, _value_text(field, after, names)),
            )
            for name, field, before, after in rows
        ]


def _marked(name: str, text: str) -> str:
    """An English name ("name_en") marked as English for readers and screen readers; keys
    and codes people type (a series key, an item code) as code."""
    if text == "—":
        return text
    if name.endswith("_en"):
        return format_html('<span lang="en">{}</span>', text)
    if name in ("key", "code", "username"):
        return format_html("<code>{}</code>", text)
    return text
