"""Helpers shared by the program pages: visibility lookups and the manager check.

Reading follows `visible_to` (invisible = 404); changing a visible program or project needs
staff of its operating agency (`services.can_manage_program`), otherwise 403."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from programs.models import Program, Project
from programs.services import can_manage_program


def visible_program(user, pk) -> Program:
    return get_object_or_404(
        Program.objects.visible_to(user).select_related("agency", "cost_share_rule"), pk=pk
    )


def visible_project(user, pk) -> Project:
    return get_object_or_404(
        Project.objects.visible_to(user).select_related(
            "program",
            "program__agency",
            "program__cost_share_rule",
            "plant",
            "plant__company",
            "partner",
            "supplier",
        ),
        pk=pk,
    )


def require_manager(user, program: Program | None = None) -> None:
    if not can_manage_program(user, program):
        raise PermissionDenied(
            _("Only staff of the operating agency may change this program and its projects.")
        )


def add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's field-keyed errors next to the fields (others above the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def refuse(request, exc: ValidationError, url: str):
    """A service refused a button's action: say why on the page we return to."""
    for message in exc.messages:
        messages.error(request, message)
    return redirect(url)
