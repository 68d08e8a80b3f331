"""Base viewset: the visibility rule applied once for every API endpoint."""

from rest_framework import mixins, viewsets

from hub.api.permissions import RegistryPermission


class RegistryViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """List/retrieve restricted by `visible_to(user)` (invisible => 404); create and update
    go through a service function named by `create_service` / `update_service`."""

    permission_classes = [RegistryPermission]
    base_queryset = None

    def get_queryset(self):
        return self.base_queryset.visible_to(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = self.create_service(
            user=self.request.user, data=dict(serializer.validated_data)
        )

    def perform_update(self, serializer):
        serializer.instance = self.update_service(
            serializer.instance, user=self.request.user, data=dict(serializer.validated_data)
        )
