"""Program views, one module per area; urls.py imports them from here."""

from programs.views.finance import LedgerView, PortfolioView
from programs.views.imports import KPIImportView, ProjectImportView
from programs.views.pages import (
    CommitmentSetView,
    ProgramCreateView,
    ProgramDetailView,
    ProgramListView,
    ProgramUpdateView,
)
from programs.views.progress import ProgressDashboardView, TargetListView, TargetUpdateView
from programs.views.projects import (
    KPIRecordView,
    ProjectAdvanceView,
    ProjectCreateView,
    ProjectDetailView,
    ProjectListView,
    ProjectUpdateView,
)
from programs.views.reports import (
    ReportDetailView,
    ReportDownloadView,
    ReportListView,
    ReportStatusView,
)

__all__ = [
    "ProgressDashboardView",
    "TargetListView",
    "TargetUpdateView",
    "ReportDetailView",
    "ReportDownloadView",
    "ReportListView",
    "ReportStatusView",
    "CommitmentSetView",
    "KPIImportView",
    "KPIRecordView",
    "LedgerView",
    "PortfolioView",
    "ProgramCreateView",
    "ProgramDetailView",
    "ProgramListView",
    "ProgramUpdateView",
    "ProjectAdvanceView",
    "ProjectCreateView",
    "ProjectDetailView",
    "ProjectImportView",
    "ProjectListView",
    "ProjectUpdateView",
]
