"""Settings come from the environment: production values pass `check --deploy` cleanly and
bad or missing values stop the process with a message that names the variable."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Variables that would change the outcome if the calling shell happens to set them.
OVERRIDES = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_AGE",
    "LOGIN_FAILURE_LIMIT",
    "LOGIN_LOCKOUT_MINUTES",
    "TRUSTED_PROXY_COUNT",
)


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in OVERRIDES}
    environ.pop("DJANGO_SETTINGS_MODULE", None)
    environ.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_checks_without_warnings():
    result = manage(
        "check",
        "--deploy",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="hub.example.org",
    )
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "System check identified no issues" in output, output


def test_production_without_secret_key_fails_loudly():
    result = manage("check", DEBUG="false")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set" in result.stderr


def test_a_debug_value_that_is_not_a_boolean_is_refused():
    result = manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "ImproperlyConfigured: DEBUG must be true or false" in result.stderr


# Run inside `manage.py shell`: the security settings in force and the headers of one answer
# (an anonymous API call: no template, so no collected static files are needed).
PROBE = """
import json
from django.conf import settings
from django.test import Client

response = Client().get("/api/v1/", secure=True, HTTP_HOST="hub.example.org")
names = [
    "DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE", "SESSION_COOKIE_AGE", "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "X_FRAME_OPTIONS",
    "AXES_FAILURE_LIMIT",
]
print(json.dumps({
    "settings": {name: getattr(settings, name, None) for name in names},
    "lockout_minutes": settings.AXES_COOLOFF_TIME.total_seconds() / 60,
    "status": response.status_code,
    "headers": dict(response.headers),
}))
"""


def probe(**env: str) -> dict:
    result = manage("shell", "-c", PROBE, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_mode_sends_csp_hsts_and_secure_cookies():
    seen = probe(
        DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="hub.example.org"
    )
    values, headers = seen["settings"], seen["headers"]
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is True
    assert values["SESSION_COOKIE_AGE"] == 8 * 60 * 60
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True

    assert seen["status"] == 401  # anonymous API call: answered, not redirected
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    csp = headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_login_lockout_limits_come_from_the_environment():
    default = probe()
    assert (default["settings"]["AXES_FAILURE_LIMIT"], default["lockout_minutes"]) == (5, 15)
    seen = probe(LOGIN_FAILURE_LIMIT="3", LOGIN_LOCKOUT_MINUTES="60")
    assert (seen["settings"]["AXES_FAILURE_LIMIT"], seen["lockout_minutes"]) == (3, 60)


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("LOGIN_FAILURE_LIMIT", "five", "LOGIN_FAILURE_LIMIT must be an integer"),
        ("LOGIN_FAILURE_LIMIT", "0", "LOGIN_FAILURE_LIMIT must be 1 or more"),
        # 0 minutes would mean "locked until an administrator unlocks" to django-axes.
        ("LOGIN_LOCKOUT_MINUTES", "0", "LOGIN_LOCKOUT_MINUTES must be 1 or more"),
    ],
)
def test_a_bad_lockout_setting_is_refused(name, value, message):
    result = manage("check", **{name: value})
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize("value", ["fast", "0", "-1"])
def test_a_bad_random_page_cost_is_refused(value):
    result = manage(
        "check", DATABASE_URL="postgres://hub:x@127.0.0.1:5432/hub", DB_RANDOM_PAGE_COST=value
    )
    assert result.returncode != 0
    assert "DB_RANDOM_PAGE_COST" in result.stderr


def test_postgresql_sessions_get_the_planner_settings():
    script = (
        "from django.conf import settings; "
        "print(settings.DATABASES['default']['OPTIONS']['options'])"
    )
    result = manage(
        "shell",
        "-c",
        script,
        DATABASE_URL="postgres://hub:x@127.0.0.1:5432/hub",
        DB_RANDOM_PAGE_COST="2",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("-c jit=off -c random_page_cost=2.0")
