from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HubConfig(AppConfig):
    name = "hub"
    verbose_name = _("Registry")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth.models import update_last_login
        from django.contrib.auth.signals import user_logged_in

        from hub import extensions, mfa
        from hub.models import Mentorship, Organization, Plant
        from hub.views.home import registry_actions, remember_previous_login

        # The home page's "since your last visit" needs the sign-in before this one: this
        # receiver keeps it in the session, then records the new one as Django's would.
        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        user_logged_in.connect(remember_previous_login, dispatch_uid="hub_previous_login")
        # Whether the new session owes a second step (two-step sign-in, hub/mfa.py).
        user_logged_in.connect(mfa.remember_at_sign_in, dispatch_uid="hub_mfa_pending")
        extensions.register(extensions.home_actions, registry_actions)
        for model, url_name in (
            (Plant, "hub:plant_detail"),
            (Organization, "hub:organization_detail"),
            (Mentorship, "hub:mentorship_detail"),
        ):
            extensions.register(
                extensions.home_audited_models, extensions.AuditedModel(model, url_name)
            )
