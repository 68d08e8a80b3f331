"""REST API /api/v1/: visibility per persona, writes through services, filters, auth, schema."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from hub.choices import Industry, Region, SizeClass
from hub.models import AuditEntry, Mentorship, Organization, Plant
from tests.factories import CompanyFactory, MentorshipFactory, PlantFactory

pytestmark = pytest.mark.django_db


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- reading: who sees what ------------------------------------------------------------------


def test_anonymous_gets_401_or_403_everywhere(world):
    for url in [
        "/api/v1/plants/",
        f"/api/v1/plants/{world.plant_a.pk}/",
        "/api/v1/organizations/",
        "/api/v1/mentorships/",
    ]:
        assert api().get(url).status_code in (401, 403)


def test_agency_and_official_see_every_plant(world):
    every = {world.plant_a.pk, world.plant_b.pk, world.plant_free.pk}
    assert ids(api(world.agency).get("/api/v1/plants/")) == every
    assert ids(api(world.official).get("/api/v1/plants/")) == every


def test_partner_sees_only_mentored_plants(world):
    assert ids(api(world.partner_a).get("/api/v1/plants/")) == {world.plant_a.pk}
    assert ids(api(world.partner_b).get("/api/v1/plants/")) == {world.plant_b.pk}


def test_partner_gets_404_for_another_firms_plant(world):
    client = api(world.partner_a)
    assert client.get(f"/api/v1/plants/{world.plant_a.pk}/").status_code == 200
    assert client.get(f"/api/v1/plants/{world.plant_b.pk}/").status_code == 404
    assert client.get(f"/api/v1/plants/{world.plant_free.pk}/").status_code == 404


def test_partner_sees_own_firm_and_mentored_companies_only(world):
    seen = ids(api(world.partner_a).get("/api/v1/organizations/"))
    assert seen == {world.firm_a.pk, world.plant_a.company_id}
    assert api(world.partner_a).get(f"/api/v1/organizations/{world.firm_b.pk}/").status_code == 404


def test_partner_sees_only_own_mentorships(world):
    assert ids(api(world.partner_a).get("/api/v1/mentorships/")) == {world.mentorship_a.pk}
    response = api(world.partner_a).get(f"/api/v1/mentorships/{world.mentorship_b.pk}/")
    assert response.status_code == 404


def test_plant_mentored_by_two_firms_does_not_reveal_the_other_firm(world):
    MentorshipFactory(partner=world.firm_b, plant=world.plant_a)
    assert world.plant_a.pk in ids(api(world.partner_b).get("/api/v1/plants/"))
    mentorships = api(world.partner_b).get("/api/v1/mentorships/").json()["results"]
    assert {m["partner"] for m in mentorships} == {world.firm_b.pk}
    assert world.firm_a.pk not in ids(api(world.partner_b).get("/api/v1/organizations/"))


def test_outsider_and_consultant_see_no_plant(world):
    for user in (world.outsider, world.consultant):
        assert ids(api(user).get("/api/v1/plants/")) == set()
        assert api(user).get(f"/api/v1/plants/{world.plant_a.pk}/").status_code == 404
        assert ids(api(user).get("/api/v1/mentorships/")) == set()


# --- writing ---------------------------------------------------------------------------------


def plant_payload(company, **overrides):
    data = {
        "company": company.pk,
        "name": "신규 제2공장",
        "region": Region.GYEONGNAM,
        "industry": Industry.MACHINERY,
        "address": "경상남도 창원시 성산구 공단로 10",
        "employees": 80,
    }
    data.update(overrides)
    return data


def test_agency_registers_plant_and_it_is_audited(world):
    company = world.plant_a.company
    response = api(world.agency).post("/api/v1/plants/", plant_payload(company), format="json")
    assert response.status_code == 201, response.content
    plant = Plant.objects.get(pk=response.json()["id"])
    assert plant.region == Region.GYEONGNAM
    entry = AuditEntry.objects.for_object(plant).get()
    assert entry.action == "create"
    assert entry.user == world.agency
    assert entry.after["name"] == "신규 제2공장"


def test_agency_updates_plant_with_before_and_after(world):
    url = f"/api/v1/plants/{world.plant_a.pk}/"
    response = api(world.agency).patch(url, {"employees": 99}, format="json")
    assert response.status_code == 200, response.content
    entry = AuditEntry.objects.for_object(world.plant_a).get(action="update")
    assert entry.before["employees"] == 35
    assert entry.after["employees"] == 99


@pytest.mark.parametrize("persona", ["official", "partner_a", "consultant", "outsider"])
def test_only_agency_staff_may_write(world, persona):
    user = getattr(world, persona)
    client = api(user)
    before = Plant.objects.count()
    response = client.post("/api/v1/plants/", plant_payload(world.plant_a.company), format="json")
    assert response.status_code == 403
    response = client.patch(f"/api/v1/plants/{world.plant_a.pk}/", {"employees": 1}, format="json")
    assert response.status_code in (403, 404)
    assert Plant.objects.count() == before
    world.plant_a.refresh_from_db()
    assert world.plant_a.employees == 35


def test_invalid_plant_gets_400_with_field_errors(world):
    response = api(world.agency).post(
        "/api/v1/plants/",
        plant_payload(world.plant_a.company, region="99", industry="09", name=""),
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"region", "industry", "name"}


def test_plant_name_must_be_unique_within_company(world):
    response = api(world.agency).post(
        "/api/v1/plants/",
        plant_payload(world.plant_a.company, name=world.plant_a.name),
        format="json",
    )
    assert response.status_code == 400


def test_plant_cannot_belong_to_a_partner_firm(world):
    response = api(world.agency).post("/api/v1/plants/", plant_payload(world.firm_a), format="json")
    assert response.status_code == 400
    assert "company" in response.json()


def test_sme_business_number_is_validated_normalised_and_unique(world):
    client = api(world.agency)
    payload = {
        "kind": "sme",
        "name": "(주)테스트",
        "size_class": SizeClass.SMALL,
        "business_number": "124-81-00999",
    }
    response = client.post("/api/v1/organizations/", payload, format="json")
    assert response.status_code == 400
    assert "business_number" in response.json()

    payload["business_number"] = "124-81-00998"
    response = client.post("/api/v1/organizations/", payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["business_number"] == "1248100998"
    assert response.json()["business_number_display"] == "124-81-00998"

    payload["name"] = "(주)중복"
    response = client.post("/api/v1/organizations/", payload, format="json")
    assert response.status_code == 400
    assert "business_number" in response.json()
    assert Organization.objects.filter(business_number="1248100998").count() == 1


def test_sme_without_business_number_is_refused(world):
    response = api(world.agency).post(
        "/api/v1/organizations/",
        {"kind": "sme", "name": "무번호", "size_class": "small"},
        format="json",
    )
    assert response.status_code == 400
    assert "business_number" in response.json()


def test_mentorship_end_before_start_is_refused(world):
    response = api(world.agency).post(
        "/api/v1/mentorships/",
        {
            "partner": world.firm_a.pk,
            "plant": world.plant_free.pk,
            "start_date": "2025-03-01",
            "end_date": "2025-01-01",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "end_date" in response.json()
    assert not Mentorship.objects.filter(plant=world.plant_free).exists()


def test_new_mentorship_makes_the_plant_visible_to_the_partner(world):
    response = api(world.agency).post(
        "/api/v1/mentorships/",
        {"partner": world.firm_a.pk, "plant": world.plant_free.pk, "start_date": "2025-03-01"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert world.plant_free.pk in ids(api(world.partner_a).get("/api/v1/plants/"))
    assert world.plant_free.pk not in ids(api(world.partner_b).get("/api/v1/plants/"))


def test_delete_is_not_offered(world):
    response = api(world.agency).delete(f"/api/v1/plants/{world.plant_a.pk}/")
    assert response.status_code == 405


# --- filters (the same FilterSet as the web list) --------------------------------------------


@pytest.fixture
def spread(world):
    seoul_food = PlantFactory(region=Region.SEOUL, industry=Industry.FOOD, name="서울식품")
    busan_auto = PlantFactory(
        region=Region.BUSAN,
        industry=Industry.MOTOR_VEHICLES,
        name="부산자동차부품",
        company=CompanyFactory(size_class=SizeClass.MEDIUM, business_number="2208162517"),
    )
    return seoul_food, busan_auto


def test_filters_region_industry_size_partner_and_search(world, spread):
    seoul_food, busan_auto = spread
    client = api(world.agency)
    assert ids(client.get("/api/v1/plants/", {"region": "11"})) == {seoul_food.pk}
    assert ids(client.get("/api/v1/plants/", {"industry": "30"})) == {busan_auto.pk}
    assert ids(client.get("/api/v1/plants/", {"size": "medium"})) == {busan_auto.pk}
    assert ids(client.get("/api/v1/plants/", {"partner": world.firm_b.pk})) == {world.plant_b.pk}
    assert ids(client.get("/api/v1/plants/", {"q": "자동차"})) == {busan_auto.pk}
    assert ids(client.get("/api/v1/plants/", {"q": "220-81"})) == {busan_auto.pk}


def test_invalid_filter_value_is_a_400(world):
    response = api(world.agency).get("/api/v1/plants/", {"region": "99"})
    assert response.status_code == 400
    assert "region" in response.json()


def test_partner_cannot_filter_by_another_partner(world):
    response = api(world.partner_a).get("/api/v1/plants/", {"partner": world.firm_b.pk})
    assert response.status_code == 400


def test_ordering_by_name_descending(world, spread):
    response = api(world.agency).get("/api/v1/plants/", {"ordering": "-name"})
    names = [row["name"] for row in response.json()["results"]]
    assert names == sorted(names, reverse=True)


@pytest.mark.parametrize(
    ("ordering", "status"), [(",", 200), ("-name,", 200), (",,", 200), ("-", 400), (",-", 400)]
)
def test_an_empty_ordering_item_is_ignored_a_bare_dash_refused(world, spread, ordering, status):
    response = api(world.agency).get("/api/v1/plants/", {"ordering": ordering})
    assert response.status_code == status
    if status == 400:
        assert "ordering" in response.json()
        return
    names = [row["name"] for row in response.json()["results"]]
    if "name" in ordering:
        assert names == sorted(names, reverse=True)


def test_pagination_and_page_size(world):
    PlantFactory.create_batch(7)
    body = api(world.agency).get("/api/v1/plants/", {"page_size": 4, "page": 2}).json()
    assert body["count"] == 10
    assert len(body["results"]) == 4
    assert body["next"] and body["previous"]


def test_plant_list_query_count_does_not_grow_with_rows(world):
    client = api(world.agency)

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/plants/").status_code == 200
        return len(ctx.captured_queries)

    count_queries()  # warm up: the membership is cached on the authenticated user
    small = count_queries()
    PlantFactory.create_batch(25)
    MentorshipFactory.create_batch(5)
    assert count_queries() == small
    assert small <= 6


@pytest.mark.parametrize("url", ["/api/v1/organizations/", "/api/v1/mentorships/"])
def test_other_lists_query_count_does_not_grow_with_rows(world, url):
    client = api(world.partner_a)

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    count_queries()
    small = count_queries()
    for _ in range(10):
        MentorshipFactory(partner=world.firm_a)
    assert count_queries() == small


# --- authentication and schema ---------------------------------------------------------------


def test_token_authentication(world):
    token = Token.objects.create(user=world.partner_a)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert ids(client.get("/api/v1/plants/")) == {world.plant_a.pk}
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/v1/plants/").status_code == 401


def test_token_can_be_obtained_with_username_and_password(world):
    world.partner_a.set_password("pw-for-tests-1")
    world.partner_a.save()
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "partner_a", "password": "pw-for-tests-1"}
    )
    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=world.partner_a).key


def test_session_authentication_requires_csrf_for_writes(world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.agency)
    response = client.patch(f"/api/v1/plants/{world.plant_a.pk}/", {"employees": 1})
    assert response.status_code == 403


def test_openapi_schema_lists_the_registry_endpoints(world):
    response = api(world.agency).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/v1/plants/",
        "/api/v1/plants/{id}/",
        "/api/v1/organizations/",
        "/api/v1/mentorships/",
    ]:
        assert path in paths
    params = {p["name"] for p in paths["/api/v1/plants/"]["get"]["parameters"]}
    assert {"region", "industry", "size", "partner", "q", "ordering", "page"} <= params


def test_api_docs_are_served_from_local_assets(world, client):
    client.force_login(world.agency)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/assessments/?plant=99999999999999999999999",
        "/api/v1/assessments/?level=99999999999999999999999",
        "/api/v1/plants/?company=99999999999999999999999",
        "/api/v1/projects/?plant=99999999999999999999999",
        "/api/v1/kpis/?project=-99999999999999999999999",
    ],
)
def test_an_id_filter_beyond_any_database_integer_is_a_400(client_for, world, url):
    response = client_for(world.agency).get(url)
    assert response.status_code == 400, response.content
