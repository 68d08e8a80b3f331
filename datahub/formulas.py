"""KPI formulas of the catalogue, evaluated without the ORM and without `eval`.

A formula is arithmetic over the codes of other catalogue entries, e.g.
``100 * actual_production_time / planned_busy_time``: numbers, names, ``+ - * /``, unary
minus and parentheses, nothing else. `parse` checks a formula once (the catalogue loader
refuses one that does not parse or names something not in its inputs); `evaluate` computes it
from a mapping of values; `derive` computes every derived KPI it can from raw quantities,
KPIs from KPIs included (OEE from availability, performance and quality rate).

A KPI whose inputs are missing, or whose denominator is zero, has no value (None) rather
than a made-up one: a plant that reported no production time has no availability.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}


class FormulaError(ValueError):
    """A formula that is not plain arithmetic over names and numbers."""


@dataclass(frozen=True)
class Formula:
    text: str
    tree: ast.expr
    names: frozenset[str]


def _check(node: ast.AST, names: set[str]) -> None:
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        _check(node.left, names)
        _check(node.right, names)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        _check(node.operand, names)
    elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
        pass
    elif isinstance(node, ast.Name):
        names.add(node.id)
    else:
        raise FormulaError(f"not allowed in a KPI formula: {ast.dump(node)[:60]}")


def parse(text: str) -> Formula:
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as error:
        raise FormulaError(f"does not parse: {text!r}") from error
    names: set[str] = set()
    _check(tree, names)
    return Formula(text=text, tree=tree, names=frozenset(names))


def _value(node: ast.expr, values: Mapping[str, float]) -> float | None:
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        value = values.get(node.id)
        return None if value is None or not math.isfinite(value) else float(value)
    if isinstance(node, ast.UnaryOp):
        operand = _value(node.operand, values)
        if operand is None:
            return None
        return -operand if isinstance(node.op, ast.USub) else operand
    left, right = _value(node.left, values), _value(node.right, values)
    if left is None or right is None:
        return None
    if isinstance(node.op, ast.Div) and right == 0:
        return None
    return _BINARY[type(node.op)](left, right)


def evaluate(formula: Formula | str, values: Mapping[str, float | None]) -> float | None:
    """The formula's value, or None when an input is missing or a denominator is zero."""
    if isinstance(formula, str):
        formula = parse(formula)
    return _value(formula.tree, values)


@dataclass(frozen=True)
class Definition:
    """What `derive` needs of a catalogue entry (KpiDefinition rows fit, as do plain tuples)."""

    code: str
    formula: str = ""
    min_value: float | None = None
    max_value: float | None = None


def order(definitions: Iterable) -> list:
    """Derived definitions in an order where each comes after the KPIs it uses; a cycle is
    refused."""
    derived = {d.code: d for d in definitions if d.formula}
    needs = {code: parse(d.formula).names & derived.keys() for code, d in derived.items()}
    done: list = []
    placed: set[str] = set()
    while len(placed) < len(derived):
        ready = sorted(code for code in derived if code not in placed and needs[code] <= placed)
        if not ready:
            raise FormulaError(
                f"formulas refer to each other in a cycle: {sorted(derived.keys() - placed)}"
            )
        for code in ready:
            done.append(derived[code])
            placed.add(code)
    return done


def derive(definitions: Iterable, values: Mapping[str, float | None]) -> dict[str, float]:
    """Every derived KPI computable from `values` (raw quantities, and KPIs reported
    directly, which are kept as reported). Results outside a KPI's valid range are kept and
    clipped nowhere: the caller decides (an availability above 100 % means inconsistent
    inputs, which the plant should see)."""
    known = {code: v for code, v in values.items() if v is not None and math.isfinite(v)}
    derived: dict[str, float] = {}
    for definition in order(definitions):
        if definition.code in known:
            continue
        value = evaluate(definition.formula, known)
        if value is not None and math.isfinite(value):
            known[definition.code] = value
            derived[definition.code] = value
    return derived


def in_range(definition, value: float) -> bool:
    low, high = definition.min_value, definition.max_value
    return (low is None or value >= low) and (high is None or value <= high)
