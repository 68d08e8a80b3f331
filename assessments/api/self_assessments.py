"""Self-diagnosis API: an SME member starts one for a plant, saves ratings in bulk (the
assessment API's list shape), finishes it (score, level, roadmap), shares it with the
consultant of the plant's next assessment, and reads the comparison once that assessment is
confirmed; agency staff read the over-rating figures. Visibility is
`SelfAssessment.objects.visible_to(user)` (invisible: 404); every write is one service call,
which checks role and state."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from assessments import self_selectors
from assessments.api.ratings_action import ratings_action
from assessments.api.self_serializers import (
    ComparisonSerializer,
    FinishRefusedSerializer,
    FinishSerializer,
    OverRatingSerializer,
    SelfAssessmentDetailSerializer,
    SelfAssessmentSerializer,
    SelfAssessmentStartSerializer,
    SelfRatingSerializer,
    comparison_data,
    over_rating_data,
)
from assessments.api.serializers import SheetEntrySerializer
from assessments.choices import SelfAssessmentStatus
from assessments.models import SelfAssessment, SelfRating
from assessments.services import self_assessments as services
from assessments.services.sheets import sheet_problems
from hub import roles
from hub.api.base import VisibleViewSet

SHEET_404 = OpenApiResponse(description="No such self-diagnosis visible to you.")
WRITER_403 = OpenApiResponse(description="Only the SME members of the plant's company write.")


def _ratings_in_order():
    return SelfRating.objects.select_related("item__category__area").order_by("item__order")


class SelfAssessmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    VisibleViewSet,
):
    """Self-diagnoses of plants by their own SME members, labelled self-assessed: never
    confirmed assessments, never the plant's level. SME members see their company's plants';
    a consultant those shared with an assessment assigned to them; agency staff the finished
    ones; partner members and officials none."""

    queryset = SelfAssessment.objects.select_related("plant", "framework")
    permission_classes = [IsAuthenticated]
    filterset_fields = ["plant", "status"]

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            queryset = self._with_ratings(queryset)
        return queryset

    @staticmethod
    def _with_ratings(queryset):
        return queryset.prefetch_related(Prefetch("ratings", queryset=_ratings_in_order()))

    def get_serializer_class(self):
        if self.action == "list":
            return SelfAssessmentSerializer
        if self.action == "create":
            return SelfAssessmentStartSerializer
        return SelfAssessmentDetailSerializer

    def _writer(self, sheet):
        if not services.may_write(self.request.user, sheet.plant):
            raise PermissionDenied(_("Only the members of the plant's company may do this."))

    def _reload(self, sheet, code=status.HTTP_200_OK) -> Response:
        fresh = self.reread(sheet, self._with_ratings(self.get_queryset()))
        data = SelfAssessmentDetailSerializer(fresh, context=self.get_serializer_context()).data
        return Response(data, status=code)

    @extend_schema(
        request=SelfAssessmentStartSerializer,
        responses={
            201: SelfAssessmentDetailSerializer,
            400: OpenApiResponse(
                description="Unknown plant, closed plant, or a draft already in progress "
                "(its id in `draft`)."
            ),
            403: WRITER_403,
        },
    )
    def create(self, request, *args, **kwargs):
        """Start a self-diagnosis of a plant against the current framework, every item
        blank (an SME member of the plant's company; one draft per plant)."""
        if not roles.is_sme_member(request.user):
            raise PermissionDenied(_("Only the members of an SME company self-diagnose."))
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        plant = body.validated_data["plant"]
        self._writer(SelfAssessment(plant=plant))
        try:
            sheet = services.self_assessment_start(plant=plant, user=request.user)
        except DjangoValidationError as exc:
            draft = services.draft_of(plant)
            data = serializers.as_serializer_error(exc)
            if draft is not None:
                data["draft"] = draft.pk
            return Response(data, status=status.HTTP_400_BAD_REQUEST)
        return self._reload(sheet, status.HTTP_201_CREATED)

    @extend_schema(
        responses={
            204: None,
            400: OpenApiResponse(description="Not a draft."),
            403: WRITER_403,
            404: SHEET_404,
        }
    )
    def destroy(self, request, *args, **kwargs):
        """Delete a draft (finished self-diagnoses are kept)."""
        sheet = self.get_object()
        self._writer(sheet)
        services.self_assessment_delete(self_assessment=sheet, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # --- ratings ---------------------------------------------------------------------------

    def _rating_rows(self, sheet):
        rows = _ratings_in_order().filter(sheet=sheet)
        return SelfRatingSerializer(rows, many=True, context=self.get_serializer_context()).data

    @ratings_action(
        rows=SelfRatingSerializer,
        entries=SheetEntrySerializer,
        read="Every item of the self-diagnosis in framework order.",
        write="Save several items at once, all or nothing: the assessment API's list "
        '([{"item": code, "rating": 0–5}, …], also not_applicable, na_reason, note).',
        refused="Field errors keyed by entry index "
        '({"1": {"rating": [...]}}), or the self-diagnosis is finished. '
        "Nothing is saved.",
        forbidden=WRITER_403,
        not_found=SHEET_404,
    )
    def ratings(self, request, pk=None):
        sheet = self.get_object()
        if request.method == "GET":
            return Response(self._rating_rows(sheet))
        self._writer(sheet)
        body = SheetEntrySerializer(data=request.data, many=True, allow_empty=False)
        body.is_valid(raise_exception=True)
        try:
            services.self_assessment_rate(
                self_assessment=sheet, user=request.user, entries=body.validated_data
            )
        except DjangoValidationError as exc:
            by_entry = getattr(exc, "by_entry", None)
            if by_entry is None:
                raise
            raise serializers.ValidationError(dict(by_entry)) from exc
        return Response(self._rating_rows(sheet))

    # --- finish, share ---------------------------------------------------------------------

    @extend_schema(
        request=FinishSerializer,
        responses={
            200: SelfAssessmentDetailSerializer,
            400: FinishRefusedSerializer,
            403: WRITER_403,
            404: SHEET_404,
        },
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def finish(self, request, pk=None):
        """Finish a complete draft: `score`, `level` (self-assessed), the areas and the
        next-level roadmap. Refused with the list of missing items."""
        sheet = self.get_object()
        self._writer(sheet)
        body = FinishSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            sheet = services.self_assessment_finish(
                self_assessment=sheet,
                user=request.user,
                rated_on=body.validated_data.get("rated_on"),
            )
        except DjangoValidationError as exc:
            missing = [] if hasattr(exc, "error_dict") else sheet_problems(sheet)
            if missing and sheet.status == SelfAssessmentStatus.DRAFT:
                return Response(
                    {"non_field_errors": exc.messages, "missing": missing},
                    status=status.HTTP_400_BAD_REQUEST,
                )
            raise
        return self._reload(sheet)

    @extend_schema(
        methods=["POST"],
        request=None,
        responses={
            200: SelfAssessmentDetailSerializer,
            400: OpenApiResponse(description="Not finished, or no assessment in progress."),
            403: WRITER_403,
            404: SHEET_404,
        },
        description="Share with the consultant assigned to the plant's next assessment (the "
        "one in progress).",
    )
    @extend_schema(
        methods=["DELETE"],
        request=None,
        responses={200: SelfAssessmentDetailSerializer, 403: WRITER_403, 404: SHEET_404},
        description="Stop sharing.",
    )
    @action(detail=True, methods=["post", "delete"], filter_backends=[], pagination_class=None)
    def share(self, request, pk=None):
        sheet = self.get_object()
        self._writer(sheet)
        if request.method == "DELETE":
            sheet = services.self_assessment_unshare(self_assessment=sheet, user=request.user)
        else:
            sheet = services.self_assessment_share(self_assessment=sheet, user=request.user)
        return self._reload(sheet)

    # --- reads -----------------------------------------------------------------------------

    @extend_schema(
        request=None,
        responses={
            200: ComparisonSerializer,
            400: OpenApiResponse(description="Not shared with an assessment confirmed since."),
            404: SHEET_404,
        },
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def comparison(self, request, pk=None):
        """The self-diagnosis beside the confirmed assessment it was shared with: totals,
        areas and items (largest differences first; difference = self − confirmed)."""
        sheet = self.get_object()
        assessment = self_selectors.comparable_assessment(sheet)
        if assessment is None or sheet.status != SelfAssessmentStatus.FINISHED:
            raise serializers.ValidationError(
                {
                    "non_field_errors": [
                        _(
                            "Not comparable yet: share the finished self-diagnosis with the next "
                            "assessment and wait for its confirmation."
                        )
                    ]
                }
            )
        return Response(comparison_data(sheet, assessment))

    @extend_schema(
        request=None,
        responses={
            200: OverRatingSerializer,
            403: OpenApiResponse(description="Agency staff only."),
        },
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="over-rating",
        url_name="over-rating",
        filter_backends=[],
        pagination_class=None,
    )
    def over_rating(self, request):
        """Self-diagnosed against confirmed levels (each finished self-diagnosis with the
        plant's first confirmed assessment on or after it): overall, per region, per
        industry — count, mean levels, mean difference, share over-rated."""
        if not roles.is_agency_staff_or_admin(request.user):
            raise PermissionDenied(_("The over-rating figures are for agency staff."))
        return Response(over_rating_data(self_selectors.over_rating()))
