"""What the progress app puts on the home page (hub.extensions.home_cards and home_actions;
registered in ProgressConfig.ready).

Officials start from the dashboard: their first actions are the dashboard, the reports and the
targets; their cards are the latest progress reports and the targets with their due year.
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from hub import roles
from hub.choices import Role
from hub.extensions import HomeAction, HomeCard
from hub.formats import day
from progress.models import ProgressReport, Target

SHOWN = 5


def _latest_reports(user) -> HomeCard:
    reports = ProgressReport.objects.visible_to(user).order_by("-requested_at", "-pk")
    return HomeCard(
        title=_("progress reports"),
        count=reports.count(),
        url=reverse("progress:report_list"),
        items=[
            (
                str(report),
                report.get_absolute_url(),
                _("%(status)s · as of %(day)s")
                % {"status": report.get_status_display(), "day": day(report.as_of)},
            )
            for report in reports[:SHOWN]
        ],
        empty=_("No progress report has been requested yet."),
        order=20,
    )


def _targets() -> HomeCard:
    targets = list(Target.objects.order_by("code"))
    url = reverse("progress:target_list")
    return HomeCard(
        title=_("national targets"),
        count=len(targets),
        url=url,
        items=[
            (target.get_code_display(), url, _("due %(year)s") % {"year": target.due_year})
            for target in targets
        ],
        empty=_("No target is set."),
        order=30,
    )


def _is_official(user) -> bool:
    return roles.role_of(user) == Role.OFFICIAL


def cards(user) -> list[HomeCard]:
    if _is_official(user):
        return [_latest_reports(user), _targets()]
    return []


def actions(user) -> list[HomeAction]:
    if _is_official(user):
        return [
            HomeAction(_("Open the progress dashboard"), reverse("progress:dashboard"), 10),
            HomeAction(_("Progress reports"), reverse("progress:report_list"), 20),
            HomeAction(_("National targets"), reverse("progress:target_list"), 30),
        ]
    if roles.is_partner_member(user):
        return [HomeAction(_("Progress of our plants"), reverse("progress:dashboard"), 30)]
    return []
