"""The distribution column: `plant_id` joins the primary key of the observation, rollup and
dirty-bucket tables, and the idempotency key of ingest requests is unique per (plant, source),
so each of these tables could be distributed by plant (docs/architecture.md, "Distributing
the data hub"). Series stays first in each key, so the indexes serve the same look-ups.

On PostgreSQL the observation table is natively partitioned (0001): its key is changed on the
parent, which changes every partition. On SQLite the three tables are rebuilt."""

from django.db import migrations, models

KEYS = {
    "Observation": ("series_id", "ts", "plant_id"),
    "RollupBucket": ("series_id", "rollup", "bucket", "plant_id"),
    "DirtyBucket": ("series_id", "hour", "plant_id"),
}
OLD_KEYS = {
    "Observation": ("series_id", "ts"),
    "RollupBucket": ("series_id", "rollup", "bucket"),
    "DirtyBucket": ("series_id", "hour"),
}


def _set_keys(apps, schema_editor, keys):
    connection = schema_editor.connection
    for name, columns in keys.items():
        model = apps.get_model("datahub", name)
        table = model._meta.db_table
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT conname FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype = 'p'",
                    [table],
                )
                (constraint,) = cursor.fetchone()
            quoted = ", ".join(schema_editor.quote_name(c) for c in columns)
            schema_editor.execute(
                f"ALTER TABLE {schema_editor.quote_name(table)} "
                f"DROP CONSTRAINT {schema_editor.quote_name(constraint)}, "
                f"ADD PRIMARY KEY ({quoted})"
            )
        else:
            # SQLite cannot alter a primary key: the table is rebuilt from the model's state.
            schema_editor._remake_table(model)


def forwards(apps, schema_editor):
    _set_keys(apps, schema_editor, KEYS)


def backwards(apps, schema_editor):
    _set_keys(apps, schema_editor, OLD_KEYS)


class Migration(migrations.Migration):
    dependencies = [
        ("datahub", "0006_reads_and_refusals_as_data"),
        ("hub", "0005_invitation"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="ingestrequest",
            name="ingest_unique_idempotency_key",
        ),
        migrations.AlterField(
            model_name="dirtybucket",
            name="pk",
            field=models.CompositePrimaryKey(
                "series",
                "hour",
                "plant",
                blank=True,
                editable=False,
                primary_key=True,
                serialize=False,
            ),
        ),
        migrations.AlterField(
            model_name="observation",
            name="pk",
            field=models.CompositePrimaryKey(
                "series",
                "ts",
                "plant",
                blank=True,
                editable=False,
                primary_key=True,
                serialize=False,
            ),
        ),
        migrations.AlterField(
            model_name="rollupbucket",
            name="pk",
            field=models.CompositePrimaryKey(
                "series",
                "rollup",
                "bucket",
                "plant",
                blank=True,
                editable=False,
                primary_key=True,
                serialize=False,
            ),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.AddConstraint(
            model_name="ingestrequest",
            constraint=models.UniqueConstraint(
                condition=models.Q(("idempotency_key", ""), _negated=True),
                fields=("plant", "source", "idempotency_key"),
                name="ingest_unique_idempotency_key",
            ),
        ),
    ]
