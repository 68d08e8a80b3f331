"""Maturity frameworks (areas → categories → items), assessments, ratings and evidence."""

from assessments.models.assessments import (
    LATEST_CONFIRMED_FIRST,
    Assessment,
    AssessmentQuerySet,
    Evidence,
    EvidenceQuerySet,
    ItemRating,
    evidence_upload_to,
)
from assessments.models.frameworks import (
    Area,
    Bilingual,
    Category,
    Framework,
    FrameworkPart,
    FrameworkQuerySet,
    FrozenError,
    Item,
    localized,
)
from assessments.models.second_ratings import (
    SelfAssessment,
    SelfAssessmentQuerySet,
    SelfRating,
    SpotCheck,
    SpotCheckDraw,
    SpotCheckQuerySet,
    SpotCheckRating,
)
from assessments.models.sheets import RatingSheet, SheetRating
from assessments.models.timeline import LevelTimeline

__all__ = [
    "Area",
    "Assessment",
    "AssessmentQuerySet",
    "Bilingual",
    "Category",
    "Evidence",
    "EvidenceQuerySet",
    "Framework",
    "FrameworkPart",
    "FrameworkQuerySet",
    "FrozenError",
    "Item",
    "ItemRating",
    "LATEST_CONFIRMED_FIRST",
    "LevelTimeline",
    "RatingSheet",
    "SelfAssessment",
    "SelfAssessmentQuerySet",
    "SelfRating",
    "SheetRating",
    "SpotCheck",
    "SpotCheckDraw",
    "SpotCheckQuerySet",
    "SpotCheckRating",
    "evidence_upload_to",
    "localized",
]
