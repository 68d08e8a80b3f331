"""Running the statement."""

from __future__ import annotations

import datetime
from contextlib import contextmanager

from django.db import connections, transaction

from progress.figures import (
    Scope,
)
from progress.statement.branches import (
    _KPI_SUM,
    _LEVEL_STATE,
    _PLANT_DIMENSIONS,
    _PROJECT_DIMENSIONS,
    _SERIES,
    _plant_group,
    _project_group,
    _statement,
)
from progress.statement.rows import StatementRows, _read, _records
from progress.statement.tables import (
    _FIRST_COMPLETION,
    _LEVEL3_SPAN,
    _PLANT_STATE,
    _PROJECT_STATE,
    Table,
    _assessment_interval,
    _completed_project,
    _connected_plant,
    _day,
    _kpi,
    _series_day,
    _supported_plant,
)

# --- running it ---------------------------------------------------------------------------------


@contextmanager
def analytics_cursor():
    """A cursor in a transaction whose joins and groupings may hash ~200,000 rows in memory
    (PostgreSQL's default 4 MB work_mem spills them to disk); local to the transaction."""
    connection = connections["default"]
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET LOCAL work_mem = '64MB'")
        yield cur


def _tables(as_of: datetime.date, days: list[datetime.date], scope: Scope, base) -> list:
    """The named tables, each after those it reads."""
    return [
        _completed_project(as_of, scope, base),
        _supported_plant(as_of, scope, base),
        _assessment_interval(as_of, scope, base),
        _connected_plant(as_of, scope, base),
        Table("plant_state", _PLANT_STATE, {}),
        Table("project_state", _PROJECT_STATE, {}),
        _kpi(),
        _series_day(days),
        Table("first_completion", _FIRST_COMPLETION, {}, materialized=True),
        Table("level3_span", _LEVEL3_SPAN, {}, materialized=True),
    ]


_BRANCHES = [
    _LEVEL_STATE,
    *(_plant_group(dimension, column) for dimension, column in _PLANT_DIMENSIONS.items()),
    *(_project_group(dimension) for dimension in _PROJECT_DIMENSIONS),
    _SERIES,
    _KPI_SUM,
]


def statement_rows(
    as_of: datetime.date, days: list[datetime.date], scope: Scope, base=None
) -> StatementRows:
    """Runs the statement: every figure as of the date, and supported / Level 3+ on each of
    `days`."""
    # A table of no rows cannot be written as a UNION of rows: with no days, one unread day.
    tables = _tables(as_of, days or [as_of], scope, base)
    sql, params = _statement(tables, _BRANCHES, {"as_of": _day(as_of)})
    with analytics_cursor() as cur:
        cur.execute(sql, params)
        return _read(_records(cur), days)
