"""Celery tasks of the programs app: thin wrappers that take an id and call a service."""

from celery import shared_task

from programs.reports import report_build


@shared_task(acks_late=True, ignore_result=True)
def build_progress_report(report_id: int) -> None:
    """Build one requested progress report; the row records status, progress and errors."""
    report_build(report_id)
