"""Peer benchmarks: the reads behind a plant's percentiles and the national peer table.

The rules are pure and live elsewhere: disclosure (≥ 5 companies, no dominant company,
complementary suppression, the month cut-off) in datahub/disclosure.py; peer groups, size
bands, coarsening and percentiles in datahub/peergroups.py. This module only fetches the
plants' values in aggregate queries (a few per call, never one per plant) and applies the
rules.

A plant's value of a KPI is the mean of its observations over the 12 latest complete months
that are at least one month old (the month rollups' sums over their counts, all of the
plant's series of the KPI together), given data in at least MIN_MONTHS of those months.

Whose values count (DESIGN.md §4/§5): a plant's values enter a peer group or a table only
while it has an active consent for national statistics (`Purpose.STATISTICS`, "aggregates
only"). Program follow-up and partner consents are for reading the plant's own data, not
for comparing it with others, so they do not count here. The viewed plant's own value is
always ranked against its peers (it is its own data, shown to whoever may read it), and
peers are other companies' plants only: a company never benchmarks against itself, and the
threshold counts companies whose values the viewer does not already know.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from django.utils import timezone

from datahub import disclosure, peergroups
from datahub.buckets import ZONE
from datahub.choices import Better, Purpose, QuantityKind, Rollup
from datahub.models import Consent, KpiDefinition, RollupBucket, Series
from hub.choices import Region

MIN_MONTHS = 3
UNKNOWN_BAND = "unknown"


@dataclass(frozen=True)
class Period:
    first: dt.date  # first day of the first month
    end: dt.date  # first day of the month after the last

    @property
    def last(self) -> dt.date:
        return disclosure.add_months(self.end, -1)

    @property
    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The month buckets' starts (Asia/Seoul midnight) that fall in the period."""
        return tuple(dt.datetime.combine(day, dt.time(), ZONE) for day in (self.first, self.end))


def period(today: dt.date | None = None) -> Period:
    return Period(*disclosure.window(today or timezone.localdate()))


def benchmark_kpis():
    """The KPIs that are ranked: the current catalogue's KPIs with a better direction (raw
    quantities depend on the plant's size, and a KPI without a direction has no "better")."""
    return (
        KpiDefinition.objects.filter(catalogue__is_current=True, kind=QuantityKind.KPI)
        .exclude(better=Better.NEITHER)
        .order_by("order", "code")
    )


def consented_plants():
    """The plants whose values may enter aggregates (an active national-statistics consent)."""
    return Consent.objects.active().filter(purpose=Purpose.STATISTICS).values("plant_id")


def _means(series, span: Period, *fields: str):
    """(plant_id, kpi_id, *fields, total, n) rows: one aggregate over the month rollups of
    the given series. The rollups are reached through their series (the primary key
    (series, rollup, bucket) leads with it): rollups have no index on the plant, and the
    table also holds every hour and day."""
    start, end = span.bounds
    return (
        RollupBucket.objects.filter(
            series_id__in=series.values("pk"),
            rollup=Rollup.MONTH,
            bucket__gte=start,
            bucket__lt=end,
        )
        .values("plant_id", "series__kpi_id", *fields)
        .annotate(total=Sum("sum"), n=Sum("count"), months=Count("bucket"))
        .filter(n__gt=0, months__gte=MIN_MONTHS)
        .order_by()
    )


# --- one plant among its peers ----------------------------------------------------------------


@dataclass
class KpiBenchmark:
    """What is released of one KPI: the plant's own value, the group used and, when the group
    passes the disclosure rules, the plant's percentile as shown (rounded by the group's size,
    datahub/peergroups.py) and its step. The group's size is not kept: it is never released."""

    kpi: KpiDefinition
    value: float
    group: peergroups.Group
    percentile: int | None
    step: int | None
    reason: disclosure.Reason | None

    @property
    def suppressed(self) -> bool:
        return self.reason is not None


@dataclass
class PlantBenchmarks:
    plant: object
    period: Period
    band: str | None
    kpis: list[KpiBenchmark] = field(default_factory=list)


_PEER_FIELDS = ("plant__company_id", "plant__region", "plant__employees")


def _group_filter(group: peergroups.Group) -> Q:
    """The plants of a peer group, as a filter on their rows."""
    q = Q(plant__industry=group.division)
    if group.employees is not None:
        low, high = group.employees
        q &= Q(plant__employees__gte=low)
        if high is not None:
            q &= Q(plant__employees__lte=high)
    if group.regions is not None:
        q &= Q(plant__region__in=group.regions)
    return q


