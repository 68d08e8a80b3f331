"""The plant's own dashboard, read in one go: per series a summary over a chosen rollup and
period (its buckets, gaps, latest value, last 30 days), OEE split into availability,
performance and quality rate, and per completed project the before/after of each KPI beside
the gain the project reported.

Reads come from the rollup tables only (hour, day and month buckets; never raw rows), in a
fixed number of queries whatever the number of series and projects: the series, the
catalogue, the buckets of the period (one more when the OEE split needs a coarser rollup than
some of its series), the last 30 days, the month buckets (which also give the latest value),
the completed projects and their KPIs. Who may read is the caller's: the plant visible to the
user, then `datahub.services.access.open_for_reading` (the page and the API do both).

Values per bucket follow the KPI's aggregation (datahub.choices.Aggregation): the mean for
rates, the total for quantities, the last value for stock-like ones. KPIs the plant does not
send but whose inputs it does (availability from planned and actual production time, …) are
derived bucket by bucket and month by month with datahub.formulas from the plant-level
series (those without a line or equipment label; the first by key when there are only
labelled ones).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from datahub import evidence
from datahub.buckets import EARLIEST, ZONE, bucket_start, buckets_between
from datahub.choices import Granularity, Rollup
from datahub.dashboard.derive import Derivation
from datahub.dashboard.reads import (
    Gap,
    epochs_of,
    gaps_of,
    month_cells,
    month_of,
    period_cells,
    recent_cells,
    value_of,
)
from datahub.models import Series
from datahub.services.catalogue import current_definitions
from programs.choices import ProjectStatus
from programs.models import KPI, Project

# The period shown when none is asked for, per rollup; and the longest one may ask for (20
# series of hourly buckets over a month are about 15,000 rows, days over two years 15,000).
DEFAULT_SPAN = {
    Rollup.HOUR: dt.timedelta(days=7),
    Rollup.DAY: dt.timedelta(days=90),
    Rollup.MONTH: dt.timedelta(days=731),
}
MAX_SPAN = {
    Rollup.HOUR: dt.timedelta(days=31),
    Rollup.DAY: dt.timedelta(days=800),
    Rollup.MONTH: dt.timedelta(days=3660),
}
DEFAULT_ROLLUP = Rollup.DAY
OEE_PARTS = ("oee", "availability", "performance", "quality_rate")
_FINENESS = {Rollup.HOUR: 0, Rollup.DAY: 1, Rollup.MONTH: 2}
_GRANULARITY_ROLLUP = {
    Granularity.HOUR: Rollup.HOUR,
    Granularity.DAY: Rollup.DAY,
    Granularity.MONTH: Rollup.MONTH,
}


def window_months() -> int:
    return max(int(settings.DATAHUB_EVIDENCE_MONTHS), evidence.MIN_MONTHS)


def period(
    rollup: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> tuple[str, dt.datetime, dt.datetime]:
    """The rollup and period to show: defaults filled in (day buckets; the last week of hours,
    90 days of days, two years of months, up to now), refused with field errors when empty or
    too long."""
    rollup = rollup or DEFAULT_ROLLUP
    if rollup not in _FINENESS:
        raise ValidationError({"rollup": _("Choose hour, day or month.")})
    end = end or now or timezone.now()
    try:
        start = start or end - DEFAULT_SPAN[rollup]
        # the first and last buckets must exist as dates too
        buckets_between(end - dt.timedelta(hours=1), end, Rollup.MONTH)
        bucket_start(start, Rollup.MONTH)
        end.astimezone(ZONE)
    except (OverflowError, ValueError) as error:
        raise ValidationError({"start": _("The period is out of range.")}) from error
    if start < EARLIEST:
        raise ValidationError({"start": _("The period is out of range.")})
    if end <= start:
        raise ValidationError({"end": _("The end must be after the start.")})
    if end - start > MAX_SPAN[rollup]:
        raise ValidationError(
            {
                "start": _(
                    "At most %(days)d days can be shown at this rollup; choose a coarser "
                    "rollup or a shorter period."
                )
                % {"days": MAX_SPAN[rollup].days}
            }
        )
    return rollup, start, end


def coarser(a: str, b: str) -> str:
    return a if _FINENESS[a] >= _FINENESS[b] else b


@dataclass
class SeriesSummary:
    """One series over the period: its buckets at `rollup` (the asked rollup, or the series'
    own granularity when that is coarser), every slot of the period with its value or None,
    the runs without data, its latest value and its last 30 days."""

    series: Series
    rollup: str
    slots: list[dt.datetime]
    values: list[float | None]
    present: int  # slots with data
    gaps: list[Gap]
    latest_value: float | None
    latest_at: dt.datetime | None
    recent_mean: float | None
    recent_count: int
    recent_days: int

    @property
    def kpi(self):
        return self.series.kpi

    @property
    def missing(self) -> int:
        return sum(g.buckets for g in self.gaps)

    @property
    def period_mean(self) -> float | None:
        present = [v for v in self.values if v is not None]
        return sum(present) / len(present) if present else None


@dataclass
class OeeSplit:
    """OEE and its three factors over the period, bucket by bucket: sent by the plant, derived
    from its raw quantities, or partly each (`source`: sent, derived, mixed or None when
    neither is possible)."""

    source: str | None
    rollup: str
    slots: list[dt.datetime]
    values: dict[str, list[float | None]]  # code -> value per slot
    means: dict[str, float | None]  # code -> mean over the slots with a value
    sent: tuple[str, ...] = ()


@dataclass
class KpiEvidence:
    """One KPI's before/after around one project, and what the project reported for it."""

    code: str
    name: str
    unit: str
    better: str
    series: Series | None  # None: derived from the plant's raw quantities
    evidence: evidence.Evidence
    reported: KPI | None


