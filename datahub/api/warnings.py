"""`/api/v1/warnings/`: the early warnings (datahub.services.warnings).

Who sees a warning is `EarlyWarning.objects.visible_to` (agency staff and officials every
one, an SME member its own plants', a mentoring partner under the partner consent); anything
else answers 404. `acknowledge` and `resolve` are agency staff's (403 for anyone else who
sees the warning); a bad transition or a missing note answers 400 with field errors."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from datahub.filtersets import EarlyWarningFilterSet
from datahub.models import EarlyWarning, WarningKind, WarningStatus
from datahub.services import warnings
from datahub.tables import WarningTable
from hub.api.base import VisibleViewSet
from hub.api.fields import ChoiceLabelField


class EarlyWarningSerializer(serializers.ModelSerializer):
    plant_name = serializers.CharField(source="plant.name", read_only=True)
    region = serializers.CharField(source="plant.region", read_only=True)
    kind_display = ChoiceLabelField(source="kind", choices=WarningKind.choices)
    status_display = ChoiceLabelField(source="status", choices=WarningStatus.choices)
    detail = serializers.JSONField(
        read_only=True,
        help_text=_(
            "What the rule found: for kpi_regressed the series, KPI, shift_date, before, after, "
            "change, relative (fraction of the level before), noise_units and days_after; for "
            "source_silent the source, last_data_at and days_silent; for level_expired the "
            "level and valid_until; for level_dropped the level and previous_level."
        ),
    )

    class Meta:
        model = EarlyWarning
        fields = [
            "id",
            "plant",
            "plant_name",
            "region",
            "kind",
            "kind_display",
            "key",
            "since",
            "detail",
            "first_detected",
            "last_detected",
            "status",
            "status_display",
            "note",
            "acted_by",
            "acted_at",
            "resolved_automatically",
        ]
        read_only_fields = fields


class WarningActionSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=4000, help_text=_("Why, or what was done.")
    )


class WarningPermission(IsAuthenticated):
    """Reads for every signed-in user (within visibility); the actions for agency staff."""

    message = _("Only agency staff acknowledge or resolve early warnings.")

    def has_object_permission(self, request, view, obj):
        if view.action in ("acknowledge", "resolve"):
            return warnings.may_act_on_warnings(request.user)
        return True


WARNING_EXAMPLE = OpenApiExample(
    "A KPI regression",
    value={
        "id": 12,
        "plant": 3,
        "plant_name": "본사공장",
        "region": "11",
        "kind": "kpi_regressed",
        "kind_display": "KPI 하락",
        "key": "41",
        "since": "2026-10-05",
        "detail": {
            "series": 41,
            "series_key": "oee",
            "kpi": "oee",
            "shift_date": "2026-10-05",
            "before": 71.2,
            "after": 61.8,
            "change": -9.4,
            "relative": -0.132,
            "noise_units": -4.6,
            "days_after": 62,
        },
        "first_detected": "2026-10-20",
        "last_detected": "2026-12-06",
        "status": "open",
        "status_display": "미확인",
        "note": "",
        "acted_by": None,
        "acted_at": None,
        "resolved_automatically": False,
    },
    response_only=True,
)
ACTION_RESPONSES = {
    200: EarlyWarningSerializer,
    400: OpenApiResponse(description="Field errors: `status` (wrong transition), `note`."),
    403: OpenApiResponse(description="Not agency staff."),
    404: OpenApiResponse(description="No such warning visible to you."),
}


class EarlyWarningViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, VisibleViewSet):
    """Early warnings: plants whose follow-up is overdue, whose KPI regressed (with the size
    and date of the shift), whose confirmed level expired or dropped, whose data source went
    silent, or that were marked closed. Open first, then acknowledged, then resolved. Filter by
    `kind`, `status`, `plant`, `region`, `program` and `agency` (a program or operating agency
    the plant has a project in)."""

    queryset = EarlyWarning.objects.select_related("plant")
    serializer_class = EarlyWarningSerializer
    filterset_class = EarlyWarningFilterSet
    export_table = WarningTable
    permission_classes = [WarningPermission]

    def get_queryset(self):
        return super().get_queryset().queue_order()

    @extend_schema(examples=[WARNING_EXAMPLE])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(examples=[WARNING_EXAMPLE])
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    def _act(self, request, service):
        warning = self.get_object()
        body = WarningActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        warning = service(
            user=request.user, warning=warning, note=body.validated_data.get("note", "")
        )
        return Response(EarlyWarningSerializer(self.reread(warning)).data)

    @extend_schema(request=WarningActionSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def acknowledge(self, request, pk=None):
        """Agency staff have seen an open warning and are on it (`note` optional)."""
        return self._act(request, warnings.warning_acknowledge)

    @extend_schema(request=WarningActionSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def resolve(self, request, pk=None):
        """Agency staff close an open or acknowledged warning; `note` (required) says how. The
        daily run does not reopen the same finding."""
        return self._act(request, warnings.warning_resolve)
