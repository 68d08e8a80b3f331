"""What the programs app adds to the registry's pages through `hub.extensions`: the plant
page's projects panel and the navigation entries. Registered in ProgramsConfig.ready."""

from django.urls import reverse
from django.utils.translation import gettext as _

from hub import roles
from hub.choices import PlantStatus
from programs import services
from programs.models import Project


def nav_items(user) -> list[tuple[str, str]]:
    """Programs and projects for every member (each list shows what the role may see)."""
    if not roles.is_member(user):
        return []
    return [
        (_("Programs"), reverse("programs:program_list")),
        (_("Projects"), reverse("programs:project_list")),
    ]


def plant_panel(request, plant):
    """The plant's projects the user may see; agency staff get the enrol button."""
    user = request.user
    projects = list(
        Project.objects.visible_to(user)
        .filter(plant=plant)
        .select_related("program", "partner")
        .order_by("-applied_on", "-pk")
    )
    can_enrol = services.can_manage_program(user) and plant.status != PlantStatus.CLOSED
    if not projects and not can_enrol and not roles.sees_everything(user):
        return None
    context = {"plant": plant, "projects": projects}
    if can_enrol:
        context["enrol_url"] = f"{reverse('programs:project_create')}?plant={plant.pk}"
    return {"template": "programs/plant_panel.html", "context": context}
