"""GET /api/v1/plants/{id}/dashboard/: the plant's own dashboard as data (datahub.dashboard).

Per KPI its series summary over a rollup and period (latest value, last 30 days, the period's
buckets with data and its gaps) and, per completed project, `before`, `after`, `change`,
`change_pct`, `interval` and the project's `reported` gain; OEE split into its factors; the
completed projects with their reported KPIs.

Visibility and consent as the page: the plant must be visible (404 otherwise), then
`access.open_for_reading` (the plant's own members; a mentoring partner under the partner
consent; agency staff under the follow-up consent or period; otherwise 404, and every read
by someone else is logged for the plant). A bad rollup or period is a 400 with field errors,
refused before anything is read or logged."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from datahub import dashboard, evidence
from datahub.api.dashboard_docs import EXAMPLE, PlantDashboard
from datahub.buckets import ZONE
from datahub.choices import Rollup
from datahub.models import ReadKind
from datahub.services import access
from hub.api.schema import INVALID
from hub.models import Plant
from hub.replica import reads_from_replica
from hub.views.mixins import get_visible_or_404


class DashboardQuery(serializers.Serializer):
    rollup = serializers.ChoiceField(
        choices=Rollup.choices,
        required=False,
        allow_blank=True,
        help_text=_("hour, day (default) or month buckets."),
    )
    start = serializers.DateTimeField(
        required=False,
        help_text=_("Start of the period (included); ISO 8601, naive times are Asia/Seoul."),
    )
    end = serializers.DateTimeField(
        required=False, help_text=_("End of the period (excluded); default now.")
    )

    def validate(self, attrs):
        try:
            rollup, start, end = dashboard.period(
                attrs.get("rollup") or None, attrs.get("start"), attrs.get("end")
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from exc
        return {"rollup": rollup, "start": start, "end": end}


def _iso(moment: dt.datetime | None) -> str | None:
    return (
        None if moment is None else moment.astimezone(timezone.get_current_timezone()).isoformat()
    )


def _float(value) -> float | None:
    return None if value is None else float(value)


def _pair(pair) -> list | None:
    return None if pair is None else [float(pair[0]), float(pair[1])]


def _months(pair) -> list | None:
    return None if pair is None else [f"{pair[0]:%Y-%m}", f"{pair[1]:%Y-%m}"]


def figure(project_id: int, row: dashboard.KpiEvidence) -> dict:
    result = row.evidence
    reported = row.reported
    return {
        "project": project_id,
        "status": "ok" if result.ok else "not_enough_data",
        "reason": result.reason,
        "before": result.before.mean if result.before else None,
        "after": result.after.mean if result.after else None,
        "change": result.change,
        "change_pct": result.change_pct,
        "interval": _pair(result.interval),
        "interval_pct": _pair(result.interval_pct),
        "improvement_pct": result.improvement_pct,
        "improved": result.improved,
        "significant": result.significant,
        "verdict": result.verdict,
        "months_before": result.months_before,
        "months_after": result.months_after,
        "before_months": _months(result.before_range),
        "after_months": _months(result.after_range),
        "reported": _float(reported.improvement_pct) if reported is not None else None,
        "reported_indicator": reported.indicator if reported is not None else None,
    }


def summary(s: dashboard.SeriesSummary) -> dict:
    return {
        "latest": {"value": s.latest_value, "ts": _iso(s.latest_at)},
        "last_30_days": {"mean": s.recent_mean, "count": s.recent_count, "days": s.recent_days},
        "period": {
            "rollup": s.rollup,
            "slots": len(s.slots),
            "buckets": s.present,
            "missing": s.missing,
            "mean": s.period_mean,
            "gaps": [
                {"start": _iso(g.start), "end": _iso(g.end), "buckets": g.buckets} for g in s.gaps
            ],
        },
    }


def body(board: dashboard.Dashboard) -> dict:
    """The answer, from the selector's dashboard."""
    figures: dict[tuple, list] = {}
    derived: dict[str, dict] = {}
    for p in board.projects:
        for row in p.rows:
            key = ("series", row.series.pk) if row.series is not None else ("derived", row.code)
            figures.setdefault(key, []).append(figure(p.project.pk, row))
            if row.series is None:
                derived.setdefault(row.code, row)
    kpis = []
    for s in board.series:
        kpi = s.kpi
        kpis.append(
            {
                "kpi": kpi.code,
                "name": kpi.name,
                "unit": s.series.unit,
                "better": kpi.better,
                "aggregation": kpi.aggregation,
                "series": s.series.pk,
                "key": s.series.key,
                "label": s.series.label,
                "summary": summary(s),
                "projects": figures.get(("series", s.series.pk), []),
            }
        )
    for code, row in derived.items():
        kpis.append(
            {
                "kpi": code,
                "name": row.name,
                "unit": row.unit,
                "better": row.better,
                "aggregation": "mean",
                "series": None,
                "key": None,
                "label": "",
                "summary": None,
                "projects": figures.get(("derived", code), []),
            }
        )
    measured_by = {}
    for code, indicators in evidence.REPORTED_AS.items():
        for indicator in indicators:
            measured_by.setdefault(indicator, []).append(code)
    projects = []
    for p in board.projects:
        began_on, began_from = evidence.project_began(
            building_on=p.project.building_on,
            agreed_on=p.project.agreed_on,
            selected_on=p.project.selected_on,
        )
        projects.append(
            {
                "id": p.project.pk,
                "title": str(p.project),
                "began_on": began_on.isoformat() if began_on else None,
                "began_from": began_from,
                "completed_on": p.project.completed_on.isoformat(),
                "reported": [
                    {
                        "indicator": k.indicator,
                        "unit": k.unit,
                        "baseline": _float(k.baseline),
                        "result": _float(k.result),
                        "improvement_pct": _float(k.improvement_pct),
                        "measured_by": sorted(measured_by.get(k.indicator, [])),
                    }
                    for k in p.project.kpis.all()
                ],
            }
        )
    return {
        "plant": board.plant.pk,
        "rollup": board.rollup,
        "start": _iso(board.start),
        "end": _iso(board.end),
        "window_months": board.window,
        "kpis": kpis,
        "oee": {"source": board.oee.source, "rollup": board.oee.rollup, "means": board.oee.means},
        "projects": projects,
    }


