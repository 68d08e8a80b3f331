"""The early-warning rules on constructed series (datahub.warning_rules, no database)."""

import datetime as dt
import random

import pytest

from datahub import warning_rules as rules

START = dt.date(2026, 3, 1)


def days(n):
    return [START + dt.timedelta(days=i) for i in range(n)]


def noisy(levels, sigma=2.0, seed=1):
    rng = random.Random(seed)
    return [level + rng.gauss(0, sigma) for level in levels]


@pytest.mark.parametrize("seed", range(10))
def test_a_clean_step_down_is_found_with_its_date(seed):
    rng = random.Random(seed)
    at = rng.randint(40, 140)
    values = noisy([70] * at + [60] * (180 - at), seed=seed)
    shift = rules.regression(days(180), values, "higher")
    assert shift is not None
    assert abs((shift.date - days(180)[at]).days) <= 2
    assert shift.change == pytest.approx(-10, abs=1.5)
    assert shift.relative < -rules.MIN_RELATIVE_SHIFT
    assert shift.noise_units <= -rules.MIN_NOISE_UNITS


@pytest.mark.parametrize("seed", range(20))
def test_noise_alone_finds_nothing(seed):
    values = noisy([70] * 180, sigma=5, seed=seed)
    assert rules.last_shift(days(180), values) is None
    assert rules.regression(days(180), values, "higher") is None


def test_an_improvement_is_not_a_regression():
    values = noisy([60] * 90 + [70] * 90)
    shift = rules.last_shift(days(180), values)
    assert shift is not None and shift.change > 0
    assert rules.regression(days(180), values, "higher") is None


def test_lower_is_better_regresses_upwards():
    values = noisy([2.0] * 100 + [3.0] * 80, sigma=0.1)  # a scrap ratio going up
    assert rules.regression(days(180), values, "lower") is not None
    assert rules.regression(days(180), values, "higher") is None
    assert rules.regression(days(180), values, "neither") is None


def test_a_recovery_after_a_drop_ends_the_regression():
    values = noisy([70] * 60 + [58] * 60 + [71] * 60)
    assert rules.regression(days(180), values, "higher") is None


def test_too_little_data_finds_nothing():
    n = rules.MIN_POINTS - 1
    values = [70.0] * (n // 2) + [40.0] * (n - n // 2)
    assert rules.last_shift(days(n), values) is None


def test_a_step_too_small_relative_to_the_level_is_ignored():
    # 3 % lower with almost no noise: many noise units but under the relative threshold.
    values = noisy([100] * 90 + [97] * 90, sigma=0.2)
    assert rules.last_shift(days(180), values) is None


def test_a_step_inside_the_noise_is_ignored():
    # 15 % lower but only ~1.5 noise units.
    values = noisy([20] * 90 + [17] * 90, sigma=2.0, seed=3)
    assert rules.regression(days(180), values, "higher") is None


def test_gaps_are_left_out_and_the_date_is_the_first_day_after_the_shift():
    all_days = days(200)
    kept = [d for i, d in enumerate(all_days) if i % 7 not in (5, 6)]  # no weekends
    levels = [70 if d < dt.date(2026, 6, 15) else 58 for d in kept]
    shift = rules.regression(kept, noisy(levels), "higher")
    assert shift is not None
    assert abs((shift.date - dt.date(2026, 6, 15)).days) <= 3


def test_dates_and_values_must_match():
    with pytest.raises(ValueError):
        rules.last_shift(days(3), [1.0])


def test_silence_level_rules():
    today = dt.date(2026, 12, 6)
    assert rules.is_silent(dt.date(2026, 11, 22), today, 14)
    assert not rules.is_silent(dt.date(2026, 11, 23), today, 14)
    assert not rules.is_silent(None, today, 14)
    assert rules.days_silent(dt.date(2026, 12, 1), today) == 5
    assert rules.level_expired(dt.date(2026, 12, 5), today)
    assert not rules.level_expired(dt.date(2026, 12, 6), today)
    assert not rules.level_expired(None, today)
    assert rules.level_dropped(2, 3)
    assert not rules.level_dropped(3, 3)
    assert not rules.level_dropped(None, 3)
    assert not rules.level_dropped(2, None)
