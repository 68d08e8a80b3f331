"""What the programs app puts on the home page (hub.extensions.home_cards, home_actions,
home_audited_models; registered in ProgramsConfig.ready).

Partner members: the mentored plants that need attention (never assessed, or their confirmed
level expired), and the portfolio as their first action. Two queries a card.
"""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hub import roles
from hub.choices import PlantStatus
from hub.extensions import HomeAction, HomeCard
from hub.formats import day
from hub.models import Plant

SHOWN = 5


def _plants_needing_attention(user) -> HomeCard:
    today = timezone.localdate()
    plants = (
        Plant.objects.visible_to(user)
        .filter(status=PlantStatus.ACTIVE)
        .filter(Q(current_level__isnull=True) | Q(level_valid_until__lt=today))
        .order_by("level_valid_until", "name", "pk")
    )

    def detail(plant):
        if plant.current_level is None:
            return _("never assessed")
        return _("level expired %(day)s") % {"day": day(plant.level_valid_until)}

    return HomeCard(
        title=_("mentored plants needing attention"),
        count=plants.count(),
        url=reverse("programs:portfolio"),
        items=[(p.name, p.get_absolute_url(), detail(p)) for p in plants[:SHOWN]],
        empty=_("Every mentored plant has a valid confirmed level."),
        order=10,
        tone="warn",
    )


def cards(user) -> list[HomeCard]:
    if roles.is_partner_member(user):
        return [_plants_needing_attention(user)]
    return []


def actions(user) -> list[HomeAction]:
    if roles.is_partner_member(user):
        return [
            HomeAction(_("Open the portfolio"), reverse("programs:portfolio"), order=10),
            HomeAction(_("Mentored plants"), reverse("hub:plant_list"), order=20),
        ]
    if roles.is_agency_staff_or_admin(user):
        return [HomeAction(_("Projects"), reverse("programs:project_list"), order=40)]
    return []
