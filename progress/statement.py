"""The progress figures computed by the database: one statement behind
`progress.selectors.progress_summary`, written as named parts, its rows read by column name
into the typed rows of `progress.figures` and folded into `Figures`.

The statement is `WITH <named tables> <branch> UNION ALL <branch> ...`:

- named tables (`WITH name AS (...)`): `completed_project`, `supported_plant` and
  `assessment_interval` are compiled from ORM querysets (so scope filters, `base` and the
  date / time-zone handling stay Django's); `plant_state`, `project_state`, `series_day`,
  `first_completion` and `level3_span` are written here;
- branches, one per figure: `level_state` (headline and distribution), `region_group`,
  `industry_group`, `size_group`, `cohort_group`, `program_group`, `partner_group`,
  `agency_group` (the breakdowns), `series` (supported and Level 3+ on each requested day)
  and `kpi_sum`.

It stays one statement because its branches share the tables: PostgreSQL computes a table
referenced more than once only once, where separate statements would each recompute the
assessment intervals (on PostgreSQL 15 with 5,000 / 20,000 plants, the national figures took
~67 / ~231 ms as one statement and ~123 / ~450 ms as four). The breakdowns are grouped in the
database, one branch each, so a few hundred rows come back rather than one per combination
of region, industry, size, cohort and level. Parameters are named (`%(as_of)s`); the
compiled ORM fragments have theirs renamed by `named_params`.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Context, Decimal

from django.db import connections, transaction
from django.db.models import DateField, F, Min, Window
from django.db.models.expressions import RowRange
from django.db.models.functions import ExtractYear, Greatest, TruncDate

from assessments.choices import AssessmentStatus
from assessments.models import Assessment
from hub.models import Plant
from programs.choices import NATIONAL_AVERAGE_IMPROVEMENT, Indicator, ProjectStatus
from programs.models import KPI, Project
from progress.figures import (
    LEVELS,
    Figures,
    GroupRow,
    KPISumRow,
    LevelStateRow,
    Scope,
    SeriesRow,
    round2,
    share,
)
from progress.projection import same_day_years_before


def completed_projects(as_of: datetime.date, scope: Scope, plants=None):
    qs = Project.objects.filter(status=ProjectStatus.COMPLETED, completed_on__lte=as_of)
    if scope.program:
        qs = qs.filter(program_id=scope.program)
    if scope.partner:
        qs = qs.filter(partner_id=scope.partner)
    if scope.agency:
        qs = qs.filter(program__agency_id=scope.agency)
    if plants is not None:
        qs = qs.filter(plant__in=plants)
    return qs


def scoped_plants(scope: Scope, base=None):
    """The plants in scope, or None when every plant is (no semi-join needed)."""
    if base is None and not (scope.region or scope.industry or scope.size):
        return None
    qs = Plant.objects.all() if base is None else base
    if scope.region:
        qs = qs.filter(region=scope.region)
    if scope.industry:
        qs = qs.filter(industry=scope.industry)
    if scope.size:
        qs = qs.filter(company__size_class=scope.size)
    return qs


def summary_days(as_of: datetime.date, scope: Scope = Scope()) -> tuple[list, list]:
    """The year-ends of the series (from the first completion under the scope's program,
    partner and agency filters) and the 3 projection dates."""
    first = completed_projects(as_of, scope).aggregate(d=Min("completed_on"))["d"]
    years = [] if first is None else list(range(first.year, as_of.year + 1))
    year_days = [min(datetime.date(y, 12, 31), as_of) for y in years]
    proj_days = [same_day_years_before(as_of, n) for n in (3, 2, 1)]
    return year_days, proj_days


# --- how "level as of a day" becomes set-based -------------------------------------------------
#
# The figures are defined per plant ("level as of D" = latest qualifying assessment). Evaluating
# that as correlated subqueries inside every aggregate, once per day, cost ~10 s at 35,000
# plants. The statement computes the same definitions with joins and one window function,
# portable to SQLite and PostgreSQL:
#
# - every confirmed assessment A becomes usable on available_on(A) = max(assessed_on, local
#   date of confirmed_at): `assessed_on <= D and confirmed_at <= end_of(D)` ⟺
#   `available_on(A) <= D`;
# - A is the plant's latest usable assessment on D iff available_on(A) <= D and every
#   assessment ranked above it (assessed_on, confirmed_at, pk descending) becomes usable only
#   after D, i.e. D < next_available_on(A) = min(available_on) over the higher-ranked ones. So
#   each assessment is current on the half-open interval [available_on, next_available_on), and
#   for any D the join `available_on <= D < next_available_on` picks exactly the assessment the
#   per-plant definition picks;
# - supported on D ⟺ the plant's first completed project (in scope, up to the as-of date) is
#   on or before D.


# --- named parameters ---------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"%%|%s")


def named_params(sql: str, params: Sequence, prefix: str) -> tuple[str, dict]:
    """A compiled fragment with its positional `%s` placeholders renamed `%(prefix_N)s`, so it
    can sit in a statement whose other parameters are named. `%%` (a literal percent sign in
    a fragment meant for parameter substitution) stays as it is."""
    values = {}

    def rename(match: re.Match) -> str:
        if match.group() == "%%":
            return "%%"
        if len(values) == len(params):
            raise ValueError(f"{prefix}: more placeholders than parameters")
        name = f"{prefix}_{len(values)}"
        values[name] = params[len(values)]
        return f"%({name})s"

    renamed = _PLACEHOLDER.sub(rename, sql)
    if len(values) != len(params):
        raise ValueError(f"{prefix}: {len(params)} parameters for {len(values)} placeholders")
    return renamed, values


# --- the named tables ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """A named table of the statement: `WITH name AS (sql)`."""

    name: str
    sql: str
    params: dict
    materialized: bool = False

    @classmethod
    def compiled(cls, name: str, queryset) -> Table:
        sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
        return cls(name, *named_params(sql, list(params), name))

    def as_sql(self) -> str:
        hint = "MATERIALIZED " if self.materialized else ""
        return f"{self.name} AS {hint}({self.sql})"


def _completed_project(as_of: datetime.date, scope: Scope, base) -> Table:
    """Each completed project in scope with its program, partner and agency."""
    return Table.compiled(
        "completed_project",
        completed_projects(as_of, scope, scoped_plants(scope, base))
        .order_by()
        .values(
            "plant_id",
            "program_id",
            "partner_id",
            project_id=F("id"),
            agency_id=F("program__agency_id"),
        ),
    )


def _supported_plant(as_of: datetime.date, scope: Scope, base) -> Table:
    """Each supported plant in scope with its attributes, the day of its first completed
    project and its cohort (that day's year)."""
    first = Min("completed_on")
    return Table.compiled(
        "supported_plant",
        completed_projects(as_of, scope, scoped_plants(scope, base))
        .order_by()
        .values(
            "plant_id",
            region=F("plant__region"),
            industry=F("plant__industry"),
            size_class=F("plant__company__size_class"),
        )
        .annotate(first_completed_on=first, cohort=ExtractYear(first)),
    )


def _assessment_interval(as_of: datetime.date, scope: Scope, base) -> Table:
    """Each confirmed assessment (of a plant with a completed project in scope, when the
    scope narrows the plants) with the half-open interval of days [available_on,
    next_available_on) on which it is the plant's latest usable one (next_available_on NULL:
    no end)."""
    available_on = Greatest("assessed_on", TruncDate("confirmed_at"), output_field=DateField())
    qs = Assessment.objects.filter(
        status=AssessmentStatus.CONFIRMED,
        assessed_on__isnull=False,
        confirmed_at__isnull=False,
        assessed_on__lte=as_of,
    )
    if scope.as_dict() or base is not None:
        # Only worth a semi-join when the scope narrows the plants (the intervals are joined
        # to the supported plants in scope anyway).
        plants = completed_projects(as_of, scope, scoped_plants(scope, base))
        qs = qs.filter(plant__in=plants.values("plant_id"))
    return Table.compiled(
        "assessment_interval",
        qs.order_by().values(
            "plant_id",
            "valid_until",
            level=F("final_level"),
            available_on=available_on,
            next_available_on=Window(
                Min(available_on),
                partition_by=[F("plant_id")],
                order_by=[F("assessed_on").desc(), F("confirmed_at").desc(), F("pk").desc()],
                frame=RowRange(start=None, end=-1),
            ),
        ),
    )


def _kpi() -> Table:
    return Table.compiled(
        "kpi",
        KPI.objects.filter(improvement_pct__isnull=False)
        .order_by()
        .values("project_id", "indicator", "improvement_pct"),
    )


# Each supported plant with the assessment current on the as-of date, if any: is_valid is 1
# while its validity lasts, 0 once expired, NULL with no current assessment.
_PLANT_STATE = """
    SELECT supported_plant.plant_id, supported_plant.region, supported_plant.industry,
        supported_plant.size_class, supported_plant.cohort, current_assessment.level,
        CASE WHEN current_assessment.valid_until >= %(as_of)s THEN 1
            WHEN current_assessment.valid_until < %(as_of)s THEN 0 END AS is_valid,
        CASE WHEN current_assessment.level >= 3
            AND current_assessment.valid_until >= %(as_of)s THEN 1 ELSE 0 END AS is_level3
    FROM supported_plant
    LEFT JOIN assessment_interval AS current_assessment
        ON current_assessment.plant_id = supported_plant.plant_id
        AND current_assessment.available_on <= %(as_of)s
        AND (current_assessment.next_available_on IS NULL
            OR current_assessment.next_available_on > %(as_of)s)
"""

# Each completed project in scope with its plant's state as of the date.
_PROJECT_STATE = """
    SELECT completed_project.project_id, completed_project.program_id,
        completed_project.partner_id, completed_project.agency_id, plant_state.plant_id,
        plant_state.cohort, plant_state.level, plant_state.is_valid, plant_state.is_level3
    FROM completed_project
    JOIN plant_state ON plant_state.plant_id = completed_project.plant_id
"""

# Supported plants by day of first completion (the series adds them up to each day).
# Materialised, or PostgreSQL would group the supported plants again for every day.
_FIRST_COMPLETION = """
    SELECT first_completed_on, COUNT(*) AS plants
    FROM supported_plant GROUP BY first_completed_on
"""

# The days on which a supported plant is at Level 3+ span from the later of "assessment usable"
# and "plant supported" until the assessment is superseded or expires. Materialised: every day
# of the series scans it.
_LEVEL3_SPAN = """
    SELECT CASE WHEN assessment_interval.available_on > supported_plant.first_completed_on
            THEN assessment_interval.available_on
            ELSE supported_plant.first_completed_on END AS starts_on,
        assessment_interval.next_available_on, assessment_interval.valid_until
    FROM assessment_interval
    JOIN supported_plant ON supported_plant.plant_id = assessment_interval.plant_id
    WHERE assessment_interval.level >= 3
"""


def _series_day(days: list[datetime.date]) -> Table:
    """The requested days, numbered in order."""
    rows = [f"SELECT {i} AS day_index, %(day_{i})s AS day" for i in range(len(days))]
    params = {f"day_{i}": _day(day) for i, day in enumerate(days)}
    return Table("series_day", " UNION ALL ".join(rows), params)


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
    "kpi_count": "BIGINT",
    "improvement_sum": "NUMERIC",
}

# Supported plants by level state: the distribution and the headline.
_LEVEL_STATE = Branch(
    "level_state",
    {"level": "level", "is_valid": "is_valid", "plants": "COUNT(*)"},
    "FROM plant_state GROUP BY level, is_valid",
)


def _plant_group(dimension: str, column: str) -> Branch:
    """Supported plants, and those at Level 3+, by one of their attributes."""
    return Branch(
        f"{dimension}_group",
        {column: column, "plants": "COUNT(*)", "level3_plants": "SUM(is_level3)"},
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
    )


def _group_row(record: dict) -> GroupRow:
    dimension, column = _GROUP_KEYS[record["figure"]]
    key = record[column]
    return GroupRow(
        dimension=dimension,
        key=int(key) if column in ("cohort", "group_id") else key,
        supported=int(record["plants"]),
        level3=int(record["level3_plants"] or 0),
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


def _day(value: datetime.date):
    return connections["default"].ops.adapt_datefield_value(value)


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
        distribution=_distribution(rows.level_states),
        cohorts=tables.pop("cohort"),
        breakdowns=tables,
        yearly=rows.series[: len(year_days)],
        projection_series=rows.series[len(year_days) :],
        kpis=_kpis(rows.kpi_sums),
    )
