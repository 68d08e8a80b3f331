"""Celery tasks of the data hub (thin: they call services). Beat runs `refresh_rollups`
every minute, `maintain_partitions`, `refresh_followups` and `run_early_warning` daily,
`send_warning_digest` weekly (hub/settings.py CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from datahub.services import followups, retention, rollups, warnings
from hub.replica import reads_from_replica


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
def run_early_warning() -> dict:
    """The daily early-warning run: open, update and resolve warnings from the rules."""
    return warnings.run_early_warning()


@shared_task(ignore_result=True)
def send_warning_digest() -> int:
    """The weekly digest of unresolved warnings to agency staff and SME members."""
    return warnings.send_weekly_digest()


@shared_task(ignore_result=True)
@reads_from_replica
def build_research_dataset(dataset_id: int) -> str | None:
    """Build a requested research dataset (its row records the outcome)."""
    from datahub.services import datasets

    dataset = datasets.dataset_build(dataset_id)
    return dataset.status if dataset else None


@shared_task(ignore_result=True)
def refresh_followups() -> int:
    """Follow-up periods of completed projects and their status (docs/datahub/follow-up.md)."""
    return followups.refresh_followups()
