"""The progress dashboard (/progress/), its CSV exports, the progress API and the targets
page, through HTTP, on a tiny dataset: plant_a (Seoul, firm_a) and plant_b (Busan, firm_b)
each have a project completed in March 2025 in the win-win program; plant_a's confirmed
assessment is at Level 3 or higher, plant_b's below."""

import datetime
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from assessments import services as assessment_services
from hub.choices import Region
from programs.choices import ProjectStatus
from programs.models import Project
from progress.models import Target, TargetChange
from tests.assessments.conftest import confirmed, seed_definition
from tests.factories import MentorshipFactory, PlantFactory
from tests.programs.conftest import M, complete, project_data

URL = "/progress/"
API = "/api/v1/progress/"


@pytest.fixture
def data(world, winwin, supplier):
    assessment_services.framework_load(data=seed_definition())
    world.plant_a.region = Region.SEOUL
    world.plant_a.save(update_fields=["region"])
    world.plant_b.region = Region.BUSAN
    world.plant_b.save(update_fields=["region"])
    from programs import services

    for plant, firm in ((world.plant_a, world.firm_a), (world.plant_b, world.firm_b)):
        project = services.project_apply(
            user=world.agency, data=project_data(winwin, plant, firm, supplier=supplier)
        )
        complete(world, project)
    for plant, rating in ((world.plant_a, 4), (world.plant_b, 1)):
        assessment = assessment_services.assessment_open(
            plant=plant, consultant=world.consultant, user=world.agency
        )
        confirmed(world, assessment, rating=rating)
    return world


