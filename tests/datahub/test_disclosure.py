"""The disclosure rules (datahub/disclosure.py) and the peer rules (datahub/peergroups.py):
unit tests and property tests. The recomputation check solves the table's equations exactly
(rational Gaussian elimination): a suppressed cell is recomputable when its unit vector lies
in the row space of the equations restricted to the suppressed cells."""

import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datahub import disclosure, peergroups
from datahub.disclosure import TOTAL, Reason

# --- exact linear algebra -------------------------------------------------------------------


def _rank(rows: list[list[Fraction]]) -> int:
    rows = [r[:] for r in rows if any(r)]
    rank, col = 0, 0
    width = len(rows[0]) if rows else 0
    while rank < len(rows) and col < width:
        pivot = next((i for i in range(rank, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            col += 1
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for i in range(len(rows)):
            if i != rank and rows[i][col] != 0:
                factor = rows[i][col] / rows[rank][col]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[rank], strict=True)]
        rank += 1
        col += 1
    return rank


def recomputable(cells, suppressed) -> set:
    """The suppressed cells the released cells and equations determine exactly. Equations:
    every row and column of the table with its margins, cells minus total equals zero."""
    unknowns = sorted(suppressed, key=repr)
    index = {key: i for i, key in enumerate(unknowns)}
    row_keys = {k[0] for k in cells if k[0] != TOTAL} | {TOTAL}
    col_keys = {k[1] for k in cells if k[1] != TOTAL} | {TOTAL}
    equations = []
    for r in row_keys:
        # row r: sum of its interior cells − its total = 0 (for the total row, the column totals)
        eq = [Fraction(0)] * len(unknowns)
        for key in cells:
            if key[0] == r and key in index:
                eq[index[key]] += -1 if key[1] == TOTAL else 1
        equations.append(eq)
    for c in col_keys:
        eq = [Fraction(0)] * len(unknowns)
        for key in cells:
            if key[1] == c and key in index:
                eq[index[key]] += -1 if key[0] == TOTAL else 1
        equations.append(eq)
    base = _rank(equations)
    out = set()
    for key, i in index.items():
        unit = [Fraction(0)] * len(unknowns)
        unit[i] = Fraction(1)
        if _rank([*equations, unit]) == base:
            out.add(key)
    return out


# --- strategies -----------------------------------------------------------------------------

records = st.lists(
    st.tuples(
        st.integers(0, 4),  # row
        st.integers(0, 3),  # column
        st.integers(0, 14),  # company
        st.floats(0, 100, allow_nan=False),
    ),
    max_size=70,
)


@settings(max_examples=150, deadline=None)
@given(records)
def test_no_suppressed_cell_can_be_recomputed(recs):
    cells = disclosure.build_table(recs)
    reasons = disclosure.protect(cells)
    suppressed = {key for key, reason in reasons.items() if reason is not None}
    assert recomputable(cells, suppressed) == set()
    assert disclosure.exposed(suppressed) == []


@settings(max_examples=150, deadline=None)
@given(records)
def test_no_released_cell_is_small_or_dominated(recs):
    cells = disclosure.build_table(recs)
    for key, reason in disclosure.protect(cells).items():
        if reason is None:
            totals = disclosure.company_totals(cells[key].contributions)
            assert len(totals) >= disclosure.MIN_COMPANIES
            assert max(totals.values()) <= 0.5 * sum(totals.values()) or sum(totals.values()) == 0


@settings(max_examples=100, deadline=None)
@given(records)
def test_primary_reasons_are_kept_and_only_complementary_added(recs):
    cells = disclosure.build_table(recs)
    reasons = disclosure.protect(cells)
    assert set(reasons) == set(cells)
    for key, cell in cells.items():
        primary = disclosure.primary_reason(cell.contributions)
        if primary is not None:
            assert reasons[key] == primary
        else:
            assert reasons[key] in (None, Reason.COMPLEMENTARY)


def test_two_per_row_and_column_is_not_enough():
    """Two 2×2 cycles joined by one cell: every row and column holds two suppressed cells,
    yet the joining cell is a bridge, and the equations give it away."""
    keys = [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (1, 2)]
    cells = {k: disclosure.Cell() for k in keys}
    for r in range(4):
        cells[(r, TOTAL)] = disclosure.Cell()
    for c in range(4):
        cells[(TOTAL, c)] = disclosure.Cell()
    cells[(TOTAL, TOTAL)] = disclosure.Cell()
    assert disclosure.exposed(keys) == [(1, 2)]
    assert recomputable(cells, set(keys)) == {(1, 2)}


def test_a_single_small_cell_takes_three_others_with_it():
    recs = []
    for r in range(3):
        for c in range(3):
            companies = 2 if (r, c) == (0, 0) else 6
            recs += [(r, c, f"{r}{c}-{n}", 10.0) for n in range(companies)]
    reasons = disclosure.protect(disclosure.build_table(recs))
    hidden = {k for k, v in reasons.items() if v}
    assert reasons[(0, 0)] == Reason.FEW_COMPANIES
    assert len(hidden) == 4
    assert all(k[0] != TOTAL and k[1] != TOTAL for k in hidden)
    assert reasons[(TOTAL, TOTAL)] is None


def test_a_lone_cell_in_its_row_hides_its_row_total():
    recs = [(0, 0, f"a{n}", 1.0) for n in range(3)]  # row 0: one small cell
    recs += [(r, c, f"{r}{c}{n}", 1.0) for r in (1, 2) for c in (0, 1) for n in range(5)]
    reasons = disclosure.protect(disclosure.build_table(recs))
    assert reasons[(0, 0)] == Reason.FEW_COMPANIES
    assert reasons[(0, TOTAL)] == Reason.FEW_COMPANIES


def test_threshold_and_dominance():
    five = [(f"c{n}", 10.0) for n in range(5)]
    assert disclosure.primary_reason(five) is None
    assert disclosure.primary_reason(five[:4]) == Reason.FEW_COMPANIES
    # one company with several plants counts once
    assert disclosure.primary_reason([*five[:4], ("c0", 3.0)]) == Reason.FEW_COMPANIES
    assert disclosure.primary_reason([*five[:4], ("big", 41.0)]) == Reason.DOMINANT
    assert disclosure.primary_reason([*five[:4], ("big", 40.0)]) is None  # exactly 50 %
    assert disclosure.primary_reason([]) == Reason.FEW_COMPANIES


@pytest.mark.parametrize(
    ("today", "latest", "first"),
    [
        (dt.date(2026, 12, 6), dt.date(2026, 10, 1), dt.date(2025, 11, 1)),
        (dt.date(2026, 12, 1), dt.date(2026, 10, 1), dt.date(2025, 11, 1)),
        (dt.date(2026, 11, 30), dt.date(2026, 9, 1), dt.date(2025, 10, 1)),
        (dt.date(2027, 1, 15), dt.date(2026, 11, 1), dt.date(2025, 12, 1)),
        (dt.date(2027, 2, 1), dt.date(2026, 12, 1), dt.date(2026, 1, 1)),
    ],
)
def test_month_cut_off(today, latest, first):
    assert disclosure.latest_month(today) == latest
    assert disclosure.window(today) == (first, disclosure.add_months(latest, 1))


@given(st.dates(dt.date(2000, 1, 1), dt.date(2100, 1, 1)))
def test_counted_months_are_a_full_month_old(today):
    start, end = disclosure.window(today)
    latest = disclosure.add_months(end, -1)
    assert disclosure.month_counts(latest, today)
    assert not disclosure.month_counts(end, today)
    # the latest month ended at least a month before today
    assert disclosure.add_months(end, 1) <= today.replace(day=1) or end <= today
    assert (end - start).days in range(365, 367)


# --- peers ----------------------------------------------------------------------------------


def test_size_bands():
    assert [peergroups.size_band(n) for n in (None, 0, 1, 9, 10, 49, 50, 99, 100, 299, 300)] == [
        None,
        None,
        "1-9",
        "1-9",
        "10-49",
        "10-49",
        "50-99",
        "50-99",
        "100-299",
        "100-299",
        "300+",
    ]
    assert set(peergroups.MACRO_OF) == {
        "11", "26", "27", "28", "29", "30", "31", "36", "41", "43", "44", "46", "47", "48",
        "50", "51", "52",
    }  # fmt: skip


def test_percentile_is_direction_aware():
    peers = [10.0, 20.0, 30.0, 40.0]
    assert peergroups.percentile(35.0, peers, "higher") == 75.0
    assert peergroups.percentile(35.0, peers, "lower") == 25.0
    assert peergroups.percentile(20.0, peers, "higher") == 37.5  # a tie counts half
    assert peergroups.percentile(5.0, peers, "lower") == 100.0
    with pytest.raises(ValueError):
        peergroups.percentile(1.0, peers, "neither")


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=30), st.floats(-1e6, 1e6))
def test_percentiles_of_both_directions_add_up(peers, value):
    higher = peergroups.percentile(value, peers, "higher")
    lower = peergroups.percentile(value, peers, "lower")
    assert 0 <= higher <= 100
    assert higher + lower == pytest.approx(100.0)


