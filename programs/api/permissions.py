"""Who may call which program endpoint. The services check the same rules again; checking
here too makes the API answer in a fixed order — 404 (not visible), then 403 (wrong role or
another agency's program), then 400 (bad body or wrong state) — whatever the body holds."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from hub import roles
from programs.models import KPI, Program, Project
from programs.services import can_manage_program


def _program_of(obj) -> Program:
    if isinstance(obj, Program):
        return obj
    if isinstance(obj, Project):
        return obj.program
    if isinstance(obj, KPI):
        return obj.project.program
    raise TypeError(obj)


class ProgramsPermission(BasePermission):
    """Every signed-in user reads what `visible_to` lets them see; agency staff write, and on
    an existing object only staff of the agency operating its program."""

    message = _("Only staff of the operating agency may change programs, projects and KPIs.")

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in SAFE_METHODS or view.detail:
            # On one object, visibility (404) is decided first, then the object permission.
            return True
        return roles.is_agency_staff_or_admin(request.user)

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        return can_manage_program(request.user, _program_of(obj))
