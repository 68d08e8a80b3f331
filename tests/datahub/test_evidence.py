"""Before/after statistics (datahub/evidence.py, pure) on hand-built monthly series whose
answers are worked out by hand, and the mapping of reported indicators to catalogue KPIs."""

import datetime as dt
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datahub import evidence
from datahub.evidence import MonthValue, compare
from datahub.services import catalogue
from programs.choices import Indicator

D = dt.date
BUILD = D(2025, 4, 10)  # building starts in April 2025: before = up to March 2025
DONE = D(2025, 7, 20)  # completed in July 2025: after = from August 2025


def months(first: dt.date, values) -> list[MonthValue]:
    return [MonthValue(evidence.add_months(first, i), v, 100) for i, v in enumerate(values)]


def test_known_answer_welch():
    """Before 10, 12, 14 (mean 12, s 2); after 15, 18, 21 (mean 18, s 3). Change 6 (+50 %).
    SE² = 4/3 + 9/3 = 13/3; Welch df = (13/3)² / ((4/3)²/2 + 3²/2) = 3.4845…; t(0.975, df)
    = 2.9462…; half width = 6.1329…: the interval is (−0.133, 12.133), which includes 0."""
    series = months(D(2025, 1, 1), [10, 12, 14]) + months(D(2025, 8, 1), [15, 18, 21])
    result = compare(series, building_on=BUILD, completed_on=DONE, better="higher")
    assert result.ok and result.reason == ""
    assert result.before.mean == 12 and result.after.mean == 18
    assert result.before.stdev == 2 and result.after.stdev == 3
    assert result.change == 6
    assert result.change_pct == pytest.approx(50)
    assert result.df == pytest.approx(3.484536082474226)
    low, high = result.interval
    assert low == pytest.approx(-0.132947206118426, abs=1e-9)
    assert high == pytest.approx(12.132947206118426, abs=1e-9)
    assert result.interval_pct == pytest.approx((low / 12 * 100, high / 12 * 100))
    assert result.improved is True and result.significant is False
    assert result.verdict == "unclear"
    assert result.months_before == result.months_after == 3
    assert result.before.observations == 300


def test_matches_scipy_welch():
    stats = pytest.importorskip("scipy.stats")
    before = [61.0, 63.5, 60.2, 64.1, 62.0, 59.8]
    after = [70.3, 69.1, 72.8, 71.0]
    series = months(D(2024, 10, 1), before) + months(D(2025, 8, 1), after)
    result = compare(series, building_on=BUILD, completed_on=DONE, better="higher")
    expected = stats.ttest_ind(after, before, equal_var=False)
    ci = expected.confidence_interval(0.95)
    assert result.interval == pytest.approx((ci.low, ci.high), rel=1e-9)
    assert result.df == pytest.approx(expected.df)
    assert result.significant is True and result.verdict == "improved"


def test_lower_is_better_and_improvement_sign():
    """A scrap ratio falling from 4 to 3 % is a change of −25 % and an improvement of +25 %."""
    series = months(D(2025, 1, 1), [4, 4.1, 3.9]) + months(D(2025, 8, 1), [3, 3.1, 2.9])
    result = compare(series, building_on=BUILD, completed_on=DONE, better="lower")
    assert result.change == pytest.approx(-1)
    assert result.change_pct == pytest.approx(-25)
    assert result.improvement_pct == pytest.approx(25)
    low, high = result.interval_pct
    assert result.improvement_interval_pct == pytest.approx((-high, -low))
    assert result.improvement_interval_pct[0] < 25 < result.improvement_interval_pct[1]
    assert result.improved is True and result.significant is True
    assert result.verdict == "improved"
    worse = compare(series, building_on=BUILD, completed_on=DONE, better="higher")
    assert worse.improved is False and worse.improvement_pct == pytest.approx(-25)
    assert worse.verdict == "worsened"
    neither = compare(series, building_on=BUILD, completed_on=DONE, better="neither")
    assert neither.improved is None and neither.improvement_pct is None
    assert neither.change_pct == pytest.approx(-25) and neither.verdict == "none"


