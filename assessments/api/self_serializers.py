"""The self-diagnosis API's serializers and the bodies of its comparison and over-rating
answers (assessments/api/self_assessments.py)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments import self_selectors
from assessments.api.serializers import MissingItemSerializer, SheetRatingSerializer
from assessments.models import SelfAssessment, SelfRating
from assessments.selectors import roadmap_rows
from hub.models import Plant


class SelfRatingSerializer(SheetRatingSerializer):
    area = serializers.CharField(source="item.category.area.code", read_only=True)

    class Meta(SheetRatingSerializer.Meta):
        model = SelfRating
        fields = ["item", "area", *SheetRatingSerializer.Meta.fields[1:]]
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
