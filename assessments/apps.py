from django.apps import AppConfig
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def consultant_assigned_plants(user) -> Q:
    """A consultant sees the plants whose assessments are assigned to them."""
    from assessments.models import Assessment

    return Q(pk__in=Assessment.objects.filter(consultant=user).values("plant_id"))


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Assessments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from assessments import home, panels
        from assessments.models import Assessment
        from hub import extensions, roles

        if consultant_assigned_plants not in roles.consultant_plant_rules:
            roles.consultant_plant_rules.append(consultant_assigned_plants)
        extensions.register(extensions.plant_panels, panels.plant_panel)
        extensions.register(extensions.nav_items, panels.nav_items)
        extensions.register(extensions.home_cards, home.cards)
        extensions.register(extensions.home_actions, home.actions)
        extensions.register(
            extensions.home_audited_models,
            extensions.AuditedModel(Assessment, "assessments:assessment_detail"),
        )
        from assessments import self_home

        extensions.register(extensions.plant_panels, self_home.plant_panel)
        extensions.register(extensions.nav_items, self_home.nav_items)
