"""Security settings seen from outside: the Content Security Policy, login lockout (page, admin
and API token), password rules, session expiry, and evidence files that no public URL serves."""

import datetime
import json
import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import engines
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone, translation

from assessments import services as assessment_services
from tests.assessments.conftest import confirmed, seed_definition
from tests.factories import UserFactory

PASSWORD = "pw-for-tests-1"  # every factory user's password
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"

EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
    "object-src": "'none'",
}


def csp_of(response) -> dict:
    header = response.headers.get("Content-Security-Policy", "")
    directives = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {d[0]: d[1] if len(d) > 1 else "" for d in directives}


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def browse(client_for):
    return lambda user: english(client_for(user))


# --- Content Security Policy -------------------------------------------------------------------


def test_every_page_carries_the_strict_policy(world, browse):
    for client, url in (
        (browse(None), reverse("login")),
        (browse(world.agency), reverse("home")),
        (browse(world.agency), reverse("hub:plant_list")),
        (browse(world.agency), reverse("audit-list")),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert csp_of(response) == EXPECTED_CSP, url


def test_error_pages_carry_the_policy_too(world, browse):
    response = browse(world.outsider).get(reverse("hub:plant_detail", args=[world.plant_a.pk]))
    assert response.status_code == 404
    assert csp_of(response) == EXPECTED_CSP


# Inline code the policy would block: <script> without src, <style> blocks, style="" and
# on…="" attributes, javascript: URLs.
INLINE = [
    (re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> block"),
    (re.compile(r"""\sstyle\s*=\s*["']""", re.I), "style attribute"),
    (re.compile(r"""\son[a-z]+\s*=\s*["']""", re.I), "event handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]
# WeasyPrint reads this one to make PDFs; no browser ever receives it.
# Not served by the site, so the Content-Security-Policy does not apply: a PDF, a mail body
# (mail clients want inline styles).
PDF_ONLY = {"progress/pdf/report.html", "datahub/email/warning_digest_page.html"}


def inline_code(html: str) -> list[str]:
    html = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", "", html, flags=re.S)
    return [what for pattern, what in INLINE if pattern.search(html)]


def test_inline_code_is_spotted_by_the_checker():
    assert inline_code('<span style="width: 4%">') == ["style attribute"]
    assert inline_code("<script>alert(1)</script>") == ["inline <script>"]
    assert inline_code('<button onclick="go()">') == ["event handler attribute"]
    assert inline_code('<script src="/static/js/app.js" defer></script>') == []


def test_no_template_carries_inline_script_or_style():
    engine = engines["django"].engine
    folders = [Path(d) for d in engine.dirs]
    offenders = {}
    for folder in folders:
        for path in folder.rglob("*.html"):
            name = path.relative_to(folder).as_posix()
            if name in PDF_ONLY:
                continue
            found = inline_code(path.read_text(encoding="utf-8"))
            if found:
                offenders[name] = found
    assert not offenders


def test_charts_carry_no_style_attribute():
    from hub import charts

    svg = charts.progress_meter(40, 100, title="t", value_label="40", target_label="100")
    assert svg.startswith("<svg") and 'class="chart-svg"' in svg
    assert inline_code(svg) == []


def test_pages_as_rendered_carry_no_inline_code(world, browse):
    client = browse(world.agency)
    for url in (
        reverse("home"),
        reverse("hub:plant_list"),
        reverse("hub:plant_detail", args=[world.plant_a.pk]),
        reverse("hub:organization_list"),
        reverse("hub:mentorship_detail", args=[world.mentorship_a.pk]),
        reverse("audit-list"),
        reverse("progress:dashboard"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert inline_code(response.content.decode()) == [], url


def test_chart_and_progress_bar_pages_carry_no_inline_code(world, evidence, browse):
    assessment = evidence.assessment
    fill = browse(world.consultant).get(
        reverse("assessments:assessment_fill", args=[assessment.pk])
    )
    assert fill.status_code == 200
    html = fill.content.decode()
    assert 'role="progressbar"' in html and "data-width=" in html
    assert inline_code(html) == []

    confirmed(world, assessment)
    for client, url in (
        (browse(world.agency), reverse("hub:plant_detail", args=[world.plant_a.pk])),
        (browse(world.partner_a), reverse("programs:portfolio")),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert inline_code(response.content.decode()) == [], url
    plant_page = browse(world.agency).get(reverse("hub:plant_detail", args=[world.plant_a.pk]))
    assert b'class="chart-svg"' in plant_page.content  # the level history chart


def test_api_docs_keep_to_the_policy(world, browse):
    client = browse(world.agency)
    page = client.get(reverse("api_docs"))
    assert page.status_code == 200
    assert csp_of(page) == EXPECTED_CSP
    html = page.content.decode()
    assert inline_code(html) == []
    script = re.search(r'<script src="([^"]*\?[^"]*script[^"]*)"', html)
    assert script, "the start-up script is loaded from a URL"
    loaded = client.get(script.group(1).replace("&amp;", "&"))
    assert loaded.status_code == 200
    assert loaded["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle(" in loaded.content


# --- login lockout -------------------------------------------------------------------------------


def log_in(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def fail_five_times(client, username, **extra):
    responses = [log_in(client, username, "wrong-password", **extra) for _ in range(5)]
    return responses


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(world):
    client = english(Client())
    first_four = fail_five_times(client, "agency")[:4]
    assert all(r.status_code == 200 for r in first_four)  # the form again, with its error

    response = log_in(client, "agency", PASSWORD)
    assert response.status_code == 429
    text = response.content.decode()
    assert "Login locked" in text
    assert "Too many failed logins for this account" in text
    assert "locked for 15 minutes" in text
    assert "_auth_user_id" not in client.session


def test_the_fifth_failure_already_shows_the_lockout_page(world):
    responses = fail_five_times(english(Client()), "agency")
    assert responses[-1].status_code == 429
    assert "Too many failed logins" in responses[-1].content.decode()


def test_lockout_page_is_korean_by_default(world):
    response = fail_five_times(Client(), "agency")[-1]
    assert response.status_code == 429
    assert 'lang="ko"' in response.content.decode()


def test_other_users_and_other_addresses_are_unaffected(world):
    client = english(Client())
    fail_five_times(client, "agency")
    assert log_in(client, "agency", PASSWORD).status_code == 429

    # Another user from the same address logs in.
    other = Client()
    response = log_in(other, "official", PASSWORD)
    assert response.status_code == 302
    assert int(other.session["_auth_user_id"]) == world.official.pk
    # The same user from another address too (lockout is by username and address).
    elsewhere = Client(REMOTE_ADDR="10.20.30.40")
    assert log_in(elsewhere, "agency", PASSWORD).status_code == 302


def test_the_lock_lifts_after_the_cool_off(world):
    client = english(Client())
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail_five_times(client, "agency")
    with time_machine.travel(start + datetime.timedelta(minutes=14), tick=False):
        assert log_in(client, "agency", PASSWORD).status_code == 429
    # Trying during the lockout started the period again: 15 minutes from that try.
    with time_machine.travel(start + datetime.timedelta(minutes=28), tick=False):
        assert log_in(client, "agency", PASSWORD).status_code == 429
    with time_machine.travel(start + datetime.timedelta(minutes=44), tick=False):
        response = log_in(client, "agency", PASSWORD)
        assert response.status_code == 302
        assert int(client.session["_auth_user_id"]) == world.agency.pk


def test_a_successful_login_clears_earlier_failures(world):
    client = english(Client())
    for _ in range(4):
        log_in(client, "agency", "wrong-password")
    assert log_in(client, "agency", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        assert log_in(client, "agency", "wrong-password").status_code == 200
    assert log_in(client, "agency", PASSWORD).status_code == 302


def test_limit_and_cool_off_follow_the_settings(world, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=30)
    client = english(Client())
    log_in(client, "agency", "wrong-password")
    response = log_in(client, "agency", "wrong-password")
    assert response.status_code == 429
    assert "locked for 30 minutes" in response.content.decode()


def test_admin_login_is_locked_too(world):
    client = english(Client())
    fail_five_times(client, "root")
    response = client.post(
        reverse("admin:login"), {"username": "root", "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def token_login(client, username, password):
    return client.post(reverse("api_token"), {"username": username, "password": password})


def test_api_token_login_is_locked_with_a_json_message(world):
    client = english(Client())
    answers = [token_login(client, "agency", "wrong-password") for _ in range(5)]
    assert [a.status_code for a in answers[:4]] == [400] * 4
    assert answers[4].status_code == 429

    response = token_login(client, "agency", PASSWORD)
    assert response.status_code == 429
    body = json.loads(response.content)
    assert "Too many failed logins" in body["detail"]
    assert "token" not in body

    other = token_login(english(Client()), "official", PASSWORD)
    assert other.status_code == 200
    assert json.loads(other.content)["token"]


def test_api_token_failures_count_towards_the_page_login(world):
    client = english(Client())
    for _ in range(5):
        token_login(client, "agency", "wrong-password")
    assert log_in(client, "agency", PASSWORD).status_code == 429


def test_locked_out_xhr_login_gets_json(world):
    client = english(Client())
    fail_five_times(client, "agency")
    response = log_in(client, "agency", PASSWORD, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert response.status_code == 429
    assert "Too many failed logins" in json.loads(response.content)["detail"]


def test_client_address_behind_trusted_proxies(rf, settings):
    from hub.lockout import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.1"  # the header is the client's word
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.9"  # appended by our own proxy
    settings.TRUSTED_PROXY_COUNT = 3
    assert client_ip(request) == "10.0.0.1"  # fewer hops than proxies: not trusted


def test_force_login_and_test_client_login_still_work(world):
    client = Client()
    assert client.login(username="agency", password=PASSWORD)
    assert client.get(reverse("home")).status_code == 200
    other = Client()
    other.force_login(world.official)
    assert other.get(reverse("home")).status_code == 200


# --- passwords and sessions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "password, reason",
    [
        ("Kq8#mZ2!p", "too short"),
        ("password1234", "too common"),
        ("4815162342108", "entirely numeric"),
        ("kimchulsoo77", "too similar"),
    ],
)
def test_weak_passwords_are_refused(db, password, reason):
    user = UserFactory.build(username="kimchulsoo", first_name="Chulsoo", last_name="Kim")
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    assert reason in " ".join(refused.value.messages)


def test_a_strong_password_of_ten_characters_passes(db):
    user = UserFactory.build(username="kimchulsoo")
    validate_password("Kq8#mZ2!pL", user)


def test_minimum_length_is_ten():
    from django.contrib.auth.password_validation import get_default_password_validators

    lengths = [getattr(v, "min_length", None) for v in get_default_password_validators()]
    assert 10 in lengths


def test_session_cookie_ends_with_the_browser(world):
    client = Client()
    log_in(client, "agency", PASSWORD)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value
    assert not cookie["expires"] and not cookie["max-age"]
    assert cookie["httponly"]


def test_a_session_expires_after_eight_hours_and_leads_to_the_login_page(world):
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        log_in(client, "agency", PASSWORD)
    with time_machine.travel(start + datetime.timedelta(hours=7, minutes=59), tick=False):
        assert client.get(reverse("hub:plant_list")).status_code == 200
    with time_machine.travel(start + datetime.timedelta(hours=8, minutes=1), tick=False):
        response = client.get(reverse("hub:plant_list"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        assert client.get(response["Location"]).status_code == 200


# --- evidence files are never public -------------------------------------------------------------


@pytest.fixture
def evidence(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    framework, _ = assessment_services.framework_load(data=seed_definition())
    assessment = assessment_services.assessment_open(
        plant=world.plant_a, consultant=world.consultant, user=world.agency
    )
    item = assessment.ratings.select_related("item").first().item
    upload = SimpleUploadedFile("작업표준서.pdf", PDF, content_type="application/pdf")
    return assessment_services.evidence_add(
        assessment=assessment, item=item, upload=upload, user=world.consultant
    )


PERSONAS = ["agency", "consultant", "partner_a", "partner_b", "official", "outsider", "admin_user"]


def public_media_urls(evidence) -> list[str]:
    by_setting = "/" + f"{settings.MEDIA_URL}{evidence.file.name}".lstrip("/")
    return sorted({by_setting, evidence.file.url})


def test_no_url_pattern_serves_the_media_folder(evidence):
    for url in public_media_urls(evidence):
        with pytest.raises(Resolver404):
            resolve(url)


@pytest.mark.parametrize("persona", [None, *PERSONAS])
@pytest.mark.parametrize("debug", [False, True])
def test_evidence_is_not_reachable_under_media_url(
    world, evidence, client_for, settings, persona, debug
):
    assert Path(settings.MEDIA_ROOT, evidence.file.name).read_bytes() == PDF  # the file is there
    settings.DEBUG = debug
    client = client_for(getattr(world, persona) if persona else None)
    for url in public_media_urls(evidence):
        assert client.get(url).status_code == 404, url


# Who sees the assessment (assessments.models.AssessmentQuerySet.visible_to) gets its files.
ALLOWED = {
    "draft": {"agency", "consultant", "admin_user"},
    "confirmed": {"agency", "consultant", "admin_user", "official", "partner_a"},
}


@pytest.mark.parametrize("stage", ["draft", "confirmed"])
def test_the_checked_view_serves_evidence_only_to_allowed_users(world, evidence, client_for, stage):
    if stage == "confirmed":
        confirmed(world, evidence.assessment)
    for persona in PERSONAS:
        response = client_for(getattr(world, persona)).get(evidence.get_absolute_url())
        if persona in ALLOWED[stage]:
            assert response.status_code == 200, persona
            assert b"".join(response.streaming_content) == PDF
            assert response["Content-Disposition"].startswith("attachment")
        else:
            assert response.status_code == 404, persona


def test_anonymous_evidence_download_goes_to_login(world, evidence, client_for):
    response = client_for(None).get(evidence.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
