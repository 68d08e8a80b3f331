"""Plants without any system: a spreadsheet template with the plant's series as columns, its
upload (a preview first, then the same receipt as the API) and a form for monthly figures.
Both write through the ingest service, under the plant's spreadsheet source (created on first
use)."""

import datetime as dt
import re
import secrets

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import FormView, TemplateView

from datahub import sheets
from datahub.choices import Granularity, IngestChannel
from datahub.forms import MonthlyForm, UploadForm
from datahub.models import KpiDefinition, Series
from datahub.services import followups, sources
from datahub.views.base import PlantDataMixin

UPLOAD_DIR = "datahub-uploads"
KEY = re.compile(r"^[0-9a-f]{32}$")


def plant_series(plant):
    return list(Series.objects.filter(plant=plant).select_related("kpi").order_by("key"))


def columns_of(series) -> list[sheets.Column]:
    return [
        sheets.Column(s.key, s.kpi.name_ko, s.kpi.name_en, s.unit, s.get_granularity_display())
        for s in series
    ]


def ingest(*, user, plant, rows, idempotency_key, channel):
    """The ingest service's receipt, or its refusal as a ValidationError."""
    from datahub.services.ingest import IngestRefused, ingest_rows

    source = sources.spreadsheet_source(user=user, plant=plant)
    try:
        return ingest_rows(
            source=source,
            rows=rows,
            idempotency_key=idempotency_key,
            channel=channel,
            user=user,
        )
    except IngestRefused as exc:
        raise ValidationError(exc.message) from exc


def _stored_path(plant, key, ext):
    return f"{UPLOAD_DIR}/{plant.pk}/{key}.{ext}"


def _find_upload(plant, key):
    if not KEY.match(key):
        raise Http404
    for ext in ("xlsx", "csv"):
        path = _stored_path(plant, key, ext)
        if default_storage.exists(path):
            return path, ext
    raise Http404


