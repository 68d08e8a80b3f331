"""Where hour, day and month buckets start (pure: no ORM).

Hours are whole UTC hours (every offset of Asia/Seoul is a whole hour). Days and months start
at midnight in Asia/Seoul, which has kept UTC+9 without daylight saving since 1988: the SQL of
the rollups (datahub/services/rollups.py) relies on that fixed offset on SQLite.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from datahub.choices import Rollup

ZONE = ZoneInfo("Asia/Seoul")
SEOUL_OFFSET_HOURS = 9
# No period read from the data hub starts before this: nothing is stored earlier, and before
# 1908 Asia/Seoul kept local mean time (UTC+8:27:52), an offset ISO 8601 cannot write.
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def bucket_start(moment: dt.datetime, rollup: str) -> dt.datetime:
    """The start of the hour, day or month (Asia/Seoul) that holds `moment` (aware)."""
    if rollup == Rollup.HOUR:
        utc = moment.astimezone(dt.UTC)
        return utc.replace(minute=0, second=0, microsecond=0)
    local = moment.astimezone(ZONE)
    if rollup == Rollup.DAY:
        return local.replace(hour=0, minute=0, second=0, microsecond=0)
    if rollup == Rollup.MONTH:
        return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    raise ValueError(f"unknown rollup {rollup!r}")


def bucket_end(start: dt.datetime, rollup: str) -> dt.datetime:
    """The start of the bucket after the one starting at `start`."""
    if rollup == Rollup.HOUR:
        return start + dt.timedelta(hours=1)
    local = start.astimezone(ZONE)
    if rollup == Rollup.DAY:
        return (local + dt.timedelta(days=1)).replace(hour=0)
    if rollup == Rollup.MONTH:
        year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
        return local.replace(year=year, month=month, day=1)
    raise ValueError(f"unknown rollup {rollup!r}")


def buckets_between(start: dt.datetime, end: dt.datetime, rollup: str) -> list[dt.datetime]:
    """Every bucket start from the bucket holding `start` up to (not including) `end`."""
    current, result = bucket_start(start, rollup), []
    while current < end:
        result.append(current)
        current = bucket_end(current, rollup)
    return result


def months_back(moment: dt.datetime | dt.date, months: int) -> dt.date:
    """The first day of the month `months` months before the month of `moment` (UTC)."""
    if isinstance(moment, dt.datetime):
        moment = moment.astimezone(dt.UTC) if moment.tzinfo else moment
    index = moment.year * 12 + (moment.month - 1) - months
    return dt.date(index // 12, index % 12 + 1, 1)
