"""Data hub API serializers: explicit fields, read shapes separate from write bodies. Writes
never touch models here; the viewsets hand validated data to datahub.services.

A token string appears in exactly two answers: the creation of a source and a rotation.
Reads show a token's metadata (prefix, times, revocation) to the plant's own members only,
and never its digest."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from datahub.choices import Granularity, Purpose, SourceKind
from datahub.models import AccessLogEntry, Consent, DataSource, KpiDefinition, Series, SourceToken
from datahub.services.sources import manages_data_of
from hub.api.fields import ChoiceLabelField
from hub.choices import OrganizationKind
from hub.formats import person_name
from hub.models import Organization, Plant


def _user_of(context):
    request = context.get("request")
    return request.user if request is not None else None


class VisiblePlantField(serializers.PrimaryKeyRelatedField):
    """A plant the caller can see: an invisible id reads like a missing one (400 "Invalid pk",
    no hint that it exists), as in the assessments API."""

    def get_queryset(self):
        return Plant.objects.visible_to(_user_of(self.context))


class VisibleSourceField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return DataSource.objects.visible_to(_user_of(self.context)).select_related("plant")


# --- the KPI catalogue -----------------------------------------------------------------------


class KpiDefinitionSerializer(serializers.ModelSerializer):
    """One KPI or raw quantity of the current catalogue."""

    name = serializers.CharField(read_only=True, help_text=_("In the active language."))
    kind_display = ChoiceLabelField(
        source="kind", choices=KpiDefinition._meta.get_field("kind").choices
    )
    min = serializers.FloatField(source="min_value", read_only=True, allow_null=True)
    max = serializers.FloatField(source="max_value", read_only=True, allow_null=True)
    inputs = serializers.ListField(child=serializers.CharField(), read_only=True)
    catalogue = serializers.CharField(source="catalogue.code", read_only=True)
    catalogue_version = serializers.IntegerField(source="catalogue.version", read_only=True)

    class Meta:
        model = KpiDefinition
        fields = [
            "id",
            "code",
            "name",
            "name_ko",
            "name_en",
            "kind",
            "kind_display",
            "unit",
            "better",
            "min",
            "max",
            "formula",
            "inputs",
            "aggregation",
            "description_ko",
            "description_en",
            "iso_reference",
            "catalogue",
            "catalogue_version",
        ]
        read_only_fields = fields


# --- data sources and tokens -----------------------------------------------------------------


class TokenSerializer(serializers.ModelSerializer):
    """A token's metadata; the secret is never stored and the digest never shown."""

    is_usable = serializers.BooleanField(read_only=True)

    class Meta:
        model = SourceToken
        fields = ["prefix", "created_at", "expires_at", "last_used_at", "revoked_at", "is_usable"]
        read_only_fields = fields


class DataSourceSerializer(serializers.ModelSerializer):
    plant = VisiblePlantField(help_text=_("A plant of your company."))
    plant_name = serializers.CharField(source="plant.name", read_only=True)
    kind = serializers.ChoiceField(choices=SourceKind.choices, default=SourceKind.OTHER)
    kind_display = ChoiceLabelField(source="kind", choices=SourceKind.choices)
    tokens = serializers.SerializerMethodField(
        help_text=_("The source's tokens (metadata only), for the plant's own members.")
    )

    class Meta:
        model = DataSource
        fields = [
            "id",
            "plant",
            "plant_name",
            "name",
            "kind",
            "kind_display",
            "description",
            "is_active",
            "last_data_at",
            "tokens",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["is_active", "last_data_at", "created_at", "updated_at"]
        # The name's uniqueness per plant is checked by the service after the role check.
        validators = []

    def validate(self, attrs):
        # Checked here (after the role check and the plant's visibility) to answer on the
        # field rather than with the model's constraint message.
        plant = attrs.get("plant") or getattr(self.instance, "plant", None)
        name = attrs.get("name")
        if plant is not None and name is not None:
            clash = DataSource.objects.filter(plant=plant, name=name.strip())
            if self.instance is not None:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                raise serializers.ValidationError(
                    {"name": _("This plant already has a data source with this name.")}
                )
        return attrs

    @extend_schema_field(TokenSerializer(many=True))
    def get_tokens(self, obj):
        if not manages_data_of(_user_of(self.context), obj.plant):
            return []
        return TokenSerializer(obj.tokens.all(), many=True).data


class DataSourceCreatedSerializer(DataSourceSerializer):
    """The answer to a creation: the source and its first token, shown this once."""

    token = serializers.CharField(
        read_only=True, help_text=_("The token, shown only in this answer: keep it safe.")
    )

    class Meta(DataSourceSerializer.Meta):
        fields = [*DataSourceSerializer.Meta.fields, "token"]


class DataSourceUpdateSerializer(DataSourceSerializer):
    """PATCH: name, kind, description and is_active; the plant stays."""

    plant = serializers.PrimaryKeyRelatedField(read_only=True)
    kind = serializers.ChoiceField(choices=SourceKind.choices, required=False)

    class Meta(DataSourceSerializer.Meta):
        read_only_fields = ["last_data_at", "created_at", "updated_at"]


class TokenRotateSerializer(serializers.Serializer):
    expires_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text=_("When the new token expires; by default after DATAHUB_TOKEN_DAYS days."),
    )


class TokenIssuedSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("The new token, shown only in this answer."))
    prefix = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True)


class TokenRevokedSerializer(serializers.Serializer):
    revoked = serializers.IntegerField(help_text=_("How many usable tokens were revoked."))


# --- series ----------------------------------------------------------------------------------


class SeriesSerializer(serializers.ModelSerializer):
    plant = serializers.PrimaryKeyRelatedField(read_only=True)
    plant_name = serializers.CharField(source="plant.name", read_only=True)
    source = VisibleSourceField(help_text=_("A data source of your plant."))
    source_name = serializers.CharField(source="source.name", read_only=True)
    kpi = serializers.SlugRelatedField(
        slug_field="code",
        queryset=KpiDefinition.objects.filter(catalogue__is_current=True),
        help_text=_("Code of a KPI or raw quantity of the current catalogue (kpi-definitions)."),
    )
    kpi_name = serializers.CharField(source="kpi.name", read_only=True)
    unit = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        help_text=_("UCUM code; must be the KPI's own unit (the default)."),
    )
    granularity = serializers.ChoiceField(choices=Granularity.choices, default=Granularity.HOUR)
    key = serializers.SlugField(
        max_length=120,
        required=False,
        allow_blank=True,
        help_text=_("The name rows use; by default the KPI code, and the label."),
    )

    class Meta:
        model = Series
        fields = [
            "id",
            "plant",
            "plant_name",
            "source",
            "source_name",
            "kpi",
            "kpi_name",
            "unit",
            "granularity",
            "label",
            "key",
            "created_at",
            "last_ts",
            "last_data_at",
        ]
        read_only_fields = ["created_at", "last_ts", "last_data_at"]
        validators = []  # the service checks the key's uniqueness after the role check


# --- consents and the access log -------------------------------------------------------------


class ConsentSerializer(serializers.ModelSerializer):
    plant = VisiblePlantField(help_text=_("A plant of your company."))
    plant_name = serializers.CharField(source="plant.name", read_only=True)
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    purpose_display = ChoiceLabelField(source="purpose", choices=Purpose.choices)
    partner = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.filter(kind=OrganizationKind.PARTNER),
        required=False,
        allow_null=True,
        help_text=_("For the partner purpose: the mentoring partner firm."),
    )
    partner_name = serializers.CharField(source="partner.name", read_only=True, default=None)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = Consent
        fields = [
            "id",
            "plant",
            "plant_name",
            "purpose",
            "purpose_display",
            "partner",
            "partner_name",
            "granted_at",
            "expires_at",
            "revoked_at",
            "is_active",
        ]
        read_only_fields = ["granted_at", "revoked_at"]


class AccessLogEntrySerializer(serializers.ModelSerializer):
    plant_name = serializers.CharField(source="plant.name", read_only=True)
    purpose_display = ChoiceLabelField(source="purpose", choices=Purpose.choices)
    what = serializers.CharField(
        source="description",
        read_only=True,
        help_text=_("What was read, in the language of the request (from kind and details)."),
    )
    user_name = serializers.SerializerMethodField(help_text=_("Who read the data."))
    organization_name = serializers.CharField(
        source="organization.name", read_only=True, default=None
    )

    class Meta:
        model = AccessLogEntry
        fields = [
            "id",
            "at",
            "plant",
            "plant_name",
            "purpose",
            "purpose_display",
            "kind",
            "details",
            "what",
            "user",
            "user_name",
            "organization",
            "organization_name",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_user_name(self, obj) -> str | None:
        if obj.user is None:
            return None
        return person_name(obj.user)
