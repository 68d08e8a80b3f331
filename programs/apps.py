from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = _("Programs")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from hub import extensions
        from programs import finance_nav, panels

        extensions.register(extensions.plant_panels, panels.plant_panel)
        extensions.register(extensions.nav_items, panels.nav_items)
        extensions.register(extensions.nav_items, finance_nav.nav)
        extensions.register(extensions.home_redirects, finance_nav.home)
