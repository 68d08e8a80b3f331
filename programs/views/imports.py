"""Project and KPI import pages (placeholders until the importer lands)."""

from django.http import Http404
from django.views import View


class _Placeholder(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class ProjectImportView(_Placeholder):
    pass


class KPIImportView(_Placeholder):
    pass
