"""Lists people can use: multi-word search across the fields people mean, exports of every
list with its filters (pages: CSV/XLSX links; API: ?format=csv|xlsx), the column chooser and
the default sort."""

import csv
import io

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from assessments import services
from hub.choices import Industry, Region
from hub.filtersets import SEARCH_MAX_WORDS, industry_codes, region_codes, search_words
from tests.assessments.conftest import seed_definition
from tests.factories import CompanyFactory, PlantFactory, UserFactory


def api(user, language=None):
    client = APIClient()
    client.force_authenticate(user)
    if language:  # the language switch's cookie
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def csv_rows(response):
    assert response.status_code == 200, response.content[:500]
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def xlsx_rows(response):
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def names(response):
    return {row["name"] for row in response.json()["results"]}


@pytest.fixture
def busan(world):
    company = CompanyFactory(name="한빛정밀", business_number="1234567891")
    return PlantFactory(
        company=company, name="녹산 공장", region=Region.BUSAN, industry=Industry.ELECTRONICS
    )


# --- the search rule (pure parts) -----------------------------------------------------------


def test_search_words_are_distinct_and_bounded():
    assert search_words("  부산  한빛 부산 ") == ["부산", "한빛"]
    assert len(search_words(" ".join(f"w{i}" for i in range(30)))) == SEARCH_MAX_WORDS


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("부산", "26"),
        ("부산시", "26"),
        ("부산광역시", "26"),
        ("Busan", "26"),
        ("busan", "26"),
        ("세종시", "36"),
        ("제주도", "50"),
        ("서울시", "11"),
        ("경기도", "41"),
    ],
)
def test_region_names_as_people_write_them(word, code):
    assert code in region_codes(word)


def test_a_single_letter_names_no_region():
    assert region_codes("a") == ()


@pytest.mark.parametrize(
    ("word", "code"), [("26", "26"), ("C26", "26"), ("Electronic", "26"), ("Furniture", "32")]
)
def test_industry_by_ksic_code_or_name(word, code):
    assert code in industry_codes(word)


def test_a_code_outside_manufacturing_names_no_industry():
    assert industry_codes("99") == ()


# --- search through the API and the pages ---------------------------------------------------


def test_every_word_must_match_one_of_the_fields(world, busan):
    client = api(world.agency)
    url = "/api/v1/plants/"
    assert names(client.get(url, {"search": "부산 한빛"})) == {"녹산 공장"}
    assert names(client.get(url, {"search": "Busan 26"})) == {"녹산 공장"}
    assert names(client.get(url, {"search": "부산시 녹산"})) == {"녹산 공장"}
    assert names(client.get(url, {"search": "부산 멘토링"})) == set()  # no plant has both


def test_business_number_with_or_without_dashes(world, busan):
    client = api(world.agency)
    assert names(client.get("/api/v1/plants/", {"search": "123-45-67891"})) == {"녹산 공장"}
    assert names(client.get("/api/v1/plants/", {"search": "12345"})) == {"녹산 공장"}


def test_the_page_search_uses_the_same_rule(world, busan, browse):
    response = browse(world.agency).get(reverse("hub:plant_list"), {"q": "busan 한빛"})
    assert [p.name for p in response.context["object_list"]] == ["녹산 공장"]


def test_organisation_search_by_english_name_and_number(world, busan):
    client = api(world.agency)
    found = names(client.get("/api/v1/organizations/", {"search": "Daehan Electronics"}))
    assert found == {"대한전자"}
    assert names(client.get("/api/v1/organizations/", {"search": "1234567891"})) == {"한빛정밀"}


def test_assessments_are_found_by_the_consultants_korean_name(world, busan):
    services.framework_load(data=seed_definition())
    consultant = world.consultant
    consultant.first_name, consultant.last_name = "지현", "김"
    consultant.save()
    opened = services.assessment_open(plant=busan, consultant=consultant, user=world.agency)
    services.assessment_open(plant=world.plant_a, consultant=consultant, user=world.agency)
    client = api(world.agency)
    response = client.get("/api/v1/assessments/", {"search": "김지현 부산"})
    assert [row["id"] for row in response.json()["results"]] == [opened.pk]
    assert client.get("/api/v1/assessments/", {"search": "박지현"}).json()["count"] == 0


def test_too_long_a_search_is_a_400_with_the_field(world):
    response = api(world.agency).get("/api/v1/plants/", {"search": "x" * 201})
    assert response.status_code == 400
    assert "search" in response.json()


