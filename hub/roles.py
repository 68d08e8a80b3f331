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


# Member roles that read every row unless a model says otherwise (officials, for one, never
# see draft assessments).
READS_EVERYTHING = (Role.AGENCY_STAFF, Role.OFFICIAL)


def is_admin(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_superuser)


def is_member(user) -> bool:
    """Acts for an organisation of the program, or administers the hub: a signed-in user
    without a membership sees nothing."""
    return is_admin(user) or membership_of(user) is not None


def sees_everything(user) -> bool:
    """Agency staff, officials and administrators read the whole registry."""
    return is_admin(user) or role_of(user) in READS_EVERYTHING


def is_agency_staff_or_admin(user) -> bool:
    """Who runs the program: registers and edits the registry, opens and confirms
    assessments, creates programs, imports, sets the targets and reads the audit log."""
    return is_admin(user) or role_of(user) == Role.AGENCY_STAFF


def is_consultant(user) -> bool:
    return role_of(user) == Role.CONSULTANT


def is_partner_member(user) -> bool:
    return role_of(user) == Role.PARTNER_MEMBER


def partner_firm_of(user):
    """The partner firm a partner member acts for; None for anyone else."""
    membership = membership_of(user)
    if membership is None or membership.role != Role.PARTNER_MEMBER:
        return None
    return membership.organization


def is_sme_member(user) -> bool:
    return role_of(user) == Role.SME_MEMBER


def sme_company_of(user):
    """The SME company an SME member acts for; None for anyone else."""
    membership = membership_of(user)
    if membership is None or membership.role != Role.SME_MEMBER:
        return None
    return membership.organization


def agency_of(user):
    """The agency an agency staff member works for; None for anyone else (administrators
    included: they act for no agency)."""
    membership = membership_of(user)
    if membership is None or membership.role != Role.AGENCY_STAFF:
        return None
    return membership.organization


def consultant_plant_filter(user) -> Q:
    q = Q(pk__in=[])
    for rule in consultant_plant_rules:
        q |= rule(user)
    return q
