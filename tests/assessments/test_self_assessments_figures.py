"""Self-diagnosis figures: the pure rules (difference, order, summaries), the side-by-side
comparison on a known pair, the over-rating figures on constructed data, and the property the
issue asks for: self-diagnoses never move a plant's level nor any progress figure."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from assessments import self_diagnosis, self_selectors, services
from assessments.choices import AssessmentOrigin, AssessmentStatus
from assessments.models import Assessment
from assessments.services import LEVEL_FIELDS
from assessments.services import self_assessments as self_services
from hub.choices import Industry, Region, Role
from hub.models import Membership, Plant
from progress.selectors import progress_summary
from tests.assessments.conftest import confirmed
from tests.assessments.self_helpers import confirmed_assessment, finished_self, rate_sheet
from tests.factories import PlantFactory, member
from tests.programs.conftest import dataset, supplier, winwin  # noqa: F401

D = datetime.date

# --- pure rules ------------------------------------------------------------------------------


def test_difference_is_self_minus_confirmed():
    assert self_diagnosis.difference(4, 2) == 2
    assert self_diagnosis.difference(1, 3) == -2
    assert self_diagnosis.difference("na", 3) is None
    assert self_diagnosis.difference(None, 3) is None


def test_comparison_order_largest_first_then_na_then_framework_order():
    rows = [
        ("a", 3, 3, 1),
        ("b", 5, 2, 2),  # +3
        ("c", 1, 4, 3),  # -3
        ("d", "na", 2, 4),
        ("e", 4, 3, 5),  # +1
        ("f", 2, 5, 6),  # -3
    ]
    ordered = sorted(rows, key=lambda r: self_diagnosis.comparison_key(r[1], r[2], r[3]))
    # By size; over-rating first at equal size; numeric rows (0 included) before N/A ones.
    assert [r[0] for r in ordered] == ["b", "c", "f", "e", "a", "d"]


def test_summarise_pairs():
    pairs = [self_diagnosis.LevelPair(s, c) for s, c in [(3, 2), (2, 2), (4, 2), (1, 2)]]
    f = self_diagnosis.summarise(pairs)
    assert f.count == 4
    assert f.mean_self == Decimal("2.50") and f.mean_confirmed == Decimal("2.00")
    assert f.mean_difference == Decimal("0.50")
    assert (f.over_rated, f.under_rated, f.over_share) == (2, 1, Decimal("0.500"))
    empty = self_diagnosis.summarise([])
    assert empty.count == 0 and empty.mean_difference is None


# --- the side-by-side comparison on a known pair ---------------------------------------------


@pytest.mark.django_db
def test_comparison_of_a_known_pair(world, framework, django_assert_max_num_queries):
    # Self: 4 everywhere, A1.1 = 5, B2.1 = 1, B1.1 N/A. Confirmed: 3 everywhere, A1.1 = 1,
    # B2.1 = 4, C1.1 = 5.
    sheet = finished_self(world.sme, world.plant_a, 4, {"A1.1": 5, "B2.1": 1, "B1.1": "na"})
    assessment = confirmed_assessment(world, world.plant_a, 3, {"A1.1": 1, "B2.1": 4, "C1.1": 5})
    with django_assert_max_num_queries(3):
        found = self_selectors.self_comparison(sheet, assessment)
    rows = found["item_rows"]
    head = [(r["item"].code, r["delta"]) for r in rows[:2]]
    assert head == [("A1.1", 4), ("B2.1", -3)]
    # Then the 36 others at +1 (4 vs 3) in framework order, C1.1 at -1 (same size, under-
    # rated after over-rated), the N/A one at the end.
    assert {r["delta"] for r in rows[2:-2]} == {1} and len(rows[2:-2]) == 36
    assert (rows[-2]["item"].code, rows[-2]["delta"]) == ("C1.1", -1)
    orders = [r["item"].order for r in rows[2:-2]]
    assert orders == sorted(orders)
    assert rows[-1]["item"].code == "B1.1" and rows[-1]["delta"] is None and rows[-1]["differs"]
    assert found["differing"] == 40
    assert found["over"] == 37 and found["under"] == 2  # A1.1 + 36; B2.1, C1.1
    assert found["total_delta"] == sheet.total_score - assessment.total_score
    assert found["level_delta"] == sheet.final_level - assessment.final_level
    assert [a["code"] for a in found["area_rows"]] == ["A", "B", "C", "D"]
    assert all(a["score_delta"] is not None for a in found["area_rows"])


# --- over-rating on constructed data ---------------------------------------------------------


@pytest.mark.django_db
def test_over_rating_figures_on_constructed_data(world, framework, django_assert_max_num_queries):
    seoul_food = {"region": Region.SEOUL, "industry": Industry.FOOD}
    busan_food = {"region": Region.BUSAN, "industry": Industry.FOOD}
    Plant.objects.filter(pk=world.plant_a.pk).update(**seoul_food)
    plant_c = PlantFactory(**busan_food)
    plant_d = PlantFactory(region=Region.BUSAN, industry=Industry.BEVERAGES)
    plant_e = PlantFactory(**seoul_food)
    smes = {
        p.pk: member(Role.SME_MEMBER, p.company, f"sme-{p.pk}") for p in (plant_c, plant_d, plant_e)
    }
    smes[world.plant_a.pk] = world.sme

    def pair(plant, self_level, confirmed_levels, rated_on):
        finished_self(smes[plant.pk], plant, self_level, rated_on=rated_on)
        for level, day in confirmed_levels:
            confirmed_assessment(world, plant, level, assessed_on=day)

    # plant A (Seoul, food): self 4 on 2024-01-01; confirmed 1 before (ignored), 3 after
    # (paired), 2 later still (not the first).
    pair(
        world.plant_a,
        4,
        [(1, D(2023, 6, 1)), (3, D(2024, 2, 1)), (2, D(2024, 9, 1))],
        D(2024, 1, 1),
    )
    # plant C (Busan, food): self 2, confirmed 2 → no difference.
    pair(plant_c, 2, [(2, D(2024, 3, 1))], D(2024, 1, 10))
    # plant D (Busan, beverages): self 1, confirmed 3 → under-rated.
    pair(plant_d, 1, [(3, D(2024, 3, 1))], D(2024, 1, 10))
    # plant E (Seoul, food): self 5 but only a back-filed confirmed one after: not paired.
    finished_self(smes[plant_e.pk], plant_e, 5, rated_on=D(2024, 1, 10))
    history = confirmed_assessment(world, plant_e, 2, assessed_on=D(2024, 3, 1))
    Assessment.objects.filter(pk=history.pk).update(origin=AssessmentOrigin.HISTORY)

    with django_assert_max_num_queries(1):
        figures = self_selectors.over_rating()
    overall = figures["overall"]
    assert overall.count == 3
    assert overall.mean_self == Decimal("2.33") and overall.mean_confirmed == Decimal("2.67")
    assert overall.mean_difference == Decimal("-0.33")
    assert (overall.over_rated, overall.under_rated) == (1, 1)
    regions = {r["code"]: r["figures"] for r in figures["regions"]}
    assert regions[Region.SEOUL].count == 1 and regions[Region.SEOUL].mean_difference == 1
    assert regions[Region.BUSAN].count == 2 and regions[Region.BUSAN].mean_difference == -1
    industries = {r["code"]: r["figures"] for r in figures["industries"]}
    assert industries[Industry.FOOD].count == 2
    assert industries[Industry.FOOD].over_share == Decimal("0.500")
    assert industries[Industry.BEVERAGES].mean_difference == -2


# --- property: self-diagnoses never move levels nor progress figures -------------------------

AS_OF_DAYS = (D(2021, 12, 31), D(2023, 6, 30), D(2025, 12, 31))

event = st.tuples(
    st.integers(0, 5),  # which plant of the dataset
    st.integers(0, 5),  # the confirmed level (every item rated so)
    st.integers(0, 5),  # the self-diagnosed level
    st.dates(D(2019, 1, 1), D(2025, 11, 30)),
    st.sampled_from(["before", "shared", "after", "none"]),  # the self-diagnosis' place
)


def _sme_of(plant):
    """An SME member of the plant's company (made once, kept across examples)."""
    found = Membership.objects.filter(organization=plant.company_id, role=Role.SME_MEMBER).first()
    if found is not None:
        return found.user
    return member(Role.SME_MEMBER, plant.company, f"sme-prop-{plant.pk}")


