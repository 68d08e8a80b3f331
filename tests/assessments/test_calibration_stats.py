"""The calibration statistics (assessments/calibration.py) on constructed data with known
values: no database."""

import pytest

from assessments import calibration as cal
from assessments.calibration import Candidate, DrawSettings, Rated


def table(counts: dict[tuple[int, int], int]) -> list[tuple[int, int]]:
    return [pair for pair, n in counts.items() for _ in range(n)]


# Hand-computed 3×3 table (rows: first rater, columns: second rater), n = 8:
#        1  2  3
#   1    2  1  0      row totals 3, 3, 2; column totals 2, 3, 3
#   2    0  2  1
#   3    0  0  2
# Quadratic weights (i−j)²/4: observed disagreement 2·¼ = ½ (counts); expected
# Σ r_i c_j w_ij / n = (30/8)·¼ + (13/8)·1 = 20.5/8, so κ_q = 1 − ½ / (20.5/8) = 33/41.
# Linear weights |i−j|/2: observed 1, expected (30/8)·½ + 13/8 = 28/8, so κ_l = 5/7.
HAND = table({(1, 1): 2, (1, 2): 1, (2, 2): 2, (2, 3): 1, (3, 3): 2})


def test_weighted_kappa_on_a_hand_computed_table():
    assert cal.weighted_kappa(HAND, weights=cal.QUADRATIC) == pytest.approx(33 / 41)
    assert cal.weighted_kappa(HAND, weights=cal.LINEAR) == pytest.approx(5 / 7)
    # The categories nobody used change nothing: the same table on the 1–3 scale.
    assert cal.weighted_kappa(HAND, categories=(1, 2, 3)) == pytest.approx(33 / 41)


def test_two_categories_give_cohens_published_kappa():
    # The worked example of the Wikipedia article "Cohen's kappa" (50 proposals, two readers:
    # yes/yes 20, yes/no 5, no/yes 10, no/no 15): p_o = 0.7, p_e = 0.5, κ = 0.4. With two
    # categories both weightings reduce to the unweighted kappa.
    pairs = table({(1, 1): 20, (1, 0): 5, (0, 1): 10, (0, 0): 15})
    assert cal.weighted_kappa(pairs) == pytest.approx(0.4)
    assert cal.weighted_kappa(pairs, weights=cal.LINEAR) == pytest.approx(0.4)


def test_perfect_agreement_and_systematic_disagreement():
    same = [(r, r) for r in range(6) for _ in range(3)]
    assert cal.weighted_kappa(same) == pytest.approx(1.0)
    # Reversed ratings: worse than chance.
    reversed_ = [(r, 5 - r) for r in range(6)]
    assert cal.weighted_kappa(reversed_) < 0


def test_degenerate_cases_return_none():
    assert cal.weighted_kappa([]) is None
    # One category only on both sides: chance agreement is total, kappa undefined.
    assert cal.weighted_kappa([(3, 3), (3, 3)]) is None
    # Only pairs with an N/A side: nothing left.
    assert cal.weighted_kappa([(None, 3), (2, None), (None, None)]) is None
    with pytest.raises(ValueError):
        cal.weighted_kappa(HAND, weights="cubic")


def test_na_pairs_are_left_out():
    with_na = [*HAND, (None, 2), (3, None)]
    assert cal.weighted_kappa(with_na) == pytest.approx(33 / 41)
    assert cal.agreement(with_na).pairs == 8


def test_agreement_figures():
    a = cal.agreement(HAND)
    assert a.pairs == 8
    assert a.exact == pytest.approx(6 / 8)
    assert a.within_one == 1.0
    assert a.kappa == pytest.approx(33 / 41)
    assert a.kappa_linear == pytest.approx(5 / 7)
    # second − first: the two off-diagonal pairs are one higher on the second side.
    assert a.mean_difference == pytest.approx(2 / 8)
    empty = cal.agreement([])
    assert (empty.pairs, empty.exact, empty.kappa, empty.mean_difference) == (0, None, None, None)


def test_sheet_agreement_per_item_and_overall():
    first = [{"A": 1, "B": 2, "C": None}, {"A": 2, "B": 3, "C": 4}]
    second = [{"A": 1, "B": 3, "C": 4}, {"A": 2, "B": 3, "C": None}]
    result = cal.sheet_agreement(zip(first, second, strict=True), levels=[(2, 3), (3, 3)])
    assert result.overall.pairs == 4  # the C pairs have an N/A side
    assert result.items["A"].exact == 1.0
    assert result.items["B"].exact == 0.5
    assert result.items["C"].pairs == 0 and result.items["C"].kappa is None
    assert result.levels.pairs == 2 and result.levels.mean_difference == pytest.approx(0.5)


