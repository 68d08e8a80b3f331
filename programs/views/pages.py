"""Program, project and KPI pages (placeholders until the UI lands)."""

from django.http import Http404
from django.views import View


class _Placeholder(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class ProgramListView(_Placeholder):
    pass


class ProgramCreateView(_Placeholder):
    pass


class ProgramDetailView(_Placeholder):
    pass


class ProgramUpdateView(_Placeholder):
    pass


class CommitmentSetView(_Placeholder):
    pass


class ProjectListView(_Placeholder):
    pass


class ProjectCreateView(_Placeholder):
    pass


class ProjectDetailView(_Placeholder):
    pass


class ProjectUpdateView(_Placeholder):
    pass


class ProjectAdvanceView(_Placeholder):
    pass


class KPIRecordView(_Placeholder):
    pass
