from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from hub.api.fields import ChoiceLabelField, FastRepresentationMixin
from hub.choices import OrganizationKind
from hub.models import Mentorship, Organization, Plant
from hub.validators import normalize_business_number, validate_business_number


class OrganizationSerializer(serializers.ModelSerializer):
    business_number = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=14,
        help_text=_("10 digits, hyphens optional (123-45-67890)."),
    )
    business_number_display = serializers.CharField(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Organization
        fields = [
            "id",
            "kind",
            "kind_display",
            "name",
            "name_en",
            "business_number",
            "business_number_display",
            "size_class",
            "employees",
            "revenue_million_krw",
            "region",
            "address",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate_business_number(self, value):
        number = normalize_business_number(value or "")
        if not number:
            return None
        validate_business_number(number)
        clash = Organization.objects.filter(business_number=number)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError(
                _("An organisation with this business number is already registered.")
            )
        return number


class PlantSerializer(FastRepresentationMixin, serializers.ModelSerializer):
    company = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.filter(kind=OrganizationKind.SME)
    )
    company_name = serializers.CharField(source="company.name", read_only=True)
    company_business_number = serializers.CharField(
        source="company.business_number_display", read_only=True
    )
    company_size_class = serializers.CharField(source="company.size_class", read_only=True)
    region_name = ChoiceLabelField(source="region", choices=Plant._meta.get_field("region").choices)
    industry_name = ChoiceLabelField(
        source="industry", choices=Plant._meta.get_field("industry").choices
    )

    class Meta:
        model = Plant
        fields = [
            "id",
            "company",
            "company_name",
            "company_business_number",
            "company_size_class",
            "name",
            "region",
            "region_name",
            "address",
            "industry",
            "industry_name",
            "employees",
            "factory_registration_number",
            "status",
            "current_level",
            "current_score",
            "level_confirmed_on",
            "level_valid_until",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "current_level",
            "current_score",
            "level_confirmed_on",
            "level_valid_until",
            "created_at",
            "updated_at",
        ]


class MentorshipSerializer(serializers.ModelSerializer):
    partner = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.filter(kind=OrganizationKind.PARTNER)
    )
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    plant_name = serializers.CharField(source="plant.name", read_only=True)

    class Meta:
        model = Mentorship
        fields = [
            "id",
            "partner",
            "partner_name",
            "plant",
            "plant_name",
            "start_date",
            "end_date",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
