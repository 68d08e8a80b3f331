"""An official requests a national progress report in Korean in a real browser, waits on the
htmx-polled status until it is done, and downloads the PDF."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from progress.models import ProgressReport
from tests.browser.test_register_plant import PASSWORD, log_in
from tests.factories import MinistryFactory, Role, member

pytestmark = pytest.mark.browser


def test_official_requests_waits_for_and_downloads_a_korean_report(
    live_server, page, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    official = member(Role.OFFICIAL, MinistryFactory(name="중소벤처기업부"), "park.official")
    official.set_password(PASSWORD)
    official.save()
    base = live_server.url

    log_in(page, base, "park.official")
    page.goto(f"{base}/reports/")
    page.select_option("#id_scope", "national")
    page.select_option("#id_language", "ko")
    page.fill("#id_as_of", "2025-12-31")
    page.locator("form.report-request-form [type=submit]").click()
    page.wait_for_url(re.compile(r"/reports/\d+/$"))

    status = page.locator("#report-status")
    expect(status).to_have_attribute("data-status", "done", timeout=30_000)
    report = ProgressReport.objects.get()
    assert (report.scope, report.language, report.status) == ("national", "ko", "done")

    with page.expect_download() as info:
        page.locator("#report-status a.report-download").click()
    download = info.value
    path = Path(download.path())
    assert path.read_bytes()[:4] == b"%PDF"
    assert download.suggested_filename.endswith("-ko.pdf")


def test_status_is_polled_until_the_worker_finishes(live_server, page, settings, tmp_path):
    """A report still pending when the page opens (a real worker has not run yet): the page
    polls the status fragment and shows the download link once the build is done."""
    from progress.services import report_build

    settings.MEDIA_ROOT = tmp_path / "media"
    official = member(Role.OFFICIAL, MinistryFactory(name="중소벤처기업부"), "park.official")
    official.set_password(PASSWORD)
    official.save()
    report = ProgressReport.objects.create(
        scope="national", language="ko", as_of="2025-12-31", requested_by=official
    )
    log_in(page, live_server.url, "park.official")
    page.goto(f"{live_server.url}/reports/{report.pk}/")
    status = page.locator("#report-status")
    expect(status).to_have_attribute("data-status", "pending")
    expect(status).to_have_attribute("hx-trigger", "every 1s")

    report_build(report.pk)  # what the worker does

    expect(status).to_have_attribute("data-status", "done", timeout=10_000)
    expect(page.locator("#report-status a.report-download")).to_be_visible()
    assert not page.locator("#report-status").get_attribute("hx-trigger")
