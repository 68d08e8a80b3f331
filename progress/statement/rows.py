"""The statement's rows read by column name into typed rows."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Context, Decimal

from progress.figures import (
    GroupRow,
    KPISumRow,
    LevelStateRow,
    SeriesRow,
)
from progress.statement.branches import _GROUP_KEYS, _KPI_SUM, _LEVEL_STATE, _SERIES

# --- reading the rows by name -------------------------------------------------------------------


def _records(cursor) -> list[dict]:
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _is_valid(value) -> bool | None:
    return None if value is None else value == 1


def _level(value) -> int | None:
    return None if value is None else int(value)


def _level_state_row(record: dict) -> LevelStateRow:
    return LevelStateRow(
        level=_level(record["level"]),
        is_valid=_is_valid(record["is_valid"]),
        plants=int(record["plants"]),
        connected=int(record["connected_plants"] or 0),
    )


def _group_row(record: dict) -> GroupRow:
    dimension, column = _GROUP_KEYS[record["figure"]]
    key = record[column]
    return GroupRow(
        dimension=dimension,
        key=int(key) if column in ("cohort", "group_id") else key,
        supported=int(record["plants"]),
        level3=int(record["level3_plants"] or 0),
        connected=int(record["connected_plants"] or 0),
    )


def _kpi_sum_row(record: dict) -> KPISumRow:
    return KPISumRow(
        indicator=record["indicator"],
        cohort=int(record["cohort"]),
        level=_level(record["level"]),
        is_valid=_is_valid(record["is_valid"]),
        count=int(record["kpi_count"]),
        total=_decimal(record["improvement_sum"]),
    )


def _decimal(value) -> Decimal:
    """A SUM from the database as a Decimal (SQLite returns floats for decimal columns; 15
    significant digits is what Django reads back from them)."""
    if value is None:
        return Decimal(0)
    if isinstance(value, float):
        return Context(prec=15).create_decimal_from_float(value)
    return Decimal(value)


@dataclass
class StatementRows:
    """The statement's rows, typed, by branch."""

    level_states: list[LevelStateRow]
    groups: list[GroupRow]
    series: list[SeriesRow]
    kpi_sums: list[KPISumRow]


def _read(records: list[dict], days: list[datetime.date]) -> StatementRows:
    rows = StatementRows(level_states=[], groups=[], series=[], kpi_sums=[])
    counts = {}  # day index -> (supported, Level 3+)
    for record in records:
        figure = record["figure"]
        if figure == _LEVEL_STATE.name:
            rows.level_states.append(_level_state_row(record))
        elif figure in _GROUP_KEYS:
            rows.groups.append(_group_row(record))
        elif figure == _SERIES.name:
            counts[int(record["day_index"])] = (
                int(record["plants"] or 0),
                int(record["level3_plants"] or 0),
            )
        elif figure == _KPI_SUM.name:
            rows.kpi_sums.append(_kpi_sum_row(record))
        else:
            raise ValueError(f"a row of no known figure: {figure!r}")
    rows.series = [SeriesRow(day, *counts.get(i, (0, 0))) for i, day in enumerate(days)]
    return rows
