"""Load the shipped KPI catalogue (v1), so ingestion works on a fresh database."""

from django.db import migrations


def load_v1(apps, schema_editor):
    from datahub.services import catalogue

    catalogue.load(
        catalogue.read(),
        catalogue_model=apps.get_model("datahub", "KpiCatalogue"),
        definition_model=apps.get_model("datahub", "KpiDefinition"),
    )


class Migration(migrations.Migration):
    dependencies = [("datahub", "0001_initial")]

    operations = [migrations.RunPython(load_v1, migrations.RunPython.noop)]
