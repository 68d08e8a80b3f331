"""GET /api/v1/plants/{id}/aas/: the plant as an Asset Administration Shell, read back with
basyx-python-sdk (JSON and AASX): the shell, the Digital Nameplate (IDTA 02006) and the Time
Series submodel (IDTA 02008) whose segments point at the observations API. Who gets which
submodel, and the access log."""

import datetime
import io
import json

import pytest
from basyx.aas import model
from basyx.aas.adapter import aasx
from basyx.aas.adapter import json as aas_json
from django.urls import reverse
from rest_framework.test import APIClient

from datahub import aas
from datahub.choices import Purpose
from datahub.models import AccessLogEntry, ReadKind
from datahub.services import consents, sources

pytestmark = pytest.mark.django_db


def url(plant, fmt=None):
    path = reverse("plant-aas", kwargs={"pk": plant.pk})
    return path + (f"?format={fmt}" if fmt else "")


def api(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def read_json(response) -> model.DictIdentifiableStore:
    return aas_json.read_aas_json_file(io.StringIO(response.content.decode()), failsafe=False)


def submodel(store, plant, kind) -> model.Submodel:
    ids = {"nameplate": aas.nameplate_id, "timeseries": aas.time_series_id}
    return store.get_item(ids[kind](plant.pk))


def semantic(element) -> str:
    return element.semantic_id.key[0].value


@pytest.fixture
def plant(world, feed):
    plant = world.plant_a
    plant.factory_registration_number = "4113-2019-0042"
    plant.operating_since = datetime.date(2012, 4, 1)
    plant.save()
    return plant


def test_the_plant_reads_its_shell_with_both_submodels(world, feed, plant):
    response = api(world.sme).get(url(plant))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    store = read_json(response)
    shell = store.get_item(f"urn:sfh:plant:{plant.pk}:aas")
    assert isinstance(shell, model.AssetAdministrationShell)
    assert shell.asset_information.global_asset_id == f"urn:sfh:plant:{plant.pk}"
    specific = {s.name: s.value for s in shell.asset_information.specific_asset_id}
    assert specific["factoryRegistrationNumber"] == "4113-2019-0042"
    assert specific["businessRegistrationNumber"] == plant.company.business_number
    assert {ref.key[0].value for ref in shell.submodel} == {
        aas.nameplate_id(plant.pk),
        aas.time_series_id(plant.pk),
    }

    nameplate = submodel(store, plant, "nameplate")
    assert semantic(nameplate) == "https://admin-shell.io/idta/nameplate/2/0/Nameplate"
    manufacturer = nameplate.get_referable("ManufacturerName")
    assert semantic(manufacturer) == "0173-1#02-AAO677#002"
    assert manufacturer.value["ko"] == plant.company.name
    assert manufacturer.value["en"] == plant.company.name_en
    assert nameplate.get_referable("ManufacturerProductDesignation").value["ko"] == plant.name
    address = nameplate.get_referable("AddressInformation")
    assert address.get_referable("Street").value["ko"] == plant.address
    assert address.get_referable("NationalCode").value == "KR"
    assert nameplate.get_referable("SerialNumber").value == "4113-2019-0042"
    assert nameplate.get_referable("YearOfConstruction").value == "2012"
    assert nameplate.get_referable("URIOfTheProduct").value == (
        f"http://testserver/api/v1/plants/{plant.pk}/"
    )

    series = submodel(store, plant, "timeseries")
    assert semantic(series) == "https://admin-shell.io/idta/TimeSeries/1/1"
    metadata = series.get_referable("Metadata")
    record = metadata.get_referable("Record")
    assert semantic(record.get_referable("Time")) == aas.TIME_SERIES_IDS["Time"]
    oee = record.get_referable("oee")
    assert semantic(oee) == "http://testserver/api/v1/kpi-definitions/oee/"
    assert {q.type: q.value for q in oee.qualifier}["unit"] == feed.oee.unit
    segments = series.get_referable("Segments")
    linked = {seg.id_short: seg for seg in segments}
    assert set(linked) == {"oee", "produced_quantity-line-1".replace("-", "_")}
    for key, s in (("oee", feed.oee), ("produced_quantity_line_1", feed.produced)):
        segment = linked[key]
        assert semantic(segment) == aas.TIME_SERIES_IDS["LinkedSegment"]
        endpoint = segment.get_referable("Endpoint")
        assert semantic(endpoint) == aas.TIME_SERIES_IDS["Endpoint"]
        assert endpoint.value == f"http://testserver/api/v1/series/{s.pk}/observations/"
        assert semantic(segment.get_referable("Query")) == aas.TIME_SERIES_IDS["Query"]
    # The plant's own reads are not logged.
    assert not AccessLogEntry.objects.exists()


def test_the_endpoint_of_a_segment_answers_the_plant(world, feed, plant):
    store = read_json(api(world.sme).get(url(plant)))
    segment = submodel(store, plant, "timeseries").get_referable("Segments").get_referable("oee")
    endpoint = segment.get_referable("Endpoint").value
    response = api(world.sme).get(endpoint.removeprefix("http://testserver"))
    assert response.status_code == 200
    assert response.json()["series"]["id"] == feed.oee.pk


def test_the_aasx_package_reads_back_with_basyx(world, feed, plant):
    response = api(world.sme).get(url(plant, "aasx"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/asset-administration-shell-package+xml"
    assert response["Content-Disposition"] == f'attachment; filename="plant-{plant.pk}.aasx"'
    store = model.DictIdentifiableStore()
    with aasx.AASXReader(io.BytesIO(response.content)) as reader:
        reader.read_into(object_store=store, file_store=aasx.DictSupplementaryFileContainer())
    assert {obj.id for obj in store} == {
        aas.aas_id(plant.pk),
        aas.nameplate_id(plant.pk),
        aas.time_series_id(plant.pk),
    }
    segments = submodel(store, plant, "timeseries").get_referable("Segments")
    assert len(list(segments)) == 2


def test_accept_header_asks_for_the_package_too(world, feed, plant):
    response = api(world.sme).get(url(plant), HTTP_ACCEPT=aas.AASX_MEDIA_TYPE)
    assert response["Content-Type"] == aas.AASX_MEDIA_TYPE


def test_agency_staff_without_consent_get_the_nameplate_only_and_nothing_is_logged(
    world, feed, plant
):
    store = read_json(api(world.agency).get(url(plant)))
    assert {obj.id for obj in store} == {aas.aas_id(plant.pk), aas.nameplate_id(plant.pk)}
    assert not AccessLogEntry.objects.exists()


def test_agency_staff_under_the_follow_up_consent_get_the_series_and_the_read_is_logged(
    world, feed, plant
):
    consents.consent_grant(user=world.sme, plant=plant, purpose=Purpose.FOLLOW_UP)
    response = api(world.agency).get(url(plant, "aasx"))
    assert response.status_code == 200
    entry = AccessLogEntry.objects.get()
    assert (entry.plant, entry.user, entry.purpose) == (plant, world.agency, Purpose.FOLLOW_UP)
    assert (entry.kind, entry.details) == (ReadKind.AAS, {"format": "aasx"})


def test_the_mentoring_partner_under_its_consent_gets_the_series(world, feed, plant):
    assert "timeseries" not in api(world.partner_a).get(url(plant)).content.decode()
    consents.consent_grant(
        user=world.sme, plant=plant, purpose=Purpose.PARTNER, partner=world.firm_a
    )
    body = api(world.partner_a).get(url(plant)).content.decode()
    assert aas.time_series_id(plant.pk) in body
    assert AccessLogEntry.objects.get().purpose == Purpose.PARTNER


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        (None, 401),
        ("outsider", 404),
        ("consultant", 404),
        ("partner_b", 404),
        ("official", 200),
    ],
)
def test_who_sees_the_shell(world, feed, plant, persona, code):
    user = getattr(world, persona) if persona else None
    response = api(user).get(url(plant, "aasx"))
    assert response.status_code == code
    if code != 200:
        assert response["Content-Type"] == "application/json"
        assert "detail" in response.json()


def test_a_hidden_plant_answers_like_a_missing_one(world, feed, plant):
    hidden = api(world.sme).get(url(world.plant_b))
    missing = api(world.sme).get("/api/v1/plants/987654/aas/")
    assert (hidden.status_code, hidden.content) == (missing.status_code, missing.content)


def test_officials_get_the_nameplate_only(world, feed, plant):
    store = read_json(api(world.official).get(url(plant)))
    assert aas.time_series_id(plant.pk) not in {obj.id for obj in store}


def test_an_unknown_format_is_refused(world, feed, plant):
    assert api(world.sme).get(url(plant, "xml")).status_code == 404


def test_queries_do_not_grow_with_the_series(world, feed, plant, django_assert_max_num_queries):
    client = api(world.sme)
    client.get(url(plant))  # warm the membership and the catalogue
    with django_assert_max_num_queries(6):
        client.get(url(plant))
    for code in ("availability", "performance", "quality_rate", "good_quantity"):
        sources.series_create(user=world.sme, source=feed.source, kpi=code)
    with django_assert_max_num_queries(6):
        response = client.get(url(plant))
    segments = submodel(read_json(response), plant, "timeseries").get_referable("Segments")
    assert len(list(segments)) == 6


def test_the_schema_documents_both_formats(client):
    schema = client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/plants/{id}/aas/"]["get"]
    assert set(operation["responses"]["200"]["content"]) == {
        "application/json",
        aas.AASX_MEDIA_TYPE,
    }
    params = {p["name"]: p for p in operation["parameters"]}
    assert sorted(params["format"]["schema"]["enum"]) == ["aasx", "json"]


def test_id_shorts_are_valid_for_any_key():
    assert aas.id_short("produced_quantity-line-1") == "produced_quantity_line_1"
    assert aas.id_short("7-line") == "S_7_line"
    assert aas.id_short("라인") == "S"
    assert json.dumps(aas.id_short("a--b")) == '"a__b"'


def test_the_plants_data_page_links_to_the_package(world, feed, plant, client_for):
    page = client_for(world.sme).get(reverse("datahub:plant", args=[plant.pk]))
    assert f'href="/api/v1/plants/{plant.pk}/aas/?format=aasx"' in page.content.decode()


def test_a_logged_read_takes_a_fixed_number_of_queries(
    world, feed, plant, django_assert_max_num_queries
):
    consents.consent_grant(user=world.sme, plant=plant, purpose=Purpose.FOLLOW_UP)
    client = api(world.agency)
    client.get(url(plant))
    for code in ("availability", "performance", "quality_rate"):
        sources.series_create(user=world.sme, source=feed.source, kpi=code)
    with django_assert_max_num_queries(6):
        response = client.get(url(plant, "aasx"))
    assert response.status_code == 200
    assert AccessLogEntry.objects.count() == 2
