"""Cost-share rules and KPI improvement signs: pure, at and around every boundary."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from programs.rules import ShareRule, check_shares, improvement_pct

M = Decimal(1_000_000)
WINWIN = ShareRule(
    government_max_pct=Decimal(30),
    partner_min_pct=Decimal(30),
    sme_max_pct=Decimal(40),
    government_caps={"basic": 42 * M, "advanced1": 120 * M, "advanced2": 240 * M},
)
SMALL = ShareRule(Decimal(50), Decimal(50), Decimal(0))


def codes(total, government, partner, sme, level="basic", rule=WINWIN):
    return [
        b.code
        for b in check_shares(
            rule,
            target_level=level,
            total=total,
            government=government,
            partner=partner,
            sme=sme,
        )
    ]


def test_the_published_split_complies():
    assert codes(100 * M, 30 * M, 30 * M, 40 * M) == []


@pytest.mark.parametrize(
    ("government", "partner", "sme", "expected"),
    [
        (30 * M, 30 * M, 40 * M, []),  # exactly at every boundary
        (30 * M + 1, 30 * M, 40 * M - 1, ["government_max_pct"]),  # one won over
        (30 * M - 1, 30 * M + 1, 40 * M, []),
        (30 * M, 30 * M - 1, 40 * M + 1, ["partner_min_pct", "sme_max_pct"]),
        (20 * M, 40 * M, 40 * M, []),  # partner above its minimum is fine
        (20 * M, 80 * M, 0, []),
        (30 * M, 29 * M, 41 * M, ["partner_min_pct", "sme_max_pct"]),
    ],
)
def test_percentage_boundaries(government, partner, sme, expected):
    assert codes(100 * M, government, partner, sme) == expected


@pytest.mark.parametrize(
    ("level", "cap"),
    [("basic", 42 * M), ("advanced1", 120 * M), ("advanced2", 240 * M)],
)
def test_government_cap_by_target_level(level, cap):
    # Government exactly at the cap is 25 % of the total, partner 35 %, SME 40 %.
    total = cap * 4
    partner = total * Decimal("0.35")
    sme = total - cap - partner
    assert codes(total, cap, partner, sme, level) == []
    breaches = check_shares(
        WINWIN,
        target_level=level,
        total=total,
        government=cap + 1,
        partner=partner,
        sme=sme - 1,
    )
    assert [(b.code, b.limit, b.excess) for b in breaches] == [("government_cap", cap, 1)]


def test_breach_reports_how_far_past_the_limit():
    (breach,) = check_shares(
        WINWIN,
        target_level="basic",
        total=100 * M,
        government=35 * M,
        partner=30 * M,
        sme=35 * M,
    )
    assert (breach.field, breach.code) == ("government_share", "government_max_pct")
    assert breach.limit == 30 * M and breach.actual == 35 * M and breach.excess == 5 * M


def test_shares_must_add_up_to_the_total():
    assert codes(100 * M, 30 * M, 30 * M, 39 * M) == ["shares_sum"]
    assert codes(100 * M, 30 * M, 31 * M, 40 * M) == ["shares_sum"]


def test_negative_and_zero_amounts_are_refused():
    assert "negative" in codes(100 * M, -1, 60 * M, 40 * M + 1)
    assert codes(Decimal(0), 0, 0, 0) == ["total_positive"]


def test_small_firm_variant_is_half_and_half():
    assert codes(80 * M, 40 * M, 40 * M, 0, rule=SMALL) == []
    assert codes(80 * M, 40 * M, 39 * M, M, rule=SMALL) == ["partner_min_pct", "sme_max_pct"]


@given(total=st.integers(1, 800_000_000))
def test_the_largest_government_and_sme_shares_comply(total):
    # Government and SME rounded down to their maxima (30 %, 40 %), the partner the rest.
    government = (total * 30) // 100  # integer floor division
    sme = (total * 40) // 100
    partner = total - government - sme
    total, government, partner, sme = map(Decimal, (total, government, partner, sme))
    assert codes(total, government, partner, sme, "advanced2") == []
    assert codes(total, government + 1, partner - 1, sme, "advanced2")


# --- KPI signs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "result", "higher_is_better", "expected"),
    [
        (100, 130, True, 30),  # productivity up 30 %: +30
        (100, 70, True, -30),  # productivity down: worse
        (200, 113, False, Decimal("43.5")),  # defect rate down 43.5 %: +43.5
        (100, 115, False, -15),  # cost up: worse
        (80, Decimal("92.4"), True, Decimal("15.5")),  # on-time delivery 80 → 92.4 %
        (10, 10, False, 0),
    ],
)
def test_improvement_sign_follows_the_indicator(baseline, result, higher_is_better, expected):
    value = improvement_pct(Decimal(baseline), Decimal(result), higher_is_better)
    assert value == Decimal(expected)


def test_no_improvement_from_a_zero_baseline():
    assert improvement_pct(Decimal(0), Decimal(5), True) is None


@given(
    baseline=st.decimals(min_value=1, max_value=10**6, places=2),
    result=st.decimals(min_value=0, max_value=10**6, places=2),
)
def test_the_two_conventions_are_mirror_images(baseline, result):
    up = improvement_pct(baseline, result, True)
    down = improvement_pct(baseline, result, False)
    assert up == -down
    assert (up > 0) == (result > baseline)
