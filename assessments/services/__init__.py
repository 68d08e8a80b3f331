"""Assessment write paths: loading frameworks, the workflow transitions, ratings and
evidence. Every function checks who may do it and in which state, runs atomically and
leaves an audit entry."""

from assessments.services.evidence import (
    check_evidence_file,
    evidence_add,
    evidence_delete,
    evidence_max_bytes,
)
from assessments.services.frameworks import (
    framework_current,
    framework_load,
)
from assessments.services.timeline import (
    level_timeline_rebuild,
    timeline_spans,
)
from assessments.services.workflow import (
    LEVEL_FIELDS,
    RATING_FIELDS,
    add_years,
    assessment_confirm,
    assessment_open,
    assessment_problems,
    assessment_rate_item,
    assessment_return,
    assessment_score,
    assessment_submit,
    plant_level_fields,
    plant_refresh_level,
    plants_refresh_level,
)

__all__ = [
    "LEVEL_FIELDS",
    "plant_level_fields",
    "RATING_FIELDS",
    "add_years",
    "assessment_confirm",
    "assessment_open",
    "assessment_problems",
    "assessment_rate_item",
    "assessment_return",
    "assessment_score",
    "assessment_submit",
    "check_evidence_file",
    "evidence_add",
    "evidence_delete",
    "evidence_max_bytes",
    "framework_current",
    "framework_load",
    "level_timeline_rebuild",
    "plant_refresh_level",
    "plants_refresh_level",
    "timeline_spans",
]
