"""Before and after a project: what a KPI measured in the months before the project began and in
the months after it completed (pure: plain data in, plain data out, no ORM).

Inputs are a KPI's monthly values (the month's mean for rates, its total for quantities, as
the catalogue's aggregation says; see datahub.dashboard) and the project's dates:

- **began**: the building start (`building_on`); when a project has none, the agreement date
  (`agreed_on`), else the selection date (`selected_on`). `Evidence.began_from` says which.
- **before**: the `window` whole months before the month the project began (that month is
  partly before and partly after, so it is left out);
- **after**: the `window` whole months after the month the project completed (left out
  likewise), and never the current month (not over yet);
- at least `MIN_MONTHS` months with data on each side, otherwise no figure, only the reason.

Each month counts once: the before and after means are means of monthly values, and the
uncertainty is that of the difference of two means of independent samples with unequal
variances (Welch's t, 95 % by default). Months are the sampling unit on purpose: hourly values
of one plant are strongly autocorrelated (a good week is good every hour), so treating hours
as independent would claim a precision the data does not have; month-to-month variation,
seasonality included, is what a reader should weigh the change against.

The relative change is to the before mean (its uncertainty is the interval divided by the
before mean; the before mean's own uncertainty is not propagated into the percent). With a
before mean of zero there is no relative change. "Improvement" is the change in the KPI's
better direction, signed like programs.rules.improvement_pct (a scrap ratio falling by 20 %
is +20 %), so it sits next to the gain the project reported.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

DEFAULT_WINDOW = 12
MIN_MONTHS = 3
CONFIDENCE = 0.95

# Which reported project indicators (programs.choices.Indicator) a catalogue KPI measures, best
# match first, so the dashboard can put "reported +30 %, measured +18 %" side by side. Both
# sides are improvements in percent of the before value, positive when better.
# - oee: the project's OEE row, else its productivity row (the program's productivity gain is
#   most often reported as an OEE or output-per-hour gain; the demo data follow that too);
# - throughput (units per production hour): productivity;
# - scrap_ratio: the defect rate (both are bad units over produced units; a catalogue quality
#   rate or first-pass yield moves the other way and by far less, so it is not compared);
# - on_time_delivery and lead_time: the indicators of the same name.
# Manufacturing cost and safety have no catalogue KPI: reported, never measured here. The
# mapping is data about the two vocabularies; tests/datahub/test_evidence.py checks both
# sides against the catalogue and the indicator choices.
REPORTED_AS: dict[str, tuple[str, ...]] = {
    "oee": ("oee", "productivity"),
    "throughput": ("productivity",),
    "scrap_ratio": ("defect_rate",),
    "on_time_delivery": ("on_time_delivery",),
    "lead_time": ("lead_time",),
}


def reported_for(code: str, indicators) -> str | None:
    """The first indicator in `indicators` (those a project reported) that KPI `code`
    measures, or None."""
    for indicator in REPORTED_AS.get(code, ()):
        if indicator in indicators:
            return indicator
    return None


# Why a project has no before/after figure for a KPI (stable codes; the page translates them).
NO_START = "no_start"
NOT_COMPLETED = "not_completed"
FEW_BEFORE = "few_before"
FEW_AFTER = "few_after"


@dataclass(frozen=True)
class MonthValue:
    """One month of a KPI: the first day of the month (Asia/Seoul), its value and how many
    observations (or buckets) it was computed from."""

    month: dt.date
    value: float
    count: int = 1


@dataclass(frozen=True)
class Side:
    """The months used on one side of the project, and their mean and spread."""

    months: tuple[dt.date, ...]
    mean: float
    stdev: float  # sample standard deviation of the monthly values (0 for fewer than 2)
    observations: int

    @property
    def n(self) -> int:
        return len(self.months)


@dataclass(frozen=True)
class Evidence:
    """The before/after figures of one KPI around one project, or the reason there are none."""

    window: int
    began_on: dt.date | None
    began_from: str  # "building", "agreed", "selected" or "" (none)
    completed_on: dt.date | None
    before_range: tuple[dt.date, dt.date] | None  # first and last month of the before window
    after_range: tuple[dt.date, dt.date] | None
    months_before: int  # months with data in the windows
    months_after: int
    reason: str = ""  # empty when the figures are there
    before: Side | None = None
    after: Side | None = None
    change: float | None = None  # after mean − before mean
    interval: tuple[float, float] | None = None  # of `change`, at `confidence`
    df: float | None = None  # Welch–Satterthwaite degrees of freedom (None: no spread at all)
    change_pct: float | None = None  # 100 × change / |before mean|; None when it is 0
    interval_pct: tuple[float, float] | None = None
    improvement_pct: float | None = None  # change_pct in the better direction
    improvement_interval_pct: tuple[float, float] | None = None  # interval_pct likewise
    improved: bool | None = None  # the change went the better way (None: no better way)
    significant: bool | None = None  # the interval excludes zero
    confidence: float = CONFIDENCE

    @property
    def ok(self) -> bool:
        return not self.reason

    @property
    def verdict(self) -> str:
        """improved, worsened, unclear (the interval includes no change), unchanged, none
        (the KPI has no better direction) or missing (no figures)."""
        if not self.ok:
            return "missing"
        if self.change == 0:
            return "unchanged"
        if self.improved is None:
            return "none"
        if not self.significant:
            return "unclear"
        return "improved" if self.improved else "worsened"


_EMPTY = {"before_range": None, "after_range": None, "months_before": 0, "months_after": 0}


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def project_began(
    *, building_on: dt.date | None, agreed_on: dt.date | None, selected_on: dt.date | None
) -> tuple[dt.date | None, str]:
    """When a project began, and which of its dates that is."""
    for day, name in ((building_on, "building"), (agreed_on, "agreed"), (selected_on, "selected")):
        if day is not None:
            return day, name
    return None, ""


def windows(
    began_on: dt.date, completed_on: dt.date, window: int
) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    """The first and last month of the before and the after windows."""
    first_before = add_months(month_start(began_on), -window)
    last_before = add_months(month_start(began_on), -1)
    first_after = add_months(month_start(completed_on), 1)
    last_after = add_months(month_start(completed_on), window)
    return (first_before, last_before), (first_after, last_after)


def _side(values: list[MonthValue]) -> Side:
    numbers = [v.value for v in values]
    return Side(
        months=tuple(v.month for v in values),
        mean=statistics.fmean(numbers),
        stdev=statistics.stdev(numbers) if len(numbers) > 1 else 0.0,
        observations=sum(v.count for v in values),
    )


def compare(
    series: Iterable[MonthValue],
    *,
    building_on: dt.date | None = None,
    agreed_on: dt.date | None = None,
    selected_on: dt.date | None = None,
    completed_on: dt.date | None,
    better: str = "neither",
    window: int = DEFAULT_WINDOW,
    today: dt.date | None = None,
    confidence: float = CONFIDENCE,
) -> Evidence:
    """The before/after evidence of one KPI (`series`: monthly values, any order; a month
    given twice keeps its last value) around one project. `better` is the KPI's better
    direction ("higher", "lower" or "neither"); `today` leaves out its month and later ones.
    """
    window = max(int(window), MIN_MONTHS)
    began_on, began_from = project_began(
        building_on=building_on, agreed_on=agreed_on, selected_on=selected_on
    )
    base = {
        "window": window,
        "began_on": began_on,
        "began_from": began_from,
        "completed_on": completed_on,
        "confidence": confidence,
    }
    if completed_on is None:
        return Evidence(**base, **_EMPTY, reason=NOT_COMPLETED)
    if began_on is None:
        return Evidence(**base, **_EMPTY, reason=NO_START)
    before_range, after_range = windows(began_on, completed_on, window)
    cutoff = month_start(today) if today else None
    by_month = {}
    for value in series:
        if math.isfinite(value.value):
            month = month_start(value.month)
            by_month[month] = MonthValue(month, value.value, value.count)
    ordered = [by_month[m] for m in sorted(by_month) if cutoff is None or m < cutoff]
    before = [v for v in ordered if before_range[0] <= v.month <= before_range[1]]
    after = [v for v in ordered if after_range[0] <= v.month <= after_range[1]]
    base.update(
        before_range=before_range,
        after_range=after_range,
        months_before=len(before),
        months_after=len(after),
    )
    if len(before) < MIN_MONTHS:
        return Evidence(**base, reason=FEW_BEFORE)
    if len(after) < MIN_MONTHS:
        return Evidence(**base, reason=FEW_AFTER)

    b, a = _side(before), _side(after)
    change = a.mean - b.mean
    low, high, df = welch_interval(b, a, change, confidence)
    change_pct = interval_pct = improvement_pct = None
    if b.mean != 0:
        scale = 100 / abs(b.mean)
        change_pct = change * scale
        interval_pct = (low * scale, high * scale)
    improved = improvement_interval_pct = None
    if better == "higher":
        improved = change > 0
        improvement_pct, improvement_interval_pct = change_pct, interval_pct
    elif better == "lower":
        improved = change < 0
        if change_pct is not None:
            improvement_pct = -change_pct
            improvement_interval_pct = (-interval_pct[1], -interval_pct[0])
    return Evidence(
        **base,
        before=b,
        after=a,
        change=change,
        interval=(low, high),
        df=df,
        change_pct=change_pct,
        interval_pct=interval_pct,
        improvement_pct=improvement_pct,
        improvement_interval_pct=improvement_interval_pct,
        improved=improved,
        significant=low > 0 or high < 0,
    )


def welch_interval(
    before: Side, after: Side, change: float, confidence: float = CONFIDENCE
) -> tuple[float, float, float | None]:
    """The interval of `change` (= after mean − before mean) at `confidence`, and the
    Welch–Satterthwaite degrees of freedom. Both sides without spread (constant series): no
    uncertainty is left, the interval is the change itself and df is None."""
    va, vb = after.stdev**2 / after.n, before.stdev**2 / before.n
    se2 = va + vb
    if se2 == 0:
        return change, change, None
    denominator = va**2 / (after.n - 1) + vb**2 / (before.n - 1)
    p = 1 - (1 - confidence) / 2
    if denominator == 0:  # variances too small to square: as good as normal
        df = math.inf
        quantile = statistics.NormalDist().inv_cdf(p)
    else:
        df = se2**2 / denominator
        quantile = t_quantile(p, df)
    half = quantile * math.sqrt(se2)
    return change - half, change + half, df


# --- Student's t distribution (no SciPy needed) ------------------------------------------------


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny, eps = 1e-300, 3e-16
    qab, qap, qam = a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1) < eps:
            break
    return h


def _betainc(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _betacf(a, b, x) / a
    return 1 - math.exp(log_front) * _betacf(b, a, 1 - x) / b


def t_cdf(t: float, df: float) -> float:
    tail = 0.5 * _betainc(df / 2, 0.5, df / (df + t * t))
    return 1 - tail if t >= 0 else tail


def _t_pdf(t: float, df: float) -> float:
    log = (
        math.lgamma((df + 1) / 2)
        - math.lgamma(df / 2)
        - 0.5 * math.log(df * math.pi)
        - (df + 1) / 2 * math.log1p(t * t / df)
    )
    return math.exp(log)


@lru_cache(maxsize=1024)
def t_quantile(p: float, df: float) -> float:
    """The p-quantile of Student's t with `df` (> 0, not necessarily whole) degrees of
    freedom: Newton's method on the CDF from the normal quantile, to about 1e-10."""
    if not 0 < p < 1:
        raise ValueError("p must be between 0 and 1")
    if p < 0.5:
        return -t_quantile(1 - p, df)
    if p == 0.5:
        return 0.0
    z = statistics.NormalDist().inv_cdf(p)
    # Cornish–Fisher start: close already for df ≥ 3, Newton does the rest.
    x = z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
    for _ in range(100):
        step = (t_cdf(x, df) - p) / _t_pdf(x, df)
        # Keep to the positive side: the CDF is steep near 0 and flat in the tail.
        x = x - step if x - step > 0 else x / 2
        if abs(step) < 1e-12 * max(1.0, x):
            break
    return x
