"""The early-warning rules on plain data (no ORM): the change-point test of a KPI series, a
silent source, an expired or dropped level. `datahub.services.warnings` reads the rows in
batches and calls these; they are unit-tested on constructed series
(tests/datahub/test_warning_rules.py).

A KPI regression is the **last significant shift** of a plant's daily series going against
the KPI's better direction (catalogue `better`):

- the series: one value a day (the day rollup's mean for rates, its sum for quantities), the
  last `LOOKBACK_DAYS` days; days without data are left out, not filled;
- change points: `ruptures.KernelCPD` with the linear kernel (the least-squares cost, in C)
  and a penalty `PENALTY_FACTOR · σ² · ln n`, where σ is the series' noise, estimated from the
  day-to-day differences (median absolute deviation / 0.6745 / √2: a step moves one
  difference, not the median, so σ is the noise and not the shift);
- a shift between two neighbouring segments counts when it is at least
  `MIN_RELATIVE_SHIFT` of the level before it **and** `MIN_NOISE_UNITS` σ, both segments being
  at least `MIN_SEGMENT_DAYS` long;
- the last such shift is the answer: a regression when it goes the worse way; an improvement
  after a drop ends the regression (the warning then resolves itself).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

# How many days of day rollups a KPI series is judged on.
LOOKBACK_DAYS = 180
# A segment (before or after a shift) must hold at least this many days of data: two weeks
# separate a lasting shift from a bad week.
MIN_SEGMENT_DAYS = 14
# Fewer days of data than this: no judgement (two segments at least).
MIN_POINTS = 2 * MIN_SEGMENT_DAYS
# Penalty per change point, in units of σ² · ln n (BIC-like; 3 keeps pure noise quiet).
PENALTY_FACTOR = 3.0
# A shift must move the mean by at least 10 % of the level before it...
MIN_RELATIVE_SHIFT = 0.10
# ...and by at least 3 noise units (σ of the daily values).
MIN_NOISE_UNITS = 3.0
# A noise estimate of zero (a flat series) would make every wiggle significant.
MIN_SIGMA = 1e-9


@dataclass(frozen=True)
class Finding:
    """One condition a rule found: which plant, what kind, the key that makes the same finding
    one row (a series, a source, an assessment), when the condition began, and details."""

    plant_id: int
    kind: str
    key: str = ""
    since: dt.date | None = None
    detail: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Shift:
    """The last significant shift of a series: its first day, the means before and after,
    their difference, that difference relative to the level before and in noise units."""

    date: dt.date
    before: float
    after: float
    change: float
    relative: float
    noise_units: float
    sigma: float
    days_after: int

    @property
    def direction(self) -> str:
        return "up" if self.change > 0 else "down"

    def as_detail(self) -> dict:
        return {
            "shift_date": self.date.isoformat(),
            "before": round(self.before, 4),
            "after": round(self.after, 4),
            "change": round(self.change, 4),
            "relative": round(self.relative, 4),
            "noise_units": round(self.noise_units, 2),
            "days_after": self.days_after,
        }


def noise_sigma(values: Sequence[float]) -> float:
    """The noise of a series from its day-to-day differences (robust to a few steps)."""
    if len(values) < 3:
        return 0.0
    diffs = sorted(abs(b - a) for a, b in zip(values, values[1:], strict=False))
    mid = len(diffs) // 2
    median = diffs[mid] if len(diffs) % 2 else (diffs[mid - 1] + diffs[mid]) / 2
    return median / 0.6745 / math.sqrt(2)


def change_points(values: Sequence[float], sigma: float) -> list[int]:
    """Indexes where a new segment starts (ruptures KernelCPD, linear kernel, penalised)."""
    import numpy as np
    import ruptures

    n = len(values)
    signal = np.asarray(values, dtype=float).reshape(-1, 1)
    penalty = PENALTY_FACTOR * max(sigma, MIN_SIGMA) ** 2 * math.log(n)
    algo = ruptures.KernelCPD(kernel="linear", min_size=MIN_SEGMENT_DAYS).fit(signal)
    ends = algo.predict(pen=penalty)
    return [end for end in ends if 0 < end < n]


def last_shift(dates: Sequence[dt.date], values: Sequence[float]) -> Shift | None:
    """The last significant shift of a daily series (dates ascending), or None: too little
    data, no change point, or none large enough (relative and in noise units)."""
    if len(values) != len(dates):
        raise ValueError("dates and values differ in length")
    if len(values) < MIN_POINTS:
        return None
    sigma = noise_sigma(values)
    starts = change_points(values, sigma)
    if not starts:
        return None
    bounds = [0, *starts, len(values)]
    for i in range(len(bounds) - 2, 0, -1):
        before = values[bounds[i - 1] : bounds[i]]
        after = values[bounds[i] : bounds[i + 1]]
        mean_before = sum(before) / len(before)
        mean_after = sum(after) / len(after)
        change = mean_after - mean_before
        relative = abs(change) / abs(mean_before) if mean_before else math.inf
        units = abs(change) / max(sigma, MIN_SIGMA)
        if relative >= MIN_RELATIVE_SHIFT and units >= MIN_NOISE_UNITS:
            return Shift(
                date=dates[bounds[i]],
                before=mean_before,
                after=mean_after,
                change=change,
                relative=change / abs(mean_before) if mean_before else math.copysign(1, change),
                noise_units=math.copysign(units, change),
                sigma=sigma,
                days_after=len(after),
            )
    return None


def is_regression(shift: Shift | None, better: str) -> bool:
    """A shift the worse way for a KPI whose better direction is `higher` or `lower`."""
    if shift is None:
        return False
    if better == "higher":
        return shift.change < 0
    if better == "lower":
        return shift.change > 0
    return False


def regression(dates, values, better: str) -> Shift | None:
    """The last significant shift if it is a regression, else None."""
    if better not in ("higher", "lower"):
        return None
    shift = last_shift(dates, values)
    return shift if is_regression(shift, better) else None


def days_silent(last_data: dt.date | None, today: dt.date) -> int | None:
    """Days since a source last sent data; None when it never sent any (not silent: not
    started)."""
    if last_data is None:
        return None
    return (today - last_data).days


def is_silent(last_data: dt.date | None, today: dt.date, threshold_days: int) -> bool:
    days = days_silent(last_data, today)
    return days is not None and days >= threshold_days


def level_expired(valid_until: dt.date | None, today: dt.date) -> bool:
    """A confirmed level counts until its validity date (inclusive)."""
    return valid_until is not None and valid_until < today


def level_dropped(latest: int | None, previous: int | None) -> bool:
    """The latest confirmed assessment's level is below the one confirmed before it."""
    return latest is not None and previous is not None and latest < previous
