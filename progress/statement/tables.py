"""The named tables of the progress statement and its named parameters."""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connections
from django.db.models import F, Min
from django.db.models.functions import ExtractYear

from assessments.models import LevelTimeline
from datahub.selectors import connected_plants
from programs.models import KPI
from progress.figures import (
    Scope,
)
from progress.statement.scope import completed_projects, scoped_plants

# --- how "level as of a day" becomes set-based -------------------------------------------------
#
# The figures are defined per plant ("level as of D" = latest qualifying assessment). Evaluating
# that as correlated subqueries inside every aggregate, once per day, cost ~10 s at 35,000
# plants. The statement computes the same definitions with joins over the level timeline
# (`assessments.models.LevelTimeline`, built by `assessments.services.timeline_spans` with one
# window function and kept by the services that move a level), portable to SQLite and
# PostgreSQL:
#
# - every confirmed assessment A becomes usable on available_on(A) = max(assessed_on, local
#   date of confirmed_at): `assessed_on <= D and confirmed_at <= end_of(D)` ⟺
#   `available_on(A) <= D`;
# - A is the plant's latest usable assessment on D iff available_on(A) <= D and every
#   assessment ranked above it (assessed_on, confirmed_at, pk descending) becomes usable only
#   after D, i.e. D < next_available_on(A) = min(available_on) over the higher-ranked ones. So
#   each assessment is current on the half-open interval [available_on, next_available_on), and
#   for any D the join `available_on <= D < next_available_on` picks exactly the assessment the
#   per-plant definition picks (the timeline stores that interval as [valid_from, valid_to));
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
    """Each level timeline row usable by the date (of a plant with a completed project in
    scope, when the scope narrows the plants): the half-open interval of days [available_on,
    next_available_on) on which its assessment is the plant's latest usable one
    (next_available_on NULL: no end), kept by the assessments services
    (`assessments.models.LevelTimeline`). Rows starting after the date match no day of the
    statement (every day is on or before it), so they are left out."""
    qs = LevelTimeline.objects.filter(valid_from__lte=as_of)
    if scope.as_dict() or base is not None:
        # Only worth a semi-join when the scope narrows the plants (the intervals are joined
        # to the supported plants in scope anyway).
        plants = completed_projects(as_of, scope, scoped_plants(scope, base))
        qs = qs.filter(plant__in=plants.values("plant_id"))
    return Table.compiled(
        "assessment_interval",
        qs.order_by().values(
            "plant_id",
            "level",
            valid_until=F("expires_on"),
            available_on=F("valid_from"),
            next_available_on=F("valid_to"),
        ),
    )


def _connected_plant(as_of: datetime.date, scope: Scope, base) -> Table:
    """The plants (in scope, when the scope narrows the plants) connected to the data hub as
    of the date (`datahub.selectors.connected_plants`: the plant list's rule on today, the
    day rollups on a past date, probed per plant: worth narrowing)."""
    among = scoped_plants(scope, base)
    return Table.compiled("connected_plant", connected_plants(as_of=as_of, among=among))


def _kpi() -> Table:
    return Table.compiled(
        "kpi",
        KPI.objects.filter(improvement_pct__isnull=False)
        .order_by()
        .values("project_id", "indicator", "improvement_pct"),
    )


# Each supported plant with the assessment current on the as-of date, if any: is_valid is 1
# while its validity lasts, 0 once expired, NULL with no current assessment; is_connected 1
# when the plant is connected to the data hub as of the date.
_PLANT_STATE = """
    SELECT supported_plant.plant_id, supported_plant.region, supported_plant.industry,
        supported_plant.size_class, supported_plant.cohort, current_assessment.level,
        CASE WHEN current_assessment.valid_until >= %(as_of)s THEN 1
            WHEN current_assessment.valid_until < %(as_of)s THEN 0 END AS is_valid,
        CASE WHEN current_assessment.level >= 3
            AND current_assessment.valid_until >= %(as_of)s THEN 1 ELSE 0 END AS is_level3,
        CASE WHEN supported_plant.plant_id IN (
            SELECT connected_plant.connected_plant_id FROM connected_plant) THEN 1 ELSE 0
        END AS is_connected
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
        plant_state.cohort, plant_state.level, plant_state.is_valid, plant_state.is_level3,
        plant_state.is_connected
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


def _day(value: datetime.date):
    return connections["default"].ops.adapt_datefield_value(value)
