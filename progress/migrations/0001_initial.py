
import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The targets, their history and the progress reports moved here from the programs app with
# their tables: this migration only adds them to the progress app's state (the tables exist
# since programs 0003/0005); programs 0006 removes them from that app's state.


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("programs", "0005_report_heartbeat"),
    ]

    state_operations = [
        migrations.CreateModel(
            name='Target',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(choices=[('supported_plants', 'Supported plants'), ('level3_share', 'Share of supported plants at Level 3 or higher (%)')], max_length=24, unique=True, verbose_name='target')),
                ('value', models.DecimalField(decimal_places=2, max_digits=12, validators=[django.core.validators.MinValueValidator(0)], verbose_name='value')),
                ('due_year', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(2000), django.core.validators.MaxValueValidator(2100)], verbose_name='due year')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
            ],
            options={
                'verbose_name': 'target',
                'verbose_name_plural': 'targets',
                'db_table': 'programs_target',
                'ordering': ['code'],
            },
        ),
        migrations.CreateModel(
            name='ProgressReport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('scope', models.CharField(choices=[('national', 'National'), ('region', 'Region'), ('program', 'Program'), ('partner', 'Partner firm')], max_length=16, verbose_name='scope')),
                ('scope_value', models.CharField(blank=True, max_length=40, verbose_name='scope value')),
                ('language', models.CharField(choices=[('ko', 'Korean'), ('en', 'English')], max_length=5, verbose_name='language')),
                ('as_of', models.DateField(verbose_name='as of')),
                ('status', models.CharField(choices=[('pending', 'Pending'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], db_index=True, default='pending', max_length=16, verbose_name='status')),
                ('progress', models.PositiveSmallIntegerField(default=0, verbose_name='progress (%)')),
                ('error', models.TextField(blank=True, verbose_name='error')),
                ('digest', models.CharField(blank=True, max_length=64, verbose_name='SHA-256 of the figures')),
                ('figures', models.JSONField(blank=True, null=True, verbose_name='figures')),
                ('file', models.FileField(blank=True, max_length=300, upload_to='reports/%Y/%m/', verbose_name='file')),
                ('requested_at', models.DateTimeField(auto_now_add=True, verbose_name='requested at')),
                ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='started at')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished at')),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                ('heartbeat_at', models.DateTimeField(blank=True, null=True, verbose_name='last heartbeat')),
                ('task_id', models.CharField(blank=True, max_length=64, verbose_name='build task')),
                ('requested_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='requested by')),
            ],
            options={
                'verbose_name': 'progress report',
                'verbose_name_plural': 'progress reports',
                'db_table': 'programs_progressreport',
                'ordering': ['-requested_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='TargetChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('value', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='value')),
                ('due_year', models.PositiveSmallIntegerField(verbose_name='due year')),
                ('changed_at', models.DateTimeField(auto_now_add=True, verbose_name='changed at')),
                ('note', models.TextField(blank=True, verbose_name='note')),
                ('changed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='changed by')),
                ('target', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='changes', to='progress.target', verbose_name='target')),
            ],
            options={
                'verbose_name': 'target change',
                'verbose_name_plural': 'target changes',
                'db_table': 'programs_targetchange',
                'ordering': ['-changed_at', '-pk'],
            },
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations)
    ]
