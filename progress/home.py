"""What the progress app puts on the home page (hub.extensions.home_cards and home_actions;
registered in ProgressConfig.ready).

Officials start from the dashboard: their first actions are the dashboard, the reports and the
targets; their cards are where the program stands today (the dashboard's headline figures
against the targets), the latest progress reports and the targets with their due year.
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hub import roles
from hub.choices import Role
from hub.extensions import HomeAction, HomeCard
from hub.formats import day, number, percent, percent_of
from progress import cache as progress_cache
from progress.models import ProgressReport, Target
from progress.selectors import current_targets

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


def _standing(user) -> HomeCard:
    """The dashboard's three headline figures today, nationally, against their targets (the
    dashboard's cached summary: the same numbers it shows)."""
    today = timezone.localdate()
    summary = progress_cache.summary(as_of=today)
    targets = current_targets()
    url = reverse("progress:dashboard")

    def against(code: str) -> str:
        target = targets[code]
        if target.due_year < today.year:
            return _("target %(target)s, due %(year)s (passed)") % {
                "target": _target_text(code, target.value),
                "year": target.due_year,
            }
        return _("target %(target)s by %(year)s") % {
            "target": _target_text(code, target.value),
            "year": target.due_year,
        }

    return HomeCard(
        title=_("plants supported so far"),
        count=summary.supported,
        url=url,
        items=[
            (
                _("Supported plants: %(count)s (%(share)s of the target)")
                % {
                    "count": number(summary.supported),
                    "share": percent_of(summary.supported, targets["supported_plants"].value),
                },
                url,
                against("supported_plants"),
            ),
            (
                _("At Level 3 or higher: %(share)s of supported plants")
                % {"share": percent(summary.level3_share)},
                url,
                against("level3_share"),
            ),
            (
                _("Connected to the data hub: %(count)s plants")
                % {"count": number(summary.connected)},
                url,
                against("connected_plants"),
            ),
        ],
        order=10,
        more=False,
    )


def _target_text(code: str, value) -> str:
    return percent(value, 0) if code == "level3_share" else number(value)


def _is_official(user) -> bool:
    return roles.role_of(user) == Role.OFFICIAL


def cards(user) -> list[HomeCard]:
    if _is_official(user):
        return [_standing(user), _latest_reports(user), _targets()]
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
