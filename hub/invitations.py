"""Invitations of SME members: agency staff invite a person by e-mail to act for an SME
company; the mail carries a one-time link (the token is stored only as its SHA-256 digest)
that opens a page where the person picks a username and password. Used, expired or unknown
links create no account. The model is in hub/invitation_model.py (registered by hub.models);
audited like the registry."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hub import roles
from hub.audit import audit_record, snapshot
from hub.choices import AuditAction, OrganizationKind, Role
from hub.formats import person_name
from hub.invitation_model import Invitation


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def require_sme_company(organization) -> None:
    if organization.kind != OrganizationKind.SME:
        raise ValidationError(_("Only an SME company's members are invited here."))


MAIL_SUBJECT = "[스마트공장 허브] 초대 / Invitation to the Smart Factory Hub"
MAIL_BODY = """{name}님, 안녕하세요.

{inviter}님이 {company}의 구성원으로 스마트공장 허브에 초대했습니다.
아래 링크에서 사용자 이름과 비밀번호를 정하면 계정이 만들어집니다.
링크는 한 번만 쓸 수 있고 {expires}까지 유효합니다.

{link}

---

Hello {name},

{inviter} invited you to the Smart Factory Hub as a member of {company}.
Open the link above to choose a username and password; your account is created then.
The link works once, until {expires}.

{link}
"""


@transaction.atomic
def invitation_create(*, user, organization, email: str, name: str, base_url: str):
    """Invite `email` to act for the SME company; sends the mail (Korean and English) with
    the one-time link; returns (invitation, link). `base_url` is the site's address
    (request.build_absolute_uri("/"))."""
    if not roles.is_agency_staff_or_admin(user):
        raise PermissionDenied(_("Only agency staff may invite SME members."))
    require_sme_company(organization)
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        organization=organization,
        email=email.strip(),
        name=name.strip(),
        digest=_digest(token),
        invited_by=user,
        expires_at=timezone.now() + dt.timedelta(days=settings.INVITATION_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=invitation,
        after=snapshot(invitation, fields=["organization", "email", "name", "expires_at"]),
    )
    link = base_url.rstrip("/") + reverse("hub:invitation_accept", args=[token])
    inviter = person_name(user)
    expires = timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d %H:%M")
    with translation.override("ko"):
        body = MAIL_BODY.format(
            name=invitation.name,
            inviter=inviter,
            company=organization.name,
            expires=expires,
            link=link,
        )
    # After the commit: no mail for an invitation that was rolled back.
    transaction.on_commit(
        lambda: send_mail(MAIL_SUBJECT, body, None, [invitation.email], fail_silently=False)
    )
    return invitation, link


def invitation_for(token: str) -> Invitation:
    """The usable invitation of `token`; ValidationError saying why not otherwise."""
    invitation = (
        Invitation.objects.select_related("organization").filter(digest=_digest(token)).first()
    )
    if invitation is None:
        raise ValidationError(_("This invitation link is not valid."), code="unknown")
    if invitation.used_at is not None:
        raise ValidationError(_("This invitation link was already used."), code="used")
    if invitation.expires_at <= timezone.now():
        raise ValidationError(
            _("This invitation link has expired; ask the operating agency for a new one."),
            code="expired",
        )
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, username: str, password: str):
    """Create the invited person's account with the SME membership; the link is used up."""
    from hub.services import user_create_with_membership

    invitation = invitation_for(token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.used_at is not None:
        raise ValidationError(_("This invitation link was already used."), code="used")
    first_name, _sep, last_name = invitation.name.partition(" ")
    candidate = get_user_model()(
        username=username, email=invitation.email, first_name=first_name, last_name=last_name
    )
    password_validation.validate_password(password, user=candidate)
    if get_user_model().objects.filter(username=username).exists():
        raise ValidationError({"username": _("This username is taken; choose another.")})
    user = user_create_with_membership(
        username=username,
        password=password,
        organization=invitation.organization,
        role=Role.SME_MEMBER,
        email=invitation.email,
        first_name=first_name,
        last_name=last_name,
        actor=None,
    )
    before = snapshot(invitation, fields=["used_at", "user"])
    invitation.used_at = timezone.now()
    invitation.user = user
    invitation.save(update_fields=["used_at", "user"])
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=invitation,
        before=before,
        after=snapshot(invitation, fields=["used_at", "user"]),
        message=_("Invitation accepted"),
    )
    return user


@transaction.atomic
def sme_member_create(
    *, user, organization, username: str, password: str, email: str = "", name: str = ""
):
    """Agency staff create an SME member directly (no mail)."""
    from hub.services import user_create_with_membership

    if not roles.is_agency_staff_or_admin(user):
        raise PermissionDenied(_("Only agency staff may create SME members."))
    require_sme_company(organization)
    first_name, _sep, last_name = name.strip().partition(" ")
    candidate = get_user_model()(
        username=username, email=email, first_name=first_name, last_name=last_name
    )
    password_validation.validate_password(password, user=candidate)
    return user_create_with_membership(
        username=username,
        password=password,
        organization=organization,
        role=Role.SME_MEMBER,
        email=email,
        first_name=first_name,
        last_name=last_name,
        actor=user,
    )