def _state() -> dict:
    levels = list(Plant.objects.order_by("pk").values_list("pk", *LEVEL_FIELDS))
    summaries = [progress_summary(as_of=day).as_dict() for day in AS_OF_DAYS]
    return {"levels": levels, "summaries": summaries}


def _self(user, plant, level, day):
    """A finished self-diagnosis (the plant's open draft, when there is one)."""
    draft = self_services.draft_of(plant)
    if draft is None:
        return finished_self(user, plant, level, rated_on=day)
    rate_sheet(draft, level)
    return self_services.self_assessment_finish(self_assessment=draft, user=user, rated_on=day)


def _replay(world, plants, smes, history, with_self: bool) -> dict:
    """Play the history inside a savepoint rolled back at the end; the state it leaves."""
    with transaction.atomic():
        for index, confirmed_level, self_level, day, place in history:
            plant = plants[index]
            self_day = day - datetime.timedelta(days=20)
            if with_self and place == "before":
                _self(smes[plant.pk], plant, self_level, self_day)
            draft = self_services.next_assessment_of(plant)
            if draft is not None and draft.status == AssessmentStatus.SUBMITTED:
                services.assessment_confirm(assessment=draft, user=world.agency)
                draft = None
            if draft is None:
                draft = services.assessment_open(
                    plant=plant, consultant=world.consultant, user=world.agency
                )
            if with_self and place == "shared":
                sheet = _self(smes[plant.pk], plant, self_level, self_day)
                self_services.self_assessment_share(self_assessment=sheet, user=smes[plant.pk])
            confirmed(world, draft, confirmed_level, assessed_on=day)
            if with_self and place == "after":
                # A draft left open, then a finished one: neither counts anywhere.
                _self(smes[plant.pk], plant, self_level, day)
                self_services.self_assessment_start(plant=plant, user=smes[plant.pk])
        state = _state()
        transaction.set_rollback(True)
    return state


@pytest.mark.django_db
@settings(
    max_examples=8,
    deadline=None,
    # Each example replays whole histories through the services: report the first failing
    # one as it is rather than spend minutes shrinking it.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=st.lists(event, min_size=1, max_size=5))
def test_self_diagnoses_never_change_levels_or_progress(dataset, world, history):  # noqa: F811
    plants = [dataset[i] for i in sorted(dataset)]
    smes = {plant.pk: _sme_of(plant) for plant in plants}
    without = _replay(world, plants, smes, history, with_self=False)
    with_self = _replay(world, plants, smes, history, with_self=True)
    assert with_self["levels"] == without["levels"]
    assert with_self["summaries"] == without["summaries"]
