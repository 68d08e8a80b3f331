"""`GET /api/v1/followups/`: follow-up (사후관리) periods of completed projects, read-only.

Who sees which periods is the model's `visible_to` (agency staff and officials all, the SME
member its company's plants, a partner member the projects its firm co-funds on the plants it
mentors, consultants none). The periods are obligations, not data values: no consent is asked
and no read is logged (docs/datahub/follow-up.md)."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.permissions import IsAuthenticated

from datahub.followup_filters import FollowUpFilterSet
from datahub.models import FollowUpPeriod, FollowUpStatus
from hub.api.base import VisibleViewSet


class FollowUpPeriodSerializer(serializers.ModelSerializer):
    plant_name = serializers.CharField(source="plant.name", read_only=True)
    company_name = serializers.CharField(source="plant.company.name", read_only=True)
    region = serializers.CharField(source="plant.region", read_only=True)
    project_title = serializers.CharField(source="project.__str__", read_only=True)
    program_name = serializers.CharField(source="program.name", read_only=True)
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    status = serializers.SerializerMethodField(
        help_text="Status today: upcoming, due, late, received or received_late."
    )
    status_display = serializers.SerializerMethodField()
    days_overdue = serializers.SerializerMethodField()

    class Meta:
        model = FollowUpPeriod
        fields = [
            "id",
            "project",
            "project_title",
            "plant",
            "plant_name",
            "company_name",
            "region",
            "program",
            "program_name",
            "agency",
            "agency_name",
            "sequence",
            "period_start",
            "period_end",
            "due_date",
            "required_kpis",
            "received_at",
            "status",
            "status_display",
            "days_overdue",
        ]
        read_only_fields = fields

    def _today(self):
        return self.context.setdefault("today", timezone.localdate())

    def get_status(self, obj) -> str:
        return obj.current_status(self._today())

    def get_status_display(self, obj) -> str:
        return str(FollowUpStatus(self.get_status(obj)).label)

    def get_days_overdue(self, obj) -> int:
        return obj.days_overdue(self._today())


EXAMPLE = {
    "id": 41,
    "project": 7,
    "project_title": "본사공장 MES 구축",
    "plant": 3,
    "plant_name": "본사공장",
    "company_name": "(주)동하전기",
    "region": "gyeonggi",
    "program": 2,
    "program_name": "2025 상생형 스마트공장 구축지원",
    "agency": 1,
    "agency_name": "스마트제조혁신추진단",
    "sequence": 3,
    "period_start": "2026-01-01",
    "period_end": "2026-03-31",
    "due_date": "2026-04-30",
    "required_kpis": ["quality_rate", "throughput"],
    "received_at": None,
    "status": "late",
    "status_display": "Late",
    "days_overdue": 12,
}


@extend_schema_view(
    list=extend_schema(
        summary="Follow-up periods",
        description=(
            "Reporting periods of completed projects' follow-up (사후관리) with their status "
            "today. Filter by plant, project, program, agency, region, status (repeatable) "
            "and due date (`due_after`, `due_before`, inclusive). Most overdue first."
        ),
        examples=[OpenApiExample("A late period", value=EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="One follow-up period",
        examples=[OpenApiExample("A late period", value=EXAMPLE, response_only=True)],
    ),
)
class FollowUpViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, VisibleViewSet):
    """Follow-up periods visible to the caller (an invisible one answers 404)."""

    queryset = FollowUpPeriod.objects.select_related(
        "plant__company", "project__plant", "project__program", "program", "agency"
    ).order_by("due_date", "pk")
    serializer_class = FollowUpPeriodSerializer
    filterset_class = FollowUpFilterSet
    permission_classes = [IsAuthenticated]
