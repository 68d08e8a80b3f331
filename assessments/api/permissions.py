"""Who may call which assessment endpoint. The services check the same rules again; checking
here too makes the API answer in a fixed order — 404 (not visible), then 403 (wrong role),
then 400 (bad body or wrong state) — whatever the body holds."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from hub import roles


class AssessmentPermission(BasePermission):
    # Actions of agency staff, and those of the consultant the assessment is assigned to.
    AGENCY_ACTIONS = {"create", "confirm", "return_"}
    CONSULTANT_ACTIONS = {"submit", "ratings", "rating", "evidence", "evidence_delete"}

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if view.action == "create" and not roles.is_agency_staff_or_admin(request.user):
            self.message = _("Only agency staff may open assessments.")
            return False
        return True

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        if view.action in self.AGENCY_ACTIONS:
            self.message = _("Only agency staff may do this.")
            return roles.is_agency_staff_or_admin(request.user)
        if view.action in self.CONSULTANT_ACTIONS:
            self.message = _("Only the assigned consultant may change this assessment.")
            return obj.consultant_id == request.user.pk
        return False
