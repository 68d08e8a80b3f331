"""What the assessments app puts on the home page (hub.extensions.home_cards, home_actions,
home_audited_models; registered in AssessmentsConfig.ready).

Agency staff and administrators: submitted assessments to confirm (oldest first) and plants
never assessed with nothing open. Consultants: their own open assessments (returned first,
then by due date) and what they submitted that waits for confirmation. Two queries a card.
"""

from django.db import models
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.choices import EDITABLE_STATUSES, AssessmentStatus
from assessments.models import Assessment
from hub import roles
from hub.choices import PlantStatus
from hub.extensions import HomeAction, HomeCard
from hub.formats import day, person_name
from hub.models import Plant

SHOWN = 5


def queue_url(queue: str = "") -> str:
    url = reverse("assessments:assessment_list")
    return f"{url}?queue={queue}" if queue else url


def _to_confirm(user) -> HomeCard:
    waiting = (
        Assessment.objects.visible_to(user)
        .filter(status=AssessmentStatus.SUBMITTED)
        .select_related("plant", "consultant")
        .order_by("submitted_at", "pk")
    )
    return HomeCard(
        title=_("submitted assessments to confirm"),
        count=waiting.count(),
        url=queue_url("to_confirm"),
        items=[
            (
                a.plant.name,
                a.get_absolute_url(),
                _("%(consultant)s · submitted %(day)s")
                % {
                    "consultant": person_name(a.consultant),
                    "day": day(timezone.localdate(a.submitted_at)),
                },
            )
            for a in waiting[:SHOWN]
        ],
        empty=_("No assessment waits for your confirmation."),
        order=10,
    )


def _never_assessed(user) -> HomeCard:
    plants = (
        Plant.objects.visible_to(user)
        .filter(current_level__isnull=True, status=PlantStatus.ACTIVE)
        .exclude(Exists(Assessment.objects.filter(plant=OuterRef("pk"))))
        .select_related("company")
        .order_by("name", "pk")
    )
    return HomeCard(
        title=_("plants without an assessment"),
        count=plants.count(),
        url=reverse("hub:plant_list") + "?level=none",
        items=[
            (p.name, reverse("assessments:assessment_open", args=[p.pk]), p.company.name)
            for p in plants[:SHOWN]
        ],
        empty=_("Every active plant has an assessment."),
        order=40,
    )


def _consultant_open(user) -> HomeCard:
    mine = (
        Assessment.objects.visible_to(user)
        .filter(consultant=user, status__in=EDITABLE_STATUSES)
        .select_related("plant")
        .open_queue_order()
    )
    return HomeCard(
        title=_("open assessments to fill"),
        count=mine.count(),
        url=queue_url(),
        items=[
            (
                a.plant.name,
                reverse("assessments:assessment_fill", args=[a.pk]),
                a.get_status_display()
                + (f" · {_('due %(day)s') % {'day': day(a.due_on)}}" if a.due_on else ""),
            )
            for a in mine[:SHOWN]
        ],
        empty=_("No assessment is open for you."),
        order=10,
        tone="warn",
    )


def _consultant_submitted(user) -> HomeCard:
    waiting = (
        Assessment.objects.visible_to(user)
        .filter(consultant=user, status=AssessmentStatus.SUBMITTED)
        .select_related("plant")
        .order_by("submitted_at", "pk")
    )
    return HomeCard(
        title=_("submitted, awaiting confirmation"),
        count=waiting.count(),
        url=queue_url("to_confirm"),
        items=[
            (
                a.plant.name,
                a.get_absolute_url(),
                _("submitted %(day)s") % {"day": day(timezone.localdate(a.submitted_at))},
            )
            for a in waiting[:SHOWN]
        ],
        empty=_("Nothing of yours waits for confirmation."),
        order=20,
    )


def _consultant_spot_checks(user) -> HomeCard:
    """Blind spot-checks assigned to the consultant and still to rate (no hint of the
    checked assessment: plant and due date only)."""
    from assessments.models import SpotCheck

    mine = (
        SpotCheck.objects.visible_to(user)
        .filter(consultant=user, status="draft")
        .select_related("plant")
        .order_by(models.F("due_on").asc(nulls_last=True), "pk")
    )
    return HomeCard(
        title=_("spot-checks to rate"),
        count=mine.count(),
        url=reverse("assessments:spot_check_list"),
        items=[
            (
                c.plant.name,
                reverse("assessments:spot_check_fill", args=[c.pk]),
                _("due %(day)s") % {"day": day(c.due_on)} if c.due_on else "",
            )
            for c in mine[:SHOWN]
        ],
        empty=_("No spot-check is assigned to you."),
        order=15,
    )


def cards(user) -> list[HomeCard]:
    if roles.is_agency_staff_or_admin(user):
        return [_to_confirm(user), _never_assessed(user)]
    if roles.is_consultant(user):
        return [_consultant_open(user), _consultant_submitted(user), _consultant_spot_checks(user)]
    return []


def actions(user) -> list[HomeAction]:
    if roles.is_agency_staff_or_admin(user):
        return [HomeAction(_("Confirm submitted assessments"), queue_url("to_confirm"), order=10)]
    if roles.is_consultant(user):
        first = (
            Assessment.objects.filter(consultant=user, status__in=EDITABLE_STATUSES)
            .open_queue_order()
            .values_list("pk", flat=True)
            .first()
        )
        found = []
        if first is not None:
            found.append(
                HomeAction(
                    _("Continue the next assessment"),
                    reverse("assessments:assessment_fill", args=[first]),
                    order=10,
                )
            )
        found.append(HomeAction(_("My assessment queue"), queue_url(), order=20))
        found.append(
            HomeAction(_("My calibration figures"), reverse("assessments:calibration"), order=30)
        )
        return found
    return []
