"""The data hub's tables as they would be distributed by plant (docs/architecture.md,
"Distributing the data hub"): this test reads the real schema of the test database
(Django's introspection, on SQLite and PostgreSQL; the PostgreSQL catalog for the monthly
partitions) and fails when
- a plant-data table lacks `plant_id` in its primary key or in any unique key;
- a plant-data table that keeps a surrogate `id` key has a unique key without `plant_id`;
- a new data-hub table appears that is not classified below.
Classifying a new table is a decision: which of the four kinds it is, and why."""

import datetime as dt

import pytest
from django.db import connection

from datahub import partitions

pytestmark = pytest.mark.django_db

# Rows grow with plants × time; distributed by plant_id, co-located with one another. Their
# primary key and every unique key hold plant_id (series first, for the indexes' sake).
DISTRIBUTED = {
    "datahub_observation": ("series_id", "ts", "plant_id"),
    "datahub_rollupbucket": ("series_id", "rollup", "bucket", "plant_id"),
    "datahub_dirtybucket": ("series_id", "hour", "plant_id"),
}
# Rows grow with plants × time too and are distributed by plant_id, but keep Django's
# surrogate `id` as the primary key: Django 5.2 cannot put an auto-increment id in a
# composite key, nor point a ForeignKey at one (corrections point at their ingest request).
# When distributed, their key becomes (plant_id, id) by SQL (docs/architecture.md); meanwhile
# every unique key already holds plant_id, and plant_id is never empty.
DISTRIBUTED_SURROGATE = {
    "datahub_ingestrequest",
    "datahub_correction",
    "datahub_accesslogentry",
    "datahub_earlywarning",
}
# Small, read with the plant data (joins, access checks): copied to every node.
REFERENCE = {
    "datahub_kpicatalogue",
    "datahub_kpidefinition",
    "datahub_datasource",
    "datahub_series",
    "datahub_consent",
}
# Workflow rows that grow with people and projects, not with time series; they join the
# registry and programs tables and stay on the coordinator.
COORDINATOR = {
    "datahub_sourcetoken",
    "datahub_backfillapproval",
    "datahub_followupperiod",
    "datahub_researchdataset",
    "datahub_datasetdownload",
}
CLASSIFIED = set(DISTRIBUTED) | DISTRIBUTED_SURROGATE | REFERENCE | COORDINATOR


def datahub_tables() -> set[str]:
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor)
    return {
        n for n in names if n.startswith("datahub_") and not n.startswith("datahub_observation_p")
    }


def keys(table: str) -> tuple[list[str], list[list[str]]]:
    """(primary key columns, [columns of each other unique key]) of a table."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    primary, uniques = [], []
    for constraint in constraints.values():
        if constraint["primary_key"]:
            primary = list(constraint["columns"])
        elif constraint["unique"]:
            uniques.append(list(constraint["columns"]))
    if connection.vendor == "sqlite":
        # Django lists SQLite's key columns in table order; the key's own order is in pk.
        with connection.cursor() as cursor:
            cursor.execute(f'PRAGMA table_info("{table}")')
            rows = [r for r in cursor.fetchall() if r[5]]
        primary = [r[1] for r in sorted(rows, key=lambda r: r[5])]
    return primary, uniques


def test_every_data_hub_table_is_classified():
    tables = datahub_tables()
    assert tables - CLASSIFIED == set(), (
        "new data-hub tables: classify them in this test and docs/architecture.md"
    )
    assert CLASSIFIED - tables == set(), "classified tables that no longer exist"
    kinds = [set(DISTRIBUTED), DISTRIBUTED_SURROGATE, REFERENCE, COORDINATOR]
    assert sum(len(k) for k in kinds) == len(CLASSIFIED), "a table classified twice"


@pytest.mark.parametrize("table", sorted(DISTRIBUTED))
def test_plant_data_keys_hold_the_distribution_column(table):
    primary, uniques = keys(table)
    assert primary == list(DISTRIBUTED[table])
    for unique in uniques:
        assert "plant_id" in unique, (table, unique)


@pytest.mark.parametrize("table", sorted(DISTRIBUTED_SURROGATE))
def test_surrogate_keyed_plant_data_has_plant_id_in_every_unique_key(table):
    primary, uniques = keys(table)
    assert primary == ["id"]
    for unique in uniques:
        assert "plant_id" in unique, (table, unique)
    with connection.cursor() as cursor:
        columns = {c.name: c for c in connection.introspection.get_table_description(cursor, table)}
    assert "plant_id" in columns and not columns["plant_id"].null_ok, table


def test_the_idempotency_key_is_unique_per_plant_and_source():
    _primary, uniques = keys("datahub_ingestrequest")
    assert ["plant_id", "source_id", "idempotency_key"] in uniques


@pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions: PostgreSQL only")
def test_every_monthly_partition_has_the_parents_key():
    partitions.ensure(dt.date(2031, 1, 1), dt.date(2031, 2, 1))
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname, array_agg(a.attname ORDER BY k.ord)
               FROM pg_inherits i
               JOIN pg_class c ON c.oid = i.inhrelid
               JOIN pg_class p ON p.oid = i.inhparent AND p.relname = %s
               JOIN pg_constraint x ON x.conrelid = c.oid AND x.contype = 'p'
               CROSS JOIN LATERAL unnest(x.conkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
               GROUP BY c.relname""",
            [partitions.PARENT],
        )
        found = dict(cursor.fetchall())
    assert partitions.partition_name(dt.date(2031, 1, 1)) in found
    for name, columns in found.items():
        assert list(columns) == ["series_id", "ts", "plant_id"], name
