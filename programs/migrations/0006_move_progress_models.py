
from django.db import migrations

MOVED = ("target", "targetchange", "progressreport")


def move_content_types(apps, schema_editor):
    """Audit entries and permissions follow the models to their new app."""
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not content_type.objects.filter(app_label="progress", model=model).exists():
            content_type.objects.filter(app_label="programs", model=model).update(
                app_label="progress"
            )


def restore_content_types(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="progress", model__in=MOVED).update(
        app_label="programs"
    )


class Migration(migrations.Migration):

    dependencies = [
        ('programs', '0005_report_heartbeat'),
        ('progress', '0001_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    state_operations = [
        migrations.RemoveField(
            model_name='targetchange',
            name='target',
        ),
        migrations.RemoveField(
            model_name='targetchange',
            name='changed_by',
        ),
        migrations.DeleteModel(
            name='ProgressReport',
        ),
        migrations.DeleteModel(
            name='Target',
        ),
        migrations.DeleteModel(
            name='TargetChange',
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations),
        migrations.RunPython(move_content_types, restore_content_types),
    ]
