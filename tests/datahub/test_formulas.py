"""The KPI formulas (pure): parsing, evaluation, derivation over the shipped catalogue."""

import math

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from datahub import formulas
from datahub.services import catalogue

SHIPPED = catalogue.read()
DEFINITIONS = [
    formulas.Definition(
        code=row["code"], formula=row["formula"], min_value=row["min"], max_value=row["max"]
    )
    for row in SHIPPED["definitions"]
]
BY_CODE = {d.code: d for d in DEFINITIONS}

# One shift of a plant: 8 h planned, 7 h run, 60 s a unit, 400 made, 380 good, 12 scrapped,
# 8 reworked, 2 failures repaired in 0.5 h, 120 kWh, 19 of 20 orders on time.
SHIFT = {
    "planned_busy_time": 8.0,
    "actual_production_time": 7.0,
    "planned_runtime_per_unit": 60.0,
    "produced_quantity": 400.0,
    "good_quantity": 380.0,
    "scrap_quantity": 12.0,
    "rework_quantity": 8.0,
    "failure_events": 2.0,
    "repair_time": 0.5,
    "energy_consumed": 120.0,
    "orders_total": 20.0,
    "orders_on_time": 19.0,
    "average_inventory": 200.0,
}


def test_iso_22400_kpis_of_one_shift():
    kpis = formulas.derive(DEFINITIONS, SHIFT)
    assert kpis["availability"] == pytest.approx(87.5)  # 7 / 8
    assert kpis["performance"] == pytest.approx(60 * 400 / 3600 / 7 * 100)  # 95.24 %
    assert kpis["quality_rate"] == pytest.approx(95.0)  # 380 / 400
    assert kpis["oee"] == pytest.approx(0.875 * (60 * 400 / 3600 / 7) * 0.95 * 100)
    assert kpis["throughput"] == pytest.approx(400 / 7)
    assert kpis["scrap_ratio"] == pytest.approx(3.0)
    assert kpis["rework_ratio"] == pytest.approx(2.0)
    assert kpis["first_pass_yield"] == pytest.approx(95.0)  # (400 - 12 - 8) / 400
    assert kpis["energy_per_unit"] == pytest.approx(0.3)
    assert kpis["mtbf"] == pytest.approx(3.5)
    assert kpis["mttr"] == pytest.approx(0.25)
    assert kpis["on_time_delivery"] == pytest.approx(95.0)
    assert kpis["inventory_turns"] == pytest.approx(2.0)
    assert "lead_time" not in kpis  # reported by the plant, never derived


def test_missing_inputs_and_zero_denominators_give_no_value():
    kpis = formulas.derive(DEFINITIONS, {"actual_production_time": 5.0})
    assert "availability" not in kpis and "oee" not in kpis
    no_time = dict(SHIFT, planned_busy_time=0.0)
    kpis = formulas.derive(DEFINITIONS, no_time)
    assert "availability" not in kpis and "oee" not in kpis
    assert kpis["quality_rate"] == pytest.approx(95.0)  # unaffected
    assert formulas.evaluate("a / b", {"a": 1.0, "b": float("nan")}) is None


def test_a_reported_kpi_is_kept_and_used_for_those_built_on_it():
    kpis = formulas.derive(
        DEFINITIONS, {"availability": 90.0, "performance": 80.0, "quality_rate": 50.0}
    )
    assert "availability" not in kpis  # reported, not derived
    assert kpis["oee"] == pytest.approx(36.0)


@pytest.mark.parametrize(
    "text",
    ["__import__('os')", "a ** 2", "a if b else c", "f(a)", "a.b", "[a]", "'x'", "a <", "True"],
)
def test_anything_but_arithmetic_is_refused(text):
    with pytest.raises(formulas.FormulaError):
        formulas.parse(text)


def test_cycles_are_refused():
    with pytest.raises(formulas.FormulaError):
        formulas.order([formulas.Definition("a", "b + 1"), formulas.Definition("b", "a + 1")])


def test_the_catalogue_loader_refuses_a_formula_that_names_other_than_its_inputs():
    data = {
        "code": "t",
        "version": 1,
        "name": {"ko": "t", "en": "t"},
        "definitions": [
            {"code": "x", "kind": "raw", "name": {"ko": "x", "en": "x"}, "unit": "h"},
            {
                "code": "y",
                "kind": "kpi",
                "name": {"ko": "y", "en": "y"},
                "unit": "h",
                "formula": "x * z",
                "inputs": ["x"],
            },
        ],
    }
    with pytest.raises(ValidationError):
        catalogue.check(data)


def test_every_shipped_definition_is_complete():
    codes = {row["code"] for row in SHIPPED["definitions"]}
    for row in SHIPPED["definitions"]:
        assert row["name"]["ko"] and row["name"]["en"] and row["unit"]
        assert row["better"] in {"higher", "lower", "neither"}
        assert set(row["inputs"]) <= codes
    # The list: OEE and its parts, throughput, scrap and rework, first-pass yield,
    # energy per unit, MTBF/MTTR, on-time delivery, lead time, inventory turns.
    assert {
        "oee", "availability", "performance", "quality_rate", "throughput", "scrap_ratio",
        "rework_ratio", "first_pass_yield", "energy_per_unit", "mtbf", "mttr",
        "on_time_delivery", "lead_time", "inventory_turns",
    } <= codes  # fmt: skip


positive = st.floats(min_value=0.01, max_value=1e6, allow_nan=False, allow_infinity=False)


@given(
    planned=positive,
    share=st.one_of(st.just(0.0), st.floats(min_value=0.001, max_value=1.0)),
    produced=positive,
    good_share=st.floats(min_value=0.0, max_value=1.0),
    cycle=positive,
)
def test_oee_is_the_product_of_its_parts_and_parts_stay_in_range(
    planned, share, produced, good_share, cycle
):
    values = {
        "planned_busy_time": planned,
        "actual_production_time": planned * share,
        "produced_quantity": produced,
        "good_quantity": produced * good_share,
        "planned_runtime_per_unit": cycle,
    }
    kpis = formulas.derive(DEFINITIONS, values)
    assert 0 <= kpis["availability"] <= 100 + 1e-9
    assert 0 <= kpis["quality_rate"] <= 100 + 1e-9
    if share > 0:
        expected = kpis["availability"] * kpis["performance"] * kpis["quality_rate"] / 1e4
        assert math.isclose(kpis["oee"], expected, rel_tol=1e-9, abs_tol=1e-12)
    else:
        assert "performance" not in kpis and "oee" not in kpis
