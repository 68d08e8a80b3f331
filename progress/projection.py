"""When will the targets be reached at the current pace? A least-squares run rate through
the as-of date and the same day 1, 2 and 3 years earlier. Pure: no ORM."""

from __future__ import annotations

import datetime
import math

from progress.figures import share

# The method's name in the figures and the API: a stable code (the figures' digest covers it),
# shown to people through progress.presentation in their language.
METHOD = "least squares over the as-of date and the same day 1-3 years earlier"


def least_squares_slope(points: list[tuple[float, float]]) -> float | None:
    """Slope of the least-squares line through (x, y) points; None for fewer than 2 x's."""
    n = len(points)
    if n < 2:
        return None
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in points) / sxx


def projection(
    as_of: datetime.date,
    series: list[tuple[datetime.date, int, int]],
    supported_target: int,
    share_target: float,
    due_year: int,
    share_due_year: int,
    connected: tuple[int, int, int] | None = None,
) -> dict:
    """Run-rate projection (documented method): fit a least-squares line to the cumulative
    supported plants and to the Level 3+ count at the as-of date and the same day 1, 2 and 3
    years earlier (4 points over 3 years); its slope is the run-rate. The projection starts
    from the counts as of the date (not from the fitted line, whose value there can differ
    from the count actually reached) and adds the run-rate. Then:
    - supported target: reached already, else the date today's count plus the run-rate
      reaches it; and the plants per month needed from the as-of date to reach it by 31 Dec
      of the due year;
    - Level 3+ share target: with both run-rates from today's counts, the date
      L3(t) / S(t) reaches the share, and the Level 3+ lifts needed by the due date for the
      supported count projected then.
    `series` holds (date, supported, level3) for those 4 dates (oldest first).
    `connected` is (connected plants as of the date, their target, its due year): the hub
    keeps no history of connections from before it opened, so there is no run-rate; the
    projection says whether the target is reached and the plants a month needed by
    31 December of the due year."""
    t0 = as_of
    pts_s = [((d - t0).days, s) for d, s, _ in series]
    pts_l = [((d - t0).days, l3) for d, _, l3 in series]
    s_rate = least_squares_slope(pts_s)  # plants per day
    l_rate = least_squares_slope(pts_l)
    supported_now = series[-1][1]
    level3_now = series[-1][2]
    per_month = 365.25 / 12

    def date_after(days: float) -> str | None:
        if days is None or not math.isfinite(days) or days > 365.25 * 200:
            return None
        return (t0 + datetime.timedelta(days=math.ceil(days))).isoformat()

    due = datetime.date(due_year, 12, 31)
    months_left = max((due - t0).days / per_month, 0)
    out_s = {
        "target": supported_target,
        "current": supported_now,
        "rate_per_month": None if s_rate is None else round(s_rate * per_month, 1),
        "reached": supported_now >= supported_target,
        "reached_on": None,
        "needed_per_month": None,
        "due": due.isoformat(),
    }
    if not out_s["reached"] and s_rate and s_rate > 0:
        out_s["reached_on"] = date_after((supported_target - supported_now) / s_rate)
    if not out_s["reached"] and months_left > 0:
        out_s["needed_per_month"] = round((supported_target - supported_now) / months_left, 1)

    p = share_target / 100
    share_due = datetime.date(share_due_year, 12, 31)
    now_share = share(level3_now, supported_now)
    out_l = {
        "target": share_target,
        "current": now_share,
        "rate_per_month": None if l_rate is None else round(l_rate * per_month, 1),
        "reached": now_share is not None and now_share >= share_target,
        "reached_on": None,
        "lifts_needed": None,
        "due": share_due.isoformat(),
    }
    if not out_l["reached"] and l_rate is not None and s_rate is not None:
        gain = l_rate - p * s_rate  # how fast L3 - p*S closes per day
        gap = p * supported_now - level3_now
        if gain > 0:
            out_l["reached_on"] = date_after(gap / gain)
    if not out_l["reached"]:
        days_left = max((share_due - t0).days, 0)
        projected_supported = supported_now + (s_rate or 0) * days_left
        out_l["lifts_needed"] = max(math.ceil(p * projected_supported - level3_now), 0)
    out = {
        "supported": out_s,
        "level3_share": out_l,
        "method": METHOD,
    }
    if connected is not None:
        out["connected"] = connected_part(t0, *connected)
    return out


def connected_part(as_of: datetime.date, current: int, target: int, due_year: int) -> dict:
    """Connected plants against their target: reached, or the plants a month still to
    connect until 31 December of the due year (None once that day has passed)."""
    due = datetime.date(due_year, 12, 31)
    months_left = max((due - as_of).days / (365.25 / 12), 0)
    reached = current >= target
    return {
        "target": target,
        "current": current,
        "rate_per_month": None,
        "reached": reached,
        "reached_on": None,
        "needed_per_month": (
            round((target - current) / months_left, 1) if not reached and months_left else None
        ),
        "due": due.isoformat(),
    }


def same_day_years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)