def _member(n, region="41", band="10-49", company=None, value=50.0):
    return peergroups.Member(n, company or f"co{n}", region, band, value)


def test_coarsening_stops_at_the_first_group_that_passes():
    steps = peergroups.ladder("29", "10-49", "41")
    assert [g.level for g in steps] == [
        "region",
        "macro_region",
        "national",
        "national_all_sizes",
    ]
    assert steps[1].macro_region == "capital"
    peers = [_member(n, "41") for n in range(3)] + [_member(n, "11") for n in range(3, 6)]
    chosen = peergroups.choose(steps, peers)
    assert chosen.group.level == "macro_region" and chosen.reason is None
    assert len(chosen.members) == 6
    # other bands count only once the band is dropped
    peers = [_member(n, "26") for n in range(3)] + [_member(n, "26", "300+") for n in range(3, 6)]
    chosen = peergroups.choose(steps, peers)
    assert chosen.group.level == "national_all_sizes" and chosen.reason is None


def test_no_group_passes():
    peers = [_member(n, company="same") for n in range(9)]
    chosen = peergroups.choose(peergroups.ladder("29", "10-49", "41"), peers)
    assert chosen.group.level == "national_all_sizes"
    assert chosen.reason == Reason.FEW_COMPANIES
    dominated = [_member(n, value=1.0) for n in range(6)] + [_member(9, value=100.0)]
    chosen = peergroups.choose(peergroups.ladder("29", None, "41"), dominated)
    assert chosen.reason == Reason.DOMINANT