@reads_from_replica
class PlantDashboardView(APIView):
    """The plant's dashboard: KPI summaries, OEE split, before/after each completed project."""

    @extend_schema(
        operation_id="plant_dashboard",
        summary="A plant's dashboard: KPI summaries and before/after each completed project",
        description=(
            "Per KPI its series summary over the rollup and period (latest value, last 30 "
            "days, buckets with data and the gaps) and, per completed project, the mean of "
            "the months before the project began (`before`) and after it completed (`after`), "
            "`change`, `change_pct`, the 95 % `interval` of the change (Welch's t over "
            "monthly means) and the gain the project `reported`. The window is "
            "DATAHUB_EVIDENCE_MONTHS months on each side (default 12) and at least 3 months "
            "with data are needed on each side, otherwise `status` is `not_enough_data` with "
            "the `reason`. KPIs the plant does not send but whose raw quantities it does are "
            "derived (`series` null). Readable by the plant's own members, its mentoring "
            "partner under the partner consent and agency staff under the follow-up consent "
            "or period (404 for anyone else); every read by others is logged for the plant."
        ),
        parameters=[
            OpenApiParameter(
                "rollup",
                OpenApiTypes.STR,
                enum=[c.value for c in Rollup],
                description="hour, day (default) or month buckets (days and months in "
                "Asia/Seoul). Hours over at most 31 days, days over 800.",
            ),
            OpenApiParameter(
                "start",
                OpenApiTypes.DATETIME,
                description="Included; default: 7 days (hours), 90 days (days) or two years "
                "(months) before the end.",
            ),
            OpenApiParameter("end", OpenApiTypes.DATETIME, description="Excluded; default now."),
        ],
        responses={200: PlantDashboard, 400: INVALID},
        examples=[OpenApiExample("A plant after its project", value=EXAMPLE, response_only=True)],
    )
    def get(self, request, pk: int):
        plant = get_visible_or_404(Plant.objects.select_related("company"), request.user, pk=pk)
        query = DashboardQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        rollup, start, end = (query.validated_data[k] for k in ("rollup", "start", "end"))
        access.open_for_reading(
            request.user,
            plant,
            ReadKind.DASHBOARD,
            rollup=rollup,
            start=f"{start.astimezone(ZONE):%Y-%m-%d %H:%M}",
            end=f"{end.astimezone(ZONE):%Y-%m-%d %H:%M}",
        )
        board = dashboard.plant_dashboard(plant, request.user, rollup=rollup, start=start, end=end)
        return Response(body(board))
