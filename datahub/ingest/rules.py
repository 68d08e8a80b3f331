"""What makes a row acceptable (pure, no ORM): a known series of the plant, its unit, a finite
number inside the KPI's valid range, a readable time that is not in the future, not older than
the late-data horizon (unless an approved backfill covers it) and not before the plant existed.
A row repeated in the same body counts as a duplicate, or as a conflict if its value differs.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from datahub.ingest.parsing import RawRow

KEY_MAX = 120  # Series.key


@dataclass(frozen=True)
class SeriesInfo:
    id: int
    key: str
    unit: str
    min_value: float | None = None
    max_value: float | None = None


@dataclass(frozen=True)
class Limits:
    naive_timezone: str = "Asia/Seoul"
    late_horizon: dt.timedelta = dt.timedelta(days=400)
    future_tolerance: dt.timedelta = dt.timedelta(seconds=300)


@dataclass(slots=True)
class Point:
    """A row that passed every check: what the write path stores."""

    index: int
    series_id: int
    ts: dt.datetime  # aware, UTC
    value: float
    field: str = "value"
    datastream: int | None = None


@dataclass(slots=True)
class Rejection:
    index: int
    field: str
    reason: str
    code: str
    datastream: int | None = None

    def as_dict(self) -> dict:
        data = {"index": self.index, "field": self.field, "reason": self.reason, "code": self.code}
        if self.datastream is not None:
            data["datastream"] = self.datastream
        return data


@dataclass
class Checked:
    points: list[Point]
    rejected: list[Rejection]
    duplicates: int = 0  # repeated inside the body with the same value
    conflicts: int = 0  # repeated inside the body with another value


class _Refused(Exception):
    def __init__(self, part: str, code: str, reason: str):
        self.part, self.code, self.reason = part, code, reason


def series_names(rows: Iterable[RawRow]) -> tuple[set[str], set[int]]:
    """The keys and the numeric ids the rows name (for one lookup of the plant's series)."""
    keys, ids = set(), set()
    for row in rows:
        if row.problem or row.series is None or isinstance(row.series, bool):
            continue
        name = str(row.series)
        if len(name) > KEY_MAX or "\x00" in name:
            continue  # cannot name a series (and PostgreSQL text holds no NUL)
        keys.add(name)
        if (series_id := _as_id(row.series)) is not None:
            ids.add(series_id)
    return keys, ids


def _as_id(name) -> int | None:
    """A series named by its numeric id (SensorThings @iot.id), if it can be one."""
    text = str(name)
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None


def find_series(name, by_key: dict, by_id: dict) -> SeriesInfo | None:
    if name is None or isinstance(name, bool | dict | list):
        return None
    found = by_key.get(str(name))
    if found is None and (series_id := _as_id(name)) is not None:
        found = by_id.get(series_id)
    return found


def parse_value(raw) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
        raise _Refused("value", "not_a_number", _("not a number"))
    try:
        value = float(raw.strip() if isinstance(raw, str) else raw)
    except (ValueError, OverflowError):
        raise _Refused("value", "not_a_number", _("not a number")) from None
    if math.isnan(value) or math.isinf(value):
        raise _Refused("value", "not_a_number", _("not a number: NaN and infinity are not values"))
    return value


def parse_time(raw, naive_timezone: str) -> dt.datetime:
    if isinstance(raw, dt.datetime):
        moment = raw
    elif isinstance(raw, dt.date):  # a day or a month given as a date: its first moment
        moment = dt.datetime.combine(raw, dt.time())
    elif isinstance(raw, str) and raw.strip():
        try:
            moment = dt.datetime.fromisoformat(raw.strip())
        except ValueError:
            raise _Refused(
                "ts",
                "bad_timestamp",
                _("unreadable time: use ISO 8601, e.g. 2025-03-01T09:00+09:00"),
            ) from None
    else:
        raise _Refused(
            "ts", "bad_timestamp", _("unreadable time: use ISO 8601, e.g. 2025-03-01T09:00+09:00")
        )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(naive_timezone))
    try:
        return moment.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise _Refused("ts", "bad_timestamp", _("unreadable time: out of range")) from None


