from django.db import models
from django.utils.translation import gettext_lazy as _


class ProgramKind(models.TextChoices):
    GENERAL = "general", _("General")
    WINWIN = "winwin", _("Win-win (large–small firm cooperation)")
    UPGRADE = "upgrade", _("Upgrade")


class TargetLevel(models.TextChoices):
    """The target system level of a project (기초 / 고도화1 / 고도화2) — not the plant's
    maturity Level 0–5."""

    BASIC = "basic", _("Basic (기초)")
    ADVANCED1 = "advanced1", _("Advanced 1 (고도화1)")
    ADVANCED2 = "advanced2", _("Advanced 2 (고도화2)")


class ProjectStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    SELECTED = "selected", _("Selected")
    AGREED = "agreed", _("Agreed")
    BUILDING = "building", _("Building")
    COMPLETED = "completed", _("Completed")
    DROPPED = "dropped", _("Dropped")


# The pipeline: each status and the statuses it may move to.
PROJECT_TRANSITIONS = {
    ProjectStatus.APPLIED: (ProjectStatus.SELECTED, ProjectStatus.DROPPED),
    ProjectStatus.SELECTED: (ProjectStatus.AGREED, ProjectStatus.DROPPED),
    ProjectStatus.AGREED: (ProjectStatus.BUILDING, ProjectStatus.DROPPED),
    ProjectStatus.BUILDING: (ProjectStatus.COMPLETED, ProjectStatus.DROPPED),
    ProjectStatus.COMPLETED: (),
    ProjectStatus.DROPPED: (),
}
# The date field stamped when a project enters each status.
STATUS_DATE_FIELDS = {
    ProjectStatus.APPLIED: "applied_on",
    ProjectStatus.SELECTED: "selected_on",
    ProjectStatus.AGREED: "agreed_on",
    ProjectStatus.BUILDING: "building_on",
    ProjectStatus.COMPLETED: "completed_on",
    ProjectStatus.DROPPED: "dropped_on",
}
# Statuses whose partner share counts against the partner's commitment.
FUNDED_STATUSES = (
    ProjectStatus.APPLIED,
    ProjectStatus.SELECTED,
    ProjectStatus.AGREED,
    ProjectStatus.BUILDING,
    ProjectStatus.COMPLETED,
)


class Indicator(models.TextChoices):
    PRODUCTIVITY = "productivity", _("Productivity")
    DEFECT_RATE = "defect_rate", _("Defect rate")
    COST = "cost", _("Manufacturing cost")
    ON_TIME_DELIVERY = "on_time_delivery", _("On-time delivery rate")
    LEAD_TIME = "lead_time", _("Delivery lead time")
    SAFETY = "safety", _("Safety and environment incidents")
    OEE = "oee", _("Equipment effectiveness (OEE)")


# True: a rising value is an improvement; False: a falling one is.
HIGHER_IS_BETTER = {
    Indicator.PRODUCTIVITY: True,
    Indicator.DEFECT_RATE: False,
    Indicator.COST: False,
    Indicator.ON_TIME_DELIVERY: True,
    Indicator.LEAD_TIME: False,
    Indicator.SAFETY: False,
    Indicator.OEE: True,
}
DEFAULT_UNITS = {
    Indicator.PRODUCTIVITY: "units/h",
    Indicator.DEFECT_RATE: "ppm",
    Indicator.COST: "KRW/unit",
    Indicator.ON_TIME_DELIVERY: "%",
    Indicator.LEAD_TIME: "days",
    Indicator.SAFETY: "cases/yr",
    Indicator.OEE: "%",
}
# Published before/after gains of adopters (2019 study of 5,003 firms, DESIGN.md §1), as
# improvements in percent (a falling defect rate of 43.5 % is +43.5).
NATIONAL_AVERAGE_IMPROVEMENT = {
    Indicator.PRODUCTIVITY: 30.0,
    Indicator.DEFECT_RATE: 43.5,
    Indicator.COST: 15.9,
    Indicator.ON_TIME_DELIVERY: 15.5,
}


class FollowUpFrequency(models.TextChoices):
    """How often a completed project's plant reports during its follow-up (사후관리)."""

    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    HALF_YEARLY = "half_yearly", _("Half-yearly")
    YEARLY = "yearly", _("Yearly")


# Months in one reporting period of each frequency.
FOLLOW_UP_MONTHS = {
    FollowUpFrequency.MONTHLY: 1,
    FollowUpFrequency.QUARTERLY: 3,
    FollowUpFrequency.HALF_YEARLY: 6,
    FollowUpFrequency.YEARLY: 12,
}
