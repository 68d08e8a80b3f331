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
from programs.views.projects import (
    KPIRecordView,
    ProjectAdvanceView,
    ProjectCreateView,
    ProjectDetailView,
    ProjectListView,
    ProjectUpdateView,
)

__all__ = [
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