def _check_range(value: float, series: SeriesInfo) -> None:
    low, high = series.min_value, series.max_value
    if (low is not None and value < low) or (high is not None and value > high):
        raise _Refused(
            "value",
            "out_of_range",
            _("out of range: %(key)s is valid from %(low)s to %(high)s")
            % {
                "key": series.key,
                "low": "−∞" if low is None else f"{low:g}",
                "high": "∞" if high is None else f"{high:g}",
            },
        )


def _check_time(moment, *, now, limits, backfills, plant_start) -> None:
    if moment > now + limits.future_tolerance:
        raise _Refused("ts", "future", _("in the future"))
    if plant_start is not None and moment < plant_start:
        raise _Refused("ts", "before_plant", _("before the plant existed"))
    if moment < now - limits.late_horizon and not any(
        start <= moment < end for start, end in backfills
    ):
        raise _Refused(
            "ts",
            "too_old",
            _(
                "too old: beyond the late-data horizon (%(days)d days) and no approved backfill "
                "covers it"
            )
            % {"days": limits.late_horizon.days},
        )


def check_row(row: RawRow, series: SeriesInfo | None, **context) -> Point:
    if row.problem:
        raise _Refused(*row.problem)
    if series is None:
        raise _Refused("series", "unknown_series", _("unknown series"))
    if row.unit not in (None, "") and str(row.unit) != series.unit:
        raise _Refused(
            "unit",
            "unit",
            _("wrong unit: %(key)s is measured in %(unit)s")
            % {"key": series.key, "unit": series.unit},
        )
    value = parse_value(row.value)
    _check_range(value, series)
    moment = parse_time(row.ts, context["limits"].naive_timezone)
    _check_time(moment, **context)
    return Point(
        row.index,
        series.id,
        moment,
        value,
        field=row.field_name("value"),
        datastream=row.datastream,
    )


def check_rows(
    rows: list[RawRow],
    *,
    by_key: dict[str, SeriesInfo],
    by_id: dict[int, SeriesInfo] | None = None,
    now: dt.datetime,
    limits: Limits,
    backfills: list[tuple[dt.datetime, dt.datetime]] = (),
    plant_start: dt.datetime | None = None,
) -> Checked:
    """Split rows into points to store and rejections; `by_key`/`by_id` hold only the
    plant's own series, so another plant's series is as unknown as a made-up one."""
    context = {"now": now, "limits": limits, "backfills": backfills, "plant_start": plant_start}
    result = Checked(points=[], rejected=[])
    seen: dict[tuple[int, dt.datetime], float] = {}
    for row in rows:
        try:
            point = check_row(row, find_series(row.series, by_key, by_id or {}), **context)
        except _Refused as refusal:
            part = refusal.part
            name = row.field_name(part) if part in ("series", "ts", "value", "unit") else part
            result.rejected.append(
                Rejection(row.index, name, refusal.reason, refusal.code, row.datastream)
            )
            continue
        key = (point.series_id, point.ts)
        if key in seen:
            if seen[key] == point.value:
                result.duplicates += 1
            else:
                result.conflicts += 1
                result.rejected.append(conflict(point, earlier_in_body=True))
            continue
        seen[key] = point.value
        result.points.append(point)
    return result


def conflict(point: Point, *, earlier_in_body: bool = False, stored=None) -> Rejection:
    if earlier_in_body:
        reason = _("conflict: another value for this series and time earlier in the request")
    else:
        reason = _("conflict: %(stored)s is already stored for this series and time") % {
            "stored": f"{stored:g}"
        }
    return Rejection(point.index, point.field, reason, "conflict", point.datastream)
