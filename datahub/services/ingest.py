"""Ingestion: a body (API, MQTT) or parsed rows (upload, monthly form) of one data source in,
a receipt out. One transaction per request: the request row (receipt, idempotency key) and
every value written, or nothing.

Per row: the checks of `datahub.ingest.rules`; then the write path (`datahub.storage`) tells
new values (accepted), duplicates (the same value already stored, or repeated in the body:
counted, not errors) and conflicts (another value stored: rejected with the code
``conflict``, or replaced with ``on_conflict="replace"``, the old value kept as a
`Correction`). With ``atomic=True`` one rejected row stores none (``stored: false``).

After the commit, `rows_written` is sent with the (series, hour) buckets written: the rollup
work connects to it (the buckets are also kept as `DirtyBucket` rows in the same transaction,
so nothing is lost if a receiver fails).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from datahub import partitions, storage
from datahub.choices import ConflictPolicy, IngestChannel
from datahub.ingest import parsing
from datahub.ingest.rules import Checked, Limits, SeriesInfo, check_rows, conflict, series_names
from datahub.models import BackfillApproval, IngestRequest, Series

# Sent after the commit of a request that wrote values: sender=IngestRequest, plant_id,
# source_id, request_id, hours (sorted list of (series_id, hour start in UTC)).
rows_written = Signal()

IDEMPOTENCY_KEY_MAX = 200


class IngestRefused(Exception):
    """The whole request is refused: nothing is read further, nothing stored."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class Receipt:
    request: int | None = None
    accepted: int = 0
    duplicates: int = 0
    conflicts: int = 0
    replaced: int = 0
    rejected: list[dict] = field(default_factory=list)
    stored: bool = False
    replayed: bool = False  # answered again for the same Idempotency-Key (not in the body)

    def as_dict(self) -> dict:
        return {
            "request": self.request,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "conflicts": self.conflicts,
            "replaced": self.replaced,
            "rejected": self.rejected,
            "stored": self.stored,
        }

    @classmethod
    def from_request(cls, request: IngestRequest, *, replayed: bool = False) -> Receipt:
        data = request.receipt
        return cls(
            request=request.pk,
            accepted=data.get("accepted", 0),
            duplicates=data.get("duplicates", 0),
            conflicts=data.get("conflicts", 0),
            replaced=data.get("replaced", 0),
            rejected=data.get("rejected", []),
            stored=data.get("stored", False),
            replayed=replayed,
        )


def body_digest(body: bytes, content_type: str, on_conflict: str, atomic: bool) -> str:
    digest = hashlib.sha256(body)
    digest.update(f"\n{parsing.media_type(content_type)}\n{on_conflict}\n{atomic}".encode())
    return digest.hexdigest()


def limits() -> Limits:
    return Limits(
        naive_timezone=settings.DATAHUB_NAIVE_TIMEZONE,
        late_horizon=dt.timedelta(days=settings.DATAHUB_LATE_HORIZON_DAYS),
        future_tolerance=dt.timedelta(seconds=settings.DATAHUB_FUTURE_TOLERANCE_SECONDS),
    )


def too_large_message() -> str:
    return _("A request may be at most %(bytes)d bytes; send the rest in another request.") % {
        "bytes": settings.DATAHUB_MAX_BYTES
    }


def ingest(
    *,
    source,
    body: bytes,
    content_type: str,
    idempotency_key: str = "",
    on_conflict: str = ConflictPolicy.REFUSE,
    atomic: bool = False,
    channel: str = IngestChannel.API,
    token=None,
    user=None,
) -> Receipt:
    """Read `body` (JSON records, SensorThings dataArray or CSV) and store its rows."""
    _check_options(on_conflict, idempotency_key)
    if len(body) > settings.DATAHUB_MAX_BYTES:
        raise IngestRefused(413, "too_large", too_large_message())
    if parsing.media_type(content_type) not in parsing.MEDIA_TYPES:
        raise IngestRefused(415, "media_type", _("Send application/json or text/csv."))
    digest = body_digest(body, content_type, on_conflict, atomic)
    replay = _replay(source, idempotency_key, digest)
    if replay is not None:
        return replay
    try:
        rows = parsing.parse_body(body, content_type, max_rows=settings.DATAHUB_MAX_ROWS)
    except parsing.BodyError as error:
        raise IngestRefused(error.status, error.code, error.message) from None
    return _ingest(
        source=source,
        rows=rows,
        digest=digest,
        idempotency_key=idempotency_key,
        on_conflict=on_conflict,
        atomic=atomic,
        channel=channel,
        token=token,
        user=user,
    )


