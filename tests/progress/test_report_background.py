"""Requesting a PDF report without waiting for it: in the embedded mode (tasks eager, no
broker) the build runs in a thread after the request commits, so the request answers at once
and the report page polls the row; with a real worker the request only enqueues the task.
And the PDF says what the dashboard says for the same scope and date."""

import re
import subprocess
import threading
from html import unescape

import pytest
from celery.canvas import Signature

from hub.celery import app
from progress import services as reports
from progress.choices import ReportStatus
from progress.models import ProgressReport
from tests.progress.test_reports import (
    AS_OF,
    needs_poppler,
    pdf_text,
    request,
    supported,  # noqa: F401 - two plants supported by 2025
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def build_threads():
    return [t for t in threading.enumerate() if t.name.startswith("progress-report-")]


@pytest.mark.django_db(transaction=True)
def test_embedded_request_answers_before_the_build_and_the_thread_finishes_it(
    world, client_for, settings, monkeypatch
):
    settings.REPORT_BUILD_IN_BACKGROUND = True
    release = threading.Event()
    real = reports.report_build

    def slow_build(report_id, **kwargs):
        release.wait(10)  # the PDF's seconds of work, held until the request has answered
        return real(report_id, **kwargs)

    monkeypatch.setattr(reports, "report_build", slow_build)
    response = client_for(world.official).post(
        "/reports/",
        {"scope": "national", "language": "ko", "as_of": AS_OF.isoformat()},
    )
    assert response.status_code == 302
    report = ProgressReport.objects.get()
    assert response.url == report.get_absolute_url()
    threads = build_threads()
    assert [t.name for t in threads] == [f"progress-report-{report.pk}"]
    assert report.status == ReportStatus.PENDING  # answered while the build waits

    release.set()
    threads[0].join(30)
    assert not threads[0].is_alive()
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE, report.error
    status = client_for(world.official).get(f"/reports/{report.pk}/status/")
    assert f"/reports/{report.pk}/download/" in status.content.decode()


def test_with_a_worker_the_request_only_enqueues_the_task(
    world, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """Production: a worker on the broker builds the report; no thread, nothing built here."""
    settings.REPORT_BUILD_IN_BACKGROUND = True  # ignored when tasks are not eager
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    sent = []
    monkeypatch.setattr(Signature, "delay", lambda self, *a, **k: sent.append(self))
    with django_capture_on_commit_callbacks(execute=True):
        report = reports.report_request(
            user=world.official, scope="national", language="ko", as_of=AS_OF
        )
    assert [(s.task, tuple(s.args)) for s in sent] == [(reports.BUILD_TASK, (report.pk,))]
    assert build_threads() == []
    report.refresh_from_db()
    assert report.status == ReportStatus.PENDING


@pytest.mark.usefixtures("supported")
def test_in_tests_and_with_the_setting_off_the_eager_build_runs_in_the_request(
    world, django_capture_on_commit_callbacks
):
    report = request(world.official, django_capture_on_commit_callbacks)
    assert report.status == ReportStatus.DONE, report.error
    assert build_threads() == []


@needs_poppler
@pytest.mark.usefixtures("supported")
def test_pdf_shows_the_dashboards_headline_figures_for_the_same_date(
    world, client_for, django_capture_on_commit_callbacks
):
    page = client_for(world.official).get("/progress/", {"as_of": AS_OF.isoformat()})
    html = page.content.decode()
    figures = {
        name: unescape(re.search(rf'data-figure="{name}">([^<]+)<', html).group(1)).strip()
        for name in ("supported", "level3_share")
    }
    digest = re.search(r"data-digest>([0-9a-f]{64})<", html).group(1)

    report = request(world.official, django_capture_on_commit_callbacks)
    text = pdf_text(report)
    key_figures = text.split("주요 지표")[1]
    assert re.search(rf"(?m)^\s*{re.escape(figures['supported'])}\s", key_figures), figures
    assert figures["level3_share"] in key_figures, figures
    assert report.digest == digest  # the same figures, to the last plant
    assert digest in text


@pytest.mark.usefixtures("supported")
def test_dashboard_charts_carry_legends_target_lines_and_the_passed_target_note(world, browse):
    """Figures dated after the 2022 target year: the page says the year has passed and what
    was reached by its end, and the charts draw the targets as labelled lines."""
    html = browse(world.official).get("/progress/", {"as_of": AS_OF.isoformat()}).content.decode()
    assert html.count('class="chart-legend-group"') == 2  # yearly bars and the share line
    assert html.count('class="chart-target-line"') == 2
    assert 'data-target="above"' in html  # 2 plants against 30,000: the scale fits the 2
    assert "The target year 2022 has passed: by the end of 2022, 0 plants were supported" in html
    assert "data-target-passed" in html


def page_fill(path) -> list[float]:
    """How far down each page its text reaches, as a share of the space between the page
    margins (20 mm top, 22 mm bottom; the running header and footer lie outside)."""
    xhtml = subprocess.run(
        ["pdftotext", "-bbox", path, "-"], capture_output=True, text=True, check=True
    ).stdout
    fills = []
    for page in re.findall(r"<page[^>]*>.*?</page>", xhtml, flags=re.S):
        height = float(re.search(r'height="([\d.]+)"', page).group(1))
        top, bottom = 20 / 25.4 * 72, height - 22 / 25.4 * 72
        ys = [float(y) for y in re.findall(r'yMax="([\d.]+)"', page)]
        body = [y for y in ys if top < y <= bottom]
        fills.append(round((max(body, default=top) - top) / (bottom - top), 2))
    return fills


@needs_poppler
@pytest.mark.usefixtures("supported")
def test_pdf_pages_are_full_not_one_section_per_page(world, django_capture_on_commit_callbacks):
    """Sections flow on from one another: after the cover, every page but the last is filled
    most of the way (a forced break per section used to leave pages a third full; what
    remains is a chart kept whole that did not fit)."""
    report = request(world.official, django_capture_on_commit_callbacks)
    fills = page_fill(report.file.path)
    assert len(fills) >= 3, fills
    assert all(fill >= 0.7 for fill in fills[1:-1]), fills
