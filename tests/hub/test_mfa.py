"""Two-step sign-in: required of agency staff, officials and administrators when
MFA_REQUIRED is on (production), optional for everyone else, asked on the web and by the API
token endpoint; recovery codes work once; every device change is audited."""

import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from hub.models import AuditEntry

PASSWORD = "pw-for-tests-1"  # every factory user's password


@pytest.fixture
def required(settings):
    settings.MFA_REQUIRED = True


def sign_in(username) -> Client:
    client = Client()
    response = client.post(
        reverse("login"), {"username": username, "password": PASSWORD, "next": "/"}
    )
    assert response.status_code == 302, response.content[:500]
    return client


def code_for(user, *, later=0) -> str:
    device = TOTPDevice.objects.get(user=user)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = timezone.now().timestamp() + later
    return f"{totp.token():0{device.digits}d}"


def set_up(client, user) -> list[str]:
    page = client.get(reverse("hub:mfa_setup"))
    assert page.status_code == 200
    assert b"<svg" in page.content  # the QR code, drawn on the server
    codes_page = client.post(reverse("hub:mfa_setup"), {"code": code_for(user), "next": "/"})
    assert codes_page.status_code == 200, codes_page.content[:800]
    return re.findall(r"<li><code>([^<]+)</code></li>", codes_page.content.decode())


def test_staff_must_set_it_up_before_anything_else(world, required):
    client = sign_in("agency")
    response = client.get("/plants/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("hub:mfa_setup"))
    api = client.get("/api/v1/plants/")
    assert api.status_code == 403 and "detail" in api.json()
    codes = set_up(client, world.agency)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/plants/").status_code == 200
    assert client.get("/api/v1/plants/").status_code == 200
    assert AuditEntry.objects.filter(message="two-step sign-in turned on").count() == 1


def test_the_next_sign_in_asks_for_a_code_and_a_wrong_one_is_refused(world, required):
    set_up(sign_in("official"), world.official)
    client = sign_in("official")
    response = client.get("/progress/")
    assert response["Location"].startswith(reverse("hub:mfa_verify"))
    wrong = client.post(reverse("hub:mfa_verify"), {"code": "000000", "next": "/progress/"})
    assert wrong.status_code == 400
    assert client.get("/progress/").status_code == 302
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=60)):
        right = client.post(
            reverse("hub:mfa_verify"), {"code": code_for(world.official), "next": "/progress/"}
        )
        assert right.status_code == 302 and right["Location"] == "/progress/"
        assert client.get("/progress/").status_code == 200


def test_a_recovery_code_signs_in_once(world, required):
    codes = set_up(sign_in("agency"), world.agency)
    first = sign_in("agency")
    assert first.post(reverse("hub:mfa_verify"), {"code": codes[0]}).status_code == 302
    assert first.get("/plants/").status_code == 200
    again = sign_in("agency")
    assert again.post(reverse("hub:mfa_verify"), {"code": codes[0]}).status_code == 400
    assert StaticToken.objects.filter(device__user=world.agency).count() == 9
    assert AuditEntry.objects.filter(message="signed in with a recovery code").count() == 1


def test_a_verify_page_never_redirects_off_site(world, required):
    codes = set_up(sign_in("agency"), world.agency)
    client = sign_in("agency")
    response = client.post(
        reverse("hub:mfa_verify"), {"code": codes[1], "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_sme_members_choose_and_once_on_it_is_asked(world, required):
    client = sign_in("sme")
    assert client.get("/datahub/").status_code == 200  # optional: no set-up forced
    set_up(client, world.sme)
    later = sign_in("sme")
    assert later.get("/")["Location"].startswith(reverse("hub:mfa_verify"))
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=60)):
        later.post(reverse("hub:mfa_verify"), {"code": code_for(world.sme)})
        off = later.post(reverse("hub:mfa_turn_off"))
    assert off.status_code == 302
    assert not TOTPDevice.objects.filter(user=world.sme).exists()
    assert sign_in("sme").get("/datahub/").status_code == 200
    assert AuditEntry.objects.filter(message="two-step sign-in turned off").count() == 1


def test_staff_cannot_turn_it_off_when_it_is_required(world, required):
    client = sign_in("agency")
    set_up(client, world.agency)
    client.post(reverse("hub:mfa_turn_off"))
    assert TOTPDevice.objects.filter(user=world.agency, confirmed=True).exists()


def test_the_api_token_needs_the_code_too(world, required):
    client = Client()
    url = reverse("api_token")
    refused = client.post(url, {"username": "agency", "password": PASSWORD})
    assert refused.status_code == 403 and "token" not in refused.json()
    set_up(sign_in("agency"), world.agency)
    missing = client.post(url, {"username": "agency", "password": PASSWORD})
    assert missing.status_code == 400 and "otp" in missing.json()
    wrong = client.post(url, {"username": "agency", "password": PASSWORD, "otp": "123456"})
    assert wrong.status_code == 400 and "token" not in wrong.json()
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=60)):
        right = client.post(
            url, {"username": "agency", "password": PASSWORD, "otp": code_for(world.agency)}
        )
    assert right.status_code == 200 and right.json()["token"]
    # Optional roles without a device get their token as before.
    assert client.post(url, {"username": "sme", "password": PASSWORD}).status_code == 200


def test_without_the_requirement_staff_sign_in_with_a_password(world):
    client = sign_in("agency")
    assert client.get("/plants/").status_code == 200


def test_new_recovery_codes_replace_the_old_ones(world, required):
    client = sign_in("agency")
    old = set_up(client, world.agency)
    page = client.post(reverse("hub:mfa_recovery_codes"))
    new = re.findall(r"<li><code>([^<]+)</code></li>", page.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert sign_in("agency").post(reverse("hub:mfa_verify"), {"code": old[0]}).status_code == 400


def test_an_admin_must_use_it_too(world, required):
    get_user_model().objects.filter(pk=world.admin_user.pk).update(username="root")
    response = sign_in("root").get("/")
    assert response["Location"].startswith(reverse("hub:mfa_setup"))


def test_a_session_without_the_second_step_cannot_change_it(world, required):
    """Knowing the password is not enough to enrol another authenticator, take new recovery
    codes or turn two-step sign-in off."""
    codes = set_up(sign_in("sme"), world.sme)
    device = TOTPDevice.objects.get(user=world.sme, confirmed=True)
    intruder = sign_in("sme")
    for method, url in (
        ("get", reverse("hub:mfa_setup")),
        ("post", reverse("hub:mfa_setup")),
        ("post", reverse("hub:mfa_recovery_codes")),
        ("post", reverse("hub:mfa_turn_off")),
    ):
        response = getattr(intruder, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("hub:mfa_verify")), url
    assert list(TOTPDevice.objects.filter(user=world.sme).values_list("pk", flat=True)) == [
        device.pk
    ]
    assert StaticToken.objects.filter(device__user=world.sme).count() == len(codes)
    # After the second step the same session may change it.
    assert intruder.post(reverse("hub:mfa_verify"), {"code": codes[0]}).status_code == 302
    assert intruder.get(reverse("hub:mfa_setup")).status_code == 200