def test_mean_difference_and_distributions():
    assert cal.mean_difference([(3, 2), (4, 2), (None, 1)]) == pytest.approx(1.5)
    assert cal.mean_difference([]) is None
    dist = cal.level_distribution([1, 3, 3, None, 5])
    assert dist == {0: 0, 1: 1, 2: 0, 3: 2, 4: 0, 5: 1}
    assert cal.shares(dist)[3] == pytest.approx(0.5)
    assert cal.shares(cal.level_distribution([]))[0] is None
    assert cal.quarter_of(2025, 11) == "2025-Q4"


def test_peer_comparison_excludes_the_group_itself():
    cell_a, cell_b = ("25", "small"), ("29", "medium")
    records = [
        Rated(1, "kim", cell_a, 4),
        Rated(2, "kim", cell_a, 4),
        Rated(3, "lee", cell_a, 2),
        Rated(4, "park", cell_a, 3),
        Rated(5, "kim", cell_b, 3),  # no peer in cell b: not compared
    ]
    means = cal.peer_means(records)
    assert means[1] == pytest.approx(2.5) and means[3] == pytest.approx(11 / 3)
    assert 5 not in means
    kim = cal.peer_comparison(records)["kim"]
    assert kim.compared == 2
    assert kim.mean_level == 4 and kim.peer_mean == pytest.approx(2.5)
    assert kim.difference == pytest.approx(1.5)
    assert kim.histogram[4] == 2 and kim.histogram[3] == 1
    assert kim.peer_histogram == {0: 0, 1: 0, 2: 1, 3: 1, 4: 0, 5: 0}


def _candidates(n=40):
    cells = [("25", "small"), ("29", "medium")]
    return [
        Candidate(id=i, group=f"c{i % 4}", cell=cells[i % 2], level=(i * 7) % 6)
        for i in range(1, n + 1)
    ]


def test_draw_is_reproducible_by_seed():
    settings = DrawSettings(share=0.25, outlier_consultants=1, levels_above=2)
    first = cal.draw_sample(_candidates(), settings, seed=2026)
    again = cal.draw_sample(list(reversed(_candidates())), settings, seed=2026)
    assert first == again
    other = cal.draw_sample(_candidates(), settings, seed=7)
    assert [c for c, r in other if r == "outlier"] == [c for c, r in first if r == "outlier"]
    assert other != first
    ids = [c for c, _ in first]
    assert len(ids) == len(set(ids))


def test_draw_share_limit_and_outliers():
    candidates = _candidates()
    sample = cal.draw_sample(candidates, DrawSettings(share=0.1), seed=1)
    assert len(sample) == 4 and {r for _, r in sample} == {"random"}
    capped = cal.draw_sample(candidates, DrawSettings(share=1.0, limit=5), seed=1)
    assert len(capped) == 5
    # A consultant far above peers: its highest assessment is drawn as an outlier.
    lifted = [*candidates, Candidate(id=99, group="high", cell=("25", "small"), level=5)]
    lifted += [Candidate(id=98, group="high", cell=("25", "small"), level=5)]
    sample = cal.draw_sample(lifted, DrawSettings(share=0, outlier_consultants=1), seed=1)
    assert sample == [(98, "outlier")]
    above = cal.draw_sample(lifted, DrawSettings(share=0, levels_above=2), seed=1)
    assert {98, 99} <= {c for c, _ in above}


def test_ineligible_candidates_count_as_peers_but_are_not_drawn():
    candidates = [
        Candidate(id=c.id, group=c.group, cell=c.cell, level=c.level, eligible=c.id % 2 == 0)
        for c in _candidates()
    ]
    sample = cal.draw_sample(candidates, DrawSettings(share=1.0, levels_above=1), seed=3)
    assert sample and all(cid % 2 == 0 for cid, _ in sample)


def test_a_single_peer_is_withheld_from_the_anonymous_view():
    cell = ("25", "small")
    records = [Rated(1, "kim", cell, 4), Rated(2, "lee", cell, 2)]
    kim = cal.peer_comparison(records)["kim"]
    assert kim.peer_groups == 1 and kim.peer_mean == 2
    hidden = kim.anonymous()
    assert hidden.peer_mean is None and hidden.difference is None
    assert sum(hidden.peer_histogram.values()) == 0 and hidden.mean_level == 4
    records.append(Rated(3, "park", cell, 3))
    assert cal.peer_comparison(records)["kim"].anonymous().peer_mean == pytest.approx(2.5)
