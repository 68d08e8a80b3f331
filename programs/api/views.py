"""Program API: programs with their partner commitments, projects with the `advance`
transition, and KPIs (upserted by project and indicator).

Visibility comes from each model's `visible_to(user)` (invisible => 404): a partner member
sees only their firm's projects and KPIs, and of a program only their firm's commitment.
Every write is one service call, which checks role, agency and state again; service
ValidationErrors become 400 with field errors (hub.api.exceptions)."""

from decimal import Decimal

from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from hub.api.base import VisibleViewSet
from programs import services
from programs.api import serializers as s
from programs.api.permissions import ProgramsPermission
from programs.choices import FUNDED_STATUSES
from programs.filtersets import KPIFilterSet, ProgramFilterSet, ProjectFilterSet
from programs.models import KPI, PartnerCommitment, Program, Project
from programs.tables import ProjectTable

WON = DecimalField(max_digits=15, decimal_places=0)


def commitments_for(user):
    """Commitments with `allocated` (the partner share of the program's funded projects)
    annotated by one subquery; a partner member gets only their own firm's row."""
    used = (
        Project.objects.filter(
            program_id=OuterRef("program_id"),
            partner_id=OuterRef("partner_id"),
            status__in=FUNDED_STATUSES,
        )
        .order_by()
        .values("program_id")
        .annotate(s=Sum("partner_share"))
        .values("s")
    )
    return (
        PartnerCommitment.objects.visible_to(user)
        .select_related("partner")
        .annotate(
            allocated=Coalesce(
                Subquery(used, output_field=WON), Value(Decimal(0)), output_field=WON
            )
        )
        .annotate(remaining=ExpressionWrapper(F("committed") - F("allocated"), output_field=WON))
    )


WRITE_RESPONSES = {
    400: OpenApiResponse(description="Field errors, or the object is in the wrong state."),
    403: OpenApiResponse(description="Not agency staff of the program's operating agency."),
    404: OpenApiResponse(description="No such object visible to you."),
}


class _ServiceViewSet(VisibleViewSet):
    permission_classes = [ProgramsPermission]

    def _reload(self, obj, status_code=status.HTTP_200_OK, serializer_class=None) -> Response:
        fresh = self.reread(obj)
        serializer_class = serializer_class or self.get_serializer_class()
        data = serializer_class(fresh, context=self.get_serializer_context()).data
        return Response(data, status=status_code)


class ProgramViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    _ServiceViewSet,
):
    """Support programs with their cost-share rule and partner commitments (committed,
    allocated to projects, remaining). Partner members see only the programs their firm
    commits to, and only their own commitment. Agency staff create programs; only staff of
    the operating agency change one or set its commitments."""

    queryset = Program.objects.select_related("agency", "cost_share_rule")
    serializer_class = s.ProgramSerializer
    filterset_class = ProgramFilterSet

    def get_queryset(self):
        commitments = commitments_for(self.request.user)
        return super().get_queryset().prefetch_related(Prefetch("commitments", commitments))

    @extend_schema(responses={201: s.ProgramSerializer, **WRITE_RESPONSES})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        program = services.program_create(user=request.user, data=serializer.validated_data)
        return self._reload(program, status.HTTP_201_CREATED)

    @extend_schema(responses={200: s.ProgramSerializer, **WRITE_RESPONSES})
    def update(self, request, *args, **kwargs):
        program = self.get_object()
        serializer = self.get_serializer(
            program, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        program = services.program_update(
            program=program, user=request.user, data=serializer.validated_data
        )
        return self._reload(program)

    @extend_schema(
        request=s.CommitmentSetSerializer,
        responses={200: s.ProgramSerializer, **WRITE_RESPONSES},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def commitments(self, request, pk=None):
        """Add a partner firm to the program or change its committed funds; refused (400)
        when the commitment would fall below what its projects already use."""
        program = self.get_object()
        body = s.CommitmentSetSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.commitment_set(program=program, user=request.user, **body.validated_data)
        return self._reload(program, serializer_class=s.ProgramSerializer)


class ProjectViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    _ServiceViewSet,
):
    """Projects: a plant's participation in a program. POST applies (status applied), PATCH
    changes an applied or selected project (shares are fixed once agreed), and the status
    moves only through `advance`. Projects are never deleted: drop them."""

    queryset = Project.objects.select_related("program", "plant", "supplier", "partner")
    serializer_class = s.ProjectSerializer
    filterset_class = ProjectFilterSet
    export_table = ProjectTable
    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(responses={201: s.ProjectSerializer, **WRITE_RESPONSES})
    def create(self, request, *args, **kwargs):
        """Apply: enrol a plant in a program. The shares are checked against the program's
        cost-share rule and the partner's remaining commitment; the messages say which rule
        and by how much."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        project = services.project_apply(user=request.user, data=serializer.validated_data)
        return self._reload(project, status.HTTP_201_CREATED)

    @extend_schema(responses={200: s.ProjectSerializer, **WRITE_RESPONSES})
    def partial_update(self, request, *args, **kwargs):
        project = self.get_object()
        serializer = self.get_serializer(project, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        project = services.project_update(
            project=project, user=request.user, data=serializer.validated_data
        )
        return self._reload(project)

    @extend_schema(
        request=s.AdvanceSerializer, responses={200: s.ProjectSerializer, **WRITE_RESPONSES}
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def advance(self, request, pk=None):
        """Move the project one step along applied → selected → agreed → building →
        completed, or drop it (with a reason). Illegal transitions answer 400 naming the
        allowed ones."""
        project = self.get_object()
        body = s.AdvanceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        project = services.project_advance(
            project=project,
            user=request.user,
            to=body.validated_data["to"],
            on=body.validated_data.get("on"),
            reason=body.validated_data.get("reason", ""),
        )
        return self._reload(project)


class KPIViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    _ServiceViewSet,
):
    """Before/after KPIs of projects. POST records an indicator of a project, or corrects it
    when the project already has one (upsert by project and indicator): 201 when created,
    200 when updated. `improvement_pct` is computed with the indicator's sign convention (a
    falling defect rate is a positive improvement)."""

    queryset = KPI.objects.select_related("project__program", "project__plant")
    filterset_class = KPIFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return s.KPIUpdateSerializer
        return s.KPISerializer

    @extend_schema(
        responses={
            201: s.KPISerializer,
            200: OpenApiResponse(s.KPISerializer, description="An existing KPI was updated."),
            **WRITE_RESPONSES,
        }
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        project, indicator = data.pop("project"), data.pop("indicator")
        existed = KPI.objects.filter(project=project, indicator=indicator).exists()
        kpi = services.kpi_record(
            project=project, indicator=indicator, user=request.user, data=data
        )
        return self._reload(kpi, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    @extend_schema(responses={200: s.KPISerializer, **WRITE_RESPONSES})
    def partial_update(self, request, *args, **kwargs):
        kpi = self.get_object()
        serializer = self.get_serializer(kpi, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        kpi = services.kpi_record(
            project=kpi.project,
            indicator=kpi.indicator,
            user=request.user,
            data=dict(serializer.validated_data),
        )
        return self._reload(kpi, serializer_class=s.KPISerializer)
