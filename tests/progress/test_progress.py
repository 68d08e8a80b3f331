"""Progress figures as of a date, on a small dataset whose answers are worked out by hand.

Plants (all in the win-win program; P = plant, completion = the project's completed date):
- P1 Gyeonggi, firm_a, completed 2021-06-30; confirmed L3 assessed 2021-09-01 (valid to
  2024-09-01) and L4 assessed 2024-03-01 (valid to 2027-03-01).
- P2 Seoul, firm_b, completed 2022-03-15; confirmed L2 assessed 2020-05-01 (valid to
  2023-05-01): expired from May 2023.
- P3 Busan, firm_a, completed 2023-11-30; a submitted (never confirmed) L5 assessment: never
  assessed.
- P4 Busan, firm_a, project dropped; a confirmed L4: not supported at all.
- P5 Gyeonggi, firm_a, completed 2025-09-01 (after the main as-of date).
- P6 Seoul, firm_b, completed 2024-05-20; confirmed L3 assessed 2025-05-01 but confirmed only
  on 2025-07-15.
Confirmations are dated 10 days after the visit unless said otherwise.
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hub.choices import Region
from programs import services
from progress.figures import Scope
from progress.projection import least_squares_slope, projection
from progress.selectors import progress_summary
from tests.factories import PlantFactory
from tests.programs.conftest import AS_OF, D, M, completed_project

pytestmark = pytest.mark.django_db


def test_headline_figures_as_of_a_date(dataset):
    s = progress_summary(as_of=AS_OF)
    # Supported by 2025-06-30: P1, P2, P3, P6 (P4 dropped, P5 completed later).
    assert s.supported == 4
    # Level 3+ then: only P1 (L4 valid); P2 expired, P3 never confirmed, P6 confirmed later.
    assert s.level3 == 1
    assert s.level3_share == 25.0


def test_level_distribution_counts_expired_and_never_assessed(dataset):
    dist = progress_summary(as_of=AS_OF).distribution
    assert dist == {
        "level_0": 0,
        "level_1": 0,
        "level_2": 0,
        "level_3": 0,
        "level_4": 1,
        "level_5": 0,
        "expired": 1,
        "never": 2,
    }


def test_yearly_cumulative_series(dataset):
    rows = [
        (r["year"], r["supported"], r["level3"], r["share"])
        for r in progress_summary(as_of=AS_OF).yearly
    ]
    assert rows == [
        (2021, 1, 1, 100.0),  # P1 at L3 (assessed Sep 2021)
        (2022, 2, 1, 50.0),  # + P2 at L2
        (2023, 3, 1, 33.33),  # + P3 never assessed; P2 expired in May 2023
        (2024, 4, 1, 25.0),  # + P6 (not yet assessed); P1 now L4
        (2025, 4, 1, 25.0),  # as of 30 June 2025
    ]


def test_cohorts_by_year_of_first_completion(dataset):
    cohorts = [
        (c["cohort"], c["supported"], c["level3"]) for c in progress_summary(as_of=AS_OF).cohorts
    ]
    assert cohorts == [(2021, 1, 1), (2022, 1, 0), (2023, 1, 0), (2024, 1, 0)]


def test_later_completions_and_confirmations_count_at_a_later_date(dataset):
    s = progress_summary(as_of=D(2025, 12, 31))
    assert s.supported == 5  # + P5
    assert s.level3 == 2  # + P6, confirmed 2025-07-15
    assert s.level3_share == 40.0


def test_before_any_completion_there_is_nothing(dataset):
    s = progress_summary(as_of=D(2021, 6, 29))
    assert (s.supported, s.level3, s.level3_share) == (0, 0, None)
    assert s.yearly == []


def test_breakdowns_by_region_and_partner(dataset, world):
    b = progress_summary(as_of=AS_OF).breakdowns
    region = {r["key"]: (r["supported"], r["level3"]) for r in b["region"]}
    assert region == {"41": (1, 1), "11": (2, 0), "26": (1, 0)}
    partner = {r["key"]: (r["supported"], r["level3"]) for r in b["partner"]}
    assert partner == {world.firm_a.pk: (2, 1), world.firm_b.pk: (2, 0)}
    agency = {r["key"]: r["supported"] for r in b["agency"]}
    assert agency == {world.agency_org.pk: 4}


def test_scope_filters(dataset, world):
    seoul = progress_summary(as_of=AS_OF, scope=Scope(region=Region.SEOUL))
    assert (seoul.supported, seoul.level3) == (2, 0)
    firm_a = progress_summary(as_of=AS_OF, scope=Scope(partner=world.firm_a.pk))
    assert (firm_a.supported, firm_a.level3, firm_a.level3_share) == (2, 1, 50.0)


def test_same_inputs_give_the_same_digest(dataset):
    first = progress_summary(as_of=AS_OF)
    again = progress_summary(as_of=AS_OF)
    assert first.digest == again.digest and len(first.digest) == 64
    assert progress_summary(as_of=D(2025, 7, 1)).digest != first.digest


def test_kpi_averages_by_cohort_and_level(dataset, world):
    from programs.models import Project

    p1 = Project.objects.get(plant=dataset[1])
    p2 = Project.objects.get(plant=dataset[2])
    services.kpi_record(
        project=p1,
        indicator="productivity",
        user=world.agency,
        data={"baseline": Decimal(100), "result": Decimal(140)},
    )
    services.kpi_record(
        project=p2,
        indicator="productivity",
        user=world.agency,
        data={"baseline": Decimal(100), "result": Decimal(120)},
    )
    kpis = progress_summary(as_of=AS_OF).kpis
    assert kpis["overall"]["productivity"] == 30.0  # (40 + 20) / 2
    assert kpis["by_cohort"]["2021"]["productivity"] == 40.0
    assert kpis["by_cohort"]["2022"]["productivity"] == 20.0
    assert kpis["by_level"]["4"]["productivity"] == 40.0
    assert kpis["by_level"]["none"]["productivity"] == 20.0  # P2's level had expired
    assert kpis["national"]["productivity"] == 30.0


def test_query_count_does_not_grow_with_plants(dataset, world, winwin):
    with CaptureQueriesContext(connection) as few:
        progress_summary(as_of=AS_OF)
    services.commitment_set(
        program=winwin, partner=world.firm_b, committed=500 * M, user=world.agency
    )
    for i in range(5):
        plant = PlantFactory(name=f"extra {i}")
        completed_project(world, winwin, plant, world.firm_b, D(2024, 1, 10 + i), small=True)
    with CaptureQueriesContext(connection) as many:
        s = progress_summary(as_of=AS_OF)
    assert s.supported == 9
    assert len(many) == len(few)


# --- projection on a known series ------------------------------------------------------------


def test_least_squares_slope():
    assert least_squares_slope([(0, 1), (1, 3), (2, 5)]) == 2
    assert least_squares_slope([(0, 0), (1, 1), (2, 1), (3, 3)]) == pytest.approx(0.9)
    assert least_squares_slope([(1, 5)]) is None


def test_projection_of_a_steady_run_rate():
    as_of = D(2020, 1, 1)
    # 100 more plants each year; Level 3+ grows by 20 a year from 10.
    series = [
        (D(2017, 1, 1), 100, 10),
        (D(2018, 1, 1), 200, 30),
        (D(2019, 1, 1), 300, 50),
        (as_of, 400, 70),
    ]
    out = projection(
        as_of, series, supported_target=1000, share_target=25, due_year=2022, share_due_year=2022
    )
    s = out["supported"]
    per_day = pytest.approx(100 / 365.25, rel=2e-3)
    assert s["rate_per_month"] == pytest.approx(100 / 12, abs=0.1)
    assert not s["reached"]
    # 600 plants to go at ~100 a year: about six years.
    reached = D.fromisoformat(s["reached_on"])
    assert (reached - as_of).days == pytest.approx(600 / (100 / 365.25), abs=3)
    assert 600 / ((reached - as_of).days or 1) == per_day
    # To be at 1,000 by 2022-12-31: 600 over ~36 months.
    assert s["needed_per_month"] == pytest.approx(
        600 / ((D(2022, 12, 31) - as_of).days / 30.4375), abs=0.1
    )
    share = out["level3_share"]
    assert share["current"] == 17.5  # 70 / 400
    # L3 - 0.25 S closes at 20 - 25 = -5 a year: never at this rate.
    assert share["reached_on"] is None
    # Supported projected for 2022-12-31 ≈ 400 + 100 × 3 = 700 → 175 needed, 70 now → 105.
    assert share["lifts_needed"] == pytest.approx(105, abs=2)


def test_projection_when_the_target_is_already_met():
    as_of = D(2023, 6, 30)
    series = [
        (D(2020, 6, 30), 20000, 4000),
        (D(2021, 6, 30), 25000, 5500),
        (D(2022, 6, 30), 30500, 7000),
        (as_of, 31000, 8000),
    ]
    out = projection(
        as_of, series, supported_target=30000, share_target=25, due_year=2022, share_due_year=2022
    )
    assert out["supported"]["reached"] is True
    assert out["level3_share"]["reached"] is True  # 25.81 %
    assert out["supported"]["needed_per_month"] is None
