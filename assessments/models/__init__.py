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
    "evidence_upload_to",
    "localized",
]
