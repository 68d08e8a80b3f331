"""Self-diagnosis API: an SME member starts one for a plant, saves ratings in bulk (the
assessment API's list shape), finishes it (score, level, roadmap), shares it with the
consultant of the plant's next assessment, and reads the comparison once that assessment is
confirmed; agency staff read the over-rating figures. Visibility is
`SelfAssessment.objects.visible_to(user)` (invisible: 404); every write is one service call,
which checks role and state."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from assessments import self_selectors
from assessments.api.ratings_action import ratings_action
from assessments.api.serializers import MissingItemSerializer, RatingBulkEntrySerializer
from assessments.choices import SelfAssessmentStatus
from assessments.models import SelfAssessment, SelfRating
from assessments.selectors import roadmap_rows
from assessments.services import self_assessments as services
from assessments.services.sheets import sheet_problems
from hub import roles
from hub.api.base import VisibleViewSet
from hub.models import Plant

# --- serializers -----------------------------------------------------------------------------


class SelfRatingSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="item.code", read_only=True)
    area = serializers.CharField(source="item.category.area.code", read_only=True)
    name_ko = serializers.CharField(source="item.name_ko", read_only=True)
    name_en = serializers.CharField(source="item.name_en", read_only=True)
    is_complete = serializers.BooleanField(read_only=True)

    class Meta:
        model = SelfRating
        fields = [
            "item",
            "area",
            "name_ko",
            "name_en",
            "rating",
            "not_applicable",
            "na_reason",
            "note",
            "is_complete",
            "updated_at",
        ]
        read_only_fields = fields


class SelfAssessmentSerializer(serializers.ModelSerializer):
    """A self-diagnosis; `self_assessed` is always true: it is never a confirmed
    assessment and never changes the plant's level."""

    plant_name = serializers.CharField(source="plant.name", read_only=True)
    framework_label = serializers.CharField(source="framework.__str__", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    self_assessed = serializers.SerializerMethodField()

    class Meta:
        model = SelfAssessment
        fields = [
            "id",
            "self_assessed",
            "plant",
            "plant_name",
            "framework",
            "framework_label",
            "status",
            "status_display",
            "started_at",
            "rated_on",
            "finished_at",
            "total_score",
            "band_level",
            "final_level",
            "capping_rule",
            "shared_with",
            "shared_at",
            "revision",
        ]
        read_only_fields = fields

    def get_self_assessed(self, obj) -> bool:
        return True


class RoadmapStepSerializer(serializers.Serializer):
    item = serializers.CharField()
    area = serializers.CharField()
    rating = serializers.IntegerField()
    target = serializers.IntegerField()
    descriptor = serializers.CharField()


class SelfAssessmentDetailSerializer(SelfAssessmentSerializer):
    """With the stored result (areas, roadmap) and every item rating."""

    score = serializers.DecimalField(
        source="total_score", max_digits=7, decimal_places=3, read_only=True
    )
    level = serializers.IntegerField(source="final_level", read_only=True)
    roadmap = serializers.SerializerMethodField()
    ratings = SelfRatingSerializer(many=True, read_only=True)

    class Meta(SelfAssessmentSerializer.Meta):
        fields = [
            *SelfAssessmentSerializer.Meta.fields,
            "score",
            "level",
            "result",
            "roadmap",
            "ratings",
        ]
        read_only_fields = fields

    @extend_schema_field(RoadmapStepSerializer(many=True))
    def get_roadmap(self, obj) -> list:
        if not obj.result:
            return []
        return [
            {
                "item": step["item"],
                "area": step["area"],
                "rating": step["rating"],
                "target": step["target"],
                "descriptor": step["descriptor"],
            }
            for step in roadmap_rows(obj, limit=10)
        ]


class SelfAssessmentStartSerializer(serializers.Serializer):
    plant = serializers.PrimaryKeyRelatedField(queryset=Plant.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = request.user if request is not None else None
        self.fields["plant"].queryset = Plant.objects.visible_to(user)


class SelfRatingEntrySerializer(RatingBulkEntrySerializer):
    """One entry of the bulk ratings: the assessment API's entry, with `note` in place of
    the evidence note."""

    note = serializers.CharField(required=False, allow_blank=True)

    def get_fields(self):
        fields = super().get_fields()
        fields.pop("evidence_note", None)
        return fields


class FinishSerializer(serializers.Serializer):
    rated_on = serializers.DateField(required=False, allow_null=True)


class FinishRefusedSerializer(serializers.Serializer):
    non_field_errors = serializers.ListField(child=serializers.CharField())
    missing = MissingItemSerializer(many=True)


class ComparisonItemSerializer(serializers.Serializer):
    item = serializers.CharField()
    self_rating = serializers.CharField(allow_null=True, help_text='0–5, "na" or null')
    confirmed_rating = serializers.CharField(allow_null=True)
    difference = serializers.IntegerField(allow_null=True, help_text="self − confirmed")


class ComparisonAreaSerializer(serializers.Serializer):
    area = serializers.CharField()
    self_score = serializers.CharField(allow_null=True)
    self_level = serializers.IntegerField(allow_null=True)
    confirmed_score = serializers.CharField(allow_null=True)
    confirmed_level = serializers.IntegerField(allow_null=True)
    score_difference = serializers.CharField(allow_null=True)


class ComparisonSerializer(serializers.Serializer):
    self_assessment = serializers.IntegerField()
    assessment = serializers.IntegerField()
    self_score = serializers.CharField()
    confirmed_score = serializers.CharField()
    score_difference = serializers.CharField(allow_null=True)
    self_level = serializers.IntegerField()
    confirmed_level = serializers.IntegerField()
    level_difference = serializers.IntegerField(allow_null=True)
    differing_items = serializers.IntegerField()
    mean_item_difference = serializers.CharField(allow_null=True)
    areas = ComparisonAreaSerializer(many=True)
    items = ComparisonItemSerializer(many=True, help_text="Largest differences first.")


class FiguresSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    mean_self_level = serializers.CharField(allow_null=True)
    mean_confirmed_level = serializers.CharField(allow_null=True)
    mean_difference = serializers.CharField(allow_null=True, help_text="self − confirmed")
    over_rated = serializers.IntegerField()
    under_rated = serializers.IntegerField()
    over_rated_share = serializers.CharField(allow_null=True, help_text="0–1")


class GroupFiguresSerializer(FiguresSerializer):
    code = serializers.CharField()
    label = serializers.CharField()


class OverRatingSerializer(serializers.Serializer):
    overall = FiguresSerializer()
    regions = GroupFiguresSerializer(many=True)
    industries = GroupFiguresSerializer(many=True)


def _text(value):
    return None if value is None else str(value)


def comparison_data(sheet, assessment) -> dict:
    found = self_selectors.self_comparison(sheet, assessment)
    return {
        "self_assessment": sheet.pk,
        "assessment": assessment.pk,
        "self_score": str(sheet.total_score),
        "confirmed_score": str(assessment.total_score),
        "score_difference": _text(found["total_delta"]),
        "self_level": sheet.final_level,
        "confirmed_level": assessment.final_level,
        "level_difference": found["level_delta"],
        "differing_items": found["differing"],
        "mean_item_difference": _text(found["mean_item_delta"]),
        "areas": [
            {
                "area": row["code"],
                "self_score": row["self"].get("score"),
                "self_level": row["self"].get("level"),
                "confirmed_score": row["confirmed"].get("score"),
                "confirmed_level": row["confirmed"].get("level"),
                "score_difference": _text(row["score_delta"]),
            }
            for row in found["area_rows"]
        ],
        "items": [
            {
                "item": row["item"].code,
                "self_rating": _text(row["self_value"]),
                "confirmed_rating": _text(row["confirmed_value"]),
                "difference": row["delta"],
            }
            for row in found["item_rows"]
        ],
    }


def over_rating_data(figures) -> dict:
    def group(rows):
        return [
            {"code": r["code"], "label": str(r["label"]), **r["figures"].as_dict()} for r in rows
        ]

    return {
        "overall": figures["overall"].as_dict(),
        "regions": group(figures["regions"]),
        "industries": group(figures["industries"]),
    }


# --- viewset ---------------------------------------------------------------------------------

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
        entries=SelfRatingEntrySerializer,
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
        body = SelfRatingEntrySerializer(data=request.data, many=True, allow_empty=False)
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
