"""Assessment pages: work queues, opening, the fill form (htmx, item by item), evidence,
the read-only result, the workflow buttons, comparisons and the framework pages.

Views stay thin: writes go through `services`, reads through `selectors`; every lookup starts
from `Assessment.objects.visible_to(user)`, so what a user may not see answers 404. A visible
assessment the user may not change answers 403 (the service raises PermissionDenied).
"""

from assessments.views.fill import (
    AssessmentFillView,
    EvidenceDeleteView,
    EvidenceDownloadView,
    EvidenceUploadView,
    ItemSaveView,
)
from assessments.views.frameworks import FrameworkDetailView, FrameworkListView
from assessments.views.history import HistoryImportView
from assessments.views.queues import AssessmentListView, AssessmentOpenView
from assessments.views.results import (
    AssessmentCompareView,
    AssessmentConfirmView,
    AssessmentDetailView,
    AssessmentReturnView,
    AssessmentSubmitView,
)

__all__ = [
    "AssessmentCompareView",
    "AssessmentConfirmView",
    "AssessmentDetailView",
    "AssessmentFillView",
    "AssessmentListView",
    "AssessmentOpenView",
    "AssessmentReturnView",
    "AssessmentSubmitView",
    "EvidenceDeleteView",
    "EvidenceDownloadView",
    "EvidenceUploadView",
    "FrameworkDetailView",
    "FrameworkListView",
    "HistoryImportView",
    "ItemSaveView",
]
