"""Plant import page: upload a CSV or XLSX file of plants with their companies, see the report.

A long file (hub.importers.jobs) is imported in the background: the upload answers with a
redirect to the same page with `?job=<id>`, which shows the progress (polled with htmx) and
then the report. `ImportJobMixin` is shared with the project and KPI import pages."""

from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.utils.translation import get_language, gettext_lazy
from django.views.generic import FormView

from hub.importers import (
    COLUMNS,
    file_too_large_message,
    jobs,
    max_rows,
    plants_import,
    template_header,
)
from hub.services import require_registry_editor


class PlantImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV (UTF-8 or CP949) or Excel workbook (.xlsx)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx"}),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Check only, write nothing"),
        required=False,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                file_too_large_message(upload.size, settings.IMPORT_MAX_BYTES)
            )
        return upload


class ImportJobMixin:
    """Upload → the report, in the request for a short file, through a job for a long one."""

    def importer(self):
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        job_id = request.GET.get("job")
        if job_id is None:
            return super().get(request, *args, **kwargs)
        job = jobs.get(job_id, request.user)
        if job is None:
            raise Http404
        report = job.report if job.state == jobs.DONE else None
        return self.render_to_response(self.get_context_data(job=job, report=report))

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        content = upload.read()
        arguments = {
            "user": self.request.user,
            "content": content,
            "filename": upload.name,
            "dry_run": form.cleaned_data["dry_run"],
        }
        if jobs.runs_in_background(content):
            job = jobs.start(importer=self.importer(), **arguments)
            return HttpResponseRedirect(f"{self.request.path}?job={job.id}")
        report = self.importer()(**arguments)
        # Rendered, not redirected: the report is the answer, and posting the same file
        # again is harmless because the import is idempotent.
        return self.render_to_response(self.get_context_data(form=form, report=report))


class PlantImportView(LoginRequiredMixin, ImportJobMixin, FormView):
    """Agency staff and administrators only: others get 403, anonymous users the login page."""

    template_name = "hub/plant_import.html"
    form_class = PlantImportForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require_registry_editor(request.user)
        return super().dispatch(request, *args, **kwargs)

    def importer(self):
        return plants_import

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        language = "ko" if (get_language() or "").startswith("ko") else "en"
        header_line = ",".join(template_header(language))
        ctx.update(
            columns=COLUMNS,
            header_line=header_line,
            # A data: link gives a downloadable template without a URL of its own; the BOM
            # makes Korean Excel open it as UTF-8.
            template_href="data:text/csv;charset=utf-8," + quote("\ufeff" + header_line + "\r\n"),
            template_filename="plant_import_template.csv",
            max_rows=max_rows(),
            max_megabytes=settings.IMPORT_MAX_BYTES // 1_048_576,
        )
        return ctx