members = st.lists(
    st.builds(
        peergroups.Member,
        plant=st.integers(0, 10_000),
        company=st.integers(0, 12),
        region=st.sampled_from(["11", "41", "26", "50"]),
        band=st.sampled_from([None, *peergroups.SIZE_BAND_CODES]),
        value=st.floats(0, 100, allow_nan=False),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(members, st.sampled_from([None, "10-49", "300+"]), st.sampled_from(["41", "50"]))
def test_the_chosen_group_is_the_finest_that_passes(peers, band, region):
    steps = peergroups.ladder("25", band, region)
    chosen = peergroups.choose(steps, peers)
    index = steps.index(chosen.group)
    for earlier in steps[:index]:
        admitted = [(m.company, m.value) for m in peers if earlier.admits(m)]
        assert disclosure.primary_reason(admitted) is not None
    assert chosen.members == tuple(m for m in peers if chosen.group.admits(m))
    assert chosen.reason == disclosure.primary_reason((m.company, m.value) for m in chosen.members)
    if chosen.reason is not None:
        assert chosen.group is steps[-1]


def test_small_groups_show_the_percentile_to_the_nearest_10():
    assert peergroups.shown_percentile(100 * 2.5 / 7, 7) == 40
    assert peergroups.shown_percentile(100 * 5.5 / 7, 7) == 80
    assert peergroups.shown_percentile(25.0, 8) == 30  # halves go up
    assert peergroups.shown_percentile(100.0, 49) == 100
    assert peergroups.percentile_step(49) == 10
    assert peergroups.percentile_step(50) == 1
    assert peergroups.shown_percentile(100 * 2.5 / 7, 70) == 36


@pytest.mark.parametrize("peers", [50, 51, 77, 200, 999])
def test_from_50_peers_every_whole_percentile_can_come_from_any_group_size(peers):
    """Why the nearest 1 is safe from PRECISE_FROM on: every whole percentile is reachable at
    each such size, so the percentile says nothing of how many peers there are."""
    ranks = range(2 * peers + 1)  # k: twice the peers beaten, ties counting half
    shown = {peergroups.shown_percentile(100 * k / (2 * peers), peers) for k in ranks}
    assert shown == set(range(101))
