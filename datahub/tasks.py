"""Celery tasks of the data hub (thin: they call services). Beat runs `refresh_rollups`
every minute, `maintain_partitions` and `refresh_followups` daily (hub/settings.py
CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from datahub.services import followups, retention, rollups


@shared_task(ignore_result=True)
def refresh_rollups(limit: int | None = None) -> int:
    """Recompute the hour, day and month rollups of the hours ingests marked."""
    return rollups.refresh_dirty(limit=limit)


@shared_task(ignore_result=True)
def maintain_partitions() -> dict:
    """Create the coming months' partitions and drop those past the raw-data retention."""
    result = retention.maintain()
    return {
        "partitions_created": result["partitions_created"],
        "partitions_dropped": result["partitions_dropped"],
        "rows_deleted": result["rows_deleted"],
        "cutoff": result["cutoff"].isoformat(),
    }


@shared_task(ignore_result=True)
def refresh_followups() -> int:
    """Follow-up periods of completed projects and their status (docs/datahub/follow-up.md)."""
    return followups.refresh_followups()
