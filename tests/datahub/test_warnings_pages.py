"""The early-warning queue and warning pages, the SME home's section and /api/v1/warnings/."""

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from datahub.models import EarlyWarning, WarningKind, WarningStatus
from hub.models import AuditEntry, Plant
from programs import services as program_services
from tests.factories import AgencyFactory, PlantFactory
from tests.programs.conftest import project_data, winwin_program

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 6)


def warn(plant, kind=WarningKind.PLANT_CLOSED, key="", status=WarningStatus.OPEN, days_ago=0):
    day = TODAY - dt.timedelta(days=days_ago)
    return EarlyWarning.objects.create(
        plant=plant,
        kind=kind,
        key=key,
        status=status,
        first_detected=day,
        last_detected=TODAY,
        detail={"source_name": "MES", "days_silent": 20, "last_data_at": "2026-11-16T09:00"}
        if kind == WarningKind.SOURCE_SILENT
        else {},
    )


@pytest.fixture
def queue(world):
    return [
        warn(world.plant_a, WarningKind.SOURCE_SILENT, key="1", days_ago=3),
        warn(world.plant_b, WarningKind.LEVEL_EXPIRED, days_ago=1),
        warn(world.plant_b, WarningKind.PLANT_CLOSED, status=WarningStatus.RESOLVED),
        warn(world.plant_free, WarningKind.PLANT_CLOSED, status=WarningStatus.ACKNOWLEDGED),
    ]


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- the queue page --------------------------------------------------------------------------


def test_queue_lists_open_first_then_acknowledged_then_resolved(world, browse, queue):
    response = browse(world.agency).get(reverse("datahub:warnings"))
    assert response.status_code == 200
    assert [w.pk for w in response.context["warnings"]] == [
        queue[1].pk,
        queue[0].pk,
        queue[3].pk,
        queue[2].pk,
    ]
    page = response.content.decode()
    assert "MES has sent nothing for 20 days" in page


def test_queue_filters(world, browse, queue):
    program = winwin_program(world, [(world.firm_a, 100_000_000)])
    program_services.project_apply(
        user=world.agency, data=project_data(program, world.plant_a, world.firm_a)
    )
    Plant.objects.filter(pk=world.plant_b.pk).update(region="26")
    client = browse(world.agency)

    def listed(**params):
        response = client.get(reverse("datahub:warnings"), params)
        assert response.status_code == 200
        return {w.pk for w in response.context["warnings"]}

    assert listed(kind="plant_closed") == {queue[2].pk, queue[3].pk}
    assert listed(status="open") == {queue[0].pk, queue[1].pk}
    assert listed(region="26") == {queue[1].pk, queue[2].pk}
    assert listed(program=program.pk) == {queue[0].pk}
    assert listed(agency=world.agency_org.pk) == {queue[0].pk}
    assert listed(agency=AgencyFactory().pk) == set()


@pytest.mark.parametrize("persona", ["sme", "partner_a", "consultant"])
def test_queue_is_for_agency_staff_and_officials(world, browse, queue, persona):
    assert browse(getattr(world, persona)).get(reverse("datahub:warnings")).status_code == 403
    assert browse(world.official).get(reverse("datahub:warnings")).status_code == 200


def test_queue_bounds_its_queries(world, browse, django_assert_max_num_queries):
    for i in range(30):
        warn(PlantFactory(name=f"경보 공장 {i}"), WarningKind.SOURCE_SILENT, key=str(i))
    client = browse(world.agency)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("datahub:warnings"))
    assert len(response.context["warnings"]) == 25


# --- one warning -----------------------------------------------------------------------------


