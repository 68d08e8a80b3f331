"""Celery tasks of the programs app: thin wrappers that take an id and call a service."""

import os

from celery import shared_task

from progress import services as reports


def _test_build_delay() -> float:
    """Seconds the build waits once the report is running. Only the production-path test sets
    REPORT_BUILD_TEST_DELAY (so it can stop a worker mid-build); never set it in production."""
    try:
        return max(0.0, float(os.environ.get("REPORT_BUILD_TEST_DELAY", "0") or 0))
    except ValueError:
        return 0.0


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def build_progress_report(self, report_id: int) -> None:
    """Build one requested progress report; the row records status, progress and errors.
    Acknowledged only when it returns, so a worker that dies mid-build gets it redelivered;
    the build knows its task id and restarts what that earlier run left running."""
    reports.report_build(report_id, task_id=self.request.id or "", pause=_test_build_delay())


@shared_task(ignore_result=True)
def sweep_stale_reports() -> int:
    """Periodic (Celery beat): fail reports whose worker stopped, so they can be built again."""
    return len(reports.report_sweep())
