"""Confirmed assessment histories of a national plan, scored with `assessments.scoring`."""

from __future__ import annotations

import datetime
import math
import random
from decimal import Decimal

from assessments import scoring
from assessments.services import add_years
from devdata import assessments as assessment_demo
from devdata.national_rows import (
    REFERENCE,
    AssessmentRow,
    Org,
    PlantRow,
    days_after,
    moment_on,
)

# Assessments per plant: 0–4 (mean ≈ 2.1; the latest cohorts have room for fewer).
ASSESSMENT_COUNTS = (0, 1, 2, 3, 4)
ASSESSMENT_WEIGHTS = (1, 12, 46, 31, 10)
# Added to the demo maturity model at the first completion (calibrated: Level 3+ ≈ 22 % of
# supported plants at the end of 2022).
MATURITY_OFFSET = -0.1


def assessments(
    rng: random.Random,
    spec: scoring.FrameworkSpec,
    plants: list[PlantRow],
    consultancies: list[Org],
    validity_years: int = 3,
) -> list[AssessmentRow]:
    """≈ 2 confirmed assessments a plant. A supported plant is mostly assessed after its first
    completion (a tenth before it, as a diagnosis), then every 10–30 months; its maturity
    rises from the completion on. Other plants are assessed from 2019 on."""
    weights = [c.weight for c in consultancies]
    codes = [item.code for item in spec.items]
    last_day = REFERENCE - datetime.timedelta(days=45)
    out: list[AssessmentRow] = []
    for index, plant in enumerate(plants):
        count = rng.choices(ASSESSMENT_COUNTS, weights=ASSESSMENT_WEIGHTS)[0]
        if count == 0:
            continue
        profile = assessment_demo.PlantProfile(
            key=str(index),
            employees=plant.employees,
            mentored=plant.partner is not None,
            assessable=True,
        )
        model = assessment_demo._model(rng, spec, profile)
        if plant.first_completed is not None:
            reference = plant.first_completed
            model.maturity += MATURITY_OFFSET
            if rng.random() < 0.1:
                day = reference - datetime.timedelta(days=rng.randint(60, 300))
            else:
                day = days_after(reference, 20, 300, rng)
        else:
            reference = datetime.date(2021, 1, 1)
            model.maturity += MATURITY_OFFSET - 0.2
            day = days_after(
                datetime.date(2019, 1, 1), 0, (last_day - datetime.date(2019, 1, 1)).days, rng
            )
        dates = []
        while len(dates) < count and day <= last_day:
            dates.append(day)
            day = days_after(day, 300, 900, rng)
        for day in dates:
            maturity = model.maturity_on(day, reference)
            if day < reference:  # before the system was built: no growth backwards in time
                maturity = model.maturity - 0.25
            ratings, reasons, notes = assessment_demo._ratings(rng, spec, model, maturity)
            opened = moment_on(day - datetime.timedelta(days=rng.randint(7, 40)), rng)
            submitted = moment_on(days_after(day, 1, 14, rng), rng)
            confirmed = moment_on(days_after(submitted.date(), 1, 21, rng), rng)
            out.append(
                AssessmentRow(
                    plant=index,
                    consultant=rng.choices(range(len(consultancies)), weights=weights)[0],
                    assessed_on=day,
                    opened_at=opened,
                    submitted_at=submitted,
                    confirmed_at=confirmed,
                    valid_until=add_years(day, validity_years),
                    ratings=tuple(ratings[c] for c in codes),
                    notes={n: notes[c] for n, c in enumerate(codes) if c in notes},
                    na_reasons={n: reasons[c] for n, c in enumerate(codes) if c in reasons},
                )
            )
    return out


_POOL_SPEC: scoring.FrameworkSpec | None = None


def _score_chunk(vectors: list[tuple]) -> list[tuple]:
    scorer = Scorer(_POOL_SPEC)
    return [scorer(v) for v in vectors]


def score_all(spec: scoring.FrameworkSpec, vectors: list[tuple], processes: int = 1) -> list:
    """Scorer results for every vector, in order; over `processes` forked workers when there
    are many (scoring is pure CPU: ≈ 0.8 ms a vector)."""
    import multiprocessing

    distinct = list(dict.fromkeys(vectors))
    if (
        processes <= 1
        or len(distinct) < 5_000
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        scorer = Scorer(spec)
        return [scorer(v) for v in vectors]
    global _POOL_SPEC
    _POOL_SPEC = spec
    size = math.ceil(len(distinct) / (processes * 8))
    chunks = [distinct[i : i + size] for i in range(0, len(distinct), size)]
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        results = [r for chunk in pool.map(_score_chunk, chunks) for r in chunk]
    by_vector = dict(zip(distinct, results, strict=True))
    return [by_vector[v] for v in vectors]


class Scorer:
    """assessments.scoring on rating vectors, cached per distinct vector."""

    def __init__(self, spec: scoring.FrameworkSpec):
        self.spec = spec
        self.codes = [item.code for item in spec.items]
        self.cache: dict[tuple, tuple] = {}

    def __call__(self, ratings: tuple) -> tuple[Decimal, int, int, str, dict]:
        """(total score, band level, final level, capping rule, result as stored)."""
        hit = self.cache.get(ratings)
        if hit is None:
            result = scoring.score(self.spec, dict(zip(self.codes, ratings, strict=True)))
            hit = (
                scoring.to_decimal(result.total),
                result.band_level,
                result.final_level,
                result.capping_rule or "",
                result.as_dict(),
            )
            self.cache[ratings] = hit
        return hit


# --- the whole plan --------------------------------------------------------------------------
