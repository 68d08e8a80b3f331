"""Writing a validated import: bulk inserts and updates plus their audit entries, fast enough
for 30,000-row files.

`QuerySet.bulk_update` builds one CASE WHEN expression per object and field; for tens of
thousands of objects the expression building alone takes seconds and PostgreSQL then
evaluates the CASE row by row. On PostgreSQL we send UPDATE … FROM (VALUES …) instead, one
statement per batch; other backends (the embedded SQLite) keep bulk_update.
"""

from django.db import connections, router
from django.utils import timezone

from hub import signals
from hub.audit import audit_entry, import_note, snapshot
from hub.choices import AuditAction
from hub.models import AuditEntry, Organization, Plant

from .report import ImportReport

WRITE_BATCH = 1_000


def write_plan(*, user, report: ImportReport, companies: list, plants: list) -> None:
    """Create and update the planned companies, then plants, then all audit entries. Plans
    carry `obj`, `created`, `changed_fields`, `before` and `row`; a new plant's `company`
    plan has just been saved when the plant is. Call inside transaction.atomic()."""
    now = timezone.now()
    # PostgreSQL and SQLite ≥ 3.35 return the new ids from bulk_create.
    Organization.objects.bulk_create(
        [p.obj for p in companies if p.created], batch_size=WRITE_BATCH
    )
    _update_changed(Organization, companies, now)
    new_plants = []
    for plan in plants:
        if plan.created:
            plan.obj.company = plan.company.obj  # saved by now: sets company_id
            new_plants.append(plan.obj)
    Plant.objects.bulk_create(new_plants, batch_size=WRITE_BATCH)
    _update_changed(Plant, plants, now)
    AuditEntry.objects.bulk_create(
        _audit_entries(user, report, [*companies, *plants]), batch_size=WRITE_BATCH
    )
    report.written = True
    signals.bulk_written.send(sender=Plant)


def _update_changed(model, plans, now) -> None:
    changed = [p for p in plans if p.changed_fields]
    if not changed:
        return
    fields = set().union(*(p.changed_fields for p in changed))
    for plan in changed:
        plan.obj.updated_at = now  # bulk updates skip auto_now
    bulk_update(model, [p.obj for p in changed], [*sorted(fields), "updated_at"])


def _audit_entries(user, report: ImportReport, plans) -> list[AuditEntry]:
    entries = [
        audit_entry(
            user=user,
            action=AuditAction.CREATE if plan.created else AuditAction.UPDATE,
            obj=plan.obj,
            before=None if plan.created else plan.before,
            after=snapshot(plan.obj),
            message=import_note(report.filename, plan.row),
        )
        for plan in plans
        if plan.created or plan.changed_fields
    ]
    entries.append(
        audit_entry(
            user=user,
            action=AuditAction.IMPORT,
            after={
                "file": report.filename,
                "format": report.format,
                "rows": report.rows,
                "companies": dict(vars(report.companies)),
                "plants": dict(vars(report.plants)),
            },
            message=f"{report.filename}: {report.summary}",
        )
    )
    return entries


def bulk_update(
    model, objs: list, field_names: list[str], *, batch_size: int = WRITE_BATCH
) -> None:
    if not objs:
        return
    using = router.db_for_write(model)
    connection = connections[using]
    if connection.vendor != "postgresql":
        model.objects.using(using).bulk_update(objs, field_names, batch_size=batch_size)
        return
    meta = model._meta
    quote = connection.ops.quote_name
    columns = [meta.pk, *(meta.get_field(name) for name in field_names)]
    # Explicit casts: VALUES alone would guess types (NULLs and strings as text).
    row_sql = "(" + ", ".join(f"%s::{f.db_type(connection)}" for f in columns) + ")"
    assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in columns[1:])
    aliases = ", ".join(quote(f.column) for f in columns)
    pk_column = quote(meta.pk.column)
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            batch = objs[start : start + batch_size]
            params = [
                field.get_db_prep_save(getattr(obj, field.attname), connection)
                for obj in batch
                for field in columns
            ]
            cursor.execute(
                f"UPDATE {quote(meta.db_table)} SET {assignments} "  # noqa: S608 - names are quoted model metadata  # nosec B608
                f"FROM (VALUES {', '.join([row_sql] * len(batch))}) AS v ({aliases}) "
                f"WHERE {quote(meta.db_table)}.{pk_column} = v.{pk_column}",
                params,
            )
