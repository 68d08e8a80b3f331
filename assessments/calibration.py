"""Calibration statistics: do consultants rate alike? Pure functions on plain data (no ORM),
unit-tested on constructed tables with known values (tests/assessments/test_calibration_stats.py).

- Cohen's weighted kappa (`weighted_kappa`) on pairs of ordinal values: the item ratings 0–5
  or the levels 0–5. Quadratic weights are the ones the pages show (the usual choice for
  ordinal ratings: a two-step disagreement weighs four times a one-step one); linear weights
  are computed too. Pairs with a missing or N/A side are left out. Degenerate cases (no pair,
  or every pair in one and the same category so that chance agreement is total) give None,
  never a division by zero.
- Agreement of paired sheets per item and overall (`sheet_agreement`), mean differences,
  level distributions, and the spot-check sample (`draw_sample`, reproducible by seed).
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

RATING_SCALE: tuple[int, ...] = (0, 1, 2, 3, 4, 5)
# Levels run 0–5 like the ratings (Level 0 = no ICT); kappa does not depend on categories
# nobody used, so the scale only decides what counts as a valid value.
LEVEL_SCALE: tuple[int, ...] = (0, 1, 2, 3, 4, 5)
QUADRATIC = "quadratic"
LINEAR = "linear"
WEIGHTS = (QUADRATIC, LINEAR)

Pair = tuple[int | None, int | None]


def usable_pairs(pairs: Iterable[Pair], categories: Sequence[int] = RATING_SCALE) -> list:
    """The pairs where both sides hold a value of the scale (None or N/A on either side, or a
    value off the scale, leaves the pair out)."""
    allowed = set(categories)
    return [(a, b) for a, b in pairs if a in allowed and b in allowed]


def _weight(i: int, j: int, span: int, weights: str) -> float:
    if span == 0:
        return 0.0
    distance = abs(i - j) / span
    if weights == QUADRATIC:
        return distance * distance
    if weights == LINEAR:
        return distance
    raise ValueError(f"unknown weights {weights!r}")


def weighted_kappa(
    pairs: Iterable[Pair],
    *,
    categories: Sequence[int] = RATING_SCALE,
    weights: str = QUADRATIC,
) -> float | None:
    """Cohen's weighted kappa, 1 − Σ w·O / Σ w·E, with O the observed and E the
    chance-expected proportions (product of both raters' marginals) and w the disagreement
    weight (|i−j|/(k−1), squared for quadratic). None when there is no usable pair or the
    expected disagreement is zero (a single category on both sides)."""
    if weights not in WEIGHTS:
        raise ValueError(f"unknown weights {weights!r}")
    usable = usable_pairs(pairs, categories)
    n = len(usable)
    if n == 0:
        return None
    cats = sorted(set(categories))
    index = {c: k for k, c in enumerate(cats)}
    span = len(cats) - 1
    observed = Counter(usable)
    first = Counter(a for a, _ in usable)
    second = Counter(b for _, b in usable)
    observed_disagreement = sum(
        count * _weight(index[a], index[b], span, weights) for (a, b), count in observed.items()
    )
    expected_disagreement = sum(
        first[a] * second[b] * _weight(index[a], index[b], span, weights) / n
        for a in first
        for b in second
    )
    if expected_disagreement <= 1e-12:
        return None
    return 1.0 - observed_disagreement / expected_disagreement


def mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None


def mean_difference(pairs: Iterable[tuple[float | None, float | None]]) -> float | None:
    """Mean of (first − second) over the pairs with both sides; None without any."""
    return mean(a - b for a, b in pairs if a is not None and b is not None)


@dataclass(frozen=True)
class Agreement:
    """How two raters agree on a set of pairs: how many, the exact and within-one shares, both
    weighted kappas, and the mean difference (second − first: positive means the second
    rater rates higher)."""

    pairs: int
    exact: float | None
    within_one: float | None
    kappa: float | None  # quadratic weights: the figure the pages show
    kappa_linear: float | None
    mean_difference: float | None

    def as_dict(self) -> dict:
        return {
            "pairs": self.pairs,
            "exact": self.exact,
            "within_one": self.within_one,
            "kappa": self.kappa,
            "kappa_linear": self.kappa_linear,
            "mean_difference": self.mean_difference,
        }


def agreement(pairs: Iterable[Pair], *, categories: Sequence[int] = RATING_SCALE) -> Agreement:
    usable = usable_pairs(pairs, categories)
    n = len(usable)
    return Agreement(
        pairs=n,
        exact=sum(1 for a, b in usable if a == b) / n if n else None,
        within_one=sum(1 for a, b in usable if abs(a - b) <= 1) / n if n else None,
        kappa=weighted_kappa(usable, categories=categories, weights=QUADRATIC),
        kappa_linear=weighted_kappa(usable, categories=categories, weights=LINEAR),
        mean_difference=mean_difference((b, a) for a, b in usable),
    )


@dataclass
class SheetAgreement:
    """Agreement of paired rating sheets: overall (every item pair pooled), per item, and on
    the levels of the pairs."""

    overall: Agreement
    items: dict[str, Agreement] = field(default_factory=dict)
    levels: Agreement | None = None


def sheet_agreement(
    sheets: Iterable[tuple[dict[str, int | None], dict[str, int | None]]],
    *,
    levels: Iterable[Pair] = (),
) -> SheetAgreement:
    """`sheets`: (first rater's {item code: rating or None for N/A}, second rater's) per
    checked assessment. An item N/A or unrated on either side leaves that pair out."""
    by_item: dict[str, list[Pair]] = defaultdict(list)
    pooled: list[Pair] = []
    for first, second in sheets:
        for code in sorted(set(first) & set(second)):
            pair = (first[code], second[code])
            by_item[code].append(pair)
            pooled.append(pair)
    return SheetAgreement(
        overall=agreement(pooled),
        items={code: agreement(by_item[code]) for code in sorted(by_item)},
        levels=agreement(list(levels), categories=LEVEL_SCALE),
    )


def level_distribution(levels: Iterable[int | None]) -> dict[int, int]:
    """Count of each level 0–5 (every level present, zeros included; None left out)."""
    counts = Counter(level for level in levels if level is not None)
    return {level: counts.get(level, 0) for level in LEVEL_SCALE}


def shares(distribution: dict[int, int]) -> dict[int, float | None]:
    total = sum(distribution.values())
    return {k: (v / total if total else None) for k, v in distribution.items()}


def quarter_of(year: int, month: int) -> str:
    return f"{year}-Q{(month - 1) // 3 + 1}"


# --- peers --------------------------------------------------------------------------------

Cell = tuple[Hashable, ...]


@dataclass(frozen=True)
class Rated:
    """One confirmed level for the peer comparison: who gave it (`group`: a consultant or a
    consultancy), on which cell of similar plants (industry, size class), the level."""

    id: int
    group: Hashable
    cell: Cell
    level: int


def peer_means(records: Sequence[Rated]) -> dict[int, float]:
    """For each record, the mean level of the same cell given by OTHER groups (records with
    no peer in their cell are absent). Linear time: per-cell and per-(cell, group) sums."""
    cell_sum: dict[Cell, float] = defaultdict(float)
    cell_n: dict[Cell, int] = defaultdict(int)
    own_sum: dict[tuple, float] = defaultdict(float)
    own_n: dict[tuple, int] = defaultdict(int)
    for r in records:
        cell_sum[r.cell] += r.level
        cell_n[r.cell] += 1
        own_sum[r.cell, r.group] += r.level
        own_n[r.cell, r.group] += 1
    result = {}
    for r in records:
        n = cell_n[r.cell] - own_n[r.cell, r.group]
        if n > 0:
            result[r.id] = (cell_sum[r.cell] - own_sum[r.cell, r.group]) / n
    return result


@dataclass(frozen=True)
class PeerComparison:
    """A group's levels against its peers on the same cells: its mean level, the peers' mean
    over the same records' cells, their difference (positive: rates higher than peers), and
    both level histograms (the peers' counts taken once per cell the group rated in)."""

    compared: int
    mean_level: float | None
    peer_mean: float | None
    difference: float | None
    histogram: dict[int, int]
    peer_histogram: dict[int, int]
    peer_groups: int = 0  # how many other groups rated in the group's cells

    def anonymous(self, minimum: int = 2) -> PeerComparison:
        """The comparison as a consultant may see it: with fewer than `minimum` other groups
        in their cells the peers' figures would be one person's, so they are withheld."""
        if self.peer_groups >= minimum:
            return self
        return PeerComparison(
            compared=self.compared,
            mean_level=self.mean_level,
            peer_mean=None,
            difference=None,
            histogram=self.histogram,
            peer_histogram=level_distribution([]),
            peer_groups=self.peer_groups,
        )


def peer_comparison(records: Sequence[Rated]) -> dict[Hashable, PeerComparison]:
    means = peer_means(records)
    by_group: dict[Hashable, list[Rated]] = defaultdict(list)
    by_cell: dict[Cell, list[Rated]] = defaultdict(list)
    for r in records:
        by_group[r.group].append(r)
        by_cell[r.cell].append(r)
    result = {}
    for group, own in by_group.items():
        compared = [r for r in own if r.id in means]
        cells = {r.cell for r in own}
        others = [p for c in cells for p in by_cell[c] if p.group != group]
        peers = [p.level for p in others]
        own_mean = mean(r.level for r in compared)
        peer_mean = mean(means[r.id] for r in compared)
        result[group] = PeerComparison(
            compared=len(compared),
            mean_level=own_mean,
            peer_mean=peer_mean,
            difference=(own_mean - peer_mean) if compared else None,
            histogram=level_distribution(r.level for r in own),
            peer_histogram=level_distribution(peers),
            peer_groups=len({p.group for p in others}),
        )
    return result


# --- the spot-check sample ----------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A confirmed assessment that may be drawn, with what the outlier rules read."""

    id: int
    group: Hashable  # its consultant
    cell: Cell
    level: int
    # False: counted among the peers but not drawn (e.g. already spot-checked).
    eligible: bool = True


@dataclass(frozen=True)
class DrawSettings:
    share: float = 0.1  # random share of the candidates, 0–1
    outlier_consultants: int = 0  # the N consultants furthest from their peers: one each
    levels_above: int | None = None  # assessments at least this many levels above the cell mean
    limit: int = 50  # at most this many spot-checks in one draw

    def as_dict(self) -> dict:
        return {
            "share": self.share,
            "outlier_consultants": self.outlier_consultants,
            "levels_above": self.levels_above,
            "limit": self.limit,
        }


def draw_sample(
    candidates: Sequence[Candidate], settings: DrawSettings, seed: int
) -> list[tuple[int, str]]:
    """(assessment id, reason) of the sample: outliers first ("outlier"), then a random share
    of the rest ("random"), at most `settings.limit` in all. Every candidate counts among the
    peers; only eligible ones are drawn. An outlier consultant is one of the
    `outlier_consultants` whose mean level is furthest from their peers' on the same cells
    (their one assessment furthest from its cell mean, in the direction they lean); an
    outlier assessment is `levels_above` or more levels above its cell's peer mean. The same
    candidates, settings and seed always give the same sample (candidates are sorted by id
    before drawing; the generator is seeded by `seed` alone)."""
    ordered = sorted(candidates, key=lambda c: c.id)
    records = [Rated(c.id, c.group, c.cell, c.level) for c in ordered]
    means = peer_means(records)
    outliers: list[int] = []
    if settings.outlier_consultants > 0:
        comparison = peer_comparison(records)
        furthest = sorted(
            (g for g, pc in comparison.items() if pc.difference is not None),
            key=lambda g: (-abs(comparison[g].difference), str(g)),
        )[: settings.outlier_consultants]
        for group in furthest:
            sign = 1 if comparison[group].difference >= 0 else -1
            own = [c for c in ordered if c.group == group and c.id in means and c.eligible]
            if own:
                # Their assessment furthest from its cell in the direction they lean.
                pick = max(own, key=lambda c: (sign * (c.level - means[c.id]), -c.id))
                outliers.append(pick.id)
    if settings.levels_above is not None:
        for c in ordered:
            if c.eligible and c.id in means and c.level - means[c.id] >= settings.levels_above:
                outliers.append(c.id)
    chosen: list[tuple[int, str]] = []
    seen: set[int] = set()
    for cid in outliers:
        if cid not in seen:
            seen.add(cid)
            chosen.append((cid, "outlier"))
    rest = [c.id for c in ordered if c.eligible and c.id not in seen]
    k = min(len(rest), math.ceil(max(0.0, min(1.0, settings.share)) * len(rest)))
    rng = random.Random(seed)  # noqa: S311 - a reproducible sample, not a secret  # nosec B311
    chosen.extend((cid, "random") for cid in sorted(rng.sample(rest, k)))
    return chosen[: max(0, settings.limit)]
