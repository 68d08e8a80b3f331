"""The typed rows folded into the figures."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import connections

from programs.choices import NATIONAL_AVERAGE_IMPROVEMENT, Indicator
from progress.figures import (
    LEVELS,
    Figures,
    GroupRow,
    KPISumRow,
    LevelStateRow,
    Scope,
    round2,
    share,
)
from progress.statement.branches import _PLANT_DIMENSIONS, _PROJECT_DIMENSIONS
from progress.statement.run import statement_rows

# --- folding the rows into the figures ----------------------------------------------------------


def _distribution(rows: list[LevelStateRow]) -> dict:
    dist = {f"level_{lvl}": 0 for lvl in LEVELS}
    dist["expired"] = 0
    dist["never"] = 0
    for row in rows:
        if row.level is None:
            dist["never"] += row.plants
        elif row.is_valid is True and row.level in LEVELS:
            dist[f"level_{row.level}"] += row.plants
        elif row.is_valid is False:
            dist["expired"] += row.plants
    return dist


def _sort_key(key):
    """ORDER BY of the database for a breakdown key: NULL last on PostgreSQL, first on
    SQLite; strings by code point (the hub's databases use C / binary collation)."""
    nulls_last = connections["default"].features.nulls_order_largest
    if key is None:
        return (1 if nulls_last else -1, "")
    return (0, key)


def _breakdowns(rows: list[GroupRow]) -> dict:
    """Each breakdown as published, in key order; the cohorts keyed "cohort", the others
    "key"."""
    groups = {dimension: [] for dimension in (*_PLANT_DIMENSIONS, *_PROJECT_DIMENSIONS)}
    for row in rows:
        groups[row.dimension].append(row)
    return {
        dimension: [
            {
                "cohort" if dimension == "cohort" else "key": row.key,
                "supported": row.supported,
                "level3": row.level3,
                "share": share(row.level3, row.supported),
                "connected": row.connected,
            }
            for row in sorted(found, key=lambda r: _sort_key(r.key))
        ]
        for dimension, found in groups.items()
    }


def _kpis(rows: list[KPISumRow]) -> dict:
    """KPI averages overall, by cohort and by level (the level only while valid), from the
    sums and counts per indicator, cohort and level."""
    sums = {}  # (kind, key, indicator) -> [sum, count]
    for row in rows:
        level = row.level if row.is_valid is True else None
        for key in ((0, None), (1, row.cohort), (2, level)):
            acc = sums.setdefault((*key, row.indicator), [Decimal(0), 0])
            acc[0] += row.total
            acc[1] += row.count
    nulls_last = connections["default"].features.nulls_order_largest

    def order(item):
        (kind, key, ind), _ = item
        if key is None:
            return (kind, 1 if nulls_last else -1, 0, ind)
        return (kind, 0, key, ind)

    overall, by_cohort, by_level = {}, {}, {}
    for (kind, key, ind), (total, count) in sorted(sums.items(), key=order):
        value = round2(total / count) if count else None
        if kind == 0:
            overall[ind] = value
        elif kind == 1:
            by_cohort.setdefault(str(key), {})[ind] = value
        else:
            by_level.setdefault("none" if key is None else str(key), {})[ind] = value
    return {
        "overall": overall,
        "by_cohort": by_cohort,
        "by_level": by_level,
        "national": {str(k): v for k, v in NATIONAL_AVERAGE_IMPROVEMENT.items()},
        "indicators": [i.value for i in Indicator],
    }


def figures(
    as_of: datetime.date,
    scope: Scope,
    base=None,
    *,
    year_days: list[datetime.date],
    projection_days: list[datetime.date],
) -> Figures:
    """Every figure as of the date, in scope, with supported / Level 3+ on each of the year
    days and projection days; one statement."""
    rows = statement_rows(as_of, [*year_days, *projection_days], scope, base)
    tables = _breakdowns(rows.groups)
    return Figures(
        supported=sum(row.plants for row in rows.level_states),
        level3=sum(row.plants for row in rows.level_states if row.level3),
        connected=sum(row.connected for row in rows.level_states),
        distribution=_distribution(rows.level_states),
        cohorts=tables.pop("cohort"),
        breakdowns=tables,
        yearly=rows.series[: len(year_days)],
        projection_series=rows.series[len(year_days) :],
        kpis=_kpis(rows.kpi_sums),
    )
