"""The rating-sheet services shared by self-diagnoses and spot-checks: the assessment's own
rules (ratings 0–5, N/A with a reason, scoring) on a sheet kept apart from the workflow."""

import pytest
from django.core.exceptions import ValidationError

from assessments import scoring
from assessments.models import SelfAssessment, SelfRating
from assessments.selectors import partial_score
from assessments.services.sheets import (
    SheetRatingErrors,
    sheet_add_items,
    sheet_finish_score,
    sheet_problems,
    sheet_rate,
)
from tests.assessments.conftest import confirmed, items_by_code


@pytest.fixture
def sheet(world, framework):
    sheet = SelfAssessment.objects.create(
        plant=world.plant_a, framework=framework, created_by=world.sme
    )
    sheet_add_items(sheet)
    return sheet


def test_a_new_sheet_has_one_blank_rating_per_item(sheet, framework):
    codes = set(sheet.ratings.values_list("item__code", flat=True))
    assert codes == set(items_by_code(framework))
    assert not sheet.ratings.exclude(rating=None).exists()


def test_ratings_are_saved_and_a_rating_clears_the_na_mark(sheet, framework):
    code = next(iter(items_by_code(framework)))
    sheet_rate(sheet=sheet, entries=[{"item": code, "not_applicable": True, "na_reason": "없음"}])
    row = sheet.ratings.get(item__code=code)
    assert (row.rating, row.not_applicable, row.na_reason) == (None, True, "없음")
    changed = sheet_rate(sheet=sheet, entries=[{"item": code, "rating": 4}])
    row.refresh_from_db()
    assert (row.rating, row.not_applicable, row.na_reason) == (4, False, "")
    assert set(changed) == {code}
    sheet.refresh_from_db()
    assert sheet.revision == 2
    # The same value again changes nothing.
    assert sheet_rate(sheet=sheet, entries=[{"item": code, "rating": 4}]) == {}


def test_a_bad_entry_saves_nothing_and_names_the_entry(sheet, framework):
    first, second = list(items_by_code(framework))[:2]
    with pytest.raises(SheetRatingErrors) as caught:
        sheet_rate(
            sheet=sheet,
            entries=[
                {"item": first, "rating": 3},
                {"item": "Z9.9", "rating": 3},
                {"item": second, "rating": 9},
                {"item": first, "rating": 2},
            ],
        )
    errors = caught.value.by_entry
    assert set(errors) == {1, 2, 3}
    assert "item" in errors[1] and "rating" in errors[2] and "item" in errors[3]
    assert not sheet.ratings.exclude(rating=None).exists()


def test_finishing_needs_every_item_and_scores_like_an_assessment(world, sheet, framework):
    with pytest.raises(ValidationError):
        sheet_finish_score(sheet)
    assert len(sheet_problems(sheet)) == len(items_by_code(framework))
    overrides = {code: (2 if n % 3 else 4) for n, code in enumerate(items_by_code(framework))}
    sheet_rate(sheet=sheet, entries=[{"item": c, "rating": r} for c, r in overrides.items()])
    result = sheet_finish_score(sheet)
    assert sheet_problems(sheet) == []
    # The same ratings in a confirmed assessment give the same score and level.
    from assessments import services

    twin = services.assessment_open(
        plant=world.plant_b, consultant=world.consultant, user=world.agency
    )
    twin = confirmed(world, twin, overrides=overrides)
    assert sheet.total_score == twin.total_score
    assert sheet.final_level == twin.final_level == result.final_level
    assert sheet.result["roadmap"] == twin.result["roadmap"]


def test_nothing_applicable_cannot_be_finished(sheet, framework):
    sheet_rate(
        sheet=sheet,
        entries=[
            {"item": c, "not_applicable": True, "na_reason": "공정 없음"}
            for c in items_by_code(framework)
        ],
    )
    problems = sheet_problems(sheet)
    assert [p["item"] for p in problems] == [None]


def test_the_running_score_counts_only_what_is_rated(sheet, framework):
    assert partial_score(SelfRating.objects.filter(sheet=sheet), framework.spec())["rated"] == 0
    code = next(iter(items_by_code(framework)))
    sheet_rate(sheet=sheet, entries=[{"item": code, "rating": scoring.MAX_RATING}])
    running = partial_score(SelfRating.objects.filter(sheet=sheet), framework.spec())
    assert running["rated"] == 1
    assert running["final_level"] is not None
