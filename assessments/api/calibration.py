"""Calibration figures API: per consultant or consultancy. Agency staff see every row; a
consultant their own row beside anonymous peers; every other role is refused. The
spot-checks' API is in assessments/api/spot_checks.py."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from assessments.calibration_figures import (
    CONSULTANCY,
    CONSULTANT,
    QUARTER,
    YEAR,
    Filters,
    calibration_rows,
    spot_check_agreement,
)
from hub import roles
from hub.choices import Industry, Region

# --- calibration figures --------------------------------------------------------------------


class CalibrationReader(BasePermission):
    message = gettext_lazy("Calibration figures are for agency staff and consultants.")

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return roles.is_agency_staff_or_admin(user) or roles.is_consultant(user)


class FiltersSerializer(serializers.Serializer):
    by = serializers.ChoiceField(choices=[CONSULTANT, CONSULTANCY], default=CONSULTANT)
    start = serializers.DateField(required=False, help_text="Confirmed on or after.")
    end = serializers.DateField(required=False, help_text="Confirmed on or before.")
    region = serializers.ChoiceField(choices=Region.choices, required=False)
    industry = serializers.ChoiceField(choices=Industry.choices, required=False)
    period = serializers.ChoiceField(choices=[QUARTER, YEAR], default=QUARTER)

    def validate(self, attrs):
        if attrs.get("start") and attrs.get("end") and attrs["start"] > attrs["end"]:
            raise serializers.ValidationError(
                {"end": _("The end of the period comes before its start.")}
            )
        return attrs


class CalibrationRowSerializer(serializers.Serializer):
    key = serializers.IntegerField(help_text="Consultant (user) id or consultancy id.")
    name = serializers.CharField()
    consultancy = serializers.CharField()
    assessments = serializers.IntegerField()
    confirmed = serializers.IntegerField()
    submitted = serializers.IntegerField()
    returned = serializers.IntegerField()
    return_share = serializers.FloatField(allow_null=True)
    resubmitted = serializers.IntegerField()
    items_changed_after_return = serializers.IntegerField()
    items_changed_per_return = serializers.FloatField(allow_null=True)
    mean_level = serializers.FloatField(allow_null=True)
    peer_mean_level = serializers.FloatField(allow_null=True)
    difference_to_peers = serializers.FloatField(allow_null=True)
    compared_with_peers = serializers.IntegerField()
    peer_groups = serializers.IntegerField(
        help_text="Other consultants (or consultancies) rating in the same cells; a "
        "consultant's own row withholds the peers' figures when there is only one."
    )
    levels = serializers.DictField(child=serializers.IntegerField())
    peer_levels = serializers.DictField(child=serializers.IntegerField())
    self_diagnosis_pairs = serializers.IntegerField()
    difference_to_self_diagnosis = serializers.FloatField(allow_null=True)
    next_assessment_pairs = serializers.IntegerField()
    difference_to_next_assessment = serializers.FloatField(allow_null=True)


class AgreementSerializer(serializers.Serializer):
    pairs = serializers.IntegerField()
    exact = serializers.FloatField(allow_null=True)
    within_one = serializers.FloatField(allow_null=True)
    kappa = serializers.FloatField(allow_null=True, help_text="Quadratic weights.")
    kappa_linear = serializers.FloatField(allow_null=True)
    mean_difference = serializers.FloatField(allow_null=True, help_text="Second rater minus first.")


class AgreementGroupSerializer(serializers.Serializer):
    label = serializers.CharField()
    checks = serializers.IntegerField()
    items = AgreementSerializer(help_text="Every item pair pooled.")
    levels = AgreementSerializer()


class CalibrationSerializer(serializers.Serializer):
    by = serializers.CharField()
    rows = CalibrationRowSerializer(many=True)
    agreement = AgreementGroupSerializer()
    agreement_by_consultancy = AgreementGroupSerializer(many=True)
    agreement_over_time = AgreementGroupSerializer(many=True)


def _group(g) -> dict:
    return {
        "label": g.label,
        "checks": g.checks,
        "items": g.agreement.overall.as_dict(),
        "levels": g.agreement.levels.as_dict(),
    }


class OneObjectSchema(AutoSchema):
    """The calibration "list" answers one object (rows and agreement), not an array."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


class CalibrationViewSet(viewsets.ViewSet):
    """Calibration figures: one row per consultant (`?by=consultancy`: per consultancy) with
    the assessments, share returned, items changed after a return, levels against peers on
    similar plants, differences to the self-diagnosis and to the next assessment; and the
    agreement (weighted kappa) of submitted spot-checks overall, by consultancy and over
    time. A consultant gets their own row only (peers anonymous) and no consultancy rows."""

    permission_classes = [IsAuthenticated, CalibrationReader]
    schema = OneObjectSchema()

    @extend_schema(
        parameters=[FiltersSerializer],
        responses={
            200: CalibrationSerializer,
            400: OpenApiResponse(description="Invalid filter."),
            403: OpenApiResponse(description="Not agency staff or a consultant."),
        },
    )
    def list(self, request):
        query = FiltersSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        filters = Filters(
            start=q.get("start"),
            end=q.get("end"),
            region=q.get("region", ""),
            industry=q.get("industry", ""),
        )
        agency = roles.is_agency_staff_or_admin(request.user)
        by = q["by"]
        if agency:
            rows = calibration_rows(by=by, filters=filters)
        elif by == CONSULTANT:
            rows = calibration_rows(by=by, filters=filters, only=request.user.pk)
        else:
            rows = []
        agreement = spot_check_agreement(
            filters=filters, period=q["period"], consultant=None if agency else request.user
        )
        return Response(
            {
                "by": by,
                "rows": [r.as_dict() for r in rows],
                "agreement": _group(agreement.overall),
                "agreement_by_consultancy": [_group(g) for g in agreement.by_consultancy]
                if agency
                else [],
                "agreement_over_time": [_group(g) for g in agreement.by_period],
            }
        )