@dataclass
class ProjectEvidence:
    project: Project
    rows: list[KpiEvidence]
    unmeasured: list[KPI] = field(default_factory=list)  # reported, no catalogue KPI measured


@dataclass
class Dashboard:
    plant: object
    rollup: str
    start: dt.datetime
    end: dt.datetime
    window: int
    series: list[SeriesSummary]
    oee: OeeSplit
    projects: list[ProjectEvidence]
    as_of: dt.datetime


def _plant_level(series: list[Series]) -> dict[str, Series]:
    """One series per KPI code for plant-wide figures: an unlabelled one when there is,
    otherwise the first by key."""
    chosen: dict[str, Series] = {}
    for s in sorted(series, key=lambda s: (bool(s.label), s.key)):
        chosen.setdefault(s.kpi.code, s)
    return chosen


def plant_dashboard(
    plant,
    user,
    *,
    rollup: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    now: dt.datetime | None = None,
    window: int | None = None,
) -> Dashboard:
    """Everything the plant's dashboard shows (see the module docstring). `user` decides
    which projects are shown (Project.objects.visible_to); reading the plant's data must
    have been allowed already (services.access.open_for_reading)."""
    now = now or timezone.now()
    rollup, start, end = period(rollup, start, end, now)
    window = window or window_months()
    today = now.astimezone(ZONE).date()

    # 1. the plant's series
    series = list(
        Series.objects.filter(plant=plant).select_related("kpi").order_by("kpi__order", "key")
    )
    # 2. the catalogue, for derived KPIs and for the KPIs' names and better direction
    definitions = list(current_definitions())
    by_code = {d.code: d for d in definitions}
    plant_level = _plant_level(series)

    # 3. the period's buckets: each series at the asked rollup or its own coarser granularity;
    # the OEE split at the coarsest rollup its series need
    effective = {
        s.pk: coarser(rollup, _GRANULARITY_ROLLUP.get(s.granularity, Rollup.HOUR)) for s in series
    }
    oee_codes = set(OEE_PARTS)
    for code in OEE_PARTS:
        definition = by_code.get(code)
        if definition is not None:
            oee_codes |= set(definition.inputs or [])
    for code in list(oee_codes):  # inputs of inputs (OEE needs the factors' raw quantities)
        definition = by_code.get(code)
        if definition is not None:
            oee_codes |= set(definition.inputs or [])
    oee_series = {code: s for code, s in plant_level.items() if code in oee_codes}
    oee_rollup = rollup
    for s in oee_series.values():
        oee_rollup = coarser(oee_rollup, effective[s.pk])
    wanted = dict(effective)
    extra = {s.pk: oee_rollup for s in oee_series.values() if effective[s.pk] != oee_rollup}
    period_buckets = period_cells(wanted, start, end)
    # The OEE split's series at its coarser rollup, when a series needs it: one more query.
    extra_buckets = period_cells(extra, start, end) if extra else {}

    # 4. the last 30 days, 5. every month (the latest value, and before/after)
    recent = recent_cells([s.pk for s in series], now)
    months = month_cells([s.pk for s in series])

    summaries = []
    slots_cache: dict[str, tuple[list[dt.datetime], list[int]]] = {}
    for s in series:
        r = effective[s.pk]
        if r not in slots_cache:
            slots = buckets_between(start, end, r)
            slots_cache[r] = (slots, epochs_of(slots))
        slots, epochs = slots_cache[r]
        by_start = {b.at: b for b in period_buckets[s.pk]}
        aggregation = s.kpi.aggregation
        days = recent[s.pk]
        daily_values = [value_of(b, aggregation) for b in days]
        latest = months[s.pk][-1] if months[s.pk] else None
        values = [value_of(by_start[e], aggregation) if e in by_start else None for e in epochs]
        summaries.append(
            SeriesSummary(
                series=s,
                rollup=r,
                slots=slots,
                values=values,
                present=sum(v is not None for v in values),
                gaps=gaps_of(slots, set(by_start), end, epochs),
                latest_value=latest[0].last if latest else None,
                latest_at=dt.datetime.fromtimestamp(latest[1], dt.UTC) if latest else None,
                recent_mean=sum(daily_values) / len(daily_values) if daily_values else None,
                recent_count=sum(b.count for b in days),
                recent_days=len(days),
            )
        )

    oee = _oee_split(definitions, oee_series, oee_rollup, start, end, period_buckets, extra_buckets)
    projects = _projects(
        plant, user, series, plant_level, definitions, by_code, months, window, today
    )
    return Dashboard(
        plant=plant,
        rollup=rollup,
        start=start,
        end=end,
        window=window,
        series=summaries,
        oee=oee,
        projects=projects,
        as_of=now,
    )


