from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DatahubConfig(AppConfig):
    name = "datahub"
    verbose_name = _("Data hub")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        import datahub.nav  # noqa: F401  (the Data hub entry and the SME home page)

        # tasks: registered in every process (beat and services name them).
        from datahub import columns, home, panels, tasks  # noqa: F401
        from datahub.services import ingest, rollups
        from hub import extensions

        extensions.register(extensions.plant_panels, panels.plant_panel)
        extensions.register(extensions.home_cards, home.cards)
        extensions.register(extensions.home_actions, home.actions)
        extensions.register(extensions.plant_list_columns, columns.connected_column)
        extensions.register(extensions.portfolio_plant_columns, columns.portfolio_connected_column)
        # Rollups of what an ingest wrote are refreshed soon after its commit.
        ingest.rows_written.connect(rollups.after_ingest, dispatch_uid="datahub-rollups")
        # Follow-up (사후관리): reports received, projects completed, programs' terms changed.
        from django.db.models.signals import post_save

        from datahub.services import followups
        from hub import signals
        from programs.models import KPI, Program, Project

        ingest.rows_written.connect(followups.after_ingest, dispatch_uid="datahub-followups")
        post_save.connect(followups.after_project_saved, sender=Project, dispatch_uid="fu-proj")
        post_save.connect(followups.after_program_saved, sender=Program, dispatch_uid="fu-prog")
        post_save.connect(followups.after_kpi_saved, sender=KPI, dispatch_uid="fu-kpi")
        signals.bulk_written.connect(followups.after_bulk_written, dispatch_uid="fu-bulk")
