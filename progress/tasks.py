"""Celery tasks of the progress app: thin wrappers that take an id and call a service."""

from celery import shared_task

from hub.replica import reads_from_replica
from progress import services as reports


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
@reads_from_replica
def build_progress_report(self, report_id: int) -> None:
    """Build one requested progress report; the row records status, progress and errors.
    Acknowledged only when it returns, so a worker that dies mid-build gets it redelivered;
    the build knows its task id and restarts what that earlier run left running."""
    reports.report_build(report_id, task_id=self.request.id or "")


@shared_task(ignore_result=True)
def sweep_stale_reports() -> int:
    """Periodic (Celery beat): fail reports whose worker stopped, so they can be built again."""
    return len(reports.report_sweep())
