"""What the OpenAPI schema says about `GET /api/v1/plants/{id}/dashboard/`: the answer's shape
and an example (the view builds plain dicts; these serializers only document them)."""

from rest_framework import serializers


class DashboardLatest(serializers.Serializer):
    value = serializers.FloatField(allow_null=True)
    ts = serializers.DateTimeField(allow_null=True)


class DashboardRecent(serializers.Serializer):
    mean = serializers.FloatField(
        allow_null=True, help_text="Mean of the daily values (totals for quantities)."
    )
    count = serializers.IntegerField(help_text="Observations in the last 30 days.")
    days = serializers.IntegerField(help_text="Days with data among the last 30.")


class DashboardGap(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField(help_text="Excluded.")
    buckets = serializers.IntegerField()


class DashboardPeriod(serializers.Serializer):
    rollup = serializers.CharField(
        help_text="The asked rollup, or the series' own coarser granularity."
    )
    slots = serializers.IntegerField(help_text="Buckets in the period.")
    buckets = serializers.IntegerField(help_text="Buckets with data.")
    missing = serializers.IntegerField()
    mean = serializers.FloatField(allow_null=True, help_text="Mean of the buckets' values.")
    gaps = DashboardGap(many=True)


class DashboardSummary(serializers.Serializer):
    latest = DashboardLatest()
    last_30_days = DashboardRecent()
    period = DashboardPeriod()


class DashboardFigure(serializers.Serializer):
    project = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["ok", "not_enough_data"])
    reason = serializers.CharField(
        help_text="few_before, few_after, no_start or not_completed; empty when ok."
    )
    before = serializers.FloatField(allow_null=True, help_text="Mean of the months before.")
    after = serializers.FloatField(allow_null=True, help_text="Mean of the months after.")
    change = serializers.FloatField(allow_null=True, help_text="after − before, in the unit.")
    change_pct = serializers.FloatField(allow_null=True, help_text="Change in % of before.")
    interval = serializers.ListField(
        child=serializers.FloatField(), allow_null=True, help_text="95 % interval of change."
    )
    interval_pct = serializers.ListField(child=serializers.FloatField(), allow_null=True)
    improvement_pct = serializers.FloatField(
        allow_null=True, help_text="change_pct in the KPI's better direction."
    )
    improved = serializers.BooleanField(allow_null=True)
    significant = serializers.BooleanField(allow_null=True)
    verdict = serializers.CharField()
    months_before = serializers.IntegerField()
    months_after = serializers.IntegerField()
    before_months = serializers.ListField(child=serializers.CharField(), allow_null=True)
    after_months = serializers.ListField(child=serializers.CharField(), allow_null=True)
    reported = serializers.FloatField(
        allow_null=True, help_text="The improvement (%) the project reported for this KPI."
    )
    reported_indicator = serializers.CharField(allow_null=True)


class DashboardKpi(serializers.Serializer):
    kpi = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    better = serializers.CharField()
    aggregation = serializers.CharField()
    series = serializers.IntegerField(allow_null=True, help_text="None: derived by the hub.")
    key = serializers.CharField(allow_null=True)
    label = serializers.CharField(allow_blank=True)
    summary = DashboardSummary(allow_null=True)
    projects = DashboardFigure(many=True)


class DashboardOee(serializers.Serializer):
    source = serializers.CharField(allow_null=True, help_text="sent, derived, mixed or null.")
    rollup = serializers.CharField()
    means = serializers.DictField(child=serializers.FloatField(allow_null=True))


class DashboardReported(serializers.Serializer):
    indicator = serializers.CharField()
    unit = serializers.CharField()
    baseline = serializers.FloatField(allow_null=True)
    result = serializers.FloatField(allow_null=True)
    improvement_pct = serializers.FloatField(allow_null=True)
    measured_by = serializers.ListField(child=serializers.CharField())


class DashboardProject(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    began_on = serializers.DateField(allow_null=True)
    began_from = serializers.CharField(help_text="building, agreed or selected.")
    completed_on = serializers.DateField()
    reported = DashboardReported(many=True)


class PlantDashboard(serializers.Serializer):
    plant = serializers.IntegerField()
    rollup = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    window_months = serializers.IntegerField()
    kpis = DashboardKpi(many=True)
    oee = DashboardOee()
    projects = DashboardProject(many=True)


EXAMPLE = {
    "plant": 3,
    "rollup": "day",
    "start": "2026-09-07T10:00:00+09:00",
    "end": "2026-12-06T10:00:00+09:00",
    "window_months": 12,
    "kpis": [
        {
            "kpi": "oee",
            "name": "설비종합효율(OEE)",
            "unit": "%",
            "better": "higher",
            "aggregation": "mean",
            "series": 7,
            "key": "oee",
            "label": "",
            "summary": {
                "latest": {"value": 71.4, "ts": "2026-12-06T09:00:00+09:00"},
                "last_30_days": {"mean": 70.8, "count": 412, "days": 26},
                "period": {
                    "rollup": "day",
                    "slots": 91,
                    "buckets": 78,
                    "missing": 13,
                    "mean": 70.2,
                    "gaps": [
                        {
                            "start": "2026-09-13T00:00:00+09:00",
                            "end": "2026-09-14T00:00:00+09:00",
                            "buckets": 1,
                        }
                    ],
                },
            },
            "projects": [
                {
                    "project": 12,
                    "status": "ok",
                    "reason": "",
                    "before": 58.3,
                    "after": 68.9,
                    "change": 10.6,
                    "change_pct": 18.2,
                    "interval": [5.9, 15.3],
                    "interval_pct": [10.1, 26.2],
                    "improvement_pct": 18.2,
                    "improved": True,
                    "significant": True,
                    "verdict": "improved",
                    "months_before": 12,
                    "months_after": 7,
                    "before_months": ["2024-10", "2025-09"],
                    "after_months": ["2026-05", "2027-04"],
                    "reported": 30.0,
                    "reported_indicator": "productivity",
                }
            ],
        }
    ],
    "oee": {
        "source": "sent",
        "rollup": "day",
        "means": {"oee": 70.2, "availability": 86.1, "performance": 84.0, "quality_rate": 97.1},
    },
    "projects": [
        {
            "id": 12,
            "title": "MES 구축",
            "began_on": "2025-10-02",
            "began_from": "building",
            "completed_on": "2026-04-20",
            "reported": [
                {
                    "indicator": "productivity",
                    "unit": "units/h",
                    "baseline": 100.0,
                    "result": 130.0,
                    "improvement_pct": 30.0,
                    "measured_by": ["oee", "throughput"],
                }
            ],
        }
    ],
}