def ingest_rows(
    *,
    source,
    rows: list[dict],
    idempotency_key: str = "",
    on_conflict: str = ConflictPolicy.REFUSE,
    atomic: bool = False,
    channel: str = IngestChannel.UPLOAD,
    token=None,
    user=None,
) -> Receipt:
    """Store rows already read (``{"series", "ts", "value"[, "unit"]}``; index = position)."""
    _check_options(on_conflict, idempotency_key)
    if len(rows) > settings.DATAHUB_MAX_ROWS:
        raise IngestRefused(
            413,
            "too_many_rows",
            _("A request may carry at most %(max)d rows; send the rest in another request.")
            % {"max": settings.DATAHUB_MAX_ROWS},
        )
    body = json.dumps(rows, default=str, sort_keys=True).encode()
    digest = body_digest(body, parsing.JSON, on_conflict, atomic)
    replay = _replay(source, idempotency_key, digest)
    if replay is not None:
        return replay
    return _ingest(
        source=source,
        rows=[parsing.record_row(index, row) for index, row in enumerate(rows)],
        digest=digest,
        idempotency_key=idempotency_key,
        on_conflict=on_conflict,
        atomic=atomic,
        channel=channel,
        token=token,
        user=user,
    )


def _check_options(on_conflict: str, idempotency_key: str) -> None:
    if on_conflict not in ConflictPolicy.values:
        raise IngestRefused(400, "on_conflict", _('on_conflict must be "refuse" or "replace".'))
    if len(idempotency_key) > IDEMPOTENCY_KEY_MAX or not idempotency_key.isprintable():
        raise IngestRefused(
            400,
            "idempotency_key",
            _("An Idempotency-Key has at most %(max)d printable characters.")
            % {"max": IDEMPOTENCY_KEY_MAX},
        )


def _replay(source, idempotency_key: str, digest: str) -> Receipt | None:
    """The stored receipt of an earlier request with this key and body; refused when the
    body differs."""
    if not idempotency_key:
        return None
    earlier = IngestRequest.objects.filter(
        plant_id=source.plant_id, source=source, idempotency_key=idempotency_key
    ).first()
    if earlier is None:
        return None
    if earlier.body_digest != digest:
        raise IngestRefused(
            422,
            "idempotency_mismatch",
            _(
                "This Idempotency-Key was used with another body (or other options): use a new "
                "key for new data."
            ),
        )
    return Receipt.from_request(earlier, replayed=True)


def _series_of(plant_id: int, rows) -> tuple[dict, dict]:
    keys, ids = series_names(rows)
    if not keys:
        return {}, {}
    found = Series.objects.filter(plant_id=plant_id).filter(Q(key__in=keys) | Q(pk__in=ids))
    by_key, by_id = {}, {}
    for s in found.values_list("pk", "key", "unit", "kpi__min_value", "kpi__max_value"):
        info = SeriesInfo(*s)
        by_key[info.key] = info
        by_id[info.id] = info
    return by_key, by_id


def _check(source, rows, now) -> Checked:
    plant = source.plant
    by_key, by_id = _series_of(plant.pk, rows)
    backfills = _Backfills(plant.pk, now)
    plant_start = None
    if plant.operating_since:
        # The plant's first day, from midnight where it is (naive times are read there too).
        zone = ZoneInfo(settings.DATAHUB_NAIVE_TIMEZONE)
        plant_start = dt.datetime.combine(plant.operating_since, dt.time(), zone)
    return check_rows(
        rows,
        by_key=by_key,
        by_id=by_id,
        now=now,
        limits=limits(),
        backfills=backfills,
        plant_start=plant_start,
    )


class _Backfills:
    """The plant's unexpired backfill approvals as (start, end): read only when a row is
    older than the late-data horizon."""

    def __init__(self, plant_id: int, now):
        self.plant_id, self.now, self.periods = plant_id, now, None

    def __iter__(self):
        if self.periods is None:
            self.periods = list(
                BackfillApproval.objects.filter(
                    plant_id=self.plant_id, expires_at__gt=self.now
                ).values_list("start", "end")
            )
        return iter(self.periods)


