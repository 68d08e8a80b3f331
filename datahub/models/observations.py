"""Observations and what keeps them right: rollups, the buckets an ingest touched, the
requests (receipts, idempotency) and the corrections of replaced values.

On PostgreSQL `datahub_observation` is a native table partitioned by month on `ts`
(datahub/partitions.py, migration 0001); on SQLite a plain table. Both have the primary key
(series, ts, plant): `plant_id` is on every row of the plant-data tables and in each of their
primary and unique keys, so they can be distributed by plant (docs/architecture.md,
"Distributing the data hub"; tests/datahub/test_distribution_schema.py).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from datahub.choices import ConflictPolicy, IngestChannel, Rollup
from datahub.models.sources import DataSource, PlantDataQuerySet, Series, SourceToken
from hub.models import Plant


def _plant(**kwargs):
    # Denormalised on every data row (distribution column); no constraint, no index of its own.
    return models.ForeignKey(
        Plant,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
        verbose_name=_("plant"),
        **kwargs,
    )


def _series():
    return models.ForeignKey(
        Series,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # leads the primary key
        related_name="+",
        verbose_name=_("series"),
    )


class Observation(models.Model):
    pk = models.CompositePrimaryKey("series", "ts", "plant")
    series = _series()
    ts = models.DateTimeField(_("time"))
    plant = _plant()
    value = models.FloatField(_("value"))

    objects = PlantDataQuerySet.as_manager()

    class Meta:
        verbose_name = _("observation")
        verbose_name_plural = _("observations")

    def __str__(self):
        return f"{self.series_id}@{self.ts.isoformat()}={self.value}"


class RollupBucket(models.Model):
    """count, sum, min, max and last value of one series over one hour, day or month
    (bucket = its start, Asia/Seoul for days and months)."""

    pk = models.CompositePrimaryKey("series", "rollup", "bucket", "plant")
    series = _series()
    rollup = models.CharField(_("rollup"), max_length=8, choices=Rollup.choices)
    bucket = models.DateTimeField(_("bucket start"))
    plant = _plant()
    count = models.PositiveIntegerField(_("count"))
    sum = models.FloatField(_("sum"))
    min = models.FloatField(_("minimum"))
    max = models.FloatField(_("maximum"))
    last = models.FloatField(_("last value"))
    last_ts = models.DateTimeField(_("time of last value"))

    objects = PlantDataQuerySet.as_manager()

    class Meta:
        verbose_name = _("rollup bucket")
        verbose_name_plural = _("rollup buckets")

    def __str__(self):
        return f"{self.series_id} {self.rollup} {self.bucket.isoformat()}"

    @property
    def mean(self) -> float | None:
        return self.sum / self.count if self.count else None


class DirtyBucket(models.Model):
    """An hour of a series that an ingest wrote into: its hour, day and month rollups are
    recomputed by datahub.tasks.refresh_rollups, so late data corrects them."""

    pk = models.CompositePrimaryKey("series", "hour", "plant")
    series = _series()
    hour = models.DateTimeField(_("hour"))
    plant = _plant()
    marked_at = models.DateTimeField(_("marked at"), auto_now=True)

    class Meta:
        verbose_name = _("rollup to refresh")
        verbose_name_plural = _("rollups to refresh")

    def __str__(self):
        return f"{self.series_id} {self.hour.isoformat()}"


class IngestRequest(models.Model):
    """One ingest request and its receipt. With an Idempotency-Key, the same key and body
    answer this receipt again; another body under the same key is refused."""

    source = models.ForeignKey(
        DataSource, on_delete=models.CASCADE, related_name="requests", verbose_name=_("source")
    )
    plant = _plant()
    token = models.ForeignKey(
        SourceToken,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("token"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    channel = models.CharField(
        _("channel"), max_length=8, choices=IngestChannel.choices, default=IngestChannel.API
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, blank=True)
    body_digest = models.CharField(_("body digest"), max_length=64)
    on_conflict = models.CharField(
        _("on conflict"),
        max_length=8,
        choices=ConflictPolicy.choices,
        default=ConflictPolicy.REFUSE,
    )
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    accepted = models.PositiveIntegerField(_("accepted"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicates"), default=0)
    conflicts = models.PositiveIntegerField(_("conflicts"), default=0)
    replaced = models.PositiveIntegerField(_("replaced"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    receipt = models.JSONField(_("receipt"), default=dict)

    objects = PlantDataQuerySet.as_manager()

    class Meta:
        verbose_name = _("ingest request")
        verbose_name_plural = _("ingest requests")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plant", "source", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="ingest_unique_idempotency_key",
            ),
        ]
        indexes = [models.Index(fields=["plant", "-received_at"], name="ingest_plant_recent")]

    def __str__(self):
        return f"{self.source_id} {self.received_at:%Y-%m-%d %H:%M:%S}"


class Correction(models.Model):
    """A stored value replaced by a later one (on_conflict=replace): the audit of corrections."""

    series = models.ForeignKey(
        Series, on_delete=models.CASCADE, related_name="corrections", verbose_name=_("series")
    )
    plant = _plant()
    ts = models.DateTimeField(_("time"))
    old_value = models.FloatField(_("old value"))
    new_value = models.FloatField(_("new value"))
    request = models.ForeignKey(
        IngestRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("request"),
    )
    corrected_at = models.DateTimeField(_("corrected at"), auto_now_add=True)

    objects = PlantDataQuerySet.as_manager()

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        ordering = ["-corrected_at", "-pk"]

    def __str__(self):
        return f"{self.series_id}@{self.ts.isoformat()}: {self.old_value} → {self.new_value}"


class BackfillApproval(models.Model):
    """Agency staff let a plant send data older than the late-data horizon, for a period."""

    plant = models.ForeignKey(
        Plant, on_delete=models.CASCADE, related_name="backfills", verbose_name=_("plant")
    )
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    reason = models.TextField(_("reason"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("approval expires at"))

    objects = PlantDataQuerySet.as_manager()

    class Meta:
        verbose_name = _("backfill approval")
        verbose_name_plural = _("backfill approvals")
        ordering = ["-approved_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="backfill_end_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.plant_id} {self.start:%Y-%m-%d}–{self.end:%Y-%m-%d}"
