"""The progress statement itself: its named parameters, its typed rows, and a number of queries
that does not depend on the data."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from progress import statement
from progress.figures import Figures, GroupRow, LevelStateRow, Scope, SeriesRow, Target
from progress.selectors import progress_summary
from tests.progress.oracle import AssessmentSpec, PlantSpec, ProjectSpec, make_world, write_history

D = datetime.date
AS_OF = D(2025, 6, 30)
TARGETS = {
    "supported_plants": Target("supported_plants", 100, 2026),
    "level3_share": Target("level3_share", 25, 2026),
}


def test_named_params_renames_positional_placeholders():
    sql, params = statement.named_params(
        "SELECT a FROM t WHERE b <= %s AND c LIKE 'x%%' AND d = %s", [1, "two"], "part"
    )
    assert sql == "SELECT a FROM t WHERE b <= %(part_0)s AND c LIKE 'x%%' AND d = %(part_1)s"
    assert params == {"part_0": 1, "part_1": "two"}


def test_named_params_keeps_a_literal_percent_before_an_s():
    # "%%s" is a literal "%" followed by "s", not a placeholder.
    sql, params = statement.named_params("SELECT '%%s', %s", [5], "p")
    assert sql == "SELECT '%%s', %(p_0)s"
    assert params == {"p_0": 5}


@pytest.mark.parametrize("params", [[], [1, 2]])
def test_named_params_refuses_a_count_mismatch(params):
    with pytest.raises(ValueError):
        statement.named_params("SELECT %s", params, "p")


@pytest.fixture
def oracle_world(db, framework):
    return make_world(framework, ["small", "medium"])


def history(plants: int, years: int) -> list[PlantSpec]:
    """`plants` plants, completions spread over `years` years up to AS_OF, each with two
    confirmed assessments and a KPI."""
    specs = []
    for i in range(plants):
        completed = AS_OF - datetime.timedelta(days=(i * 365 * years) // max(plants, 1) + 1)
        visit = completed + datetime.timedelta(days=30)
        confirmed_at = datetime.datetime.combine(visit, datetime.time(10), datetime.UTC)
        assessments = tuple(
            AssessmentSpec(
                status="confirmed",
                assessed_on=visit - datetime.timedelta(days=400 * n),
                confirmed_at=confirmed_at - datetime.timedelta(days=400 * n),
                final_level=(i + n) % 6,
                valid_until=visit + datetime.timedelta(days=1095),
            )
            for n in range(2)
        )
        project = ProjectSpec(
            program=i % 3,
            partner=i % 3 if i % 2 else None,
            status="completed",
            completed_on=completed,
            kpis=(("productivity", Decimal(i % 40)),),
        )
        specs.append(
            PlantSpec(
                region=["11", "26", "41"][i % 3],
                industry=["10", "25"][i % 2],
                size_class=["small", "medium"][i % 2],
                projects=(project,),
                assessments=assessments,
            )
        )
    return specs


def queries_for(scope: Scope) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        progress_summary(as_of=AS_OF, scope=scope, targets=TARGETS)
    return [query["sql"] for query in captured]


@pytest.mark.parametrize("scope", [Scope(), Scope(region="11")])
def test_query_count_is_the_same_for_small_and_larger_data(oracle_world, scope):
    empty = queries_for(scope)
    write_history(oracle_world, history(plants=2, years=1))
    small = queries_for(scope)
    write_history(oracle_world, history(plants=120, years=9))
    larger = queries_for(scope)
    assert progress_summary(as_of=AS_OF, targets=TARGETS).supported == 122
    assert len(empty) == len(small) == len(larger)
    # One statement computes every figure, whatever the number of plants or years.
    assert [sql.startswith("WITH ") for sql in larger].count(True) == 1


def test_figures_are_typed_rows(oracle_world):
    write_history(oracle_world, history(plants=6, years=2))
    rows = statement.statement_rows(AS_OF, [D(2024, 12, 31), AS_OF], Scope())
    assert all(isinstance(r, LevelStateRow) for r in rows.level_states)
    assert sum(r.plants for r in rows.level_states) == 6
    assert all(isinstance(r, GroupRow) for r in rows.groups)
    assert {r.dimension for r in rows.groups} == {
        "region",
        "industry",
        "size",
        "cohort",
        "program",
        "partner",
        "agency",
    }
    level3 = sum(r.plants for r in rows.level_states if r.level3)
    assert rows.series[1] == SeriesRow(AS_OF, 6, level3)
    found = statement.figures(
        AS_OF, Scope(), year_days=[D(2024, 12, 31), AS_OF], projection_days=[D(2024, 6, 30)]
    )
    assert isinstance(found, Figures)
    assert [type(r) for r in found.yearly + found.projection_series] == [SeriesRow] * 3
    assert found.yearly[-1] == SeriesRow(AS_OF, found.supported, found.level3)