def _members(rows) -> dict[int, list[peergroups.Member]]:
    out: dict[int, list[peergroups.Member]] = {}
    for row in rows:
        out.setdefault(row["series__kpi_id"], []).append(
            peergroups.Member(
                plant=row["plant_id"],
                company=row["plant__company_id"],
                region=row["plant__region"],
                band=peergroups.size_band(row["plant__employees"]),
                value=row["total"] / row["n"],
            )
        )
    return out


def plant_benchmarks(plant, *, today: dt.date | None = None) -> PlantBenchmarks:
    """The plant's percentile among its peers for every ranked KPI it has a value of.

    Queries: the KPIs, the plant's values, then one aggregate per coarsening step over the
    KPIs still without a group that passes (at most four; one when every KPI's finest group
    passes). Asking the finest group first keeps the rows read small in large divisions,
    where it passes; small divisions are cheap to widen."""
    span = period(today)
    band = peergroups.size_band(plant.employees)
    result = PlantBenchmarks(plant=plant, period=span, band=band)
    kpis = {k.pk: k for k in benchmark_kpis()}
    own = {
        row["series__kpi_id"]: row["total"] / row["n"]
        for row in _means(Series.objects.filter(plant=plant, kpi_id__in=list(kpis)), span)
    }
    pending, choices = set(own), {}
    for step in peergroups.ladder(plant.industry, band, plant.region):
        if not pending:
            break
        rows = _means(
            Series.objects.filter(
                _group_filter(step),
                kpi_id__in=sorted(pending),
                plant_id__in=consented_plants(),
            ).exclude(plant__company_id=plant.company_id),
            span,
            *_PEER_FIELDS,
        )
        members = _members(rows)
        for kpi_id in sorted(pending):
            choices[kpi_id] = peergroups.choose([step], members.get(kpi_id, []))
            if choices[kpi_id].reason is None:
                pending.discard(kpi_id)
    for kpi_id, kpi in kpis.items():
        if kpi_id not in own:
            continue
        choice = choices[kpi_id]
        shown = rounding = None
        if choice.reason is None:  # released: the percentile, never the group's size
            peers = [m.value for m in choice.members]
            exact = peergroups.percentile(own[kpi_id], peers, kpi.better)
            shown = peergroups.shown_percentile(exact, len(peers))
            rounding = peergroups.percentile_step(len(peers))
        result.kpis.append(
            KpiBenchmark(
                kpi=kpi,
                value=own[kpi_id],
                group=choice.group,
                percentile=shown,
                step=rounding,
                reason=choice.reason,
            )
        )
    return result


# --- the national peer table ----------------------------------------------------------------


@dataclass
class TableCell:
    reason: disclosure.Reason | None
    companies: int | None
    plants: int | None
    median: float | None

    @property
    def suppressed(self) -> bool:
        return self.reason is not None


@dataclass
class PeerTable:
    division: str
    kpi: KpiDefinition
    period: Period
    rows: list[str]  # region codes, then TOTAL
    columns: list[str]  # size band codes (UNKNOWN_BAND when some plant has none), then TOTAL
    cells: dict[tuple[str, str], TableCell]

    def cell(self, row: str, column: str) -> TableCell | None:
        return self.cells.get((row, column))

    @property
    def plants(self) -> int:
        total = self.cells.get((disclosure.TOTAL, disclosure.TOTAL))
        return (total.plants or 0) if total else 0


def peer_table(*, division: str, kpi: KpiDefinition, today: dt.date | None = None) -> PeerTable:
    """The median of `kpi` among the consented plants of one KSIC division, by region × size
    band with the row and column totals, after primary and complementary suppression (one
    query). A suppressed cell carries its reason and no figure."""
    span = period(today)
    rows = _means(
        Series.objects.filter(
            plant__industry=division, kpi_id=kpi.pk, plant_id__in=consented_plants()
        ),
        span,
        *_PEER_FIELDS,
    )
    records = [
        (
            row["plant__region"],
            peergroups.size_band(row["plant__employees"]) or UNKNOWN_BAND,
            row["plant__company_id"],
            row["total"] / row["n"],
        )
        for row in rows
    ]
    cells = disclosure.build_table(records)
    reasons = disclosure.protect(cells)
    bands = list(peergroups.SIZE_BAND_CODES)
    if any(band == UNKNOWN_BAND for _r, band, _c, _v in records):
        bands.append(UNKNOWN_BAND)
    out = {}
    for key, cell in cells.items():
        released = reasons[key] is None
        # A suppressed cell keeps no figure at all, so no page or export can show one.
        out[key] = TableCell(
            reason=reasons[key],
            companies=cell.companies if released else None,
            plants=len(cell.values) if released else None,
            median=statistics.median(cell.values) if released else None,
        )
    return PeerTable(
        division=division,
        kpi=kpi,
        period=span,
        rows=[*Region.values, disclosure.TOTAL],
        columns=[*bands, disclosure.TOTAL],
        cells=out,
    )
