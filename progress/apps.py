from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgressConfig(AppConfig):
    name = "progress"
    verbose_name = _("Progress")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from hub import extensions

        # tasks: registered in every process, as the services enqueue the build by its name.
        from progress import cache, home, nav, tasks  # noqa: F401

        extensions.register(extensions.nav_items, nav.nav)
        extensions.register(extensions.home_cards, home.cards)
        extensions.register(extensions.home_actions, home.actions)
        cache.connect()
