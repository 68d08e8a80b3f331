"""PDF progress reports: request rules, the build (status, progress, failure, retry), the PDF's
text and fonts, reproducible figures, visibility of pages, downloads and the API.

Celery runs eagerly in tests; `transaction.on_commit` callbacks run when the capture fixture
says so (the request's transaction never commits inside a test)."""

import datetime
import re
import shutil
import subprocess

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from programs import services
from progress import services as reports
from progress.choices import ReportStatus
from progress.models import ProgressReport
from tests.programs.conftest import complete, project_data

AS_OF = datetime.date(2025, 12, 31)
needs_poppler = pytest.mark.skipif(
    not shutil.which("pdftotext") or not shutil.which("pdffonts"), reason="poppler-utils missing"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def supported(world, winwin, project_a, supplier):
    """Two supported plants by the end of 2025: plant_a (firm_a) and plant_b (firm_b)."""
    complete(world, project_a)
    project_b = services.project_apply(
        user=world.agency,
        data=project_data(winwin, world.plant_b, world.firm_b, supplier=supplier),
    )
    complete(world, project_b)
    return world


def request(user, capture, scope="national", scope_value="", language="ko", as_of=AS_OF):
    with capture(execute=True):
        report = reports.report_request(
            user=user, scope=scope, scope_value=scope_value, language=language, as_of=as_of
        )
    report.refresh_from_db()
    return report


def pdf_text(report) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", report.file.path, "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


# --- the build -------------------------------------------------------------------------------


@needs_poppler
def test_official_gets_a_korean_pdf_with_figures_digest_and_embedded_nanum(
    supported, django_capture_on_commit_callbacks
):
    report = request(supported.official, django_capture_on_commit_callbacks)
    assert report.status == ReportStatus.DONE, report.error
    assert report.progress == 100
    assert report.started_at and report.finished_at and report.started_at <= report.finished_at
    assert report.attempts == 1
    assert report.figures["supported"] == 2
    assert len(report.digest) == 64
    assert report.file.name.endswith(".pdf")
    with report.file.open("rb") as f:
        assert f.read(5) == b"%PDF-"

    text = pdf_text(report)
    assert "스마트공장" in text
    assert "2025-12-31" in text
    assert report.digest in text
    key_figures = text.split("주요 지표")[1]
    assert re.search(r"(?m)^\s*2\s", key_figures), key_figures[:400]
    assert "대한전자" in text and "민국자동차" in text  # partner names resolved

    fonts = subprocess.run(
        ["pdffonts", report.file.path], capture_output=True, text=True, check=True
    ).stdout
    nanum = [line for line in fonts.splitlines() if "Nanum" in line]
    assert nanum and all(line.split()[-5] == "yes" for line in nanum), fonts


@needs_poppler
def test_english_report_has_english_headings(supported, django_capture_on_commit_callbacks):
    report = request(supported.official, django_capture_on_commit_callbacks, language="en")
    text = pdf_text(report)
    for heading in (
        "Smart factory progress report",
        "Key figures",
        "Breakdowns",
        "Projection",
        "Definitions and method",
        "Daehan Electronics",
    ):
        assert heading in text
    assert report.digest in text


def test_status_goes_pending_then_running_then_done(
    supported, django_capture_on_commit_callbacks, monkeypatch
):
    seen = []
    real = reports.render_pdf

    def spy(html):
        row = ProgressReport.objects.get()
        seen.append((row.status, row.progress, row.started_at is not None))
        return real(html)

    monkeypatch.setattr(reports, "render_pdf", spy)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = reports.report_request(
            user=supported.official, scope="national", language="ko", as_of=AS_OF
        )
    report.refresh_from_db()
    assert (report.status, report.progress, report.started_at) == ("pending", 0, None)
    assert len(callbacks) == 1
    callbacks[0]()
    report.refresh_from_db()
    assert seen == [("running", 40, True)]
    assert (report.status, report.progress, report.error) == ("done", 100, "")
    assert report.finished_at is not None


def test_failure_is_recorded_and_retry_succeeds(
    supported, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(html):
        raise RuntimeError("renderer exploded")

    monkeypatch.setattr(reports, "render_pdf", broken)
    report = request(supported.official, django_capture_on_commit_callbacks)
    assert report.status == ReportStatus.FAILED
    assert "renderer exploded" in report.error
    assert report.finished_at is not None and not report.file

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        reports.report_retry(user=supported.official, report=report)
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and report.error == "" and report.file
    assert report.attempts == 2


def test_only_a_failed_report_is_retried(supported, django_capture_on_commit_callbacks):
    from django.core.exceptions import ValidationError

    report = request(supported.official, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError):
        reports.report_retry(user=supported.official, report=report)


def test_same_inputs_give_the_same_figures_and_digest(
    supported, django_capture_on_commit_callbacks
):
    first = request(supported.official, django_capture_on_commit_callbacks, language="ko")
    second = request(supported.agency, django_capture_on_commit_callbacks, language="en")
    assert first.digest == second.digest
    assert first.figures == second.figures
    later = request(
        supported.official, django_capture_on_commit_callbacks, as_of=datetime.date(2025, 3, 1)
    )
    assert later.figures["supported"] == 0 and later.digest != first.digest


def test_partner_report_counts_only_the_firms_plants(supported, django_capture_on_commit_callbacks):
    report = request(
        supported.partner_a,
        django_capture_on_commit_callbacks,
        scope="partner",
        scope_value=str(supported.firm_a.pk),
    )
    assert report.status == ReportStatus.DONE, report.error
    assert report.figures["supported"] == 1
    assert report.figures["scope"] == {"partner": supported.firm_a.pk}


# --- request rules ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "value", "field"),
    [
        ("region", "99", "scope_value"),
        ("program", "999999", "scope_value"),
        ("partner", "abc", "scope_value"),
        ("nowhere", "", "scope"),
    ],
)
def test_scope_values_are_validated(world, scope, value, field):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        reports.report_request(
            user=world.official, scope=scope, scope_value=value, language="ko", as_of=AS_OF
        )
    assert field in exc.value.error_dict


def test_language_and_future_dates_are_refused(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        reports.report_request(
            user=world.official,
            scope="national",
            language="fr",
            as_of=datetime.date.today() + datetime.timedelta(days=2),
        )
    assert set(exc.value.error_dict) == {"language", "as_of"}


def test_a_non_partner_firm_is_not_a_partner_scope(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        reports.report_request(
            user=world.official,
            scope="partner",
            scope_value=str(world.agency_org.pk),
            language="ko",
            as_of=AS_OF,
        )


@pytest.mark.parametrize("persona", ["partner_a", "consultant", "outsider"])
def test_who_may_not_request_national(world, persona):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        reports.report_request(
            user=getattr(world, persona), scope="national", language="ko", as_of=AS_OF
        )


def test_partner_may_not_request_another_firm(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        reports.report_request(
            user=world.partner_a,
            scope="partner",
            scope_value=str(world.firm_b.pk),
            language="ko",
            as_of=AS_OF,
        )


# --- pages -----------------------------------------------------------------------------------


def test_official_requests_on_the_page_and_downloads(
    supported, client_for, django_capture_on_commit_callbacks
):
    client = client_for(supported.official)
    assert client.get("/reports/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/reports/",
            {
                "scope": "region",
                "region": supported.plant_a.region,
                "language": "ko",
                "as_of": "2025-12-31",
            },
        )
    report = ProgressReport.objects.get()
    assert response.status_code == 302 and response.url == f"/reports/{report.pk}/"
    assert (report.scope, report.scope_value) == ("region", supported.plant_a.region)
    detail = client.get(f"/reports/{report.pk}/")
    assert detail.status_code == 200 and report.digest in detail.content.decode()
    status = client.get(f"/reports/{report.pk}/status/").content.decode()
    assert "hx-trigger" not in status and f"/reports/{report.pk}/download/" in status
    download = client.get(f"/reports/{report.pk}/download/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_status_fragment_polls_while_pending(world, client_for):
    report = ProgressReport.objects.create(scope="national", language="ko", as_of=AS_OF)
    html = client_for(world.official).get(f"/reports/{report.pk}/status/").content.decode()
    assert 'hx-trigger="every 1s"' in html and f"/reports/{report.pk}/status/" in html
    assert client_for(world.official).get(f"/reports/{report.pk}/download/").status_code == 404


def test_partner_page_requests_own_firm_and_is_refused_national(
    world, client_for, django_capture_on_commit_callbacks
):
    client = client_for(world.partner_a)
    page = client.get("/reports/").content.decode()
    assert 'value="national"' not in page
    with django_capture_on_commit_callbacks(execute=True):
        ok = client.post(
            "/reports/",
            {
                "scope": "partner",
                "partner": world.firm_a.pk,
                "language": "ko",
                "as_of": "2025-12-31",
            },
        )
    assert ok.status_code == 302
    refused = client.post(
        "/reports/",
        {"scope": "partner", "partner": world.firm_b.pk, "language": "ko", "as_of": "2025-12-31"},
    )
    assert refused.status_code == 400  # firm_b is not a choice for partner_a
    assert ProgressReport.objects.count() == 1


def test_reports_are_visible_only_to_their_scope(
    world, client_for, django_capture_on_commit_callbacks
):
    own = request(
        world.partner_a,
        django_capture_on_commit_callbacks,
        scope="partner",
        scope_value=str(world.firm_a.pk),
    )
    national = request(world.official, django_capture_on_commit_callbacks)
    for persona in ("partner_b", "consultant", "outsider"):
        client = client_for(getattr(world, persona))
        for url in (
            f"/reports/{own.pk}/",
            f"/reports/{own.pk}/status/",
            f"/reports/{own.pk}/download/",
        ):
            assert client.get(url).status_code == 404, (persona, url)
    partner_a = client_for(world.partner_a)
    assert partner_a.get(f"/reports/{own.pk}/download/").status_code == 200
    assert partner_a.get(f"/reports/{national.pk}/").status_code == 404
    assert client_for(world.agency).get(f"/reports/{own.pk}/download/").status_code == 200


def test_anonymous_is_sent_to_log_in(world):
    from django.test import Client

    report = ProgressReport.objects.create(scope="national", language="ko", as_of=AS_OF)
    for url in ("/reports/", f"/reports/{report.pk}/", f"/reports/{report.pk}/download/"):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url


# --- API -------------------------------------------------------------------------------------


def api(user=None):
    client = APIClient()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_authenticate(user)
    return client


def test_api_create_list_retrieve_download(supported, django_capture_on_commit_callbacks):
    client = api(supported.official)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/reports/",
            {"scope": "national", "language": "en", "as_of": "2025-12-31"},
            format="json",
        )
    assert response.status_code == 202, response.content
    report_id = response.json()["id"]
    detail = client.get(f"/api/v1/reports/{report_id}/").json()
    assert detail["status"] == "done" and detail["figures"]["supported"] == 2
    assert detail["scope_label"] == "National (all plants)"
    assert detail["download_url"].endswith(f"/api/v1/reports/{report_id}/download/")
    listed = client.get("/api/v1/reports/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [r["id"] for r in rows] == [report_id]
    pdf = client.get(f"/api/v1/reports/{report_id}/download/", HTTP_ACCEPT="application/pdf")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content)[:4] == b"%PDF"


def test_api_rules(world, django_capture_on_commit_callbacks):
    body = {"language": "ko", "as_of": "2025-12-31"}
    partner = api(world.partner_a)
    with django_capture_on_commit_callbacks(execute=True):
        own = partner.post(
            "/api/v1/reports/",
            {**body, "scope": "partner", "scope_value": str(world.firm_a.pk)},
            format="json",
        )
    assert own.status_code == 202
    other = partner.post(
        "/api/v1/reports/",
        {**body, "scope": "partner", "scope_value": str(world.firm_b.pk)},
        format="json",
    )
    assert other.status_code == 403
    assert (
        partner.post("/api/v1/reports/", {**body, "scope": "national"}, format="json").status_code
        == 403
    )
    bad = api(world.official).post(
        "/api/v1/reports/", {**body, "scope": "region", "scope_value": "99"}, format="json"
    )
    assert bad.status_code == 400 and "scope_value" in str(bad.json())
    own_id = own.json()["id"]
    for persona in ("partner_b", "consultant", "outsider"):
        client = api(getattr(world, persona))
        assert client.get(f"/api/v1/reports/{own_id}/").status_code == 404
        assert client.get(f"/api/v1/reports/{own_id}/download/").status_code == 404
        rows = client.get("/api/v1/reports/").json()
        assert (rows["results"] if isinstance(rows, dict) else rows) == []
    assert (
        api(world.consultant)
        .post("/api/v1/reports/", {**body, "scope": "national"}, format="json")
        .status_code
        == 403
    )
    assert api().get("/api/v1/reports/").status_code in (401, 403)
