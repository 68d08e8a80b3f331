"""Who a user is in the program: their membership and what that lets them do.

The visibility querysets (`visible_to`) and the permission checks of views and API
all start from these few functions, so a role means the same everywhere.
"""

from collections.abc import Callable

from django.apps import apps
from django.db.models import Q

from hub.choices import Role

_CACHE_ATTR = "_hub_membership"

# Later apps (assessments) register how a consultant reaches plants: each callable takes a
# user and returns a Q on Plant. Until one is registered, a consultant sees no plant.
consultant_plant_rules: list[Callable[[object], Q]] = []


def membership_of(user):
    """The user's membership (cached on the user object), or None."""
    if user is None or not user.is_authenticated:
        return None
    if not hasattr(user, _CACHE_ATTR):
        # Through the app registry: hub.models reads the roles, so roles cannot import it.
        membership_model = apps.get_model("hub", "Membership")
        membership = (
            membership_model.objects.select_related("organization").filter(user_id=user.pk).first()
        )
        setattr(user, _CACHE_ATTR, membership)
    return getattr(user, _CACHE_ATTR)


def remember_membership(user, membership) -> None:
    """Cache an already loaded membership (or None) on the user, as membership_of does."""
    setattr(user, _CACHE_ATTR, membership)


def role_of(user) -> str | None:
    membership = membership_of(user)
    return membership.role if membership else None


def is_admin(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_superuser)


def sees_everything(user) -> bool:
    """Agency staff, officials and administrators read the whole registry."""
    return is_admin(user) or role_of(user) in (Role.AGENCY_STAFF, Role.OFFICIAL)


def can_edit_registry(user) -> bool:
    """Agency staff (and administrators) register and edit organisations, plants, mentorships."""
    return is_admin(user) or role_of(user) == Role.AGENCY_STAFF


def can_see_audit(user) -> bool:
    return can_edit_registry(user)


def consultant_plant_filter(user) -> Q:
    q = Q(pk__in=[])
    for rule in consultant_plant_rules:
        q |= rule(user)
    return q
