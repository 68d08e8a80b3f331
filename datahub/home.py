"""What the data hub puts on the home page (hub.extensions.home_cards and home_actions;
registered in DatahubConfig.ready).

Agency staff, officials and administrators: overdue follow-up reports (the most overdue first)
and open early warnings (the newest finding first). Partner members: the overdue follow-up
reports of the projects their firm co-funds. SME members keep their data hub home (the
redirect in datahub.nav). Two queries a card.
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from datahub import followup_rules
from datahub.models import EarlyWarning, FollowUpPeriod
from datahub.models.warnings import WarningStatus
from hub import roles
from hub.extensions import HomeAction, HomeCard
from hub.formats import day

SHOWN = 5


def _late_followups(user, *, url: str) -> HomeCard:
    late = (
        FollowUpPeriod.objects.visible_to(user)
        .in_status([followup_rules.LATE])
        .select_related("plant")
        .order_by("due_date", "pk")
    )
    return HomeCard(
        title=_("overdue follow-up reports"),
        count=late.count(),
        url=url,
        items=[
            (
                period.plant.name,
                reverse("datahub:followups_plant", args=[period.plant_id]),
                _("due %(day)s") % {"day": day(period.due_date)},
            )
            for period in late[:SHOWN]
        ],
        empty=_("No follow-up report is overdue."),
        order=30,
        tone="warn",
    )


def _open_warnings(user) -> HomeCard:
    found = (
        EarlyWarning.objects.visible_to(user)
        .filter(status=WarningStatus.OPEN)
        .select_related("plant")
        .queue_order()
    )
    return HomeCard(
        title=_("open early warnings"),
        count=found.count(),
        url=reverse("datahub:warnings") + "?status=open",
        items=[
            (warning.plant.name, warning.get_absolute_url(), warning.get_kind_display())
            for warning in found[:SHOWN]
        ],
        empty=_("No open early warning."),
        order=20,
        tone="warn",
    )


def cards(user) -> list[HomeCard]:
    if roles.sees_everything(user):
        queue = reverse("datahub:followups") + "?status=late"
        return [_open_warnings(user), _late_followups(user, url=queue)]
    if roles.is_partner_member(user):
        return [_late_followups(user, url=reverse("programs:portfolio"))]
    return []


def actions(user) -> list[HomeAction]:
    if roles.is_agency_staff_or_admin(user):
        return [HomeAction(_("Work through early warnings"), reverse("datahub:warnings"), 20)]
    return []
