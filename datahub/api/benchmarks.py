"""GET /api/v1/plants/{id}/benchmarks/: the plant's percentile among its peers, per KPI.

Who: whoever may read the plant's data — its own members, and others under a consent the
plant gave (datahub.services.access.open_for_reading: 404 without one, and the read is logged
where the plant sees it). The answer holds the plant's own value and percentile and which
group was used; never a peer's value nor the group's size (it would let the national table's
hidden cells be worked out, datahub/peergroups.py), and for a group that fails the
disclosure rules only that it is suppressed and why (datahub/disclosure.py)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from datahub import benchmarks, disclosure
from datahub.models import ReadKind
from datahub.services import access
from hub.models import Plant
from hub.replica import reads_from_replica


class GroupOut(serializers.Serializer):
    level = serializers.ChoiceField(
        choices=["region", "macro_region", "national", "national_all_sizes"],
        help_text="The coarsening step used: region, macro-region, the whole country, or the "
        "whole country without the size band.",
    )
    coarsened = serializers.BooleanField(
        help_text="Whether the group is wider than the plant's region."
    )
    division = serializers.CharField(help_text="KSIC manufacturing division (2 digits).")
    size_band = serializers.CharField(
        allow_null=True, help_text="Employees band; null when dropped."
    )
    region = serializers.CharField(
        allow_null=True, help_text="시·도 code, when the group is regional."
    )
    macro_region = serializers.CharField(
        allow_null=True, help_text="권역, at the macro-region step."
    )


class KpiBenchmarkOut(serializers.Serializer):
    kpi = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    better = serializers.CharField(help_text="higher or lower.")
    value = serializers.FloatField(help_text="The plant's own mean over the period.")
    percentile = serializers.IntegerField(
        allow_null=True,
        help_text="0–100, higher is better whatever the KPI's direction; null when suppressed. "
        "Rounded to the nearest 10 when the group has fewer than 50 plants, else to the "
        "nearest 1 (see `percentile_step`).",
    )
    percentile_step = serializers.IntegerField(
        allow_null=True, help_text="10 or 1: the rounding of `percentile`; null when suppressed."
    )
    group = GroupOut()
    suppressed = serializers.BooleanField()
    reason = serializers.ChoiceField(
        choices=[r.value for r in disclosure.Reason],
        allow_null=True,
        help_text="Why no figure is released (fewer than 5 companies, or one company above half).",
    )


class PeriodOut(serializers.Serializer):
    first_month = serializers.CharField(help_text="YYYY-MM")
    last_month = serializers.CharField(help_text="YYYY-MM: at least one full month old.")
    months = serializers.IntegerField()


class BenchmarksOut(serializers.Serializer):
    plant = serializers.IntegerField()
    period = PeriodOut()
    size_band = serializers.CharField(allow_null=True)
    min_companies = serializers.IntegerField()
    kpis = KpiBenchmarkOut(many=True)


def benchmarks_body(result: benchmarks.PlantBenchmarks) -> dict:
    span = result.period
    return {
        "plant": result.plant.pk,
        "period": {
            "first_month": span.first.strftime("%Y-%m"),
            "last_month": span.last.strftime("%Y-%m"),
            "months": 12,
        },
        "size_band": result.band,
        "min_companies": disclosure.MIN_COMPANIES,
        "kpis": [
            {
                "kpi": b.kpi.code,
                "name": b.kpi.name,
                "unit": b.kpi.unit,
                "better": b.kpi.better,
                "value": round(b.value, 3),
                "percentile": b.percentile,
                "percentile_step": b.step,
                "group": {
                    "level": b.group.level,
                    "coarsened": b.group.coarsened,
                    "division": b.group.division,
                    "size_band": b.group.band,
                    "region": b.group.region,
                    "macro_region": b.group.macro_region,
                },
                "suppressed": b.suppressed,
                "reason": b.reason and b.reason.value,
            }
            for b in result.kpis
        ],
    }


@reads_from_replica
class PlantBenchmarksView(APIView):
    """The plant's percentile among its peers, per KPI, under disclosure control."""

    @extend_schema(
        operation_id="plant_benchmarks",
        summary="Peer benchmarks of a plant (percentiles under disclosure control)",
        description=(
            "Per KPI with a better direction that the plant has data for: its mean over the 12 "
            "latest complete months at least one month old, its percentile among peers (same "
            "KSIC division, size band and region, coarsened to macro-region, country, then "
            "without the size band until the group has at least 5 companies and none above "
            "50 %) — to the nearest 10 in groups under 50 plants — and the group used, never its "
            "size. Peers are other companies' plants with a "
            "national-statistics consent. A suppressed group gives `suppressed: true` and a "
            "`reason` instead of figures. Visible to the plant's own members, and to its "
            "partner or agency under a consent (each read logged for the plant)."
        ),
        responses={200: BenchmarksOut},
        examples=[
            OpenApiExample(
                "Two KPIs, one suppressed",
                response_only=True,
                value={
                    "plant": 3,
                    "period": {"first_month": "2025-11", "last_month": "2026-10", "months": 12},
                    "size_band": "10-49",
                    "min_companies": 5,
                    "kpis": [
                        {
                            "kpi": "oee",
                            "name": "종합설비효율",
                            "unit": "%",
                            "better": "higher",
                            "value": 71.4,
                            "percentile": 60,
                            "percentile_step": 10,
                            "group": {
                                "level": "macro_region",
                                "coarsened": True,
                                "division": "29",
                                "size_band": "10-49",
                                "region": None,
                                "macro_region": "capital",
                            },
                            "suppressed": False,
                            "reason": None,
                        },
                        {
                            "kpi": "mttr",
                            "name": "평균수리시간",
                            "unit": "h",
                            "better": "lower",
                            "value": 1.8,
                            "percentile": None,
                            "percentile_step": None,
                            "group": {
                                "level": "national_all_sizes",
                                "coarsened": True,
                                "division": "29",
                                "size_band": None,
                                "region": None,
                                "macro_region": None,
                            },
                            "suppressed": True,
                            "reason": "few_companies",
                        },
                    ],
                },
            )
        ],
    )
    def get(self, request, pk: int):
        plant = get_object_or_404(
            Plant.objects.visible_to(request.user).select_related("company"), pk=pk
        )
        access.open_for_reading(request.user, plant, ReadKind.BENCHMARKS)
        return Response(benchmarks_body(benchmarks.plant_benchmarks(plant)))
