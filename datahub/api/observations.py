"""GET /api/v1/series/{id}/observations/: a series' raw points or its hour, day or month
buckets over a period.

Visible series only (`Series.objects.visible_to`, 404 otherwise). Reading the values needs
more than seeing the series: the plant's own members read freely, anyone else under a consent
the plant gave (datahub.services.access: 404 without one, and every such read is logged
where the plant sees it). The period is validated (400 with field errors) and bounded."""

import datetime as dt

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from datahub import selectors
from datahub.choices import Rollup
from datahub.models import ReadKind, Series
from datahub.services import access
from hub.api.schema import INVALID

# The period read when none is given: the last week of raw rows, or of hours; the last 90
# days of days; the last two years of months.
DEFAULT_SPAN = {
    None: dt.timedelta(days=7),
    Rollup.HOUR: dt.timedelta(days=7),
    Rollup.DAY: dt.timedelta(days=90),
    Rollup.MONTH: dt.timedelta(days=731),
}


class ObservationQuery(serializers.Serializer):
    start = serializers.DateTimeField(
        required=False,
        help_text=_("Start of the period (included); ISO 8601, naive times are Asia/Seoul."),
    )
    end = serializers.DateTimeField(
        required=False, help_text=_("End of the period (excluded); default now.")
    )
    rollup = serializers.ChoiceField(
        choices=Rollup.choices,
        required=False,
        allow_blank=True,
        help_text=_("hour, day or month buckets; raw points when absent."),
    )

    def validate(self, attrs):
        rollup = attrs.get("rollup") or None
        end = attrs.get("end") or timezone.now()
        start = attrs.get("start") or end - DEFAULT_SPAN[rollup]
        try:
            selectors.check_span(start, end, rollup)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from exc
        return {"start": start, "end": end, "rollup": rollup}


class PointOut(serializers.Serializer):
    ts = serializers.DateTimeField()
    value = serializers.FloatField()


class BucketOut(serializers.Serializer):
    start = serializers.DateTimeField(help_text="Start of the hour, day or month (Asia/Seoul).")
    count = serializers.IntegerField()
    sum = serializers.FloatField()
    mean = serializers.FloatField()
    min = serializers.FloatField()
    max = serializers.FloatField()
    last = serializers.FloatField(help_text="The latest value in the bucket.")
    last_ts = serializers.DateTimeField(help_text="When the latest value was measured.")


class SeriesOut(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    kpi = serializers.CharField()
    unit = serializers.CharField()
    plant = serializers.IntegerField()


class ObservationsOut(serializers.Serializer):
    series = SeriesOut()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    rollup = serializers.CharField(allow_null=True)
    points = PointOut(many=True, required=False, help_text="Raw points (no rollup).")
    buckets = BucketOut(many=True, required=False, help_text="Buckets (with a rollup).")


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(timezone.get_current_timezone()).isoformat()


class SeriesObservationsView(APIView):
    """A series' observations over a period: raw points or hour/day/month buckets."""

    @extend_schema(
        operation_id="series_observations",
        summary="Observations of a series (raw or rolled up)",
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATETIME, description="Included."),
            OpenApiParameter("end", OpenApiTypes.DATETIME, description="Excluded; default now."),
            OpenApiParameter(
                "rollup",
                OpenApiTypes.STR,
                enum=[c.value for c in Rollup],
                description=(
                    "hour, day or month buckets (days and months in Asia/Seoul); raw points "
                    "when absent. Raw reads span at most 400 days, hour buckets 800. Empty "
                    "hours, days or months are absent (never interpolated)."
                ),
            ),
        ],
        responses={200: ObservationsOut, 400: INVALID},
        examples=[
            OpenApiExample(
                "Daily buckets",
                response_only=True,
                value={
                    "series": {"id": 7, "key": "oee", "kpi": "oee", "unit": "%", "plant": 3},
                    "start": "2026-11-01T00:00:00+09:00",
                    "end": "2026-11-03T00:00:00+09:00",
                    "rollup": "day",
                    "buckets": [
                        {
                            "start": "2026-11-01T00:00:00+09:00",
                            "count": 24,
                            "sum": 1512.0,
                            "mean": 63.0,
                            "min": 48.5,
                            "max": 74.1,
                            "last": 60.2,
                            "last_ts": "2026-11-01T23:00:00+09:00",
                        }
                    ],
                },
            )
        ],
    )
    def get(self, request, pk: int):
        series = get_object_or_404(
            Series.objects.visible_to(request.user).select_related("plant", "kpi"), pk=pk
        )
        query = ObservationQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, end, rollup = (query.validated_data[k] for k in ("start", "end", "rollup"))
        access.open_for_reading(
            request.user,
            series.plant,
            ReadKind.SERIES,
            series=series.key,
            rollup=rollup or "raw",
            start=f"{start:%Y-%m-%d %H:%M}",
            end=f"{end:%Y-%m-%d %H:%M}",
        )
        rows = selectors.series_points(series, start, end, rollup)
        body = {
            "series": {
                "id": series.pk,
                "key": series.key,
                "kpi": series.kpi.code,
                "unit": series.unit,
                "plant": series.plant_id,
            },
            "start": _iso(start),
            "end": _iso(end),
            "rollup": rollup,
        }
        if rollup is None:
            body["points"] = [{"ts": _iso(p.ts), "value": p.value} for p in rows]
        else:
            body["buckets"] = [
                {
                    "start": _iso(b.start),
                    "count": b.count,
                    "sum": b.sum,
                    "mean": b.mean,
                    "min": b.min,
                    "max": b.max,
                    "last": b.last,
                    "last_ts": _iso(b.last_ts),
                }
                for b in rows
            ]
        return Response(body)
