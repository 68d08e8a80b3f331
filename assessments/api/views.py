"""Assessment API: frameworks (read-only), assessments with their workflow actions, item
ratings and evidence. Visibility comes from `Assessment.objects.visible_to(user)` (invisible
=> 404); every write is one service call, which checks role and state again."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from assessments import services
from assessments.api import serializers as s
from assessments.api.permissions import AssessmentPermission
from assessments.api.ratings_action import ratings_action
from assessments.filtersets import AssessmentFilterSet
from assessments.models import Area, Assessment, Category, Evidence, Framework, Item, ItemRating
from assessments.tables import AssessmentTable
from hub.api.base import VisibleViewSet

# --- frameworks ------------------------------------------------------------------------------


class FrameworkViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, VisibleViewSet):
    """Maturity frameworks, every version, each nested areas → categories → items with points
    and level descriptors, level thresholds and floor rules."""

    queryset = Framework.objects.all()
    serializer_class = s.FrameworkSerializer
    filterset_fields = ["code", "status"]

    def get_queryset(self):
        # Four queries whatever the number of frameworks and items.
        items = Item.objects.order_by("order")
        categories = Category.objects.order_by("order").prefetch_related(
            Prefetch("items", queryset=items)
        )
        areas = Area.objects.order_by("order").prefetch_related(
            Prefetch("categories", queryset=categories)
        )
        return super().get_queryset().prefetch_related(Prefetch("areas", queryset=areas))


# --- assessments -----------------------------------------------------------------------------


def _count_ratings(condition: Q | None = None):
    ratings = ItemRating.objects.filter(assessment=OuterRef("pk"))
    if condition is not None:
        ratings = ratings.filter(condition)
    counted = ratings.order_by().values("assessment").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


# Same rule as ItemRating.is_complete: rated, or N/A with a reason that is not blank.
RATING_DONE = Q(rating__isnull=False) | (Q(not_applicable=True) & ~Q(na_reason__regex=r"^\s*$"))


def with_completeness(queryset):
    """Annotate ratings_done / ratings_total with one subquery each (no per-row queries)."""
    return queryset.annotate(
        ratings_total=_count_ratings(), ratings_done=_count_ratings(RATING_DONE)
    )


def _ratings_in_order():
    return ItemRating.objects.select_related("item__category__area").order_by("item__order")


ASSESSMENT_ID = OpenApiParameter("id", int, OpenApiParameter.PATH)
ITEM_CODE = OpenApiParameter(
    "item_code", str, OpenApiParameter.PATH, description="Item code, e.g. A1.1."
)
EVIDENCE_ID = OpenApiParameter("evidence_pk", int, OpenApiParameter.PATH)
CHANGED = {
    200: s.AssessmentDetailSerializer,
    400: OpenApiResponse(description="Wrong state or invalid input."),
    403: OpenApiResponse(description="Not allowed for this role."),
    404: OpenApiResponse(description="No such assessment visible to you."),
}


class AssessmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    VisibleViewSet,
):
    """Maturity assessments of plants. Status changes only through the actions `submit`,
    `confirm` and `return`; ratings and evidence through their sub-resources. Consultants see
    the assessments assigned to them, partner members the confirmed assessments of the plants
    their firm mentors, officials every assessment past the draft stage."""

    queryset = Assessment.objects.select_related("plant", "framework", "consultant")
    permission_classes = [AssessmentPermission]
    filterset_class = AssessmentFilterSet
    export_table = AssessmentTable

    def get_queryset(self):
        queryset = with_completeness(super().get_queryset())
        if self.action == "retrieve":
            queryset = self._with_ratings(queryset)
        return queryset

    @staticmethod
    def _with_ratings(queryset):
        return queryset.prefetch_related(Prefetch("ratings", queryset=_ratings_in_order()))

    def get_serializer_class(self):
        if self.action == "list":
            return s.AssessmentSerializer
        if self.action == "create":
            return s.AssessmentOpenSerializer
        return s.AssessmentDetailSerializer

    def _reload(self, assessment) -> Response:
        fresh = self.reread(assessment, self._with_ratings(self.get_queryset()))
        return Response(
            s.AssessmentDetailSerializer(fresh, context=self.get_serializer_context()).data
        )

    @extend_schema(
        request=s.AssessmentOpenSerializer,
        responses={
            201: s.AssessmentDetailSerializer,
            400: OpenApiResponse(description="Invalid plant or consultant, or one in progress."),
            403: OpenApiResponse(description="Only agency staff open assessments."),
        },
    )
    def create(self, request, *args, **kwargs):
        """Open an assessment of a plant against the active framework (agency staff)."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assessment = services.assessment_open(user=request.user, **serializer.validated_data)
        response = self._reload(assessment)
        response.status_code = status.HTTP_201_CREATED
        return response

    # --- workflow actions ------------------------------------------------------------------

    @extend_schema(
        request=s.SubmitSerializer,
        responses={**CHANGED, 400: s.SubmitRefusedSerializer},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def submit(self, request, pk=None):
        """The assigned consultant submits a complete draft; the score is stored. Refused
        with the list of missing items when any is unrated or N/A without a reason."""
        assessment = self.get_object()
        body = s.SubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            assessment = services.assessment_submit(
                assessment=assessment,
                user=request.user,
                assessed_on=body.validated_data.get("assessed_on"),
            )
        except DjangoValidationError as exc:
            # The service refuses an incomplete draft with one message per problem; add the
            # item codes so a client can jump to them.
            missing = [] if hasattr(exc, "error_dict") else services.assessment_problems(assessment)
            if missing and assessment.is_editable:
                return Response(
                    {"non_field_errors": exc.messages, "missing": missing},
                    status=status.HTTP_400_BAD_REQUEST,
                )
            raise
        return self._reload(assessment)

    @extend_schema(request=None, responses=CHANGED)
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def confirm(self, request, pk=None):
        """Agency staff confirm a submitted assessment: it freezes and the plant's current
        level, score and validity follow it."""
        assessment = services.assessment_confirm(assessment=self.get_object(), user=request.user)
        return self._reload(assessment)

    @extend_schema(request=s.ReturnSerializer, responses=CHANGED)
    @action(
        detail=True,
        methods=["post"],
        url_path="return",
        url_name="return",
        filter_backends=[],
        pagination_class=None,
    )
    def return_(self, request, pk=None):
        """Agency staff send a submitted assessment back to the consultant with a reason."""
        assessment = self.get_object()
        body = s.ReturnSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        assessment = services.assessment_return(
            assessment=assessment, user=request.user, reason=body.validated_data["reason"]
        )
        return self._reload(assessment)

    # --- ratings ---------------------------------------------------------------------------

    def _items(self, assessment) -> dict[str, Item]:
        return {
            i.code: i
            for i in Item.objects.filter(category__area__framework=assessment.framework_id)
        }

    def _rating_rows(self, assessment):
        rows = _ratings_in_order().filter(assessment=assessment)
        return s.RatingSerializer(rows, many=True, context=self.get_serializer_context()).data

    @ratings_action(
        rows=s.RatingSerializer,
        entries=s.RatingBulkEntrySerializer,
        read="Every item rating of the assessment in framework order.",
        write="Save several items at once (e.g. an offline tablet syncing): all or "
        "nothing, in one transaction.",
        refused="Field errors keyed by entry index, as DRF's list serializers "
        'give them ({"1": {"rating": [...]}}), or the assessment cannot be edited. '
        "Nothing is saved.",
        forbidden=OpenApiResponse(description="Only the assigned consultant rates."),
    )
    def ratings(self, request, pk=None):
        assessment = self.get_object()
        if request.method == "GET":
            return Response(self._rating_rows(assessment))
        body = s.RatingBulkEntrySerializer(data=request.data, many=True, allow_empty=False)
        body.is_valid(raise_exception=True)
        entries = body.validated_data
        items = self._items(assessment)
        # Errors keyed by entry index, the shape DRF's list serializers use.
        errors, seen = {}, set()
        for index, entry in enumerate(entries):
            code = entry["item"]
            if code not in items:
                errors[index] = {
                    "item": [_("No item %(code)s in this framework.") % {"code": code}]
                }
            elif code in seen:
                errors[index] = {"item": [_("Item %(code)s appears twice.") % {"code": code}]}
            seen.add(code)
        if errors:
            raise serializers.ValidationError(errors)
        with transaction.atomic():
            for index, entry in enumerate(entries):
                data = {k: v for k, v in entry.items() if k != "item"}
                try:
                    services.assessment_rate_item(
                        assessment=assessment,
                        item=items[entry["item"]],
                        user=request.user,
                        data=data,
                    )
                except DjangoValidationError as exc:
                    if not hasattr(exc, "error_dict"):
                        raise  # about the assessment (e.g. its state), not this entry
                    error = {index: serializers.as_serializer_error(exc)}
                    raise serializers.ValidationError(error) from exc
        return Response(self._rating_rows(assessment))

    @extend_schema(
        operation_id="v1_assessments_rating_partial_update",
        parameters=[ASSESSMENT_ID, ITEM_CODE],
        request=s.RatingWriteSerializer,
        responses={
            200: s.RatingSerializer,
            400: OpenApiResponse(description="Invalid value, or the assessment is not editable."),
            403: OpenApiResponse(description="Only the assigned consultant rates."),
            404: OpenApiResponse(description="No such assessment or item."),
        },
    )
    @action(
        detail=True,
        methods=["patch"],
        url_path=r"ratings/(?P<item_code>[^/]+)",
        url_name="rating",
        filter_backends=[],
        pagination_class=None,
    )
    def rating(self, request, pk=None, item_code=None):
        """Save one item: rating 0–5, or not applicable with a reason, and an evidence note."""
        assessment = self.get_object()
        item = get_object_or_404(
            Item, category__area__framework=assessment.framework_id, code=item_code
        )
        body = s.RatingWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        services.assessment_rate_item(
            assessment=assessment, item=item, user=request.user, data=body.validated_data
        )
        row = _ratings_in_order().get(assessment=assessment, item=item)
        return Response(s.RatingSerializer(row, context=self.get_serializer_context()).data)

    # --- evidence --------------------------------------------------------------------------

    @extend_schema(methods=["GET"], request=None, responses=s.EvidenceSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": s.EvidenceUploadSerializer},
        responses={
            201: s.EvidenceSerializer,
            400: OpenApiResponse(description="Wrong type, too large, or not editable."),
            403: OpenApiResponse(description="Only the assigned consultant uploads."),
        },
        description="Attach a file (PDF, image or office document) to one item.",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, FormParser],
        filter_backends=[],
        pagination_class=None,
    )
    def evidence(self, request, pk=None):
        """Evidence files of the assessment, oldest first."""
        assessment = self.get_object()
        context = self.get_serializer_context()
        if request.method == "GET":
            rows = Evidence.objects.filter(assessment=assessment).select_related("item")
            return Response(s.EvidenceSerializer(rows, many=True, context=context).data)
        body = s.EvidenceUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = self._items(assessment).get(body.validated_data["item"])
        if item is None:
            raise serializers.ValidationError({"item": [_("No such item in this framework.")]})
        evidence = services.evidence_add(
            assessment=assessment, item=item, upload=body.validated_data["file"], user=request.user
        )
        return Response(
            s.EvidenceSerializer(evidence, context=context).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        parameters=[ASSESSMENT_ID, EVIDENCE_ID],
        request=None,
        responses={
            204: None,
            400: OpenApiResponse(description="The assessment is not editable."),
            403: OpenApiResponse(description="Only the assigned consultant removes evidence."),
        },
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"evidence/(?P<evidence_pk>\d+)",
        url_name="evidence-detail",
        filter_backends=[],
        pagination_class=None,
    )
    def evidence_delete(self, request, pk=None, evidence_pk=None):
        """Remove one evidence file from a draft."""
        assessment = self.get_object()
        evidence = get_object_or_404(Evidence, assessment=assessment, pk=evidence_pk)
        services.evidence_delete(evidence=evidence, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
