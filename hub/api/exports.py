"""`?format=csv` and `?format=xlsx` on every API list (hub.api.base.VisibleViewSet).

The file holds every row the list would page through (the same visibility rule, filters,
`search` and `ordering`), not one page: streamed for CSV, written to a temporary file for
XLSX. Lists with a `export_table` (hub.tables) write the columns of their web page, values
as the page shows them (names, not ids) under translated headers; the others write their
serializer's fields with choice codes replaced by their labels. Error answers (a bad filter,
401, 403) stay JSON whatever the format asked for."""

import functools
import json

from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from hub.exports import CSV_TYPE, EXPORT_FORMATS, XLSX_TYPE, export_response
from hub.tables import EXPORT_CHUNK


class _ExportRenderer(BaseRenderer):
    """Lets content negotiation accept the format; the list answers with its own file, and
    errors are switched back to JSON (ExportMixin.finalize_response), so render is only a
    fallback."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return JSONRenderer().render(data, accepted_media_type, renderer_context)


class CSVRenderer(_ExportRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"


class XLSXRenderer(_ExportRenderer):
    media_type = XLSX_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"


EXPORT_MEDIA_TYPES = {"csv": CSV_TYPE, "xlsx": XLSX_TYPE}


def _cell(value, field):
    if isinstance(field, serializers.ChoiceField) and not isinstance(
        field, serializers.MultipleChoiceField
    ):
        return field.choices.get(value, value) if value not in (None, "") else value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def _with_export(list_method):
    @functools.wraps(list_method)
    def list_or_export(self, request, *args, **kwargs):
        fmt = self.export_format()
        if fmt is None:
            return list_method(self, request, *args, **kwargs)
        return self.export(fmt, self.filter_queryset(self.get_queryset()))

    list_or_export._exports = True
    return list_or_export


class ExportMixin:
    """Adds the CSV and XLSX answers to a viewset's `list` action (wrapped in
    `__init_subclass__`, so a viewset that overrides `list` keeps them)."""

    export_table = None  # a hub.tables.Table subclass; None: the serializer's fields

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        method = getattr(cls, "list", None)
        if method is not None and not getattr(method, "_exports", False):
            cls.list = _with_export(method)

    def get_renderers(self):
        renderers = super().get_renderers()
        if getattr(self, "action", None) == "list":
            renderers = [*renderers, CSVRenderer(), XLSXRenderer()]
        return renderers

    def export_format(self):
        renderer = getattr(self.request, "accepted_renderer", None)
        fmt = getattr(renderer, "format", None)
        return fmt if fmt in EXPORT_FORMATS else None

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and self.export_format():
            # An error (or any answer but the file) stays JSON.
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
            response["Content-Type"] = JSONRenderer.media_type
        return response

    def export(self, fmt, queryset):
        if self.export_table is not None:
            return self.export_table().export(fmt, queryset)
        serializer = self.get_serializer()
        fields = [
            (name, field) for name, field in serializer.fields.items() if not field.write_only
        ]
        header = [str(field.label or name) for name, field in fields]

        def rows():
            for obj in queryset.iterator(chunk_size=EXPORT_CHUNK):
                data = self.get_serializer(obj).data
                yield [_cell(data.get(name), field) for name, field in fields]

        model = queryset.model._meta
        return export_response(
            fmt,
            str(model.model_name),
            header,
            rows(),
            title=str(model.verbose_name_plural),
        )
