"""The follow-up schedule rules (datahub/followup_rules.py): pure, no database."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from datahub import followup_rules as rules

D = dt.date
INPUTS = {
    "throughput": ["produced_quantity", "actual_production_time"],
    "quality_rate": ["good_quantity", "produced_quantity"],
    "oee": ["availability", "performance", "quality_rate"],
    "availability": ["actual_production_time", "planned_busy_time"],
    "performance": ["planned_runtime_per_unit", "produced_quantity", "actual_production_time"],
}


def test_quarterly_for_three_years_after_a_mid_month_completion():
    periods = rules.schedule(D(2024, 3, 15), years=3, months=3, grace_days=30)
    assert len(periods) == 12
    first, second, last = periods[0], periods[1], periods[-1]
    assert (first.sequence, first.start, first.end, first.due) == (
        1,
        D(2024, 4, 1),
        D(2024, 6, 30),
        D(2024, 7, 30),
    )
    assert (second.start, second.end) == (D(2024, 7, 1), D(2024, 9, 30))
    assert (last.sequence, last.start, last.end) == (12, D(2027, 1, 1), D(2027, 3, 31))
    assert rules.follow_up_end(D(2024, 3, 15), 3) == D(2027, 3, 31)


def test_a_completion_on_the_first_starts_that_day():
    periods = rules.schedule(D(2025, 1, 1), years=1, months=12, grace_days=10)
    assert [(p.start, p.end, p.due) for p in periods] == [
        (D(2025, 1, 1), D(2025, 12, 31), D(2026, 1, 10))
    ]


@pytest.mark.parametrize(
    ("years", "months", "count", "last_end"),
    [
        (3, 1, 36, D(2027, 12, 31)),  # monthly for 3 years
        (3, 3, 12, D(2027, 12, 31)),  # quarterly (the default)
        (5, 6, 10, D(2029, 12, 31)),  # half-yearly for 5 years
        (2, 12, 2, D(2026, 12, 31)),  # yearly for 2 years
        (0, 3, 0, None),  # a program without follow-up
    ],
)
def test_programs_of_different_terms(years, months, count, last_end):
    periods = rules.schedule(D(2024, 12, 20), years=years, months=months, grace_days=30)
    assert len(periods) == count
    assert (periods[-1].end if periods else None) == last_end
    assert rules.follow_up_end(D(2024, 12, 20), years) == last_end


def test_february_and_leap_years():
    periods = rules.schedule(D(2024, 1, 31), years=1, months=1, grace_days=0)
    assert (periods[0].start, periods[0].end) == (D(2024, 2, 1), D(2024, 2, 29))
    periods = rules.schedule(D(2025, 1, 31), years=1, months=1, grace_days=0)
    assert periods[0].end == D(2025, 2, 28)


def test_an_unknown_frequency_is_refused():
    with pytest.raises(ValueError):
        rules.schedule(D(2025, 1, 1), years=1, months=4, grace_days=0)


@given(
    completed=st.dates(min_value=D(2000, 1, 1), max_value=D(2090, 12, 31)),
    years=st.integers(min_value=1, max_value=10),
    months=st.sampled_from([1, 3, 6, 12]),
    grace=st.integers(min_value=0, max_value=90),
)
def test_periods_tile_the_follow_up_without_gaps(completed, years, months, grace):
    periods = rules.schedule(completed, years=years, months=months, grace_days=grace)
    assert len(periods) == 12 * years // months
    assert periods[0].start > completed or periods[0].start == completed
    assert periods[0].start - completed < dt.timedelta(days=31)
    for a, b in zip(periods, periods[1:], strict=False):
        assert b.start == a.end + dt.timedelta(days=1)
    for p in periods:
        assert p.start.day == 1 and (p.end + dt.timedelta(days=1)).day == 1
        assert p.due == p.end + dt.timedelta(days=grace)
    assert periods[-1].end == rules.follow_up_end(completed, years)


def test_status_from_the_dates():
    end, due = D(2025, 3, 31), D(2025, 4, 30)

    def status(today, received=None):
        return rules.status(end=end, due=due, today=today, received_on=received)

    assert status(D(2025, 3, 31)) == rules.UPCOMING  # the period runs to its last day
    assert status(D(2025, 4, 1)) == rules.DUE
    assert status(D(2025, 4, 30)) == rules.DUE  # the due date itself is in time
    assert status(D(2025, 5, 1)) == rules.LATE
    assert status(D(2025, 5, 1), received=D(2025, 4, 30)) == rules.RECEIVED
    assert status(D(2025, 5, 20), received=D(2025, 5, 1)) == rules.RECEIVED_LATE


def test_required_kpis_follow_the_reported_indicators():
    assert rules.required_kpis(["productivity", "defect_rate", "cost"]) == (
        "quality_rate",
        "throughput",
    )
    assert rules.required_kpis(["on_time_delivery", "oee"]) == ("oee", "on_time_delivery")
    # Cost and safety have no catalogue KPI; nothing recorded: productivity and quality.
    assert rules.required_kpis(["cost", "safety"]) == rules.DEFAULT_KPIS
    assert rules.required_kpis([]) == rules.DEFAULT_KPIS


def test_a_kpi_is_covered_by_itself_or_by_all_its_inputs():
    required = ["throughput", "quality_rate"]
    assert rules.requirement_met(required, {"throughput", "quality_rate"}, INPUTS)
    raw = {"produced_quantity", "actual_production_time", "good_quantity"}
    assert rules.requirement_met(required, raw, INPUTS)
    assert not rules.requirement_met(required, {"produced_quantity", "good_quantity"}, INPUTS)
    assert rules.missing_kpis(required, {"quality_rate"}, INPUTS) == ["throughput"]
    # OEE from its parts, the parts from their raw quantities.
    assert rules.requirement_met(["oee"], {"availability", "performance", "quality_rate"}, INPUTS)
    assert not rules.requirement_met(["oee"], {"availability", "quality_rate"}, INPUTS)
    accepted = rules.accepted_codes(["oee"], INPUTS)
    assert {"oee", "availability", "planned_busy_time", "good_quantity"} <= accepted
