"""Plant import page (filled in by the importer)."""

from django.views.generic import TemplateView


class PlantImportView(TemplateView):
    template_name = "hub/plant_import.html"
