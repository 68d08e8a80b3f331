"""The program's two national targets (2018 national strategy): 30,000 supported plants and
25 % of them at Level 3 or higher, both due in 2022."""

from decimal import Decimal

from django.db import migrations

TARGETS = [("supported_plants", Decimal(30000), 2022), ("level3_share", Decimal(25), 2022)]


def seed(apps, schema_editor):
    Target = apps.get_model("programs", "Target")
    TargetChange = apps.get_model("programs", "TargetChange")
    for code, value, due_year in TARGETS:
        target, created = Target.objects.get_or_create(
            code=code, defaults={"value": value, "due_year": due_year}
        )
        if created:
            TargetChange.objects.create(
                target=target, value=value, due_year=due_year,
                note="2018 national strategy (seed)",
            )


def unseed(apps, schema_editor):
    apps.get_model("programs", "Target").objects.filter(code__in=[t[0] for t in TARGETS]).delete()


class Migration(migrations.Migration):
    dependencies = [("programs", "0003_targets_and_reports")]
    operations = [migrations.RunPython(seed, unseed)]