def _oee_split(definitions, oee_series, oee_rollup, start, end, period_buckets, extra_buckets):
    slots = buckets_between(start, end, oee_rollup)
    epochs = epochs_of(slots)
    known: dict[str, dict] = {}
    counts: dict[str, dict] = {}
    for code, s in oee_series.items():
        buckets = extra_buckets[s.pk] if s.pk in extra_buckets else period_buckets[s.pk]
        known[code] = {b.at: value_of(b, s.kpi.aggregation) for b in buckets}
        counts[code] = {b.at: b.count for b in buckets}
    sent = tuple(code for code in OEE_PARTS if code in oee_series)
    missing = set(OEE_PARTS) - set(sent)
    derived, _counts = Derivation(definitions, set(oee_series), missing).table(known, counts)
    values = {}
    for code in OEE_PARTS:
        table = known.get(code) if code in sent else derived.get(code, {})
        values[code] = [table.get(epoch) for epoch in epochs]
    has_derived = any(any(v is not None for v in values[c]) for c in missing)
    if sent and (has_derived or not missing):
        source = "sent" if not missing else "mixed"
    elif has_derived:
        source = "derived"
    else:
        source = "sent" if sent else None
    means = {}
    for code, column in values.items():
        present = [v for v in column if v is not None]
        means[code] = sum(present) / len(present) if present else None
    return OeeSplit(
        source=source, rollup=oee_rollup, slots=slots, values=values, means=means, sent=sent
    )


def _projects(plant, user, series, plant_level, definitions, by_code, months, window, today):
    projects = list(
        Project.objects.visible_to(user)
        .filter(plant=plant, status=ProjectStatus.COMPLETED)
        .exclude(completed_on=None)
        .select_related("program", "plant")
        .prefetch_related(Prefetch("kpis", queryset=KPI.objects.order_by("indicator")))
        .order_by("-completed_on", "-pk")
    )
    if not projects:
        return []
    # Monthly values of every series, and the KPIs derived month by month from the
    # plant-level series where the plant does not send them.
    monthly: dict[int, list[evidence.MonthValue]] = {}
    for s in series:
        monthly[s.pk] = [
            evidence.MonthValue(month_of(b.at), value_of(b, s.kpi.aggregation), b.count)
            for b, _last_at in months[s.pk]
        ]
    known = {code: {m.month: m.value for m in monthly[s.pk]} for code, s in plant_level.items()}
    counts = {code: {m.month: m.count for m in monthly[s.pk]} for code, s in plant_level.items()}
    derivable = {d.code for d in definitions if d.formula and d.code not in plant_level}
    derivation = Derivation(definitions, set(plant_level), derivable)
    derived, derived_counts = derivation.table(known, counts)
    derived = {code: table for code, table in derived.items() if table}

    # The rows: every series of a catalogue KPI (kind "kpi"), then the derived KPIs.
    sources: list[tuple[str, Series | None, list[evidence.MonthValue]]] = [
        (s.kpi.code, s, monthly[s.pk]) for s in series if s.kpi.kind == "kpi"
    ]
    for code in sorted(derived, key=lambda c: (by_code[c].order, c)):
        table = derived[code]
        sources.append(
            (
                code,
                None,
                [
                    evidence.MonthValue(month, value, derived_counts[code][month])
                    for month, value in sorted(table.items())
                ],
            )
        )

    result = []
    for project in projects:
        reported = {k.indicator: k for k in project.kpis.all()}
        matched: set[str] = set()
        rows = []
        for code, s, values in sources:
            definition = by_code.get(code) or (s.kpi if s is not None else None)
            indicator = evidence.reported_for(code, reported)
            if indicator:
                matched.add(indicator)
            rows.append(
                KpiEvidence(
                    code=code,
                    name=definition.name if definition is not None else code,
                    unit=s.unit if s is not None else definition.unit,
                    better=definition.better if definition is not None else "neither",
                    series=s,
                    evidence=evidence.compare(
                        values,
                        building_on=project.building_on,
                        agreed_on=project.agreed_on,
                        selected_on=project.selected_on,
                        completed_on=project.completed_on,
                        better=definition.better if definition is not None else "neither",
                        window=window,
                        today=today,
                    ),
                    reported=reported.get(indicator) if indicator else None,
                )
            )
        unmeasured = [k for indicator, k in reported.items() if indicator not in matched]
        result.append(ProjectEvidence(project=project, rows=rows, unmeasured=unmeasured))
    return result