def test_agency_staff_acknowledge_and_resolve_then_move_to_the_next(world, browse, queue):
    client = browse(world.agency)
    url = reverse("datahub:warning", args=[queue[1].pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["next_warning"] == queue[0]
    response = client.post(url, {"action": "acknowledge", "note": "확인 중"})
    assert response.status_code == 302 and response["Location"] == url
    queue[1].refresh_from_db()
    assert queue[1].status == WarningStatus.ACKNOWLEDGED and queue[1].note == "확인 중"

    response = client.post(url, {"action": "resolve", "note": "", "then": "next"})
    assert response["Location"] == url  # refused: a note is required
    queue[1].refresh_from_db()
    assert queue[1].status == WarningStatus.ACKNOWLEDGED

    response = client.post(url, {"action": "resolve", "note": "재심사 예정", "then": "next"})
    assert response["Location"] == reverse("datahub:warning", args=[queue[0].pk])
    queue[1].refresh_from_db()
    assert queue[1].status == WarningStatus.RESOLVED
    assert AuditEntry.objects.for_object(queue[1]).count() == 2


def test_sme_reads_its_own_warning_and_cannot_act(world, browse, queue):
    client = browse(world.sme)
    own = reverse("datahub:warning", args=[queue[0].pk])
    page = client.get(own)
    assert page.status_code == 200
    assert b'name="action"' not in page.content
    assert client.post(own, {"action": "resolve", "note": "x"}).status_code == 403
    other = reverse("datahub:warning", args=[queue[1].pk])
    assert client.get(other).status_code == 404
    queue[0].refresh_from_db()
    assert queue[0].status == WarningStatus.OPEN


def test_sme_home_shows_its_unresolved_warnings(world, browse, queue):
    response = browse(world.sme).get(reverse("datahub:home"))
    page = response.content.decode()
    assert "Early warnings about your plants" in page
    assert reverse("datahub:warning", args=[queue[0].pk]) in page
    assert reverse("datahub:warning", args=[queue[1].pk]) not in page


def test_sme_home_without_warnings_has_no_section(world, browse):
    page = browse(world.sme).get(reverse("datahub:home")).content.decode()
    assert "Early warnings about your plants" not in page


# --- the API ---------------------------------------------------------------------------------


def test_api_lists_and_filters_in_queue_order(world, queue, django_assert_max_num_queries):
    client = api(world.agency)
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/warnings/")
    assert response.status_code == 200
    ids = [row["id"] for row in response.json()["results"]]
    assert ids == [queue[1].pk, queue[0].pk, queue[3].pk, queue[2].pk]
    first = response.json()["results"][1]
    assert first["kind"] == "source_silent" and first["detail"]["days_silent"] == 20
    response = client.get("/api/v1/warnings/", {"kind": "plant_closed", "status": "resolved"})
    assert [row["id"] for row in response.json()["results"]] == [queue[2].pk]
    response = client.get("/api/v1/warnings/", {"kind": "nonsense"})
    assert response.status_code == 400 and "kind" in response.json()


def test_api_sme_sees_its_own(world, queue):
    response = api(world.sme).get("/api/v1/warnings/")
    assert [row["id"] for row in response.json()["results"]] == [queue[0].pk]
    assert api(world.sme).get(f"/api/v1/warnings/{queue[1].pk}/").status_code == 404


def test_api_actions(world, queue):
    client = api(world.agency)
    url = f"/api/v1/warnings/{queue[0].pk}/"
    response = client.post(url + "acknowledge/", {"note": "확인"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "acknowledged"
    response = client.post(url + "acknowledge/", {}, format="json")
    assert response.status_code == 400 and "status" in response.json()
    response = client.post(url + "resolve/", {}, format="json")
    assert response.status_code == 400 and "note" in response.json()
    response = client.post(url + "resolve/", {"note": "해결"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "resolved"
    assert response.json()["acted_by"] == world.agency.pk
    sme = api(world.sme)
    assert sme.post(url + "resolve/", {"note": "x"}, format="json").status_code == 403
    other = f"/api/v1/warnings/{queue[1].pk}/resolve/"
    assert sme.post(other, {"note": "x"}, format="json").status_code == 404


def test_schema_documents_the_warnings():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    assert "/api/v1/warnings/" in paths
    assert "post" in paths["/api/v1/warnings/{id}/resolve/"]
    names = {p["name"] for p in paths["/api/v1/warnings/"]["get"]["parameters"]}
    assert {"kind", "status", "region", "program", "agency", "plant"} <= names
