"""Assessment API serializers: explicit fields, read shapes separate from write bodies.
Writes never touch models here; the views hand validated data to the services."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments import scoring
from assessments.formats import consultant_name
from assessments.models import (
    Area,
    Assessment,
    Category,
    Evidence,
    Framework,
    Item,
    ItemRating,
    SpotCheckRating,
)
from hub.choices import Role
from hub.models import Plant

# --- frameworks ------------------------------------------------------------------------------


class ItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = Item
        fields = ["code", "name_ko", "name_en", "points", "order", "descriptors"]


class CategorySerializer(serializers.ModelSerializer):
    items = ItemSerializer(many=True, read_only=True)

    class Meta:
        model = Category
        fields = ["code", "name_ko", "name_en", "points", "order", "items"]


class AreaSerializer(serializers.ModelSerializer):
    categories = CategorySerializer(many=True, read_only=True)

    class Meta:
        model = Area
        fields = ["code", "name_ko", "name_en", "points", "order", "categories"]


class FrameworkSerializer(serializers.ModelSerializer):
    areas = AreaSerializer(many=True, read_only=True)

    class Meta:
        model = Framework
        fields = [
            "id",
            "code",
            "version",
            "name_ko",
            "name_en",
            "status",
            "total_points",
            "validity_years",
            "thresholds",
            "floor_rules",
            "levels",
            "loaded_at",
            "areas",
        ]


# --- assessments -----------------------------------------------------------------------------


class CompletenessSerializer(serializers.Serializer):
    """Items done (rated, or N/A with a reason) out of all items; read from the counts the
    viewset annotates on its queryset."""

    done = serializers.IntegerField(source="ratings_done", read_only=True)
    total = serializers.IntegerField(source="ratings_total", read_only=True)


class RatingSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="item.code", read_only=True)
    area = serializers.CharField(source="item.category.area.code", read_only=True)
    name_ko = serializers.CharField(source="item.name_ko", read_only=True)
    name_en = serializers.CharField(source="item.name_en", read_only=True)
    points = serializers.DecimalField(
        source="item.points", max_digits=7, decimal_places=2, read_only=True
    )
    is_complete = serializers.BooleanField(read_only=True)

    class Meta:
        model = ItemRating
        fields = [
            "item",
            "area",
            "name_ko",
            "name_en",
            "points",
            "rating",
            "not_applicable",
            "na_reason",
            "evidence_note",
            "is_complete",
            "updated_at",
        ]
        read_only_fields = fields


class AssessmentSerializer(serializers.ModelSerializer):
    plant_name = serializers.CharField(source="plant.name", read_only=True)
    region = serializers.CharField(source="plant.region", read_only=True)
    framework_label = serializers.CharField(source="framework.__str__", read_only=True)
    consultant_name = serializers.SerializerMethodField()
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    completeness = CompletenessSerializer(source="*", read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "plant",
            "plant_name",
            "region",
            "framework",
            "framework_label",
            "consultant",
            "consultant_name",
            "status",
            "status_display",
            "due_on",
            "assessed_on",
            "opened_at",
            "submitted_at",
            "returned_at",
            "return_reason",
            "confirmed_at",
            "total_score",
            "band_level",
            "final_level",
            "capping_rule",
            "valid_until",
            "revision",
            "completeness",
            "origin",
            "outcome_only",
            "recorded_consultant",
            "source_reference",
        ]
        read_only_fields = fields

    def get_consultant_name(self, obj) -> str:
        """The hub consultant, else the name a back-filed record gives, else a dash."""
        return consultant_name(obj)


class AssessmentDetailSerializer(AssessmentSerializer):
    """One assessment with its stored scoring result and every item rating."""

    ratings = RatingSerializer(many=True, read_only=True)

    class Meta(AssessmentSerializer.Meta):
        fields = [*AssessmentSerializer.Meta.fields, "result", "ratings"]
        read_only_fields = fields


class AssessmentOpenSerializer(serializers.Serializer):
    """Body of POST /assessments/: open an assessment of a plant and assign a consultant."""

    plant = serializers.PrimaryKeyRelatedField(queryset=Plant.objects.none())
    consultant = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(membership__role=Role.CONSULTANT)
    )
    due_on = serializers.DateField(required=False, allow_null=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only plants the caller can see: an invisible id reads like a missing one.
        request = self.context.get("request")
        user = request.user if request is not None else None
        self.fields["plant"].queryset = Plant.objects.visible_to(user)


class SubmitSerializer(serializers.Serializer):
    assessed_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=_("Date of the on-site assessment; defaults to the stored date or today."),
    )


class ReturnSerializer(serializers.Serializer):
    # Not required here: the service says "give a reason" after it has checked the role.
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class RatingWriteSerializer(serializers.Serializer):
    """Any of the rating fields; only those sent change. A rating without
    `not_applicable` clears the N/A mark."""

    rating = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=scoring.MIN_RATING,
        max_value=scoring.MAX_RATING,
    )
    not_applicable = serializers.BooleanField(required=False)
    na_reason = serializers.CharField(required=False, allow_blank=True)
    evidence_note = serializers.CharField(required=False, allow_blank=True)

    def validate(self, attrs):
        if attrs.get("rating") is not None:
            if attrs.get("not_applicable"):
                raise serializers.ValidationError(
                    {"rating": _("An item marked not applicable has no rating.")}
                )
            attrs.setdefault("not_applicable", False)
        return attrs


class RatingBulkEntrySerializer(RatingWriteSerializer):
    item = serializers.CharField(help_text=_("Item code, e.g. A1.1."))


class MissingItemSerializer(serializers.Serializer):
    item = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class SubmitRefusedSerializer(serializers.Serializer):
    """400 of submit when items are missing."""

    non_field_errors = serializers.ListField(child=serializers.CharField())
    missing = MissingItemSerializer(many=True)


class EvidenceSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="item.code", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id",
            "item",
            "original_name",
            "content_type",
            "size",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, obj) -> str:
        # The web view checks the assessment's visibility before it serves the file.
        url = obj.get_absolute_url()
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class EvidenceUploadSerializer(serializers.Serializer):
    item = serializers.CharField(help_text=_("Item code, e.g. A1.1."))
    file = serializers.FileField(allow_empty_file=True)


class SheetEntrySerializer(RatingBulkEntrySerializer):
    """One entry of a rating sheet's bulk ratings (self-diagnosis, spot-check): the
    assessment API's entry, with `note` in place of the evidence note."""

    note = serializers.CharField(required=False, allow_blank=True)

    def get_fields(self):
        fields = super().get_fields()
        fields.pop("evidence_note", None)
        return fields


class SheetRatingSerializer(serializers.ModelSerializer):
    """One item of a rating sheet as answered (a spot-check's; the self-diagnosis adds the
    area)."""

    item = serializers.CharField(source="item.code", read_only=True)
    name_ko = serializers.CharField(source="item.name_ko", read_only=True)
    name_en = serializers.CharField(source="item.name_en", read_only=True)
    is_complete = serializers.BooleanField(read_only=True)

    class Meta:
        model = SpotCheckRating
        fields = [
            "item",
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
