from rest_framework.permissions import SAFE_METHODS, BasePermission

from hub import roles


class RegistryPermission(BasePermission):
    """Everyone signed in may read what `visible_to` lets them see; agency staff write."""

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            return True
        return roles.can_edit_registry(request.user)
