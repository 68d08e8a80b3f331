from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from hub import roles


class RegistryPermission(BasePermission):
    """Everyone signed in may read what `visible_to` lets them see; agency staff write. On one
    object, visibility is decided first: a write to an object the caller may not see answers
    404, like a read, and only a visible one 403."""

    message = _("Only agency staff may change the registry.")

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in SAFE_METHODS or view.detail:
            return True
        return roles.is_agency_staff_or_admin(request.user)

    def has_object_permission(self, request, view, obj):
        return request.method in SAFE_METHODS or roles.is_agency_staff_or_admin(request.user)
