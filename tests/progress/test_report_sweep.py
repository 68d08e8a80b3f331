"""Reports whose worker died: the stale-report sweep (service, periodic task, management
command), a redelivered build task (acks_late) and the Celery settings behind both.

The production path itself (gunicorn, a real worker killed mid-build) is
tests/production/test_production_path.py; here the task runs in-process."""

import datetime
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone, translation
from django.utils.translation import gettext

from hub.celery import app
from hub.models import AuditEntry
from progress import services as reports
from progress import tasks
from progress.choices import ReportStatus
from progress.models import ProgressReport

AS_OF = datetime.date(2025, 12, 31)
STOPPED_EN = "The worker stopped before finishing this report. Build it again."


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def ago(**kwargs) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**kwargs)


def make(world, status, *, seen=None, task_id="", language="en", **fields):
    """A report row in the given state whose last heartbeat was at `seen` (None: none)."""
    report = ProgressReport.objects.create(
        scope="national",
        language=language,
        as_of=AS_OF,
        requested_by=world.official,
        status=status,
        task_id=task_id,
        **fields,
    )
    ProgressReport.objects.filter(pk=report.pk).update(heartbeat_at=seen)
    report.refresh_from_db()
    return report


def running(world, *, seen, task_id="task-1", **fields):
    return make(
        world,
        ReportStatus.RUNNING,
        seen=seen,
        task_id=task_id,
        progress=40,
        started_at=seen,
        attempts=1,
        **fields,
    )


def build_via_task(report, task_id):
    """What a worker does with a delivery of the build task carrying this task id."""
    tasks.build_progress_report.apply(args=[report.pk], task_id=task_id).get()
    report.refresh_from_db()
    return report


# --- the sweep -----------------------------------------------------------------------------


def test_sweep_fails_only_reports_silent_for_longer_than_the_limit(world, settings):
    settings.REPORT_STALE_AFTER = 15 * 60
    dead = running(world, seen=ago(minutes=16))
    stuck_pending = make(world, ReportStatus.PENDING, seen=ago(hours=2))
    alive = running(world, seen=ago(minutes=14))
    fresh_pending = make(world, ReportStatus.PENDING, seen=ago(seconds=5))
    done = make(world, ReportStatus.DONE, seen=ago(days=3), progress=100)
    failed = make(world, ReportStatus.FAILED, seen=ago(days=3), error="RuntimeError: boom")

    swept = reports.report_sweep()

    assert swept == [dead.pk, stuck_pending.pk]
    states = dict(ProgressReport.objects.values_list("pk", "status"))
    assert states == {
        dead.pk: "failed",
        stuck_pending.pk: "failed",
        alive.pk: "running",
        fresh_pending.pk: "pending",
        done.pk: "done",
        failed.pk: "failed",
    }
    dead.refresh_from_db()
    assert dead.error == STOPPED_EN
    assert dead.finished_at is not None and dead.progress == 40
    failed.refresh_from_db()
    assert failed.error == "RuntimeError: boom"  # untouched
    entry = AuditEntry.objects.for_object(dead).get()
    assert entry.user is None
    assert (entry.before, entry.after) == ({"status": "running"}, {"status": "failed"})
    assert reports.report_sweep() == []  # nothing left to sweep


def test_the_error_is_written_in_the_reports_language(world):
    korean = running(world, seen=ago(hours=1), language="ko")
    english = running(world, seen=ago(hours=1), language="en")
    reports.report_sweep()
    korean.refresh_from_db()
    english.refresh_from_db()
    with translation.override("ko"):
        assert korean.error == gettext(STOPPED_EN)  # the catalogue's Korean text
    assert english.error == STOPPED_EN


def test_rows_without_a_heartbeat_fall_back_to_start_then_request_time(world):
    started_long_ago = running(world, seen=None)
    ProgressReport.objects.filter(pk=started_long_ago.pk).update(started_at=ago(hours=1))
    started_just_now = running(world, seen=None)
    ProgressReport.objects.filter(pk=started_just_now.pk).update(started_at=ago(seconds=10))
    requested_long_ago = make(world, ReportStatus.PENDING, seen=None)
    ProgressReport.objects.filter(pk=requested_long_ago.pk).update(requested_at=ago(hours=1))
    requested_just_now = make(world, ReportStatus.PENDING, seen=None)

    assert reports.report_sweep() == [started_long_ago.pk, requested_long_ago.pk]
    assert ProgressReport.objects.get(pk=started_just_now.pk).status == "running"
    assert ProgressReport.objects.get(pk=requested_just_now.pk).status == "pending"


def test_a_swept_report_is_built_again_through_the_retry(world, django_capture_on_commit_callbacks):
    report = running(world, seen=ago(hours=1))
    reports.report_sweep()
    with django_capture_on_commit_callbacks(execute=True):
        reports.report_retry(user=world.official, report=ProgressReport.objects.get())
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE, report.error
    assert report.error == "" and report.attempts == 2 and report.file
    with report.file.open("rb") as f:
        assert f.read(5) == b"%PDF-"


def test_the_retry_is_offered_on_the_page_and_the_api_shows_the_error(world, client_for):
    report = running(world, seen=ago(hours=1))
    reports.report_sweep()
    client = client_for(world.official)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(report.get_absolute_url())
    assert page.status_code == 200
    assert STOPPED_EN in page.content.decode()
    assert 'class="report-retry"' in page.content.decode()
    body = client.get(f"/api/v1/reports/{report.pk}/").json()
    assert (body["status"], body["error"]) == ("failed", STOPPED_EN)


