"""Cached progress figures for the dashboard and the API.

At national scale one `progress_summary` costs ~0.3 s of database time, and officials open the
same national dashboard again and again. Figures are cached per (as-of date, scope, partner
base) under a *generation*: any save or delete of a model the figures read (projects, KPIs,
programs, targets, assessments, plants, organisations, mentorships) and any bulk write that
announces itself (`hub.signals.bulk_written`) moves the generation on, so the next request
computes afresh. The bump happens at once and again when the transaction commits (a request
reading between the write and the commit would otherwise cache the old figures under the new
generation). Writes that bypass both (raw SQL, `QuerySet.update()` on those tables) are caught
by the expiry, `PROGRESS_CACHE_SECONDS` (default 300; 0 turns the cache off). PDF reports never
use the cache: they are records and always compute.

Connected plants (the data hub): saving or deleting a data source (created, deactivated,
removed) moves the generation on; so does an ingest that made a plant connected — one that
stored rows for a plant with no other request storing rows in the last 30 days (one indexed
probe per committed ingest; every ingest bumping would leave nothing cached at national load,
~170 requests a second). A plant drops out of the connected plants by time passing, with no
write at all: that shows within the expiry, so the connected figure of today is at most
`PROGRESS_CACHE_SECONDS` stale.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from progress.figures import Scope, Summary
from progress.selectors import progress_summary

GENERATION_KEY = "progress:generation"


def _bump() -> None:
    # A missing generation starts from the clock, never from a number used before (a cache
    # flush must not bring back entries of an old generation).
    cache.add(GENERATION_KEY, time.time_ns(), None)
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # evicted between add and incr
        cache.set(GENERATION_KEY, time.time_ns(), None)


def data_changed(*args, **kwargs) -> None:
    """Figures cached so far are stale (a signal receiver; also called after bulk writes)."""
    _bump()
    transaction.on_commit(_bump)


def ingest_stored(sender=None, *, plant_id, request_id=None, **kwargs) -> None:
    """After an ingest stored rows (datahub.services.ingest.rows_written): figures change
    when the plant was not connected before it, i.e. no other request stored rows for the
    plant within CONNECTED_WITHIN."""
    from datahub.models import IngestRequest
    from datahub.selectors import CONNECTED_WITHIN

    since = timezone.now() - CONNECTED_WITHIN
    earlier = (
        IngestRequest.objects.filter(
            plant_id=plant_id, received_at__gte=since, source__is_active=True
        )
        .filter(Q(accepted__gt=0) | Q(replaced__gt=0))
        .exclude(pk=request_id)
    )
    if not earlier.exists():
        data_changed()


def generation() -> int:
    return cache.get_or_set(GENERATION_KEY, time.time_ns, None)


def summary(
    *, as_of: datetime.date, scope: Scope | None = None, base=None, base_key: str = ""
) -> Summary:
    """`progress_summary`, cached. A `base` (a partner's own plants) is cached only with a
    `base_key` naming it (e.g. "partner:12")."""
    scope = scope or Scope()
    seconds = settings.PROGRESS_CACHE_SECONDS
    if not seconds or (base is not None and not base_key):
        return progress_summary(as_of=as_of, scope=scope, base=base)
    name = json.dumps([generation(), as_of.isoformat(), scope.as_dict(), base_key], sort_keys=True)
    key = "progress:summary:" + hashlib.sha256(name.encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = progress_summary(as_of=as_of, scope=scope, base=base)
        cache.set(key, found, seconds)
    return found


def connect() -> None:
    """Wire the invalidation (ProgramsConfig.ready)."""
    from assessments.models import Assessment
    from datahub.models import DataSource
    from datahub.services.ingest import rows_written
    from hub.models import Mentorship, Organization, Plant
    from hub.signals import bulk_written
    from programs.models import KPI, Program, Project
    from progress.models import Target

    models = (Project, KPI, Program, Target, Assessment, Plant, Organization, Mentorship)
    for model in (*models, DataSource):
        uid = f"progress-cache-{model._meta.label_lower}"
        post_save.connect(data_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(data_changed, sender=model, dispatch_uid=f"{uid}-delete")
    bulk_written.connect(data_changed, dispatch_uid="progress-cache-bulk")
    rows_written.connect(ingest_stored, dispatch_uid="progress-cache-ingest")