def test_windows_leave_out_the_project_months_and_respect_the_window():
    """Months during the project, the start and completion months themselves, and months
    beyond the window are not used."""
    values = {D(2023, 1, 1): 1000.0}  # 27 months before: outside a 12-month window
    values.update({D(2024, m, 1): 10.0 for m in range(4, 13)})  # in the before window
    values.update({D(2025, m, 1): 10.0 for m in (1, 2, 3)})
    values.update({D(2025, m, 1): 500.0 for m in (4, 5, 6, 7)})  # during the project
    values.update({D(2025, m, 1): 20.0 for m in (8, 9, 10, 11, 12)})
    values[D(2026, 8, 1)] = -1000.0  # 13 months after: outside
    series = [MonthValue(m, v) for m, v in values.items()]
    result = compare(series, building_on=BUILD, completed_on=DONE, better="higher")
    assert result.before_range == (D(2024, 4, 1), D(2025, 3, 1))
    assert result.after_range == (D(2025, 8, 1), D(2026, 7, 1))
    assert result.months_before == 12 and result.months_after == 5
    assert result.before.mean == 10 and result.after.mean == 20
    short = compare(series, building_on=BUILD, completed_on=DONE, window=3)
    assert short.before_range == (D(2025, 1, 1), D(2025, 3, 1))
    assert short.months_before == 3 and short.months_after == 3


def test_constant_series_has_no_uncertainty():
    series = months(D(2025, 1, 1), [50, 50, 50]) + months(D(2025, 8, 1), [60, 60, 60, 60])
    result = compare(series, building_on=BUILD, completed_on=DONE, better="higher")
    assert result.change == 10 and result.interval == (10, 10) and result.df is None
    assert result.change_pct == pytest.approx(20) and result.interval_pct == (20, 20)
    assert result.significant is True and result.verdict == "improved"
    flat = months(D(2025, 1, 1), [50, 50, 50]) + months(D(2025, 8, 1), [50, 50, 50])
    same = compare(flat, building_on=BUILD, completed_on=DONE, better="higher")
    assert same.change == 0 and same.interval == (0, 0)
    assert same.significant is False and same.improved is False
    assert same.verdict == "unchanged"


def test_one_constant_side_still_has_the_other_sides_spread():
    series = months(D(2025, 1, 1), [50, 50, 50]) + months(D(2025, 8, 1), [58, 60, 62])
    result = compare(series, building_on=BUILD, completed_on=DONE, better="higher")
    # SE² = 4/3, df = 2, t(0.975, 2) = 4.302652729749462
    half = 4.302652729749462 * math.sqrt(4 / 3)
    assert result.df == pytest.approx(2)
    assert result.interval == pytest.approx((10 - half, 10 + half))


def test_zero_before_mean_has_no_relative_change():
    series = months(D(2025, 1, 1), [-1, 0, 1]) + months(D(2025, 8, 1), [2, 3, 4])
    result = compare(series, building_on=BUILD, completed_on=DONE, better="lower")
    assert result.ok and result.before.mean == 0 and result.change == 3
    assert result.change_pct is None and result.interval_pct is None
    assert result.improvement_pct is None
    assert result.improved is False


@pytest.mark.parametrize(
    ("before", "after", "reason", "counts"),
    [
        ([1, 2], [1, 2, 3], evidence.FEW_BEFORE, (2, 3)),
        ([1, 2, 3], [1, 2], evidence.FEW_AFTER, (3, 2)),
        ([], [], evidence.FEW_BEFORE, (0, 0)),
    ],
)
def test_too_few_months(before, after, reason, counts):
    series = months(D(2025, 1, 1), before) + months(D(2025, 8, 1), after)
    result = compare(series, building_on=BUILD, completed_on=DONE)
    assert not result.ok and result.reason == reason
    assert (result.months_before, result.months_after) == counts
    assert result.change is None and result.interval is None and result.verdict == "missing"


def test_the_current_month_is_not_over_yet():
    series = months(D(2025, 1, 1), [1, 2, 3]) + months(D(2025, 8, 1), [4, 5, 6])
    result = compare(series, building_on=BUILD, completed_on=DONE, today=D(2025, 10, 15))
    assert result.reason == evidence.FEW_AFTER and result.months_after == 2
    assert compare(series, building_on=BUILD, completed_on=DONE, today=D(2025, 11, 1)).ok


