"""The branches of the progress statement, one per kind of result row, and the statement
they make."""

from __future__ import annotations

from dataclasses import dataclass

from progress.statement.tables import Table

# --- the branches -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Branch:
    """One SELECT of the statement: `columns` maps each output column it fills to its SQL
    expression (the others are NULL), `source` is its FROM ... GROUP BY."""

    name: str
    columns: dict
    source: str


# The statement's output columns and their SQL types: every branch has all of them, in this
# order, so the branches can be one UNION ALL.
_COLUMN_TYPES = {
    "figure": "TEXT",
    "region": "TEXT",
    "industry": "TEXT",
    "size_class": "TEXT",
    "cohort": "INTEGER",
    "level": "INTEGER",
    "is_valid": "INTEGER",
    "day_index": "INTEGER",
    "group_id": "BIGINT",
    "indicator": "TEXT",
    "plants": "BIGINT",
    "level3_plants": "BIGINT",
    "connected_plants": "BIGINT",
    "kpi_count": "BIGINT",
    "improvement_sum": "NUMERIC",
}

# Supported plants by level state: the distribution and the headline.
_LEVEL_STATE = Branch(
    "level_state",
    {
        "level": "level",
        "is_valid": "is_valid",
        "plants": "COUNT(*)",
        "connected_plants": "SUM(is_connected)",
    },
    "FROM plant_state GROUP BY level, is_valid",
)


def _plant_group(dimension: str, column: str) -> Branch:
    """Supported plants, those at Level 3+ and those connected, by one of their attributes."""
    return Branch(
        f"{dimension}_group",
        {
            column: column,
            "plants": "COUNT(*)",
            "level3_plants": "SUM(is_level3)",
            "connected_plants": "SUM(is_connected)",
        },
        f"FROM plant_state GROUP BY {column}",
    )


# Each breakdown by a plant attribute: its name and its column.
_PLANT_DIMENSIONS = {
    "region": "region",
    "industry": "industry",
    "size": "size_class",
    "cohort": "cohort",
}

# Supported plants and those at Level 3+ on each day of the series.
_SERIES = Branch(
    "series",
    {
        "day_index": "series_day.day_index",
        "plants": """(
            SELECT SUM(first_completion.plants) FROM first_completion
            WHERE first_completion.first_completed_on <= series_day.day)""",
        "level3_plants": """(
            SELECT COUNT(*) FROM level3_span
            WHERE level3_span.starts_on <= series_day.day
                AND (level3_span.next_available_on IS NULL
                    OR level3_span.next_available_on > series_day.day)
                AND level3_span.valid_until >= series_day.day)""",
    },
    "FROM series_day",
)


def _project_group(dimension: str) -> Branch:
    """A plant counts once per program / partner / agency that completed a project with it."""
    column = f"{dimension}_id"
    return Branch(
        f"{dimension}_group",
        {
            "group_id": column,
            "plants": "COUNT(DISTINCT plant_id)",
            "level3_plants": "COUNT(DISTINCT CASE WHEN is_level3 = 1 THEN plant_id END)",
            "connected_plants": "COUNT(DISTINCT CASE WHEN is_connected = 1 THEN plant_id END)",
        },
        f"FROM project_state WHERE {column} IS NOT NULL GROUP BY {column}",
    )


_PROJECT_DIMENSIONS = ("program", "partner", "agency")

# Where each breakdown row keeps its key: branch name -> (dimension, column).
_GROUP_KEYS = {
    **{f"{d}_group": (d, column) for d, column in _PLANT_DIMENSIONS.items()},
    **{f"{d}_group": (d, "group_id") for d in _PROJECT_DIMENSIONS},
}

# Sums and counts by indicator, cohort and level state, added up in Python into the overall,
# per-cohort and per-level averages (as Decimals: exact, whatever type the database sums in).
_KPI_SUM = Branch(
    "kpi_sum",
    {
        "indicator": "kpi.indicator",
        "cohort": "project_state.cohort",
        "level": "project_state.level",
        "is_valid": "project_state.is_valid",
        "kpi_count": "COUNT(kpi.improvement_pct)",
        "improvement_sum": "SUM(kpi.improvement_pct)",
    },
    "FROM kpi JOIN project_state ON project_state.project_id = kpi.project_id "
    "GROUP BY kpi.indicator, project_state.cohort, project_state.level, project_state.is_valid",
)


def _branch_sql(branch: Branch) -> str:
    unknown = set(branch.columns) - set(_COLUMN_TYPES)
    if unknown:
        raise ValueError(f"{branch.name}: unknown columns {sorted(unknown)}")
    values = {"figure": f"'{branch.name}'", **branch.columns}
    select = ", ".join(
        f"CAST({values.get(column, 'NULL')} AS {sql_type}) AS {column}"
        for column, sql_type in _COLUMN_TYPES.items()
    )
    return f"SELECT {select} {branch.source}"


def _statement(tables: list[Table], branches: list[Branch], params: dict) -> tuple[str, dict]:
    """The statement and its parameters: `params` (shared by the hand-written tables) and each
    compiled table's own."""
    params = dict(params)
    for table in tables:
        if params.keys() & table.params.keys():
            raise ValueError(f"{table.name}: parameter names clash")
        params.update(table.params)
    # Table and column names are the fixed ones above; every value is a parameter.
    sql = "WITH {} {}".format(
        ", ".join(table.as_sql() for table in tables),
        " UNION ALL ".join(_branch_sql(branch) for branch in branches),
    )
    return sql, params
