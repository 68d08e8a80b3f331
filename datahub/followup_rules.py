"""Follow-up (사후관리) schedule rules: pure, no ORM (docs/datahub/follow-up.md).

A completed project carries a follow-up duty set by its program: one report per period of
`months` months (1, 3, 6 or 12) for `years` years. The periods are whole calendar months:
the first starts on the first day of the month after completion (on the completion day itself
when a project completes on the 1st), and they follow one another without gaps. A period's
report is due `grace_days` after the period's last day.

A report is the plant's own KPI figures for the period: for each KPI required of the project
(`required_kpis`), some data of the plant in that period, either the KPI itself or every raw
quantity it is computed from (`requirement_met`).

Status of a period on a day (`status`): received (by its due date), received late, upcoming
(the period has not ended), due (ended, due date not passed) or late (due date passed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

UPCOMING = "upcoming"
DUE = "due"
LATE = "late"
RECEIVED = "received"
RECEIVED_LATE = "received_late"
STATUSES = (UPCOMING, DUE, LATE, RECEIVED, RECEIVED_LATE)

# The project's reported indicators (programs.choices.Indicator) and the catalogue KPI that
# measures each in the plant's data. Manufacturing cost and safety incidents have no KPI in
# the catalogue (sfh-kpi v1): they are not asked for.
INDICATOR_KPIS = {
    "productivity": "throughput",
    "defect_rate": "quality_rate",
    "on_time_delivery": "on_time_delivery",
    "lead_time": "lead_time",
    "oee": "oee",
}
# Asked of a project whose indicators map to none of the catalogue's KPIs (or that recorded
# none): productivity and quality, the two gains every project reports.
DEFAULT_KPIS = ("throughput", "quality_rate")


@dataclass(frozen=True)
class Period:
    sequence: int  # 1, 2, …
    start: dt.date
    end: dt.date  # last day, inclusive
    due: dt.date


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (only used on first days of months here)."""
    index = day.year * 12 + day.month - 1 + months
    return day.replace(year=index // 12, month=index % 12 + 1)


def follow_up_start(completed_on: dt.date) -> dt.date:
    """The first day of the follow-up: the first day of the month after completion, or the
    completion day when it is the first of a month."""
    if completed_on.day == 1:
        return completed_on
    return add_months(completed_on.replace(day=1), 1)


def follow_up_end(completed_on: dt.date, years: int) -> dt.date | None:
    """The last day of the follow-up (None when the program asks for none)."""
    if years <= 0:
        return None
    return add_months(follow_up_start(completed_on), 12 * years) - dt.timedelta(days=1)


def schedule(completed_on: dt.date, *, years: int, months: int, grace_days: int) -> list[Period]:
    """Every reporting period of a project completed on `completed_on`."""
    if years <= 0:
        return []
    if months not in (1, 3, 6, 12):
        raise ValueError(f"a period of {months} months")
    start = follow_up_start(completed_on)
    periods = []
    for i in range(12 * years // months):
        first = add_months(start, i * months)
        last = add_months(first, months) - dt.timedelta(days=1)
        periods.append(Period(i + 1, first, last, last + dt.timedelta(days=grace_days)))
    return periods


def status(
    *, end: dt.date, due: dt.date, today: dt.date, received_on: dt.date | None = None
) -> str:
    """The status of a period on `today` (`received_on`: the day its report was received,
    in the program's time zone)."""
    if received_on is not None:
        return RECEIVED if received_on <= due else RECEIVED_LATE
    if today <= end:
        return UPCOMING
    if today <= due:
        return DUE
    return LATE


def required_kpis(indicators: Iterable[str]) -> tuple[str, ...]:
    """The catalogue KPIs a project's reports must contain, from its reported indicators."""
    codes = sorted({INDICATOR_KPIS[i] for i in indicators if i in INDICATOR_KPIS})
    return tuple(codes) or DEFAULT_KPIS


def accepted_codes(required: Iterable[str], inputs: Mapping[str, Iterable[str]]) -> set[str]:
    """Every code whose data counts towards `required`: the KPIs and their inputs."""
    codes: set[str] = set()
    todo = list(required)
    while todo:
        code = todo.pop()
        if code not in codes:
            codes.add(code)
            todo.extend(inputs.get(code, ()))
    return codes


def requirement_met(
    required: Iterable[str], present: set[str], inputs: Mapping[str, Iterable[str]]
) -> bool:
    """Whether the data present (codes with some data in the period) holds every required
    KPI: the KPI itself, or all the raw quantities (or KPIs) it is computed from."""
    return all(covers(code, present, inputs) for code in required)


def covers(code: str, present: set[str], inputs: Mapping[str, Iterable[str]], depth=0) -> bool:
    if code in present:
        return True
    parts = tuple(inputs.get(code, ()))
    if not parts or depth > 3:
        return False
    return all(covers(part, present, inputs, depth + 1) for part in parts)


def missing_kpis(
    required: Iterable[str], present: set[str], inputs: Mapping[str, Iterable[str]]
) -> list[str]:
    return [code for code in required if not covers(code, present, inputs)]
