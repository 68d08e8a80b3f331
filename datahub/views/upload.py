"""Plants without any system: a spreadsheet template, its upload (preview, then the ingest
receipt) and a form for monthly figures."""

from django.views.generic import TemplateView

from datahub.views.base import PlantDataMixin


class TemplateDownloadView(PlantDataMixin, TemplateView):
    pass


class UploadView(PlantDataMixin, TemplateView):
    pass


class UploadPreviewView(PlantDataMixin, TemplateView):
    pass


class MonthlyFormView(PlantDataMixin, TemplateView):
    pass
