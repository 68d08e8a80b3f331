"""How an assessment's people and origin are written on pages, tables and exports."""

from django.utils.translation import gettext as _

from assessments.choices import AssessmentOrigin
from hub.formats import DASH, person_name


def consultant_name(assessment) -> str:
    """The hub consultant, else the name a back-filed record gives, else a dash."""
    if assessment.consultant_id is not None:
        return person_name(assessment.consultant)
    return assessment.recorded_consultant or DASH


def origin_note(assessment) -> str:
    """'' for an assessment filed in the hub; otherwise what sets it apart."""
    if assessment.origin != AssessmentOrigin.HISTORY:
        return ""
    if assessment.outcome_only:
        return _("back-filed, score and level only")
    return _("back-filed")
