"""Program API serializers: explicit fields, read shapes separate from write bodies. Writes
never touch models here; the views hand validated data to the services."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hub.choices import OrganizationKind
from hub.models import Organization, Plant
from programs.choices import Indicator, ProjectStatus
from programs.models import KPI, CostShareRule, PartnerCommitment, Program, Project


def _organizations(kind):
    return Organization.objects.filter(kind=kind)


# --- programs --------------------------------------------------------------------------------


class CostShareRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = CostShareRule
        fields = [
            "id",
            "code",
            "name_ko",
            "name_en",
            "government_max_pct",
            "partner_min_pct",
            "sme_max_pct",
            "cap_basic",
            "cap_advanced1",
            "cap_advanced2",
        ]


class CommitmentSerializer(serializers.ModelSerializer):
    """A partner's committed funds, what its projects in the program use (applied to
    completed; dropped projects free their share) and what is left. `allocated` and
    `remaining` are annotated by the viewset (no query per commitment)."""

    partner_name = serializers.CharField(source="partner.name", read_only=True)
    allocated = serializers.DecimalField(max_digits=15, decimal_places=0, read_only=True)
    remaining = serializers.DecimalField(max_digits=15, decimal_places=0, read_only=True)

    class Meta:
        model = PartnerCommitment
        fields = ["partner", "partner_name", "committed", "allocated", "remaining"]
        read_only_fields = fields


class CommitmentSetSerializer(serializers.Serializer):
    partner = serializers.PrimaryKeyRelatedField(
        queryset=_organizations(OrganizationKind.PARTNER),
        help_text=_("A partner firm (organisation of kind partner)."),
    )
    committed = serializers.DecimalField(
        max_digits=15, decimal_places=0, min_value=Decimal(0), help_text=_("KRW, whole won.")
    )


class ProgramSerializer(serializers.ModelSerializer):
    agency = serializers.PrimaryKeyRelatedField(
        queryset=_organizations(OrganizationKind.AGENCY),
        required=False,
        help_text=_("Operating agency; defaults to the caller's agency."),
    )
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    follow_up_frequency_display = serializers.CharField(
        source="get_follow_up_frequency_display", read_only=True
    )
    cost_share_rule = serializers.PrimaryKeyRelatedField(queryset=CostShareRule.objects.all())
    cost_share_rule_detail = CostShareRuleSerializer(source="cost_share_rule", read_only=True)
    commitments = CommitmentSerializer(many=True, read_only=True)

    class Meta:
        model = Program
        fields = [
            "id",
            "name_ko",
            "name_en",
            "year",
            "kind",
            "kind_display",
            "agency",
            "agency_name",
            "budget",
            "applications_open",
            "applications_close",
            "cost_share_rule",
            "cost_share_rule_detail",
            "follow_up_years",
            "follow_up_frequency",
            "follow_up_frequency_display",
            "commitments",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        # Uniqueness and the window check run in the service's full_clean, after the role
        # check, so another agency's staff get 403 rather than a hint about existing names.
        validators = []


# --- projects --------------------------------------------------------------------------------


class ProjectSerializer(serializers.ModelSerializer):
    program = serializers.PrimaryKeyRelatedField(queryset=Program.objects.all())
    program_name = serializers.CharField(source="program.name", read_only=True)
    year = serializers.IntegerField(source="program.year", read_only=True)
    plant = serializers.PrimaryKeyRelatedField(queryset=Plant.objects.all())
    plant_name = serializers.CharField(source="plant.name", read_only=True)
    region = serializers.CharField(source="plant.region", read_only=True)
    industry = serializers.CharField(source="plant.industry", read_only=True)
    supplier = serializers.PrimaryKeyRelatedField(
        queryset=_organizations(OrganizationKind.SUPPLIER), required=False, allow_null=True
    )
    supplier_name = serializers.CharField(source="supplier.name", read_only=True, default=None)
    partner = serializers.PrimaryKeyRelatedField(
        queryset=_organizations(OrganizationKind.PARTNER), required=False, allow_null=True
    )
    partner_name = serializers.CharField(source="partner.name", read_only=True, default=None)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "program",
            "program_name",
            "year",
            "plant",
            "plant_name",
            "region",
            "industry",
            "title",
            "supplier",
            "supplier_name",
            "partner",
            "partner_name",
            "target_level",
            "total_cost",
            "government_share",
            "partner_share",
            "sme_share",
            "status",
            "status_display",
            "applied_on",
            "selected_on",
            "agreed_on",
            "building_on",
            "completed_on",
            "dropped_on",
            "drop_reason",
            "reference",
            "revision",
            "created_at",
            "updated_at",
        ]
        # The status moves only through the `advance` action.
        read_only_fields = [
            "status",
            "selected_on",
            "agreed_on",
            "building_on",
            "completed_on",
            "dropped_on",
            "drop_reason",
            "revision",
            "created_at",
            "updated_at",
        ]
        validators = []  # the service checks uniqueness after the role check
        extra_kwargs = {"applied_on": {"required": False}}


class AdvanceSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=ProjectStatus.choices, help_text=_("The next status."))
    on = serializers.DateField(
        required=False, allow_null=True, help_text=_("Date of the step; today if omitted.")
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("Required when dropping.")
    )


# --- KPIs ------------------------------------------------------------------------------------


class KPISerializer(serializers.ModelSerializer):
    project = serializers.PrimaryKeyRelatedField(queryset=Project.objects.all())
    program = serializers.IntegerField(source="project.program_id", read_only=True)
    plant_name = serializers.CharField(source="project.plant.name", read_only=True)
    indicator = serializers.ChoiceField(choices=Indicator.choices)
    indicator_display = serializers.CharField(source="get_indicator_display", read_only=True)
    higher_is_better = serializers.SerializerMethodField()
    unit = serializers.CharField(
        max_length=30, required=False, help_text=_("Defaults to the indicator's usual unit.")
    )

    class Meta:
        model = KPI
        fields = [
            "id",
            "project",
            "program",
            "plant_name",
            "indicator",
            "indicator_display",
            "higher_is_better",
            "unit",
            "baseline",
            "result",
            "baseline_from",
            "baseline_to",
            "result_from",
            "result_to",
            "improvement_pct",
            "updated_at",
        ]
        read_only_fields = ["improvement_pct", "updated_at"]
        # (project, indicator) is the upsert key, not a conflict: POST records or corrects.
        validators = []

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_higher_is_better(self, obj) -> bool:
        return obj.higher_is_better


class KPIUpdateSerializer(KPISerializer):
    """PATCH/PUT on one KPI: project and indicator stay as they are."""

    class Meta(KPISerializer.Meta):
        read_only_fields = ["project", "indicator", "improvement_pct", "updated_at"]

    project = serializers.PrimaryKeyRelatedField(read_only=True)
    indicator = serializers.ChoiceField(choices=Indicator.choices, read_only=True)