class _AtomicRefusal(Exception):
    """Rolls back the values of an atomic request that met a conflict."""


def _ingest(
    *, source, rows, digest, idempotency_key, on_conflict, atomic, channel, token, user
) -> Receipt:
    now = timezone.now()
    checked = _check(source, rows, now)
    points = checked.points
    if points and not (atomic and checked.rejected):
        if transaction.get_connection().in_atomic_block:
            # Called inside the caller's transaction (a test, a bigger service): partitions
            # made there vanish if it rolls back, so the process's list of them is not trusted.
            partitions.forget()
        # Outside the write transaction: a partition created here stays for everyone.
        partitions.ensure(min(p.ts for p in points), max(p.ts for p in points))
    replace = on_conflict == ConflictPolicy.REPLACE
    request = IngestRequest(
        source=source,
        plant_id=source.plant_id,
        token=token,
        user=user,
        channel=channel,
        idempotency_key=idempotency_key,
        body_digest=digest,
        on_conflict=on_conflict,
    )
    try:
        with transaction.atomic():
            if idempotency_key or replace:
                # First, so that a concurrent request with the same key waits on it, and
                # corrections can point at it.
                request.save()
            stored = storage.Stored()
            refused = atomic and bool(checked.rejected)
            if points and not refused:
                stored, refused = _write(points, source.plant_id, replace, atomic)
            receipt = _receipt(checked, stored, refused)
            if receipt.stored:
                storage.record_corrections(
                    stored.replaced, plant_id=source.plant_id, request=request
                )
                storage.mark_dirty(stored.hours - stored.marked, plant_id=source.plant_id)
            if points:
                storage.touch_series(
                    stored.last_ts if receipt.stored else {}, source_id=source.pk, now=now
                )
            _save_receipt(request, receipt)
            if receipt.stored and stored.hours:
                hours = sorted(stored.hours)
                transaction.on_commit(
                    lambda: rows_written.send(
                        sender=IngestRequest,
                        plant_id=source.plant_id,
                        source_id=source.pk,
                        request_id=request.pk,
                        hours=hours,
                    )
                )
    except IntegrityError:
        # The same Idempotency-Key committed meanwhile by a concurrent request.
        replay = _replay(source, idempotency_key, digest)
        if replay is None:
            raise
        return replay
    return receipt


def _write(points, plant_id, replace, atomic) -> tuple[storage.Stored, bool]:
    if not atomic:
        return storage.store_points(points, plant_id=plant_id, replace=replace), False
    outcome = None
    try:
        with transaction.atomic():
            outcome = storage.store_points(points, plant_id=plant_id, replace=replace)
            if outcome.conflicts:
                raise _AtomicRefusal
    except _AtomicRefusal:
        return storage.Stored(duplicates=outcome.duplicates, conflicts=outcome.conflicts), True
    return outcome, False


def _receipt(checked: Checked, stored: storage.Stored, refused: bool) -> Receipt:
    rejected = list(checked.rejected)
    rejected += [conflict(point, stored=old) for point, old in stored.conflicts]
    rejected.sort(key=lambda r: (r.index, r.datastream or 0))
    receipt = Receipt(
        duplicates=checked.duplicates + stored.duplicates,
        conflicts=checked.conflicts + len(stored.conflicts),
        rejected=[r.as_dict() for r in rejected],
    )
    if not refused:
        receipt.accepted = stored.inserted
        receipt.replaced = len(stored.replaced)
        receipt.stored = bool(receipt.accepted or receipt.replaced)
    return receipt


def _save_receipt(request: IngestRequest, receipt: Receipt) -> None:
    """Counts and receipt on the request row (inserted here unless it already was)."""
    request.accepted = receipt.accepted
    request.duplicates = receipt.duplicates
    request.conflicts = receipt.conflicts
    request.replaced = receipt.replaced
    request.rejected = len(receipt.rejected)
    request.receipt = {k: v for k, v in receipt.as_dict().items() if k != "request"}
    if request.pk is None:
        request.save()
    else:
        request.save(
            update_fields=["accepted", "duplicates", "conflicts", "replaced", "rejected", "receipt"]
        )
    receipt.request = request.pk
