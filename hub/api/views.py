from hub import services
from hub.api.base import RegistryViewSet
from hub.api.serializers import MentorshipSerializer, OrganizationSerializer, PlantSerializer
from hub.filtersets import MentorshipFilterSet, OrganizationFilterSet, PlantFilterSet
from hub.models import Mentorship, Organization, Plant
from hub.tables import MentorshipTable, OrganizationTable, PlantTable


class OrganizationViewSet(RegistryViewSet):
    """Organisations of every kind: agencies, partner firms, SME companies, suppliers,
    consultancies and the ministry."""

    queryset = Organization.objects.all()
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilterSet
    export_table = OrganizationTable

    def create_service(self, *, user, data):
        return services.organization_create(user=user, data=data)

    def update_service(self, instance, *, user, data):
        return services.organization_update(organization=instance, user=user, data=data)


class PlantViewSet(RegistryViewSet):
    """SME plants (factories) with region, KSIC industry and current maturity level."""

    queryset = Plant.objects.select_related("company")
    serializer_class = PlantSerializer
    filterset_class = PlantFilterSet
    export_table = PlantTable

    def create_service(self, *, user, data):
        return services.plant_register(user=user, data=data)

    def update_service(self, instance, *, user, data):
        return services.plant_update(plant=instance, user=user, data=data)


class MentorshipViewSet(RegistryViewSet):
    """Partner firms mentoring plants, with their start and end dates."""

    queryset = Mentorship.objects.select_related("partner", "plant")
    serializer_class = MentorshipSerializer
    filterset_class = MentorshipFilterSet
    export_table = MentorshipTable

    def create_service(self, *, user, data):
        return services.mentorship_create(user=user, data=data)

    def update_service(self, instance, *, user, data):
        return services.mentorship_update(mentorship=instance, user=user, data=data)
