"""Project and KPI import pages: upload a CSV or XLSX file, see the row/column/reason report.
Agency staff only (others 403, anonymous users the login page)."""

from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.generic import FormView

from hub import roles
from hub.importers import max_rows
from hub.views.imports import ImportJobMixin, PlantImportForm
from programs.importers import (
    KPI_COLUMNS,
    PROJECT_COLUMNS,
    kpis_import,
    projects_import,
    template_header,
)


class _ImportView(LoginRequiredMixin, ImportJobMixin, FormView):
    form_class = PlantImportForm  # file + "check only": the same form as the plant import
    columns = ()
    template_filename = ""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not roles.is_agency_staff_or_admin(request.user):
            raise PermissionDenied(_("Only agency staff may import projects and KPIs."))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        language = "ko" if (get_language() or "").startswith("ko") else "en"
        header_line = ",".join(template_header(self.columns, language))
        ctx.update(
            columns=self.columns,
            header_line=header_line,
            template_href="data:text/csv;charset=utf-8," + quote("\ufeff" + header_line + "\r\n"),
            template_filename=self.template_filename,
            max_rows=max_rows(),
            max_megabytes=settings.IMPORT_MAX_BYTES // 1_048_576,
        )
        return ctx


class ProjectImportView(_ImportView):
    template_name = "programs/project_import.html"
    columns = PROJECT_COLUMNS
    template_filename = "project_import_template.csv"

    def importer(self):
        return projects_import


class KPIImportView(_ImportView):
    template_name = "programs/kpi_import.html"
    columns = KPI_COLUMNS
    template_filename = "kpi_import_template.csv"

    def importer(self):
        return kpis_import
