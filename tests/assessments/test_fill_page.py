"""The fill page as a day's work: a running score and level while rating (by the server's
scoring rules), rated items folded to a one-line summary, complete areas folded."""

import re

import pytest
from django.urls import reverse

from assessments import scoring, selectors, services
from assessments.models import ItemRating
from tests.assessments.conftest import items_by_code, rate_all

pytestmark = pytest.mark.django_db


def fill_url(assessment):
    return reverse("assessments:assessment_fill", args=[assessment.pk])


def save(client, assessment, item, **values):
    data = {f"i{item.pk}-{k}": str(v) for k, v in values.items()}
    return client.post(
        reverse("assessments:item_save", args=[assessment.pk, item.pk]),
        data,
        HTTP_HX_REQUEST="true",
    )


def running_box(body: str) -> str:
    start = body.index('id="running-score"')
    return body[start : body.index("</div>", start)]


def test_the_score_appears_with_the_first_rating_and_follows_each_save(world, assessment, browse):
    client = browse(world.consultant)
    page = client.get(fill_url(assessment)).content.decode()
    assert "Score and level appear with the first rating." in running_box(page)
    items = items_by_code(assessment.framework)
    answer = save(client, assessment, items["A1.1"], rating=5).content.decode()
    box = running_box(answer)
    assert 'hx-swap-oob="true"' in answer[answer.index('id="running-score"') - 80 :]
    assert "Level 5" in box and "1000.0" in box and "on 1 of 40 items rated" in box
    answer = save(client, assessment, items["A1.2"], rating=0).content.decode()
    box = running_box(answer)
    # (25 × 1.0 + 25 × 0.5) / 50 × 1,000 = 750: Level 3 by the default thresholds
    assert "750.0" in box and "Level 3" in box and "on 2 of 40 items rated" in box


def test_the_running_score_is_the_scoring_modules_on_the_rated_items(world, assessment):
    rate_all(assessment, 3, overrides={"C1.1": 1, "D1.6": "na"})
    complete = selectors.running_score(assessment)
    official = services.assessment_score(assessment)
    assert complete["score"] == scoring.to_decimal(official.total, 1)
    assert complete["final_level"] == official.final_level
    assert complete["capping_rule"] == official.capping_rule
    # unrated items leave the denominator as N/A ones do
    ItemRating.objects.filter(assessment=assessment, item__code__startswith="B").update(rating=None)
    partial = selectors.running_score(assessment)
    spec = assessment.framework.spec()
    values = {
        r.item.code: (r.value if r.value is not None else scoring.NOT_APPLICABLE)
        for r in assessment.ratings.select_related("item")
    }
    expected = scoring.score(spec, values)
    assert partial["score"] == scoring.to_decimal(expected.total, 1)
    assert partial["areas"]["B"] == {"score": None, "level": None}
    in_b = assessment.ratings.filter(item__code__startswith="B").count()
    assert partial["rated"] == 40 - in_b - 1  # D1.6 is N/A


def test_rated_items_fold_to_one_line_and_complete_areas_fold(world, assessment, browse):
    rate_all(assessment, 4)
    ItemRating.objects.filter(assessment=assessment, item__code__startswith="D").update(rating=None)
    ItemRating.objects.filter(assessment=assessment, item__code="A1.1").update(
        evidence_note="경영계획서 확인"
    )
    body = browse(world.consultant).get(fill_url(assessment)).content.decode()
    assert re.search(r'<details class="fill-area" id="area-A">', body)  # complete: folded
    assert re.search(r'<details class="fill-area" id="area-D" open>', body)
    a11 = body[body.index('id="item-A1-1"') : body.index('id="item-A1-2"')]
    assert '<details class="item-card__fold">' in a11
    summary = re.sub(r"\s+", " ", a11[a11.index("item-card__summary") :])
    assert "<strong>4</strong> Optimisation" in summary and "경영계획서 확인" in summary
    d_item = body[body.index('id="item-D1-1"') :]
    assert '<details class="item-card__fold" open>' in d_item[:400]
    assert "Open all items" in body and "Fold rated items" in body


def test_fill_page_query_count_stays_bounded(
    world, assessment, browse, django_assert_max_num_queries
):
    rate_all(assessment, 2)
    client = browse(world.consultant)
    with django_assert_max_num_queries(25):
        assert client.get(fill_url(assessment)).status_code == 200


def test_open_form_picks_the_consultant_by_name_or_typed_login(world, framework, browse):
    client = browse(world.agency)
    open_url = reverse("assessments:assessment_open", args=[world.plant_b.pk])
    body = client.get(open_url).content.decode()
    assert 'id="id_consultant-listbox"' in body and 'role="combobox"' in body
    assert "/consultants/lookup/" in body
    # without script: the consultant's login typed in the text box
    response = client.post(open_url, {"consultant__q": world.consultant.get_username()})
    assert response.status_code == 302
    assert world.plant_b.assessments.get().consultant == world.consultant
