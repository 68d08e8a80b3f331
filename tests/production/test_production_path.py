"""The production path end to end: gunicorn and a real Celery worker on PostgreSQL and Redis
with DEBUG=false (the stack is set up in conftest.py). An official logs in through the login
form, sets up two-step sign-in (required with DEBUG=false), requests a national PDF report on
the page, the worker builds it, the PDF downloads.
Then the worker is killed (SIGKILL, the whole process group) while a report is running: the
report is never left running — either the restarted worker gets the unacknowledged task back
and builds it, or the sweep marks it failed and "Build again" builds it.

Run it with `make test` (PostgreSQL and Redis set), or by hand:
PRODUCTION_PATH=1 DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/pytest -m production
tests/production"""

import base64
import re
import time

import pytest
from django_otp.oath import totp

from devdata.registry import PASSWORD
from tests.production.conftest import VISIBILITY_TIMEOUT, csrf_token, wait_until

pytestmark = pytest.mark.production

AS_OF = "2025-12-31"
STOPPED = "The worker stopped before finishing this report. Build it again."


@pytest.fixture(scope="module")
def official(stack):
    """The demo official, logged in through the login form."""
    browser = stack.browser()
    response = browser.post_form(
        "/accounts/login/",
        "/accounts/login/",
        {"username": "official", "password": PASSWORD, "next": "/"},
    )
    assert response.status == 302, response.text[:2000]
    assert response.getheader("Location") == "/"
    assert "sessionid" in browser.cookies
    # DEBUG=false: an official sets up two-step sign-in before anything else (hub/mfa.py).
    first = browser.get("/")
    assert first.status == 302, first.text[:500]
    assert first.getheader("Location").startswith("/accounts/two-step/setup/")
    assert browser.get("/api/v1/plants/").status == 403
    setup = browser.get("/accounts/two-step/setup/")
    key = "".join(re.search(r'<code class="mfa-key">([^<]+)</code>', setup.text).group(1).split())
    secret = base64.b32decode(key + "=" * (-len(key) % 8))
    done = browser.request(
        "POST",
        "/accounts/two-step/setup/",
        form={"csrfmiddlewaretoken": csrf_token(setup), "code": f"{totp(secret):06d}", "next": "/"},
    )
    assert done.status == 200, done.text[:2000]
    assert done.text.count("<li><code>") == 10  # the recovery codes, shown once
    assert browser.get("/").status == 200
    return browser


def request_report(browser) -> int:
    response = browser.post_form(
        "/reports/",
        "/reports/",
        {"scope": "national", "region": "", "language": "en", "as_of": AS_OF},
    )
    assert response.status == 302, response.text[:2000]
    match = re.fullmatch(r"/reports/(\d+)/", response.getheader("Location"))
    assert match, response.getheader("Location")
    return int(match.group(1))


def report_state(browser, pk) -> dict:
    return browser.json(f"/api/v1/reports/{pk}/")


def wait_for_status(browser, pk, statuses, timeout=60) -> dict:
    return wait_until(
        f"report {pk} to be {' or '.join(statuses)}",
        lambda: (state := report_state(browser, pk))["status"] in statuses and state,
        timeout=timeout,
        every=0.1,
    )


def assert_downloads_a_pdf(browser, pk):
    page = browser.get(f"/reports/{pk}/download/")
    assert page.status == 200, page.text[:500]
    assert page.getheader("Content-Type") == "application/pdf"
    assert page.content.startswith(b"%PDF-")
    api = browser.get(f"/api/v1/reports/{pk}/download/", headers={"Accept": "application/pdf"})
    assert api.status == 200 and api.content == page.content


def test_the_site_runs_with_production_settings(stack, official):
    health = official.json("/healthz")
    assert health == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok"},
        "replica": {"state": "not configured"},
    }
    # DEBUG=false: secure cookies, HSTS, no technical error pages.
    assert official.set_cookies["sessionid"]["secure"]
    assert official.set_cookies["csrftoken"]["secure"]
    home = official.get("/")
    assert home.status == 200
    assert home.getheader("Strict-Transport-Security", "").startswith("max-age=")
    missing = official.get("/no-such-page/")
    assert missing.status == 404
    assert "DEBUG = True" not in missing.text
    # Static files: collected with hashed names, served by WhiteNoise, cached for good.
    css = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', home.text)
    assert css, home.text[:2000]
    asset = official.get(css.group(1))
    assert asset.status == 200
    assert "immutable" in asset.getheader("Cache-Control", "")


def test_a_national_report_is_built_by_the_worker_and_downloads(stack, official):
    pk = request_report(official)
    state = wait_for_status(official, pk, ("done", "failed"))
    assert state["status"] == "done", state["error"]
    assert (state["progress"], state["attempts"], state["error"]) == (100, 1, "")
    assert state["figures"]["supported"] > 0
    assert_downloads_a_pdf(official, pk)
    assert "progress.tasks.build_progress_report" in stack.worker.log()


def test_a_worker_killed_mid_build_gets_the_task_back_when_it_restarts(stack, official):
    pk = request_report(official)
    wait_for_status(official, pk, ("running",), timeout=30)
    stack.worker.kill()
    killed = time.monotonic()

    time.sleep(1)  # nobody builds it now: the row still says running
    state = report_state(official, pk)
    assert (state["status"], state["progress"], state["attempts"]) == ("running", 10, 1)

    # The task was never acknowledged; once its visibility timeout has passed, the next worker
    # takes it back from Redis at start-up and restarts the build.
    time.sleep(max(0.0, killed + VISIBILITY_TIMEOUT + 1 - time.monotonic()))
    worker = stack.start_worker()
    state = wait_for_status(official, pk, ("done", "failed"))
    assert state["status"] == "done", state["error"]
    assert state["attempts"] == 2
    wait_until("the worker to log the restart", lambda: "left running" in worker.log())
    assert f"progress report {pk}: restarting a build left running (redelivered" in worker.log()
    assert_downloads_a_pdf(official, pk)


def test_a_worker_killed_mid_build_leaves_a_report_the_sweep_fails_and_a_retry_builds(
    stack, official
):
    pk = request_report(official)
    wait_for_status(official, pk, ("running",), timeout=30)
    stack.worker.kill()

    time.sleep(1.5)
    swept = stack.manage("sweep_reports", "--older-than", "1")
    assert f"#{pk}" in swept
    state = report_state(official, pk)
    assert (state["status"], state["error"], state["attempts"]) == ("failed", STOPPED, 1)
    detail = official.get(f"/reports/{pk}/")
    assert detail.status == 200
    assert STOPPED in detail.text and 'class="report-retry"' in detail.text

    stack.start_worker()
    retried = official.post_form(f"/reports/{pk}/", f"/reports/{pk}/", {})
    assert retried.status == 302 and retried.getheader("Location") == f"/reports/{pk}/"
    state = wait_for_status(official, pk, ("done", "failed"))
    assert state["status"] == "done", state["error"]
    assert (state["attempts"], state["error"]) == (2, "")
    assert_downloads_a_pdf(official, pk)
    time.sleep(1.5)
    stack.manage("sweep_reports", "--older-than", "1")
    assert report_state(official, pk)["status"] == "done"  # a sweep leaves done reports alone
