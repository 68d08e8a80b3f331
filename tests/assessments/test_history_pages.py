"""Back-filed assessments wherever they appear: labelled (original confirmation date, "score
and level only"), the consultant shown as recorded when not a hub user, and outcome-only ones
left out of item-level views (sheet, area chart, roadmap, comparison) without breaking them."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from assessments.importers import history_import
from assessments.models import Assessment
from tests.assessments.conftest import confirmed
from tests.assessments.history_helpers import history_file, item_codes, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(world, framework):
    codes = item_codes(framework)
    a = world.plant_a
    rows = [
        row(a, "OLD-1", "2019-05-02", "2019-05-20", consultant="consultant", ratings=3,
            codes=codes),
        row(a, "OLD-2", "2020-03-10", "2020-04-01", consultant="홍길동", score="612.5",
            level="2", codes=codes),
    ]  # fmt: skip
    report = history_import(
        user=world.agency, content=history_file(framework, rows), filename="h.csv"
    )
    assert report.ok, report.errors
    return (
        Assessment.objects.get(source_reference="OLD-1"),
        Assessment.objects.get(source_reference="OLD-2"),
    )


def text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_detail_labels_backfiled_and_outcome_only(world, history, browse):
    rated, outcome = history
    client = browse(world.agency)
    page = text(client.get(outcome.get_absolute_url()))
    assert "Back-filed" in page and "score and level only" in page
    assert "Original confirmation date" in page and "2020-04-01" in page
    assert "홍길동" in page  # the consultant as the records give it
    assert 'id="outcome-only-ratings"' in page and 'id="outcome-only-result"' in page
    assert "Roadmap to Level" not in page
    page = text(client.get(rated.get_absolute_url()))
    assert "Back-filed" in page and "score and level only" not in page
    assert "Roadmap to Level" in page


def test_list_plant_panel_and_comparison(world, history, browse):
    rated, outcome = history
    client = browse(world.agency)
    listing = text(client.get(reverse("assessments:assessment_list") + "?queue=done"))
    assert listing.count("badge--history") == 2 and "홍길동" in listing
    export = client.get(reverse("assessments:assessment_list") + "?queue=done&format=csv")
    exported = b"".join(export.streaming_content if export.streaming else [export.content])
    assert "back-filed, score and level only" in exported.decode("utf-8-sig")
    plant = text(client.get(world.plant_a.get_absolute_url()))
    assert "original confirmation date 2020-04-01" in plant
    assert 'id="latest-outcome-only"' in plant  # no area profile nor roadmap from it
    compare = text(
        client.get(reverse("assessments:assessment_compare") + f"?a={rated.pk}&b={outcome.pk}")
    )
    assert 'id="compare-outcome-only"' in compare and "items-heading" not in compare


def test_api_gives_origin_and_recorded_consultant(world, history):
    client = APIClient()
    client.force_authenticate(world.agency)
    rows = {r["source_reference"]: r for r in client.get("/api/v1/assessments/").json()["results"]}
    assert rows["OLD-2"]["origin"] == "history" and rows["OLD-2"]["outcome_only"] is True
    assert rows["OLD-2"]["consultant"] is None and rows["OLD-2"]["consultant_name"] == "홍길동"
    detail = client.get(f"/api/v1/assessments/{history[1].pk}/").json()
    assert detail["ratings"] == [] and detail["result"] is None
    schema = client.get(reverse("api_schema")).content.decode()
    assert "outcome_only" in schema and "recorded_consultant" in schema


def test_pages_without_a_hub_consultant_do_not_break(world, history, browse, client_for):
    for user in (world.agency, world.official, world.sme, world.admin_user):
        client = browse(user)
        for url in (
            reverse("assessments:assessment_list") + "?queue=all",
            history[1].get_absolute_url(),
            world.plant_a.get_absolute_url(),
            reverse("home"),
        ):
            assert client.get(url, follow=True).status_code == 200, (user, url)
    admin = client_for(world.admin_user)
    assert admin.get(reverse("admin:assessments_assessment_changelist")).status_code == 200
    change = reverse("admin:assessments_assessment_change", args=[history[1].pk])
    assert admin.get(change).status_code == 200


def test_hub_workflow_still_requires_a_consultant(world, framework):
    from django.db import IntegrityError, transaction

    from assessments import services

    opened = services.assessment_open(
        plant=world.plant_b, consultant=world.consultant, user=world.agency
    )
    confirmed(world, opened)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.filter(pk=opened.pk).update(consultant=None)


def test_the_list_and_the_api_filter_by_origin(world, history, assessment, browse):
    filed = confirmed(world, assessment)
    url = reverse("assessments:assessment_list")
    client = browse(world.agency)
    only_history = client.get(url, {"queue": "all", "origin": "history"})
    assert {a.pk for a in only_history.context["object_list"]} == {a.pk for a in history}
    only_hub = client.get(url, {"queue": "all", "origin": "hub"})
    assert filed.pk in {a.pk for a in only_hub.context["object_list"]}
    assert not {a.pk for a in history} & {a.pk for a in only_hub.context["object_list"]}
    assert 'name="origin"' in only_hub.content.decode()
    bad = client.get(url, {"origin": "moon"})
    assert bad.status_code == 200 and "origin" in bad.context["filterset"].form.errors

    api = APIClient()
    api.force_authenticate(world.agency)
    body = api.get("/api/v1/assessments/", {"origin": "history"}).json()
    assert {r["id"] for r in body["results"]} == {a.pk for a in history}
    assert api.get("/api/v1/assessments/", {"origin": "moon"}).status_code == 400
    # A consultant filtering by origin still sees only its own plants' assessments.
    api.force_authenticate(world.outsider)
    assert api.get("/api/v1/assessments/", {"origin": "history"}).json()["results"] == []