def en_client(client_for, user):
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def api_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def figure(body: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">([^<]*)<', body)
    assert match, f"no {name} figure on the page"
    return match.group(1).strip()


def digest_of(body: str) -> str:
    return re.search(r"<code data-digest>([0-9a-f]{64})</code>", body).group(1)


# --- access ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["agency", "official", "admin_user"])
def test_staff_officials_and_admins_see_every_supported_plant(data, client_for, who):
    response = en_client(client_for, getattr(data, who)).get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert figure(body, "supported") == "2"
    assert figure(body, "level3_share") == "50.0 %"
    assert "<svg" in body and "NanumGothic" in body and "Noto Sans KR" in body


def test_partner_member_sees_only_their_own_plants(data, client_for):
    client = en_client(client_for, data.partner_a)
    body = client.get(URL).content.decode()
    assert figure(body, "supported") == "1"
    assert figure(body, "level3_share") == "100.0 %"
    assert "Plants mentored by" in body
    assert data.firm_b.name not in body  # neither in the partner table nor the filter


def test_partner_member_cannot_widen_the_scope_to_another_firm(data, client_for):
    client = en_client(client_for, data.partner_a)
    response = client.get(URL, {"partner": data.firm_b.pk})
    assert response.status_code == 200
    body = response.content.decode()
    assert figure(body, "supported") == "1"
    assert "Select a valid choice" in body
    api = api_for(data.partner_a)
    assert api.get(API, {"partner": data.firm_b.pk}).status_code == 400
    assert api.get(API).json()["supported"] == 1


@pytest.mark.parametrize("who", ["consultant", "outsider"])
def test_consultants_and_outsiders_get_404(data, client_for, who):
    user = getattr(data, who)
    assert client_for(user).get(URL).status_code == 404
    assert client_for(user).get(reverse("progress:target_list")).status_code == 404
    assert api_for(user).get(API).status_code == 404


def test_anonymous_is_sent_to_login(data, client_for):
    response = client_for(None).get(URL)
    assert response.status_code == 302
    assert settings.LOGIN_URL in response["Location"] or "login" in response["Location"]
    assert APIClient().get(API).status_code in (401, 403)


def test_nav_has_progress_for_partners_not_for_consultants(data, client_for):
    home = reverse("progress:dashboard")
    assert f'href="{home}"' in en_client(client_for, data.partner_a).get(URL).content.decode()
    plant_list = client_for(data.consultant).get("/").content.decode()
    assert f'href="{home}"' not in plant_list


# --- filters ---------------------------------------------------------------------------------


def test_filters_change_the_figures(data, client_for):
    client = en_client(client_for, data.official)
    seoul = client.get(URL, {"region": Region.SEOUL}).content.decode()
    assert figure(seoul, "supported") == "1"
    assert figure(seoul, "level3_share") == "100.0 %"
    busan = client.get(URL, {"region": Region.BUSAN}).content.decode()
    assert figure(busan, "level3_share") == "0.0 %"
    firm_b = client.get(URL, {"partner": data.firm_b.pk}).content.decode()
    assert figure(firm_b, "supported") == "1"
    # before the completions nothing is supported
    early = client.get(URL, {"as_of": "2025-01-31"}).content.decode()
    assert figure(early, "supported") == "0"
    assert client.get(URL, {"year": 2024}).content.decode().count('data-figure="supported">0<')


def test_bad_filters_show_form_errors_and_default_figures(data, client_for):
    client = en_client(client_for, data.official)
    response = client.get(URL, {"as_of": "31/02/2025", "region": "99", "year": "abc"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Enter a valid date" in body
    assert "Select a valid choice" in body
    assert figure(body, "supported") == "2"
    future = client.get(URL, {"as_of": "2999-01-01"}).content.decode()
    assert "cannot be in the future" in future
    assert api_for(data.official).get(API, {"as_of": "nonsense"}).status_code == 400


# --- sorting and CSV -------------------------------------------------------------------------


def test_breakdown_tables_sort_on_the_server(data, client_for):
    client = en_client(client_for, data.official)
    asc = client.get(URL, {"sort": "region:share"}).content.decode()
    desc = client.get(URL, {"sort": "region:-share"}).content.decode()
    seoul, busan = str(Region.SEOUL.label), str(Region.BUSAN.label)

    def region_section(body):
        return body[body.index('id="progress-region"') : body.index('id="progress-industry"')]

    assert region_section(asc).index(busan) < region_section(asc).index(seoul)
    assert region_section(desc).index(seoul) < region_section(desc).index(busan)
    assert 'aria-sort="descending"' in region_section(desc)


def test_csv_export_has_bom_and_only_scoped_rows(data, client_for):
    official = en_client(client_for, data.official).get(URL, {"export": "partner"})
    assert official["Content-Type"].startswith("text/csv")
    text = official.content.decode("utf-8")
    assert text.startswith("\ufeff")
    assert data.firm_a.name in text and data.firm_b.name in text

    partner = en_client(client_for, data.partner_a).get(URL, {"export": "region"})
    text = partner.content.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = text.lstrip("\ufeff").strip().splitlines()
    assert len(lines) == 2  # header + Seoul only
    assert lines[1].startswith(f"{Region.SEOUL.value},")
    assert lines[1].endswith(",1,1,100.0,0")  # … Level 3+ share, connected
    partner_csv = en_client(client_for, data.partner_a).get(URL, {"export": "partner"})
    assert data.firm_b.name not in partner_csv.content.decode("utf-8")


# --- API -------------------------------------------------------------------------------------


def test_api_equals_the_page(data, client_for):
    params = {"as_of": "2025-12-31", "region": Region.SEOUL}
    body = en_client(client_for, data.official).get(URL, params).content.decode()
    payload = api_for(data.official).get(API, params).json()
    assert payload["digest"] == digest_of(body)
    assert payload["supported"] == int(figure(body, "supported"))
    assert payload["as_of"] == "2025-12-31"
    assert payload["scope"] == {"region": Region.SEOUL.value}
    assert set(payload["breakdowns"]) == {
        "region",
        "industry",
        "size",
        "program",
        "partner",
        "agency",
    }
    again = api_for(data.agency).get(API, params).json()
    assert again["digest"] == payload["digest"]
    other = api_for(data.official).get(API, {**params, "as_of": "2025-06-30"}).json()
    assert other["digest"] != payload["digest"]


def test_api_partner_scope_matches_the_partner_page(data, client_for):
    body = en_client(client_for, data.partner_a).get(URL).content.decode()
    payload = api_for(data.partner_a).get(API).json()
    assert payload["supported"] == 1
    assert payload["digest"] == digest_of(body)
    assert [r["key"] for r in payload["breakdowns"]["partner"]] == [data.firm_a.pk]


# --- targets ---------------------------------------------------------------------------------


def test_agency_changes_a_target_and_the_dashboard_follows(data, client_for):
    target = Target.objects.get(code="supported_plants")
    client = en_client(client_for, data.agency)
    before = TargetChange.objects.filter(target=target).count()
    assert client.get(reverse("progress:target_list")).status_code == 200
    assert client.get(reverse("progress:target_update", args=[target.pk])).status_code == 200
    response = client.post(
        reverse("progress:target_update", args=[target.pk]),
        {"value": "40000", "due_year": "2027", "note": "New strategy"},
    )
    assert response.status_code == 302
    assert TargetChange.objects.filter(target=target).count() == before + 1
    change = TargetChange.objects.filter(target=target).first()  # newest first
    assert (int(change.value), change.due_year, change.changed_by) == (40000, 2027, data.agency)
    history = client.get(reverse("progress:target_list")).content.decode()
    assert "New strategy" in history
    body = client.get(URL).content.decode()
    assert "/ 40,000" in body and "due 2027" in body
    assert api_for(data.official).get(API).json()["projection"]["supported"]["target"] == 40000


def test_invalid_target_value_is_shown_not_saved(data, client_for):
    target = Target.objects.get(code="level3_share")
    before = TargetChange.objects.count()
    response = en_client(client_for, data.agency).post(
        reverse("progress:target_update", args=[target.pk]), {"value": "120", "due_year": "2027"}
    )
    assert response.status_code == 200
    assert "at most 100" in response.content.decode()
    assert TargetChange.objects.count() == before


def test_officials_read_targets_but_may_not_change_them(data, client_for):
    target = Target.objects.get(code="supported_plants")
    before = TargetChange.objects.count()
    client = en_client(client_for, data.official)
    page = client.get(reverse("progress:target_list"))
    assert page.status_code == 200
    assert reverse("progress:target_update", args=[target.pk]) not in page.content.decode()
    url = reverse("progress:target_update", args=[target.pk])
    assert client.post(url, {"value": "1", "due_year": "2030"}).status_code == 403
    assert client.get(url).status_code == 403
    partner = client_for(data.partner_a)
    assert partner.get(reverse("progress:target_list")).status_code == 404
    assert partner.post(url, {"value": "1", "due_year": "2030"}).status_code == 404
    assert TargetChange.objects.count() == before


# --- cost ------------------------------------------------------------------------------------


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL).status_code == 200
    return len(ctx.captured_queries)


def _grow(world, winwin, n=10):
    regions = [Region.DAEGU, Region.INCHEON, Region.GWANGJU, Region.ULSAN, Region.JEJU]
    for i in range(n):
        plant = PlantFactory(region=regions[i % len(regions)])
        MentorshipFactory(partner=world.firm_a, plant=plant)
        Project.objects.create(
            **project_data(winwin, plant, world.firm_a),
            status=ProjectStatus.COMPLETED,
            completed_on=datetime.date(2025, 4, 1),
        )


@pytest.mark.parametrize("who", ["agency", "partner_a"])
def test_dashboard_query_count_does_not_grow_with_plants(data, winwin, client_for, who, settings):
    settings.PROGRESS_CACHE_SECONDS = 0  # count the figures' queries, not a cache hit
    client = en_client(client_for, getattr(data, who))
    before = _queries(client)
    _grow(data, winwin)
    body = client.get(URL).content.decode()
    assert int(figure(body, "supported")) == (12 if who == "agency" else 11)
    assert _queries(client) == before


def test_another_firms_project_on_a_shared_plant_never_shows_to_a_partner(
    data, supplier, client_for
):
    """plant_a is also co-funded by firm_b in another program: partner_a's figures count only
    firm_a's projects, so firm_b appears nowhere (tables, names, CSV)."""
    from programs import services
    from programs.choices import ProgramKind
    from programs.models import CostShareRule

    other = services.program_create(
        user=data.agency,
        data={
            "name_ko": "2024 상생형",
            "name_en": "2024 win-win",
            "year": 2024,
            "kind": ProgramKind.WINWIN,
            "agency": data.agency_org,
            "budget": 100 * M,
            "applications_open": datetime.date(2024, 1, 1),
            "applications_close": datetime.date(2024, 2, 1),
            "cost_share_rule": CostShareRule.objects.get(code="winwin"),
        },
        commitments=[(data.firm_b, 100 * M)],
    )
    shared = services.project_apply(
        user=data.agency,
        data=project_data(
            other,
            data.plant_a,
            data.firm_b,
            supplier=supplier,
            applied_on=datetime.date(2024, 3, 2),
        ),
    )
    complete(data, shared, start=datetime.date(2024, 3, 2))
    payload = api_for(data.partner_a).get(API).json()
    assert [r["key"] for r in payload["breakdowns"]["partner"]] == [data.firm_a.pk]
    body = en_client(client_for, data.partner_a).get(URL).content.decode()
    assert data.firm_b.name not in body and "2024 win-win" not in body
    agency = api_for(data.agency).get(API).json()
    assert {r["key"] for r in agency["breakdowns"]["partner"]} == {data.firm_a.pk, data.firm_b.pk}
