"""The history upload page: agency staff back-file confirmed assessments from a CSV or XLSX
file (assessments.importers.history) and see the row/column/reason report; a long file runs as
a job with its progress (hub.importers.jobs). Others get 403, anonymous users the login page."""

from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.generic import FormView

from assessments.importers import HISTORY_COLUMNS, history_import, template_header
from assessments.models import Item
from assessments.services import framework_current
from hub import roles
from hub.importers import max_rows
from hub.views.imports import ImportJobMixin, PlantImportForm


class HistoryImportView(LoginRequiredMixin, ImportJobMixin, FormView):
    template_name = "assessments/history/history_import.html"
    form_class = PlantImportForm  # file + "check only", as every import page

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not roles.is_agency_staff_or_admin(request.user):
            raise PermissionDenied(_("Only agency staff may import the assessment history."))
        return super().dispatch(request, *args, **kwargs)

    def importer(self):
        return history_import

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        try:
            framework = framework_current()
        except ValidationError:
            framework = None
        codes = (
            list(
                Item.objects.filter(category__area__framework=framework)
                .order_by("order")
                .values_list("code", flat=True)
            )
            if framework
            else []
        )
        language = "ko" if (get_language() or "").startswith("ko") else "en"
        header_line = ",".join(template_header(codes, language))
        ctx.update(
            columns=HISTORY_COLUMNS,
            framework=framework,
            item_codes=codes,
            header_line=header_line,
            template_href="data:text/csv;charset=utf-8," + quote("\ufeff" + header_line + "\r\n"),
            template_filename="history_import_template.csv",
            max_rows=max_rows(),
            max_megabytes=settings.IMPORT_MAX_BYTES // 1_048_576,
        )
        return ctx