class TemplateDownloadView(PlantDataMixin, TemplateView):
    """`template.xlsx` (a data sheet and a sheet explaining each column in Korean and English,
    with units) or `template.csv` (the header row and an example time)."""

    def get(self, request, *args, **kwargs):
        fmt = kwargs["fmt"]
        columns = columns_of(plant_series(self.plant))
        if fmt == "csv":
            response = HttpResponse(sheets.template_csv(columns), content_type="text/csv")
        elif fmt == "xlsx":
            response = HttpResponse(
                sheets.template_xlsx(columns, plant_name=self.plant.name),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        else:
            raise Http404
        response["Content-Disposition"] = f'attachment; filename="plant-{self.plant.pk}.{fmt}"'
        return response


class UploadView(PlantDataMixin, FormView):
    """Choose the file; it is read at once (a file that cannot be read is a form error) and
    kept until the preview is confirmed."""

    form_class = UploadForm
    template_name = "datahub/upload.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["series"] = plant_series(self.plant)
        return ctx

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            sheets.to_records(sheets.read_table(upload.name, content), set())
        except sheets.SheetError as exc:
            form.add_error("file", str(exc))
            return self.form_invalid(form)
        key = secrets.token_hex(16)
        ext = "xlsx" if upload.name.lower().endswith(".xlsx") else "csv"
        default_storage.save(_stored_path(self.plant, key, ext), ContentFile(content))
        return redirect("datahub:upload_preview", plant_pk=self.plant.pk, key=key)


class UploadPreviewView(PlantDataMixin, TemplateView):
    """GET: the first rows, the counts and the cells that cannot be read. POST: send the
    records to the ingest service and show its receipt (rejections translated back to sheet
    rows and columns). The upload's key is the idempotency key: confirming twice stores
    once."""

    template_name = "datahub/upload_preview.html"

    def parse(self):
        path, ext = _find_upload(self.plant, self.kwargs["key"])
        with default_storage.open(path, "rb") as handle:
            content = handle.read()
        known = {s.key for s in plant_series(self.plant)}
        return path, sheets.to_records(sheets.read_table(f"upload.{ext}", content), known)

    def get(self, request, *args, **kwargs):
        try:
            _path, parsed = self.parse()
        except sheets.SheetError as exc:
            messages.error(request, str(exc))
            return redirect("datahub:upload", plant_pk=self.plant.pk)
        return self.render_to_response(self.get_context_data(parsed=parsed))

    def post(self, request, *args, **kwargs):
        path, parsed = self.parse()
        if not parsed.records:
            messages.error(request, _("The file has no value to send."))
            return redirect("datahub:upload_preview", plant_pk=self.plant.pk, key=kwargs["key"])
        try:
            receipt = ingest(
                user=request.user,
                plant=self.plant,
                rows=parsed.records,
                idempotency_key=f"upload-{kwargs['key']}",
                channel=IngestChannel.UPLOAD,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("datahub:upload_preview", plant_pk=self.plant.pk, key=kwargs["key"])
        default_storage.delete(path)
        return render_receipt(request, self.plant, receipt, parsed.origins, parsed.errors)


def render_receipt(request, plant, receipt, origins=None, read_errors=None):
    data = receipt.as_dict()
    rejected = []
    for row in data["rejected"]:
        sheet_row, column = (None, None)
        if origins is not None and 0 <= row.get("index", -1) < len(origins):
            sheet_row, column = origins[row["index"]]
        rejected.append({**row, "sheet_row": sheet_row, "column": column})
    context = {
        "plant": plant,
        "receipt": data,
        "rejected": rejected,
        "read_errors": read_errors or [],
    }
    return render(request, "datahub/receipt.html", context)


class MonthlyFormView(PlantDataMixin, FormView):
    """One figure per series of the plant for one month (the month's first instant, Korea
    time): for plants that report monthly, by hand."""

    template_name = "datahub/monthly.html"
    form_class = MonthlyForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        self.series = plant_series(self.plant)
        kwargs["series"] = self.series
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["series"] = self.series
        ctx["monthly_granularity"] = Granularity.MONTH.label
        codes = followups.kpis_without_series(self.plant)
        ctx["follow_up_missing"] = list(
            KpiDefinition.objects.filter(catalogue__is_current=True, code__in=codes).order_by(
                "code"
            )
        )
        return ctx

    def form_valid(self, form):
        month = form.cleaned_data["month"]
        ts = dt.datetime.combine(month, dt.time(), tzinfo=settings_zone()).isoformat()
        rows = [
            {"series": s.key, "ts": ts, "value": form.cleaned_data[f"s_{s.key}"]}
            for s in self.series
            if form.cleaned_data.get(f"s_{s.key}") is not None
        ]
        if not rows:
            form.add_error(None, _("Enter at least one figure."))
            return self.form_invalid(form)
        try:
            receipt = ingest(
                user=self.request.user,
                plant=self.plant,
                rows=rows,
                idempotency_key="",
                channel=IngestChannel.FORM,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        return render_receipt(
            self.request, self.plant, receipt, [(None, r["series"]) for r in rows]
        )


class FollowUpSeriesAddView(PlantDataMixin, View):
    """POST: add monthly series for the KPIs the plant's follow-up asks for and no series
    delivers, then back to the monthly form, which now asks for them."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        added = followups.follow_up_series_add(user=request.user, plant=self.plant)
        if added:
            messages.success(
                request,
                ngettext(
                    "Added %(count)s series the follow-up reports ask for: %(names)s.",
                    "Added %(count)s series the follow-up reports ask for: %(names)s.",
                    len(added),
                )
                % {"count": len(added), "names": ", ".join(s.kpi.name for s in added)},
            )
        else:
            messages.info(request, _("The plant's series already cover its follow-up reports."))
        return redirect("datahub:monthly", plant_pk=self.plant.pk)


def settings_zone():
    from zoneinfo import ZoneInfo

    return ZoneInfo(settings.DATAHUB_NAIVE_TIMEZONE)
