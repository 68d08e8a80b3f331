"""GET /api/v1/progress/: the progress figures (progress.selectors.Summary.as_dict() plus its
SHA-256 `digest`, the data hub's `connected` plants among them) with the dashboard's filters.
Who may call it, and what a partner member sees (their own firm's mentored plants only), is
decided by the same function as the page
(`progress.selectors.progress_access`); an invalid filter answers 400."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from hub.replica import reads_from_replica
from progress import cache as progress_cache
from progress.forms import ProgressFilterForm
from progress.selectors import progress_access


def _param(name, type_, description, enum=None):
    return OpenApiParameter(
        name, type_, OpenApiParameter.QUERY, required=False, description=description, enum=enum
    )


PARAMETERS = [
    _param(
        "as_of", OpenApiTypes.DATE, "Figures as of this date (default today; not in the future)."
    ),
    _param(
        "year",
        OpenApiTypes.INT,
        "As of 31 December of this year (today for the current year); wins over as_of.",
    ),
    _param("region", OpenApiTypes.STR, "Region code (시·도), e.g. 11 for Seoul."),
    _param("industry", OpenApiTypes.STR, "KSIC manufacturing division, 10-34."),
    _param("size", OpenApiTypes.STR, "Company size class (micro, small, medium, midsize, large)."),
    _param("program", OpenApiTypes.INT, "Program id: only its completed projects count."),
    _param("partner", OpenApiTypes.INT, "Partner firm id (a partner member: only their own firm)."),
    _param("agency", OpenApiTypes.INT, "Operating agency id: only its programs' projects count."),
]


@reads_from_replica
class ProgressViewSet(viewsets.ViewSet):
    """National progress figures as of a date, in scope."""

    @extend_schema(
        operation_id="progress_summary",
        summary="Progress figures as of a date",
        parameters=PARAMETERS,
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description=(
                    "as_of, scope, supported, level3, level3_share, connected (supported "
                    "plants connected to the data hub as of the date: an active source with "
                    "data in the last 30 days), connected_share, follow_up (completed "
                    "projects with a follow-up report due: met, due, share, and by each "
                    "breakdown), distribution, yearly, "
                    "cohorts, breakdowns (keys are codes or ids; each row with supported, "
                    "level3, share and connected), kpis, projection (supported, level3_share, "
                    "connected) and digest (SHA-256 of the other figures)."
                ),
            ),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid filters."),
            404: OpenApiResponse(description="The user may not see progress figures."),
        },
        examples=[
            OpenApiExample(
                "Connected plants (abridged)",
                response_only=True,
                value={
                    "as_of": "2026-12-06",
                    "scope": {"region": "41"},
                    "supported": 9938,
                    "level3": 2270,
                    "level3_share": 22.84,
                    "connected": 1534,
                    "connected_share": 15.44,
                    "follow_up": {
                        "met": 1210,
                        "due": 1874,
                        "share": 64.57,
                        "by": {"region": [{"key": "41", "met": 1210, "due": 1874, "share": 64.57}]},
                    },
                    "breakdowns": {
                        "region": [
                            {
                                "key": "41",
                                "supported": 9938,
                                "level3": 2270,
                                "share": 22.84,
                                "connected": 1534,
                            }
                        ]
                    },
                    "projection": {
                        "connected": {
                            "target": 7500,
                            "current": 1534,
                            "rate_per_month": None,
                            "reached": False,
                            "reached_on": None,
                            "needed_per_month": 248.3,
                            "due": "2028-12-31",
                        }
                    },
                    "digest": "3f5c…",
                },
            )
        ],
    )
    def list(self, request):
        access = progress_access(request.user)
        form = ProgressFilterForm(request.query_params or None, user=request.user, access=access)
        if request.query_params and not form.is_valid():
            errors = form.errors.get_json_data()
            raise serializers.ValidationError(
                {field: [e["message"] for e in items] for field, items in errors.items()}
            )
        summary = progress_cache.summary(
            as_of=form.effective_as_of(),
            scope=form.effective_scope(),
            base=access.base,
            base_key=access.base_key,
        )
        return Response({**summary.as_dict(), "digest": summary.digest})
