"""KPIs a plant does not send, derived from those it does (datahub.formulas), bucket by bucket
or month by month, with each formula parsed once."""

from __future__ import annotations

import math

from datahub import formulas


class Derivation:
    """The derived KPIs of `wanted` that can be computed from the `available` codes, with
    their formulas parsed once (datahub.formulas), in an order where each comes after the KPIs
    it uses. Codes whose inputs are not all available are left out up front, so a plant
    sending nothing to derive from costs nothing."""

    def __init__(self, definitions, available: set[str], wanted: set[str]):
        by_code = {d.code: d for d in definitions}
        computable = set(available)
        self.steps: list[tuple[str, formulas.Formula, list[str]]] = []
        for definition in formulas.order(definitions):
            if definition.code in computable:
                continue
            formula = formulas.parse(definition.formula)
            if formula.names <= computable:
                computable.add(definition.code)
                inputs = list(by_code[definition.code].inputs or formula.names)
                self.steps.append((definition.code, formula, inputs))
        needed = set(wanted)
        for code, formula, _inputs in reversed(self.steps):
            if code in needed:
                needed |= formula.names
        self.steps = [step for step in self.steps if step[0] in needed]
        self.wanted = wanted

    def __bool__(self) -> bool:
        return any(code in self.wanted for code, _f, _i in self.steps)

    def table(self, known: dict[str, dict], counts: dict[str, dict]):
        """Per key (a slot or a month) the derived values of the wanted codes from the known
        values of that key: {code: {key: value}} and the counts (the smallest of the
        inputs')."""
        derived: dict[str, dict] = {code: {} for code in self.wanted}
        derived_counts: dict[str, dict] = {code: {} for code in self.wanted}
        if not self:
            return derived, derived_counts
        keys = sorted({key for values in known.values() for key in values})
        for key in keys:
            values = {code: by_key[key] for code, by_key in known.items() if key in by_key}
            key_counts = {code: counts[code][key] for code in values}
            for code, formula, inputs in self.steps:
                if code in values:
                    continue
                value = formulas.evaluate(formula, values)
                if value is None or not math.isfinite(value):
                    continue
                values[code] = value
                key_counts[code] = min(
                    (key_counts[c] for c in inputs if c in key_counts), default=1
                )
                if code in self.wanted:
                    derived[code][key] = value
                    derived_counts[code][key] = key_counts[code]
        return derived, derived_counts
