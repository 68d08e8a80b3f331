"""The progress figures as typed values: the scope they are computed in, the targets, the rows
of the progress statement and the figures folded from them, the summary, and the small rules
every consumer shares (share of a whole, digest of the figures). No ORM here:
`progress.statement` computes the figures, `progress.selectors` assembles them."""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

LEVELS = range(6)


@dataclass(frozen=True)
class Scope:
    """Which plants and projects count. Empty fields mean no restriction."""

    region: str = ""
    industry: str = ""
    size: str = ""
    program: int | None = None
    partner: int | None = None
    agency: int | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in ("", None)}


def end_of(day: datetime.date) -> datetime.datetime:
    """The last instant of the as-of day in the hub's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))


def share(part: int, whole: int) -> float | None:
    return None if not whole else round(100 * part / whole, 2)


@dataclass(frozen=True)
class LevelStateRow:
    """Supported plants in one level state as of the date. `level` is None for a plant with
    no usable assessment ("never"); `is_valid` is None then, True while the level's validity
    lasts and False once it has expired."""

    level: int | None
    is_valid: bool | None
    plants: int
    connected: int = 0

    @property
    def level3(self) -> bool:
        return self.is_valid is True and self.level is not None and self.level >= 3


@dataclass(frozen=True)
class GroupRow:
    """One row of a breakdown: the supported plants of one region, industry, size class,
    cohort, program, partner or agency (the dimension), how many are at Level 3+ and how many
    are connected to the data hub. A plant counts once in each program / partner / agency
    that completed a project with it."""

    dimension: str
    key: str | int | None
    supported: int
    level3: int
    connected: int = 0


@dataclass(frozen=True)
class KPISumRow:
    """Improvements of one indicator summed over the KPIs of completed projects whose plants
    share a cohort and level state (see LevelStateRow)."""

    indicator: str
    cohort: int
    level: int | None
    is_valid: bool | None
    count: int
    total: Decimal


@dataclass(frozen=True)
class SeriesRow:
    """Supported plants and those at Level 3+ on one day of a series."""

    day: datetime.date
    supported: int
    level3: int


@dataclass(frozen=True)
class Figures:
    """Every figure of the progress statement as of a date, folded from its rows. The tables
    (cohorts, breakdowns) and `kpis` are in the shape `Summary` publishes."""

    supported: int
    level3: int
    connected: int
    distribution: dict
    cohorts: list
    breakdowns: dict
    yearly: list[SeriesRow]
    projection_series: list[SeriesRow]
    kpis: dict

    @property
    def level3_share(self) -> float | None:
        return share(self.level3, self.supported)


@dataclass
class Target:
    code: str
    value: float
    due_year: int


@dataclass
class Summary:
    as_of: datetime.date
    scope: Scope
    supported: int
    level3: int
    level3_share: float | None
    distribution: dict
    yearly: list
    cohorts: list
    breakdowns: dict
    kpis: dict
    projection: dict
    # Supported plants connected to the data hub as of the date (progress.selectors).
    connected: int = 0
    # Completed projects in scope with a follow-up report due by the date, and those that sent
    # every report due (progress.selectors.follow_up_figures): {"met", "due", "share", "by"}.
    follow_up: dict = field(default_factory=dict)
    digest: str = ""

    @property
    def connected_share(self) -> float | None:
        return share(self.connected, self.supported)

    def as_dict(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "scope": self.scope.as_dict(),
            "supported": self.supported,
            "level3": self.level3,
            "level3_share": self.level3_share,
            "connected": self.connected,
            "connected_share": self.connected_share,
            "follow_up": self.follow_up,
            "distribution": self.distribution,
            "yearly": self.yearly,
            "cohorts": self.cohorts,
            "breakdowns": self.breakdowns,
            "kpis": self.kpis,
            "projection": self.projection,
        }


def round2(value) -> float | None:
    return None if value is None else round(float(value), 2)


def digest(data: dict) -> str:
    """SHA-256 of the figures in canonical JSON: the same inputs give the same digest."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