def test_start_date_fallbacks_and_missing_dates():
    series = months(D(2025, 1, 1), [1, 2, 3]) + months(D(2025, 8, 1), [4, 5, 6])
    agreed = compare(series, agreed_on=BUILD, selected_on=D(2024, 1, 1), completed_on=DONE)
    assert agreed.began_from == "agreed" and agreed.began_on == BUILD and agreed.ok
    selected = compare(series, selected_on=BUILD, completed_on=DONE)
    assert selected.began_from == "selected" and selected.ok
    building = compare(series, building_on=BUILD, agreed_on=D(2020, 1, 1), completed_on=DONE)
    assert building.began_from == "building"
    assert compare(series, completed_on=DONE).reason == evidence.NO_START
    assert compare(series, building_on=BUILD, completed_on=None).reason == evidence.NOT_COMPLETED


def test_duplicate_months_non_finite_values_and_order():
    series = months(D(2025, 1, 1), [1, 2, 3]) + months(D(2025, 8, 1), [4, 5, 6])
    series = list(reversed(series)) + [
        MonthValue(D(2025, 1, 15), 7.0),  # the same month again: the last one counts
        MonthValue(D(2025, 9, 1), math.nan),  # ignored
    ]
    result = compare(series, building_on=BUILD, completed_on=DONE)
    assert result.before.months == (D(2025, 1, 1), D(2025, 2, 1), D(2025, 3, 1))
    assert result.before.mean == pytest.approx(4)  # 7, 2, 3
    assert result.after.mean == pytest.approx(5) and result.months_after == 3


def test_window_below_the_minimum_is_raised_to_it():
    series = months(D(2025, 1, 1), [1, 2, 3]) + months(D(2025, 8, 1), [4, 5, 6])
    assert compare(series, building_on=BUILD, completed_on=DONE, window=1).window == 3


@pytest.mark.parametrize(
    ("df", "expected"),
    [
        (1, 12.706204736174694),
        (2, 4.302652729749462),
        (3.4845, 2.946186822),
        (10, 2.228138851986274),
        (30, 2.0422724563012378),
        (1e6, 1.959966),
    ],
)
def test_t_quantile_known_values(df, expected):
    assert evidence.t_quantile(0.975, df) == pytest.approx(expected, rel=1e-4)
    assert evidence.t_quantile(0.025, df) == pytest.approx(-expected, rel=1e-4)
    assert evidence.t_quantile(0.5, df) == 0


@settings(max_examples=60, deadline=None)
@given(
    p=st.floats(min_value=0.55, max_value=0.999),
    df=st.floats(min_value=1.5, max_value=500),
)
def test_t_quantile_inverts_the_cdf(p, df):
    assert evidence.t_cdf(evidence.t_quantile(p, df), df) == pytest.approx(p, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    before=st.lists(st.floats(min_value=-1e3, max_value=1e3), min_size=3, max_size=12),
    after=st.lists(st.floats(min_value=-1e3, max_value=1e3), min_size=3, max_size=12),
)
def test_interval_contains_the_change_and_is_symmetric(before, after):
    series = months(D(2024, 4, 1), before[-12:]) + months(D(2025, 8, 1), after)
    result = compare(series, building_on=BUILD, completed_on=DONE)
    low, high = result.interval
    assert low <= result.change + 1e-9 and result.change <= high + 1e-9
    assert (result.change - low) == pytest.approx(high - result.change, abs=1e-6)


def test_reported_mapping_names_catalogue_codes_and_indicators():
    codes = {row["code"]: row for row in catalogue.read()["definitions"]}
    indicators = set(Indicator.values)
    for code, reported in evidence.REPORTED_AS.items():
        assert code in codes and codes[code]["kind"] == "kpi"
        assert reported and set(reported) <= indicators
    assert evidence.reported_for("oee", {"productivity", "oee"}) == "oee"
    assert evidence.reported_for("oee", {"productivity"}) == "productivity"
    assert evidence.reported_for("throughput", {"productivity"}) == "productivity"
    assert evidence.reported_for("scrap_ratio", {"productivity"}) is None
    assert evidence.reported_for("availability", {"productivity"}) is None


def test_reported_mapping_agrees_on_the_better_direction():
    from programs.choices import HIGHER_IS_BETTER

    codes = {row["code"]: row for row in catalogue.read()["definitions"]}
    for code, reported in evidence.REPORTED_AS.items():
        for indicator in reported:
            higher = HIGHER_IS_BETTER[Indicator(indicator)]
            assert codes[code]["better"] == ("higher" if higher else "lower"), (code, indicator)