def test_the_schema_documents_the_searched_fields_and_the_formats(world):
    schema = (
        api(world.agency, "en")
        .get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
        .json()
    )
    params = {p["name"]: p for p in schema["paths"]["/api/v1/plants/"]["get"]["parameters"]}
    assert "business number" in params["search"]["description"]
    assert set(params["format"]["schema"]["enum"]) == {"json", "csv", "xlsx"}
    assert "every row" in params["format"]["description"]


# --- exports ---------------------------------------------------------------------------------


def test_api_csv_holds_every_matching_row_with_names_not_ids(world, busan, browse):
    response = api(world.agency).get("/api/v1/plants/", {"format": "csv", "search": "부산"})
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert len(rows) == 2
    assert rows[1][:4] == ["녹산 공장", "한빛정밀", "123-45-67891", "부산광역시"]


def test_api_xlsx_of_a_list(world, busan):
    response = api(world.agency).get("/api/v1/organizations/", {"format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = xlsx_rows(response)
    assert "대한전자" in {row[0] for row in rows[1:]}


def test_a_partner_export_never_holds_another_firms_plants(world):
    for fmt in ("csv", "xlsx"):
        response = api(world.partner_a).get("/api/v1/plants/", {"format": fmt})
        rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
        exported = {row[0] for row in rows[1:]}
        assert exported == {"A사 멘토링 공장"}
    page = APIClient()
    page.force_login(world.partner_a)
    rows = csv_rows(page.get(reverse("hub:plant_list"), {"format": "csv"}))
    assert {row[0] for row in rows[1:]} == {"A사 멘토링 공장"}


def test_lists_without_a_table_export_their_serializer_fields(world):
    rows = csv_rows(api(world.agency).get("/api/v1/mentorships/", {"format": "csv"}))
    assert len(rows) == 3
    rows = csv_rows(api(world.official).get("/api/v1/programs/", {"format": "csv"}))
    assert len(rows) == 1  # the header only: no programs yet


def test_a_bad_filter_answers_json_even_when_a_file_was_asked(world):
    response = api(world.agency).get("/api/v1/plants/", {"format": "csv", "region": "99"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "region" in response.json()


def test_detail_has_no_export_format(world):
    url = f"/api/v1/plants/{world.plant_a.pk}/"
    assert api(world.agency).get(url, {"format": "csv"}).status_code == 404


def test_export_neutralises_formulas(world, browse):
    PlantFactory(name="=HYPERLINK(1)")
    rows = csv_rows(browse(world.agency).get(reverse("hub:plant_list"), {"format": "csv"}))
    assert "'=HYPERLINK(1)" in {row[0] for row in rows}
    xlsx = xlsx_rows(browse(world.agency).get(reverse("hub:plant_list"), {"format": "xlsx"}))
    assert "=HYPERLINK(1)" in {row[0] for row in xlsx}  # stored as text, never a formula


def test_page_export_follows_filters_search_and_sort_with_translated_headers(world, busan, browse):
    client = browse(world.agency)
    response = client.get(reverse("hub:plant_list"), {"region": Region.BUSAN, "format": "csv"})
    rows = csv_rows(response)
    assert rows[0][:3] == ["Plant", "Company", "Business number"]
    assert [row[0] for row in rows[1:]] == ["녹산 공장"]
    assert rows[1][3] == "Busan"
    korean = csv_rows(_korean(world).get(reverse("hub:plant_list"), {"format": "csv"}))
    assert korean[0][0] != "Plant"
    rows = csv_rows(client.get(reverse("hub:plant_list"), {"ordering": "-name", "format": "csv"}))
    listed = [row[0] for row in rows[1:]]
    assert listed == sorted(listed, reverse=True)


def _korean(world):
    from django.test import Client

    client = Client()
    client.force_login(world.agency)
    return client


@pytest.mark.parametrize(
    "name",
    [
        "hub:plant_list",
        "hub:organization_list",
        "hub:mentorship_list",
        "assessments:assessment_list",
        "programs:program_list",
        "programs:project_list",
    ],
)
def test_every_list_page_links_its_exports_with_its_filters(world, browse, name):
    response = browse(world.agency).get(reverse(name), {"q": "공장"})
    assert response.status_code == 200
    urls = dict(response.context["export_urls"])
    assert "q=" in urls["CSV"] and urls["CSV"].endswith("format=csv")
    assert urls["XLSX"].endswith("format=xlsx")
    export = browse(world.agency).get(reverse(name) + urls["CSV"])
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")


def test_export_query_count_is_bounded(world, browse, django_assert_max_num_queries):
    for _ in range(30):
        PlantFactory()
    client = browse(world.agency)
    with django_assert_max_num_queries(8):
        csv_rows(client.get(reverse("hub:plant_list"), {"format": "csv"}))
    with django_assert_max_num_queries(8):
        csv_rows(api(world.agency).get("/api/v1/projects/", {"format": "csv"}))


# --- columns and sort ------------------------------------------------------------------------


def test_at_most_eight_columns_by_default_and_a_sensible_sort(world, browse):
    response = browse(world.agency).get(reverse("hub:plant_list"))
    assert len(response.context["columns"]) <= 8
    assert response.context["current_ordering"] == "name"
    listed = [p.name for p in response.context["object_list"]]
    assert listed == sorted(listed)
    assert 'aria-sort="ascending"' in response.content.decode()


def test_the_column_choice_is_remembered_for_the_user(world, browse):
    client = browse(world.agency)
    url = reverse("hub:plant_list")
    response = client.get(url, {"columns": ["name", "address"]})
    assert [c.key for c in response.context["columns"]] == ["name", "address"]
    again = client.get(url)
    assert [c.key for c in again.context["columns"]] == ["name", "address"]
    assert "경기도 안산시" in again.content.decode()
    assert "columns=" not in again.context["query_without_page"]
    reset = client.get(url, {"columns": "default"})
    assert len(reset.context["columns"]) == 8
    other = browse(world.official).get(url)
    assert len(other.context["columns"]) == 8


def test_unknown_columns_fall_back_to_the_defaults(world, browse):
    response = browse(world.agency).get(reverse("hub:plant_list"), {"columns": "nonsense"})
    assert len(response.context["columns"]) == 8


def test_the_chooser_keeps_the_filters(world, browse):
    response = browse(world.agency).get(
        reverse("hub:plant_list"), {"q": "공장", "region": Region.SEOUL}
    )
    html = response.content.decode()
    assert 'name="columns"' in html
    assert '<input type="hidden" name="region" value="11">' in html


def test_an_unprivileged_user_gets_nothing_in_an_export(world, browse):
    stranger = UserFactory()
    rows = csv_rows(api(stranger).get("/api/v1/plants/", {"format": "csv"}))
    assert rows[1:] == []


def test_the_warning_queue_exports_with_its_search(world, browse):
    response = browse(world.agency).get(reverse("datahub:warnings"), {"q": "부산"})
    assert response.status_code == 200
    urls = dict(response.context["export_urls"])
    rows = csv_rows(browse(world.agency).get(reverse("datahub:warnings") + urls["CSV"]))
    assert rows[0][:3] == ["Status", "Warning", "Plant"]


def test_the_follow_up_queue_links_the_api_export_of_its_filters(world, browse):
    client = browse(world.agency)
    response = client.get(reverse("datahub:followups"), {"q": "한빛"})
    urls = dict(response.context["export_urls"])
    assert "q=" in urls["CSV"] and "status=late" in urls["CSV"]
    rows = csv_rows(client.get(urls["CSV"]))
    assert rows[1:] == []
    assert client.get(urls["XLSX"]).status_code == 200


def test_the_assessment_list_has_the_column_chooser_too(world, busan, browse):
    services.framework_load(data=seed_definition())
    consultant = world.consultant
    opened = services.assessment_open(plant=busan, consultant=consultant, user=world.agency)
    client = browse(world.agency)
    url = reverse("assessments:assessment_list")
    response = client.get(url)
    keys = [c.key for c in response.context["columns"]]
    assert len(keys) <= 8 and keys[0] == "plant" and "id" in keys
    html = response.content.decode()
    assert f'href="{opened.get_absolute_url()}"' in html  # each row opens its assessment
    assert 'class="column-chooser"' in html
    chosen = client.get(url, {"columns": ["plant", "region", "business_number"]})
    assert [c.key for c in chosen.context["columns"]] == ["plant", "region", "business_number"]
    page = chosen.content.decode()
    assert "Busan" in page and busan.company.business_number_display in page
    assert f'href="{opened.get_absolute_url()}"' not in page  # the id column was not chosen
