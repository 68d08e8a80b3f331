"""PDF progress reports (placeholders until they land)."""

from django.http import Http404
from django.views import View


class _Placeholder(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class ReportListView(_Placeholder):
    pass


class ReportDetailView(_Placeholder):
    pass


class ReportStatusView(_Placeholder):
    pass


class ReportDownloadView(_Placeholder):
    pass
