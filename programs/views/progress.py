"""Progress dashboard and targets (placeholders until they land)."""

from django.http import Http404
from django.views import View


class _Placeholder(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class ProgressDashboardView(_Placeholder):
    pass


class TargetListView(_Placeholder):
    pass


class TargetUpdateView(_Placeholder):
    pass
