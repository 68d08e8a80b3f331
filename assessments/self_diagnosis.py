"""Pure rules of self-diagnoses (no ORM): how a self-rating differs from a confirmed one, the
order of the side-by-side comparison, and the over-rating figures the agency reads."""

from dataclasses import dataclass
from decimal import Decimal

NA = "na"


def difference(self_value, confirmed_value) -> int | None:
    """Self rating minus confirmed rating (positive: the plant rated itself higher); None
    when either side is missing or not applicable."""
    if isinstance(self_value, int) and isinstance(confirmed_value, int):
        return self_value - confirmed_value
    return None


def comparison_key(self_value, confirmed_value, order: int) -> tuple:
    """Largest differences first (by size, over-rating before under-rating of the same
    size), then items whose N/A mark differs, then the rest in framework order."""
    delta = difference(self_value, confirmed_value)
    if delta is not None:
        return (0, -abs(delta), -delta, order)
    if self_value != confirmed_value:
        return (1, 0, 0, order)
    return (2, 0, 0, order)


@dataclass(frozen=True)
class LevelPair:
    """One plant's self-diagnosed level and the level confirmed on or after it."""

    self_level: int
    confirmed_level: int


@dataclass(frozen=True)
class PairFigures:
    count: int
    mean_self: Decimal | None
    mean_confirmed: Decimal | None
    mean_difference: Decimal | None
    over_rated: int
    under_rated: int
    over_share: Decimal | None  # over-rated pairs / pairs, 0–1

    def as_dict(self) -> dict:
        def text(value):
            return None if value is None else str(value)

        return {
            "count": self.count,
            "mean_self_level": text(self.mean_self),
            "mean_confirmed_level": text(self.mean_confirmed),
            "mean_difference": text(self.mean_difference),
            "over_rated": self.over_rated,
            "under_rated": self.under_rated,
            "over_rated_share": text(self.over_share),
        }


TWO_PLACES = Decimal("0.01")
THREE_PLACES = Decimal("0.001")


def summarise(pairs: list[LevelPair]) -> PairFigures:
    """Count, mean self level, mean confirmed level, mean difference (self − confirmed) and
    the share of pairs where the plant rated itself higher (exact, rounded at the end)."""
    n = len(pairs)
    if not n:
        return PairFigures(0, None, None, None, 0, 0, None)
    total_self = sum(p.self_level for p in pairs)
    total_confirmed = sum(p.confirmed_level for p in pairs)
    over = sum(1 for p in pairs if p.self_level > p.confirmed_level)
    under = sum(1 for p in pairs if p.self_level < p.confirmed_level)
    return PairFigures(
        count=n,
        mean_self=(Decimal(total_self) / n).quantize(TWO_PLACES),
        mean_confirmed=(Decimal(total_confirmed) / n).quantize(TWO_PLACES),
        mean_difference=(Decimal(total_self - total_confirmed) / n).quantize(TWO_PLACES),
        over_rated=over,
        under_rated=under,
        over_share=(Decimal(over) / n).quantize(THREE_PLACES),
    )
