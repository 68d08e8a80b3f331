"""Inviting SME members: agency staff send a one-time link by mail; the link creates the
account with the SME membership once; used, expired and unknown links create nothing."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from hub import roles
from hub.choices import Role
from hub.invitations import Invitation
from hub.models import AuditEntry

pytestmark = pytest.mark.django_db

STRONG = "Factory-Data-2026!"


def invite(world, browse, email="kim@example.org", name="김 민지", captured=None):
    url = reverse("hub:organization_invite", args=[world.plant_a.company.pk])
    response = browse(world.agency).post(url, {"email": email, "name": name})
    assert response.status_code == 302
    return response


def link_in(message) -> str:
    return re.search(r"https?://\S+/invitations/\S+/", message.body).group(0)


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


@pytest.fixture(autouse=True)
def _english(client):
    """The invitee's pages are read in English here (the messages asserted are English)."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def test_agency_invites_and_the_link_creates_the_sme_member_once(
    world, browse, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(world, browse)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["kim@example.org"]
    assert "초대" in message.body and "invited you" in message.body
    assert world.plant_a.company.name in message.body
    link = link_in(message)
    token = link.rstrip("/").rsplit("/", 1)[1]
    invitation = Invitation.objects.get()
    assert token not in invitation.digest and len(invitation.digest) == 64
    assert invitation.expires_at - timezone.now() > dt.timedelta(days=6, hours=23)

    page = client.get(path_of(link))
    assert page.status_code == 200
    response = client.post(
        path_of(link), {"username": "minji", "password1": STRONG, "password2": STRONG}
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(username="minji")
    assert user.check_password(STRONG) and user.email == "kim@example.org"
    assert roles.role_of(user) == Role.SME_MEMBER
    assert roles.sme_company_of(user) == world.plant_a.company
    invitation.refresh_from_db()
    assert invitation.used_at is not None and invitation.user == user
    assert AuditEntry.objects.filter(object_id=str(invitation.pk)).count() == 2

    again = client.post(
        path_of(link), {"username": "minji2", "password1": STRONG, "password2": STRONG}
    )
    assert again.status_code == 410
    assert "already used" in again.content.decode()
    assert not get_user_model().objects.filter(username="minji2").exists()


def test_expired_and_unknown_links_create_nothing(
    world, browse, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(world, browse)
    link = link_in(mail.outbox[0])
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    users = get_user_model().objects.count()
    expired = client.post(
        path_of(link), {"username": "x1", "password1": STRONG, "password2": STRONG}
    )
    assert expired.status_code == 410 and "expired" in expired.content.decode()
    unknown = client.get(reverse("hub:invitation_accept", args=["not-a-token"]))
    assert unknown.status_code == 404 and "not valid" in unknown.content.decode()
    assert get_user_model().objects.count() == users


def test_weak_password_and_taken_username_are_form_errors(
    world, browse, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(world, browse)
    link = path_of(link_in(mail.outbox[0]))
    weak = client.post(link, {"username": "minji", "password1": "1234", "password2": "1234"})
    assert weak.status_code == 200 and weak.context["form"].errors
    taken = client.post(link, {"username": "sme", "password1": STRONG, "password2": STRONG})
    assert "username" in taken.context["form"].errors
    assert Invitation.objects.get().used_at is None


@pytest.mark.parametrize("persona", ["sme", "partner_a", "official", "consultant"])
def test_only_agency_staff_invite_or_create(world, browse, persona):
    client = browse(getattr(world, persona))
    company = world.plant_a.company
    for name in ("hub:organization_invite", "hub:sme_member_create"):
        url = reverse(name, args=[company.pk])
        response = client.post(url, {"email": "a@example.org", "name": "A", "username": "a"})
        assert response.status_code in (403, 404), (persona, name)
    assert not Invitation.objects.exists() and not mail.outbox


def test_invitations_only_for_sme_companies(world, browse):
    url = reverse("hub:organization_invite", args=[world.firm_a.pk])
    assert browse(world.agency).get(url).status_code == 404


def test_agency_creates_an_sme_member_directly(world, browse, client):
    company = world.plant_a.company
    url = reverse("hub:sme_member_create", args=[company.pk])
    weak = browse(world.agency).post(url, {"username": "lee", "password": "123"})
    assert weak.status_code == 200 and weak.context["form"].errors
    response = browse(world.agency).post(
        url,
        {"username": "lee", "name": "이 정우", "email": "lee@example.org", "password": STRONG},
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(username="lee")
    assert roles.sme_company_of(user) == company
    assert client.login(username="lee", password=STRONG)


def test_the_organisation_page_offers_both_to_agency_staff_only(world, browse):
    url = reverse("hub:organization_detail", args=[world.plant_a.company.pk])
    page = browse(world.agency).get(url).content.decode()
    assert reverse("hub:organization_invite", args=[world.plant_a.company.pk]) in page
    assert reverse("hub:sme_member_create", args=[world.plant_a.company.pk]) in page
    own = browse(world.sme).get(url).content.decode()
    assert reverse("hub:organization_invite", args=[world.plant_a.company.pk]) not in own


def _mail_settings(**env) -> dict:
    """EMAIL_* settings of a fresh process with these environment variables."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    environ = {k: v for k, v in os.environ.items() if not k.startswith("EMAIL_")}
    environ.pop("DJANGO_SETTINGS_MODULE", None)
    environ.update(env)
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k) "
        "for k in ('EMAIL_BACKEND', 'EMAIL_HOST', 'EMAIL_PORT', 'EMAIL_USE_TLS', "
        "'INVITATION_DAYS')}))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_mail_goes_to_the_console_unless_an_smtp_host_is_set():
    assert _mail_settings()["EMAIL_BACKEND"].endswith("console.EmailBackend")
    smtp = _mail_settings(
        EMAIL_HOST="smtp.example.org", EMAIL_PORT="465", EMAIL_USE_TLS="false", INVITATION_DAYS="3"
    )
    assert smtp == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.org",
        "EMAIL_PORT": 465,
        "EMAIL_USE_TLS": False,
        "INVITATION_DAYS": 3,
    }