def test_a_request_and_a_retry_stamp_the_heartbeat_and_each_step_renews_it(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = reports.report_request(
            user=world.official, scope="national", language="en", as_of=AS_OF
        )
    requested = ProgressReport.objects.get(pk=report.pk).heartbeat_at
    assert requested is not None and timezone.now() - requested < datetime.timedelta(seconds=5)

    seen = []
    real = reports.render_pdf

    def spy(html):
        seen.append(ProgressReport.objects.get(pk=report.pk).heartbeat_at)
        return real(html)

    monkeypatch.setattr(reports, "render_pdf", spy)
    callbacks[0]()
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE
    assert requested <= seen[0] <= report.heartbeat_at


# --- a redelivered build task (acks_late) ----------------------------------------------------


def test_a_redelivery_of_the_task_whose_run_died_restarts_the_build(world):
    report = running(world, seen=ago(seconds=3), task_id="task-1")
    report = build_via_task(report, "task-1")
    assert report.status == ReportStatus.DONE, report.error
    assert report.attempts == 2 and report.task_id == "task-1"


def test_another_task_leaves_a_live_build_alone(world):
    report = running(world, seen=ago(seconds=3), task_id="task-1")
    report = build_via_task(report, "task-2")
    assert (report.status, report.progress, report.attempts) == ("running", 40, 1)
    assert report.task_id == "task-1"


def test_another_task_restarts_a_build_silent_for_too_long(world, settings):
    settings.REPORT_STALE_AFTER = 60
    report = running(world, seen=ago(seconds=61), task_id="task-1")
    report = build_via_task(report, "task-2")
    assert report.status == ReportStatus.DONE and report.attempts == 2
    assert report.task_id == "task-2"


def test_a_done_report_is_not_built_again(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = reports.report_request(
            user=world.official, scope="national", language="en", as_of=AS_OF
        )
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE
    before = (report.file.name, report.finished_at, report.attempts)
    again = build_via_task(report, report.task_id)
    assert (again.file.name, again.finished_at, again.attempts) == before


def test_a_failed_report_waits_for_a_retry(world):
    report = running(world, seen=ago(hours=1), task_id="task-1")
    reports.report_sweep()
    report = build_via_task(report, "task-1")  # the killed task comes back after the sweep
    assert report.status == ReportStatus.FAILED and report.attempts == 1
    assert report.error == STOPPED_EN


def test_a_deleted_report_is_nothing_to_build(world):
    report = make(world, ReportStatus.PENDING)
    pk = report.pk
    report.delete()
    assert reports.report_build(pk, task_id="task-1") is None
    tasks.build_progress_report.apply(args=[pk], task_id="task-1").get()  # no error


# --- the periodic task, the command, the Celery settings --------------------------------------


def test_the_periodic_task_is_scheduled_and_sweeps(world, settings):
    entry = app.conf.beat_schedule["sweep-stale-reports"]
    assert entry["task"] == tasks.sweep_stale_reports.name
    assert entry["schedule"] == settings.REPORT_SWEEP_EVERY
    assert tasks.sweep_stale_reports.name in app.tasks

    dead = running(world, seen=ago(hours=1))
    assert tasks.sweep_stale_reports.apply().get() == 1
    dead.refresh_from_db()
    assert dead.status == ReportStatus.FAILED


@translation.override("en")
def test_the_command_sweeps_with_the_configured_or_given_limit(world, settings):
    settings.REPORT_STALE_AFTER = 600
    five_minutes = running(world, seen=ago(minutes=5))
    twenty_minutes = running(world, seen=ago(minutes=20))

    out = StringIO()
    call_command("sweep_reports", stdout=out)
    assert out.getvalue().strip() == f"Marked 1 stale report as failed: #{twenty_minutes.pk}."

    out = StringIO()
    call_command("sweep_reports", "--older-than", "120", stdout=out)
    assert out.getvalue().strip() == f"Marked 1 stale report as failed: #{five_minutes.pk}."

    out = StringIO()
    call_command("sweep_reports", "--older-than", "1", stdout=out)
    assert out.getvalue().strip() == "No stale reports."


@translation.override("en")
@pytest.mark.parametrize("value", ["0", "-5"])
def test_the_command_refuses_a_limit_that_is_not_positive(db, value):
    with pytest.raises(CommandError, match="positive number of seconds"):
        call_command("sweep_reports", "--older-than", value)


def test_the_command_refuses_a_limit_that_is_not_a_number(db):
    with pytest.raises(CommandError, match="invalid int value"):
        call_command("sweep_reports", "--older-than", "soon")


def test_celery_redelivers_the_task_of_a_dead_worker():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert visibility == settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    # Redis must not hand a message out again while a report may still be building.
    assert visibility > 10 * 60
    task = tasks.build_progress_report
    assert task.acks_late and task.reject_on_worker_lost


@pytest.mark.parametrize(
    "name", ["REPORT_STALE_AFTER", "REPORT_SWEEP_EVERY", "CELERY_VISIBILITY_TIMEOUT"]
)
def test_a_limit_that_is_not_positive_stops_start_up(name):
    env = {**os.environ, name: "0"}
    result = subprocess.run(
        [sys.executable, "-c", "import hub.settings"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert f"{name} must be a positive number of seconds" in result.stderr


def test_the_build_is_enqueued_under_the_task_s_registered_name():
    """report_request enqueues the build by name (the task module imports the services, not
    the other way round): the name must stay the task's."""
    assert tasks.build_progress_report.name == reports.BUILD_TASK
