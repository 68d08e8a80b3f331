"""Bulk writing for the generators: PostgreSQL `COPY` with ids assigned up front, `bulk_create`
elsewhere, keeping given timestamps of auto_now fields."""

from __future__ import annotations

import contextlib

from django.db import connection, transaction
from django.utils import timezone

from programs.choices import ProjectStatus

AGENCY_USERNAME = "national-agency"
CONSULTANT_USERNAME = "national-consultant-{:02d}"
STEP_FIELDS = {
    ProjectStatus.APPLIED: "applied_on",
    ProjectStatus.SELECTED: "selected_on",
    ProjectStatus.AGREED: "agreed_on",
    ProjectStatus.BUILDING: "building_on",
    ProjectStatus.COMPLETED: "completed_on",
    ProjectStatus.DROPPED: "dropped_on",
}


class Writer:
    """Bulk inserts: COPY on PostgreSQL (ids given explicitly, sequences moved after), else
    bulk_create in batches. Columns not given take the model default (auto_now: now)."""

    def __init__(self):
        self.pg = connection.vendor == "postgresql"
        self.now = timezone.now()

    def next_id(self, model) -> int:
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608 - model table  # nosec B608
            return cursor.fetchone()[0]

    def json(self, value):
        if self.pg:
            from psycopg.types.json import Jsonb

            return Jsonb(value)
        return value

    def write(self, model, columns: list[str], rows, consts: dict | None = None) -> int:
        consts = dict(consts or {})
        if self.pg:
            return self._copy(model, columns, rows, consts)
        return self._bulk(model, columns, rows, consts)

    def _copy(self, model, columns, rows, consts) -> int:
        for f in model._meta.concrete_fields:
            if f.attname in columns or f.attname in consts or f.primary_key:
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                consts[f.attname] = self.now
            else:
                default = f.get_default()
                consts[f.attname] = (
                    self.json(default) if f.get_internal_type() == "JSONField" else default
                )
        names = [*columns, *consts]
        fields = [model._meta.get_field(n) for n in names]
        sql = "COPY {} ({}) FROM STDIN".format(
            connection.ops.quote_name(model._meta.db_table),
            ", ".join(connection.ops.quote_name(f.column) for f in fields),
        )
        tail = tuple(consts.values())
        count = 0
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row + tail)
                count += 1
        if "id" in columns:
            table = model._meta.db_table
            with connection.cursor() as cursor:
                sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"  # noqa: E501, S608 - model table  # nosec B608
                cursor.execute(sql)
        return count

    def _bulk(self, model, columns, rows, consts, batch=2000) -> int:
        given = set(columns) | set(consts)
        patched = [
            f
            for f in model._meta.concrete_fields
            if f.attname in given
            and (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
        ]
        count, chunk = 0, []
        with no_auto_now(patched):
            for row in rows:
                chunk.append(model(**dict(zip(columns, row, strict=True)), **consts))
                if len(chunk) >= batch:
                    model.objects.bulk_create(chunk)
                    count += len(chunk)
                    chunk = []
            if chunk:
                model.objects.bulk_create(chunk)
                count += len(chunk)
        return count


@contextlib.contextmanager
def no_auto_now(fields):
    """Let bulk_create keep given values of auto_now(_add) fields (historical timestamps)."""
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    try:
        for f in fields:
            f.auto_now = f.auto_now_add = False
        yield
    finally:
        for f, now, add in saved:
            f.auto_now, f.auto_now_add = now, add


def copy_observations(rows) -> int:
    """Binary COPY of (series_id, ts, plant_id, value) rows into the observation table, in one
    transaction (PostgreSQL; the months must have their partitions). Returns the rows
    written."""
    count = 0
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.cursor.copy(
            "COPY datahub_observation (series_id, ts, plant_id, value) FROM STDIN (FORMAT BINARY)"
        ) as copy,
    ):
        copy.set_types(["int8", "timestamptz", "int8", "float8"])
        for row in rows:
            copy.write_row(row)
            count += 1
    return count
