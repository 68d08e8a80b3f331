"""The columns of the assessment list and its exports (hub.tables)."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from assessments.formats import consultant_name, origin_note
from hub.formats import level_name
from hub.tables import Column, Table, attr, display_of


def _level(assessment):
    return level_name(assessment.final_level) if assessment.final_level is not None else None


def _status(assessment):
    note = origin_note(assessment)
    status = assessment.get_status_display()
    return f"{status} ({note})" if note else status


def _score(assessment):
    score = assessment.total_score
    return None if score is None else Decimal(score).quantize(Decimal("0.1"))


class AssessmentTable(Table):
    key = "assessments"
    stem = "assessments"
    title = _("Assessments")
    select_related = ("plant", "plant__company", "consultant", "framework")
    defer = (
        "result",
        "framework__definition",
        "framework__thresholds",
        "framework__floor_rules",
        "framework__levels",
    )
    columns = (
        Column("plant", _("Plant"), attr("plant.name"), sort="plant"),
        Column("company", _("Company"), attr("plant.company.name")),
        Column("region", _("Region"), display_of("plant", "region"), default=False),
        Column("consultant", _("Consultant"), consultant_name),
        Column("status", _("Status"), _status),
        Column("due", _("Due"), attr("due_on"), sort="due"),
        Column("assessed", _("Assessed"), attr("assessed_on"), sort="assessed", default=False),
        Column("score", _("Score"), _score, sort="score", numeric=True),
        Column("level", _("Level"), _level, sort="level", numeric=True),
        Column(
            "business_number",
            _("Business number"),
            attr("plant.company.business_number_display"),
            default=False,
        ),
        Column("industry", _("Industry"), display_of("plant", "industry"), default=False),
        Column("framework", _("Framework"), attr("framework"), default=False),
        Column("opened", _("Opened"), attr("opened_at"), sort="opened", default=False),
        Column("submitted", _("Submitted"), attr("submitted_at"), sort="submitted", default=False),
        Column("valid_until", _("Valid until"), attr("valid_until"), default=False),
        Column("id", _("Assessment"), attr("pk")),
    )
