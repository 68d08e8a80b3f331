"""Two-step sign-in (TOTP authenticator apps, with one-time recovery codes) on django-otp.

Who must use it: agency staff, officials and administrators when MFA_REQUIRED is on (by
default whenever DEBUG is off, i.e. in production). Everyone else (SME members, consultants,
partner members) may turn it on; once on, it is asked at every sign-in. The demo (DEBUG on)
asks nobody who has not set it up, so the demo logins work as documented.

A signed-in session that still owes its second step may only reach the two-step pages, sign
out and switch language (`MfaMiddleware`); the API token endpoint asks for the code too
(`TokenLoginView`). Every change of a user's devices is audited."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from hub import roles
from hub.audit import audit_record
from hub.choices import AuditAction, Role

RECOVERY_CODES = 10
REQUIRED_ROLES = (Role.AGENCY_STAFF, Role.OFFICIAL)
# The session key remembering whether this sign-in still owes its second step.
PENDING = "mfa_pending"


def _person(user):
    """The user row itself (a request's user is a lazy wrapper), for the audit entry."""
    return get_user_model().objects.get(pk=user.pk)


def is_required(user) -> bool:
    """Must this user sign in with a second step (MFA_REQUIRED and a staff role)?"""
    if not getattr(settings, "MFA_REQUIRED", False) or not user.is_authenticated:
        return False
    return roles.is_admin(user) or roles.role_of(user) in REQUIRED_ROLES


def has_device(user) -> bool:
    return user.is_authenticated and any(devices_for_user(user, confirmed=True))


def authenticator(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def owes_second_step(request) -> bool:
    """Whether the signed-in session must still verify: decided at sign-in and kept in the
    session (`remember_at_sign_in`), so requests do not write the session (which would move
    its expiry); a session from before has it worked out on each request instead."""
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return False
    pending = request.session.get(PENDING)
    if pending is None:
        pending = is_required(user) or has_device(user)
    return pending


def remember_at_sign_in(sender, request, user, **kwargs):
    """user_logged_in receiver (connected in HubConfig.ready)."""
    if request is not None and hasattr(request, "session"):
        request.session[PENDING] = is_required(user) or has_device(user)


@transaction.atomic
def setup_start(*, user) -> TOTPDevice:
    """A new, unconfirmed authenticator for the user (an earlier unconfirmed one goes)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def _check_code(code: str) -> str:
    code = "".join((code or "").split())
    if not code:
        raise ValidationError({"code": _("Enter the code your authenticator app shows.")})
    return code


@transaction.atomic
def setup_confirm(*, request, device: TOTPDevice, code: str) -> list[str]:
    """Confirm a new authenticator with its first code: it replaces any earlier one, new
    recovery codes are issued (returned, shown once) and this session counts as verified."""
    user = request.user
    code = _check_code(code)
    if has_device(user) and not user.is_verified():
        raise PermissionDenied(_("Sign in with your second step before changing it."))
    if device.user_id != user.pk or device.confirmed:
        raise ValidationError({"code": _("Start the set-up again.")})
    if not device.verify_token(code):
        raise ValidationError(
            {"code": _("That code does not match. Check the app's clock and try the next code.")}
        )
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user)
    otp_login(request, device)
    request.session[PENDING] = False
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=_person(user),
        message="two-step sign-in turned on",
    )
    return codes


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


@transaction.atomic
def recovery_codes_renew(*, user) -> list[str]:
    if not has_device(user):
        raise ValidationError(_("Turn on two-step sign-in first."))
    codes = _new_recovery_codes(user)
    audit_record(
        user=user, action=AuditAction.UPDATE, obj=_person(user), message="recovery codes renewed"
    )
    return codes


def match(user, code: str):
    """The user's confirmed device that accepts the code (an authenticator code, or a
    recovery code, which is then used up), or None. django-otp slows repeated failures
    per device."""
    code = "".join((code or "").split())
    if not code:
        return None
    for device in devices_for_user(user, confirmed=True):
        if device.verify_is_allowed()[0] and device.verify_token(code):
            return device
    return None


def verify(*, request, code: str):
    """The second step of this sign-in: raises ValidationError for a wrong code."""
    code = _check_code(code)
    device = match(request.user, code)
    if device is None:
        raise ValidationError({"code": _("That code is not valid. Try the next one.")})
    otp_login(request, device)
    request.session[PENDING] = False
    if isinstance(device, StaticDevice):
        audit_record(
            user=request.user,
            action=AuditAction.UPDATE,
            obj=_person(request.user),
            message="signed in with a recovery code",
        )
    return device


@transaction.atomic
def turn_off(*, user) -> None:
    """Remove the user's devices (only when two-step sign-in is not required of them)."""
    if is_required(user):
        raise ValidationError(_("Two-step sign-in is required for your role."))
    if not TOTPDevice.objects.filter(user=user).exists():
        return
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=_person(user),
        message="two-step sign-in turned off",
    )
