"""The third national target: supported plants connected to the data hub.

7,500 connected plants by the end of 2028. Why that value: Level 3 (분석·제어) means a plant
analyses its data and uses it to control its processes, and the program's second target is
25 % of its 30,000 supported plants at Level 3 or higher — 7,500 plants. Those are the plants
whose systems already produce the KPIs the hub collects; the target is that each of them sends
its data. Why 2028: the hub opens to plants in 2026, and a plant connects when its next
follow-up year or project comes round, so two full years. Agency staff change the target on
/progress/targets/ like the others; its history starts with this row.
"""

from decimal import Decimal

from django.db import migrations, models

CODE = "connected_plants"
VALUE = Decimal(7500)
DUE_YEAR = 2028


def seed(apps, schema_editor):
    Target = apps.get_model("progress", "Target")
    TargetChange = apps.get_model("progress", "TargetChange")
    target, created = Target.objects.get_or_create(
        code=CODE, defaults={"value": VALUE, "due_year": DUE_YEAR}
    )
    if created:
        TargetChange.objects.create(
            target=target,
            value=VALUE,
            due_year=DUE_YEAR,
            note="Data hub: the 7,500 plants of the 25 % Level 3+ target connected (seed)",
        )


def unseed(apps, schema_editor):
    apps.get_model("progress", "Target").objects.filter(code=CODE).delete()


class Migration(migrations.Migration):
    dependencies = [("progress", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="target",
            name="code",
            field=models.CharField(
                choices=[
                    ("supported_plants", "Supported plants"),
                    ("level3_share", "Share of supported plants at Level 3 or higher (%)"),
                    ("connected_plants", "Connected plants (data hub)"),
                ],
                max_length=24,
                unique=True,
                verbose_name="target",
            ),
        ),
        migrations.RunPython(seed, unseed),
    ]
