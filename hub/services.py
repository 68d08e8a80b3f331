"""Registry write paths. Every create and update goes through here: validated with
`full_clean()`, atomic, and audited."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils.translation import gettext as _

from hub import roles
from hub.audit import audit_record, snapshot
from hub.choices import AuditAction
from hub.models import Membership, Mentorship, Organization, Plant
from hub.validators import normalize_business_number


def require_registry_editor(user) -> None:
    """PermissionDenied unless agency staff or an administrator; None is the system itself
    (management commands, data migrations)."""
    if user is not None and not roles.is_agency_staff_or_admin(user):
        raise PermissionDenied(_("Only agency staff may change the registry."))


def _normalize(model: type[models.Model], data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    if model is Organization and "business_number" in data:
        data["business_number"] = normalize_business_number(data["business_number"]) or None
    return data


@transaction.atomic
def _create(model, *, user, data: dict[str, Any], message: str = ""):
    require_registry_editor(user)
    obj = model(**_normalize(model, data))
    obj.full_clean()
    obj.save()
    audit_record(
        user=user, action=AuditAction.CREATE, obj=obj, after=snapshot(obj), message=message
    )
    return obj


@transaction.atomic
def _update(obj, *, user, data: dict[str, Any], message: str = ""):
    require_registry_editor(user)
    obj = type(obj).objects.select_for_update().get(pk=obj.pk)
    before = snapshot(obj)
    for name, value in _normalize(type(obj), data).items():
        setattr(obj, name, value)
    obj.full_clean()
    after = snapshot(obj)
    if after != before:
        obj.save()
        audit_record(
            user=user,
            action=AuditAction.UPDATE,
            obj=obj,
            before=before,
            after=after,
            message=message,
        )
    return obj


def organization_create(*, user, data: dict[str, Any]) -> Organization:
    return _create(Organization, user=user, data=data)


def organization_update(*, organization: Organization, user, data: dict[str, Any]) -> Organization:
    return _update(organization, user=user, data=data)


def plant_register(*, user, data: dict[str, Any]) -> Plant:
    return _create(Plant, user=user, data=data)


def plant_update(*, plant: Plant, user, data: dict[str, Any]) -> Plant:
    return _update(plant, user=user, data=data)


def mentorship_create(*, user, data: dict[str, Any]) -> Mentorship:
    return _create(Mentorship, user=user, data=data)


def mentorship_update(*, mentorship: Mentorship, user, data: dict[str, Any]) -> Mentorship:
    return _update(mentorship, user=user, data=data)


@transaction.atomic
def user_create_with_membership(
    *,
    username: str,
    password: str,
    organization: Organization,
    role: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    actor=None,
):
    """A user account acting for `organization` in `role` (used by admin tooling and demo data)."""
    user_model = get_user_model()
    user = user_model(username=username, email=email, first_name=first_name, last_name=last_name)
    user.set_password(password)
    user.full_clean()
    user.save()
    membership = Membership(user=user, organization=organization, role=role)
    membership.full_clean()
    membership.save()
    audit_record(user=actor, action=AuditAction.CREATE, obj=membership, after=snapshot(membership))
    return user
