from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = _("Programs")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from hub import extensions
        from programs import finance_nav, home, panels
        from programs.models import Program, Project

        extensions.register(extensions.plant_panels, panels.plant_panel)
        extensions.register(extensions.nav_items, panels.nav_items)
        extensions.register(extensions.nav_items, finance_nav.nav)
        extensions.register(extensions.home_cards, home.cards)
        extensions.register(extensions.home_actions, home.actions)
        for model, url_name in (
            (Program, "programs:program_detail"),
            (Project, "programs:project_detail"),
        ):
            extensions.register(
                extensions.home_audited_models, extensions.AuditedModel(model, url_name)
            )
