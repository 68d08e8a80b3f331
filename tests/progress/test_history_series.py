"""A published-style series rebuilt from a back-filed history: plants whose projects were
completed in 2019–2021 and a history file of their confirmed assessments give, per year,
exactly the supported plants and Level 3+ shares the dashboard shows — counted from the
original confirmation dates. Before the import every past share is 0 %."""

import datetime

import pytest
from django.urls import reverse

from assessments.importers import history_import
from progress.selectors import progress_summary
from tests.assessments.history_helpers import history_file, item_codes, row
from tests.factories import PlantFactory
from tests.programs.conftest import D, completed_project

pytestmark = pytest.mark.django_db

AS_OF = D(2021, 12, 31)


@pytest.fixture
def plants(world, winwin):
    """P1, P2 completed in 2019; P3, P4 in 2020; P5 in 2021."""
    completions = [D(2019, 3, 29), D(2019, 9, 30), D(2020, 5, 15), D(2020, 11, 2), D(2021, 4, 1)]
    found = []
    for i, completed_on in enumerate(completions, start=1):
        plant = PlantFactory(name=f"이력 공장 {i}")
        partner = world.firm_a if i <= 3 else world.firm_b
        completed_project(world, winwin, plant, partner, completed_on, small=True)
        found.append(plant)
    return found


def series():
    return [
        (r["year"], r["supported"], r["level3"], r["share"])
        for r in progress_summary(as_of=AS_OF).yearly
    ]


def test_backfiled_history_rebuilds_the_past_series(world, framework, plants):
    before = series()
    assert before == [(2019, 2, 0, 0.0), (2020, 4, 0, 0.0), (2021, 5, 0, 0.0)]

    codes = item_codes(framework)
    p1, p2, p3, p4, p5 = plants
    rows = [
        # L3 from its item ratings (all 3 → 800), valid to 2022-06-03.
        row(p1, "H-2019-1", "2019-06-03", "2019-06-21", ratings=3, codes=codes),
        row(p2, "H-2019-2", "2019-10-01", "2019-11-04", score="650", level="2", codes=codes),
        # L4 from its ratings (all 4 → 900).
        row(p3, "H-2020-1", "2020-04-01", "2020-04-20", ratings=4, codes=codes),
        row(p4, "H-2020-2", "2020-07-01", "2020-08-03", score="600", level="1", codes=codes),
        row(p5, "H-2021-1", "2021-05-03", "2021-05-10", score="780", level="3", codes=codes),
        # P2 climbs to L3, confirmed on the last day of 2021: it counts for 2021.
        row(p2, "H-2021-2", "2021-12-20", "2021-12-31", score="760", level="3", codes=codes),
        # Assessed in 2019 but confirmed only in 2020: not in the 2019 figure.
        row(p4, "H-2019-3", "2019-12-20", "2020-01-06", score="820", level="3", codes=codes),
    ]
    report = history_import(
        user=world.agency, content=history_file(framework, rows), filename="history.csv"
    )
    assert report.ok, report.errors

    # 2019: P1 (L3) of P1, P2 → 50 %. 2020: P1, P3 of four (P4's L3 of 2019-12-20 is
    # superseded by its later L1) → 50 %. 2021: P1, P2, P3, P5 of five → 80 %.
    assert series() == [(2019, 2, 1, 50.0), (2020, 4, 2, 50.0), (2021, 5, 4, 80.0)]
    at_2019 = progress_summary(as_of=D(2019, 12, 31))
    assert (at_2019.supported, at_2019.level3, at_2019.level3_share) == (2, 1, 50.0)
    # The day before P2's 2021 confirmation, it is still Level 2.
    assert progress_summary(as_of=D(2021, 12, 30)).level3 == 3


def test_dashboard_shows_the_backfiled_shares(world, framework, plants, browse):
    codes = item_codes(framework)
    p1 = plants[0]
    content = history_file(
        framework, [row(p1, "H-1", "2019-06-03", "2019-06-21", ratings=3, codes=codes)]
    )
    assert history_import(user=world.agency, content=content, filename="h.csv").ok
    as_of = datetime.date(2019, 12, 31).isoformat()
    page = browse(world.official).get(reverse("progress:dashboard") + f"?as_of={as_of}")
    assert page.status_code == 200
    assert "50.0 %" in page.content.decode()
