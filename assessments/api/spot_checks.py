"""Spot-checks API: list, detail, draw, assign, blind ratings, submit, decide, cancel. Agency
staff see every spot-check; a consultant the ones assigned to them, blind (nothing of the
checked assessment); every other role is refused."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from assessments.api.ratings_action import ratings_action
from assessments.api.serializers import SheetEntrySerializer, SheetRatingSerializer
from assessments.choices import SpotCheckDecision
from assessments.models import Assessment, SpotCheck, SpotCheckRating
from assessments.services import spot_checks as services
from assessments.services.sheets import SheetRatingErrors
from hub import roles
from hub.api.base import VisibleViewSet
from hub.choices import Industry, Region, Role
from hub.formats import person_name

# --- spot-checks ------------------------------------------------------------------------------


class SpotCheckPermission(BasePermission):
    """Agency staff and consultants only; agency actions for agency staff, rating actions
    for the assigned consultant. Fixed order: 404 (not visible), 403 (role), 400."""

    AGENCY = {"create", "draw", "assign", "decide", "cancel"}
    CONSULTANT = {"ratings", "submit"}

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if view.action in ("draw", "create"):
            self.message = _("Only agency staff may do this.")
            return roles.is_agency_staff_or_admin(user)
        return True

    def has_object_permission(self, request, view, obj):
        if view.action in self.AGENCY:
            self.message = _("Only agency staff may do this.")
            return roles.is_agency_staff_or_admin(request.user)
        if view.action in self.CONSULTANT and request.method != "GET":
            self.message = _("Only the consultant assigned to this spot-check may rate it.")
            return obj.consultant_id == request.user.pk
        return True


class SpotCheckSerializer(serializers.ModelSerializer):
    """What the second consultant sees (blind: nothing of the checked assessment)."""

    plant_name = serializers.CharField(source="plant.name", read_only=True)
    consultant_name = serializers.SerializerMethodField()
    # Plain strings (draft, submitted, cancelled): the choices are documented in the text.
    status = serializers.CharField(read_only=True, help_text="draft, submitted or cancelled.")
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = SpotCheck
        fields = [
            "id",
            "plant",
            "plant_name",
            "framework",
            "consultant",
            "consultant_name",
            "status",
            "status_display",
            "due_on",
            "started_at",
            "rated_on",
            "finished_at",
            "total_score",
            "band_level",
            "final_level",
            "revision",
        ]
        read_only_fields = fields

    def get_consultant_name(self, obj) -> str:
        return person_name(obj.consultant)


class CheckedAssessmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    consultant = serializers.IntegerField(source="consultant_id", allow_null=True)
    consultant_name = serializers.SerializerMethodField()
    assessed_on = serializers.DateField(allow_null=True)
    total_score = serializers.DecimalField(max_digits=7, decimal_places=3, allow_null=True)
    final_level = serializers.IntegerField(allow_null=True)

    def get_consultant_name(self, obj) -> str:
        return person_name(obj.consultant)


class SpotCheckAgencySerializer(SpotCheckSerializer):
    """Agency staff: the spot-check with the checked assessment, reason and decision."""

    assessment = CheckedAssessmentSerializer(read_only=True)
    reason = serializers.CharField(read_only=True, help_text="random, outlier or chosen.")
    decision = serializers.CharField(read_only=True, help_text="pending, kept or replaced.")

    class Meta(SpotCheckSerializer.Meta):
        fields = [
            *SpotCheckSerializer.Meta.fields,
            "assessment",
            "draw",
            "reason",
            "decision",
            "decision_note",
            "decided_at",
            "replacement",
        ]
        read_only_fields = fields


class SpotCheckDetailSerializer(SpotCheckSerializer):
    ratings = SheetRatingSerializer(many=True, read_only=True)

    class Meta(SpotCheckSerializer.Meta):
        fields = [*SpotCheckSerializer.Meta.fields, "ratings"]
        read_only_fields = fields


class SpotCheckAgencyDetailSerializer(SpotCheckAgencySerializer):
    ratings = SheetRatingSerializer(many=True, read_only=True)

    class Meta(SpotCheckAgencySerializer.Meta):
        fields = [*SpotCheckAgencySerializer.Meta.fields, "ratings"]
        read_only_fields = fields


class DrawSerializer(serializers.Serializer):
    start = serializers.DateField(required=False, allow_null=True)
    end = serializers.DateField(required=False, allow_null=True)
    region = serializers.ChoiceField(choices=Region.choices, required=False, allow_blank=True)
    industry = serializers.ChoiceField(choices=Industry.choices, required=False, allow_blank=True)
    share = serializers.FloatField(min_value=0, max_value=1, default=0.1)
    outlier_consultants = serializers.IntegerField(min_value=0, max_value=50, default=0)
    levels_above = serializers.IntegerField(
        min_value=1, max_value=5, required=False, allow_null=True
    )
    limit = serializers.IntegerField(min_value=1, max_value=500, default=50)
    seed = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    due_on = serializers.DateField(required=False, allow_null=True)


class DrawResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    seed = serializers.IntegerField()
    settings = serializers.JSONField()
    spot_checks = SpotCheckAgencySerializer(many=True)


class AssignSerializer(serializers.Serializer):
    consultant = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(membership__role=Role.CONSULTANT)
    )
    due_on = serializers.DateField(required=False, allow_null=True)


class SpotCheckSubmitSerializer(serializers.Serializer):
    rated_on = serializers.DateField(required=False, allow_null=True)


class DecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=[SpotCheckDecision.KEPT, SpotCheckDecision.REPLACED],
        default=SpotCheckDecision.KEPT,
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


SPOT_CHECK_ID = OpenApiParameter("id", int, OpenApiParameter.PATH)
CHANGED = {
    400: OpenApiResponse(description="Wrong state or invalid input."),
    403: OpenApiResponse(description="Not allowed for this role."),
    404: OpenApiResponse(description="No such spot-check visible to you."),
}


class ChooseSerializer(serializers.Serializer):
    assessment = serializers.IntegerField(help_text="A confirmed assessment's id.")
    due_on = serializers.DateField(required=False, allow_null=True)


class SpotCheckViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, VisibleViewSet):
    """Spot-checks: blind second assessments of confirmed assessments. Agency staff see
    every one with the checked assessment; the second consultant sees those assigned to
    them without anything of the checked assessment; other roles are refused (403)."""

    queryset = SpotCheck.objects.select_related("plant", "consultant")
    permission_classes = [SpotCheckPermission]
    filterset_fields = ["status", "decision", "reason", "draw"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        user = request.user
        if not (roles.is_agency_staff_or_admin(user) or roles.is_consultant(user)):
            raise PermissionDenied(_("Spot-checks are for agency staff and consultants."))

    def _agency(self) -> bool:
        return roles.is_agency_staff_or_admin(self.request.user)

    def get_queryset(self):
        qs = super().get_queryset().order_by("-started_at", "-pk")
        if self._agency():
            qs = qs.select_related("assessment", "assessment__consultant")
        if self.action != "list":
            qs = qs.prefetch_related(
                Prefetch(
                    "ratings",
                    queryset=SpotCheckRating.objects.select_related("item").order_by("item__order"),
                )
            )
        return qs

    def get_serializer_class(self):
        detail = self.action != "list"
        if self._agency():
            return SpotCheckAgencyDetailSerializer if detail else SpotCheckAgencySerializer
        return SpotCheckDetailSerializer if detail else SpotCheckSerializer

    def _reload(self, spot_check, code=status.HTTP_200_OK) -> Response:
        fresh = self.reread(spot_check)
        return Response(
            self.get_serializer_class()(fresh, context=self.get_serializer_context()).data,
            status=code,
        )

    @extend_schema(
        request=ChooseSerializer,
        responses={
            201: SpotCheckAgencyDetailSerializer,
            400: OpenApiResponse(description="Not a confirmed assessment, or checked already."),
            403: OpenApiResponse(description="Only agency staff open spot-checks."),
        },
    )
    def create(self, request):
        """Open a spot-check of one confirmed assessment chosen by agency staff (reason
        "chosen", outside any draw)."""
        body = ChooseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        assessment = Assessment.objects.filter(pk=body.validated_data["assessment"]).first()
        if assessment is None:
            raise serializers.ValidationError({"assessment": [_("No such assessment.")]})
        spot_check = services.spot_check_choose(
            assessment=assessment, user=request.user, due_on=body.validated_data.get("due_on")
        )
        return self._reload(spot_check, code=status.HTTP_201_CREATED)

    @extend_schema(
        request=DrawSerializer,
        responses={
            201: DrawResultSerializer,
            400: OpenApiResponse(description="Invalid settings."),
            403: OpenApiResponse(description="Only agency staff draw."),
        },
    )
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def draw(self, request):
        """Draw confirmed assessments for spot-checks: the outliers the settings ask for,
        then a random share of the rest; reproducible by `seed`."""
        body = DrawSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        draw = services.spot_check_draw(user=request.user, **body.validated_data)
        checks = SpotCheck.objects.filter(draw=draw).select_related(
            "plant", "consultant", "assessment", "assessment__consultant"
        )
        return Response(
            {
                "id": draw.pk,
                "seed": draw.seed,
                "settings": draw.settings,
                "spot_checks": SpotCheckAgencySerializer(
                    checks.order_by("pk"), many=True, context=self.get_serializer_context()
                ).data,
            },
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        parameters=[SPOT_CHECK_ID],
        request=AssignSerializer,
        responses={200: SpotCheckAgencyDetailSerializer, **CHANGED},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def assign(self, request, pk=None):
        """Assign the spot-check to a consultant of another consultancy (agency staff)."""
        spot_check = self.get_object()
        body = AssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        spot_check = services.spot_check_assign(
            spot_check=spot_check, user=request.user, **body.validated_data
        )
        return self._reload(spot_check)

    @ratings_action(
        rows=SheetRatingSerializer,
        entries=SheetEntrySerializer,
        read="The spot-check's own ratings in framework order.",
        write="Save several items at once, all or nothing (the assessment API's shape, "
        "with `note`).",
        refused='Field errors keyed by entry index ({"1": {"rating": [...]}}), or '
        "the spot-check is not being rated. Nothing is saved.",
        forbidden=OpenApiResponse(description="Only the assigned consultant rates."),
        not_found=OpenApiResponse(description="No such spot-check visible to you."),
        parameters=[SPOT_CHECK_ID],
    )
    def ratings(self, request, pk=None):
        spot_check = self.get_object()
        if request.method == "PATCH":
            body = SheetEntrySerializer(data=request.data, many=True, allow_empty=False)
            body.is_valid(raise_exception=True)
            try:
                services.spot_check_rate(
                    spot_check=spot_check, user=request.user, entries=body.validated_data
                )
            except SheetRatingErrors as exc:
                raise serializers.ValidationError(exc.by_entry) from exc
        rows = (
            SpotCheckRating.objects.filter(sheet=spot_check)
            .select_related("item")
            .order_by("item__order")
        )
        return Response(SheetRatingSerializer(rows, many=True).data)

    @extend_schema(
        parameters=[SPOT_CHECK_ID],
        request=SpotCheckSubmitSerializer,
        responses={200: SpotCheckDetailSerializer, **CHANGED},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def submit(self, request, pk=None):
        """The assigned consultant submits a complete spot-check; score and level are
        computed."""
        spot_check = self.get_object()
        body = SpotCheckSubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        spot_check = services.spot_check_submit(
            spot_check=spot_check, user=request.user, rated_on=body.validated_data.get("rated_on")
        )
        return self._reload(spot_check)

    @extend_schema(
        parameters=[SPOT_CHECK_ID],
        request=DecideSerializer,
        responses={200: SpotCheckAgencyDetailSerializer, **CHANGED},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def decide(self, request, pk=None):
        """Agency staff keep the confirmed assessment (default) or replace it with a new
        confirmed assessment from the spot-check (a reason is required); audited."""
        spot_check = self.get_object()
        body = DecideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        spot_check = services.spot_check_decide(
            spot_check=spot_check, user=request.user, **body.validated_data
        )
        return self._reload(spot_check)

    @extend_schema(
        parameters=[SPOT_CHECK_ID],
        request=CancelSerializer,
        responses={200: SpotCheckAgencyDetailSerializer, **CHANGED},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def cancel(self, request, pk=None):
        """Agency staff cancel a spot-check still being rated."""
        spot_check = self.get_object()
        body = CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        spot_check = services.spot_check_cancel(
            spot_check=spot_check, user=request.user, reason=body.validated_data["reason"]
        )
        return self._reload(spot_check)


__all__ = ["SpotCheckViewSet"]
