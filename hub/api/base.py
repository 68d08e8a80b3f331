"""Base viewsets: the visibility rule applied once for every API endpoint."""

from django.shortcuts import get_object_or_404
from rest_framework import mixins, viewsets

from hub.api.exports import ExportMixin
from hub.api.permissions import RegistryPermission


class VisibleViewSet(ExportMixin, viewsets.GenericViewSet):
    """Every API viewset of a model derives from this. Its list answers `?format=csv` and
    `?format=xlsx` with every matching row (hub.api.exports). `queryset` names the model's
    rows (with their joins); `get_queryset()` restricts it to `visible_to(request.user)`, so list,
    retrieve and every detail action answer 404 for what the caller may not see. Viewsets
    that annotate or prefetch build on `super().get_queryset()`."""

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)

    def reread(self, obj, queryset=None):
        """`obj` read back through the visibility rule after a write (404 if the write took
        it out of the caller's sight)."""
        return get_object_or_404(self.get_queryset() if queryset is None else queryset, pk=obj.pk)


class RegistryViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    VisibleViewSet,
):
    """List/retrieve restricted by `visible_to(user)` (invisible => 404); create and update
    go through a service function named by `create_service` / `update_service`."""

    permission_classes = [RegistryPermission]

    def perform_create(self, serializer):
        serializer.instance = self.create_service(
            user=self.request.user, data=dict(serializer.validated_data)
        )

    def perform_update(self, serializer):
        serializer.instance = self.update_service(
            serializer.instance, user=self.request.user, data=dict(serializer.validated_data)
        )
