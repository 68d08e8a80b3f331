"""One presentation for the dashboard and the PDF report: the format helpers in Korean and
English, the page and the PDF's text showing the same strings for the same scope and as-of
date, the way from the dashboard to the report request form, the reports entry in the
navigation, the API's default as-of date and the projection's method in the reader's
language."""

import datetime
import re
import shutil
import subprocess
from decimal import Decimal
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext
from rest_framework.test import APIClient

from hub import formats
from hub.choices import Region
from programs import services
from programs.models import Project
from progress import projection as projection_method
from progress.models import ProgressReport
from progress.presentation.tables import method_label
from progress.projection import projection
from tests.programs.conftest import AS_OF, D

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils missing")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def client_in(client_for, user, language):
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


# --- the format helpers ----------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ko", "en"])
def test_numbers_and_percentages_read_the_same_in_both_languages(language):
    with translation.override(language):
        assert formats.number(30000) == "30,000"
        assert formats.number(Decimal("30000.00")) == "30,000"
        assert formats.number(1234567.891, 1) == "1,234,567.9"
        assert formats.number(8.25, 1) == "8.3"  # half up, as people round
        assert formats.number(None) == "—"
        assert formats.percent(31.64) == "31.6 %"
        assert formats.percent(31.65) == "31.7 %"
        assert formats.percent(Decimal("25")) == "25.0 %"
        assert formats.percent(10, 0) == "10 %"
        assert formats.percent(None) == "—"
        assert formats.percent_of(1, 3) == "33.3 %"
        assert formats.percent_of(4, 30000) == "0.0 %"
        assert formats.percent_of(1, 0) == formats.percent_of(None, 4) == "—"
        assert formats.signed_percent(31.64) == "+31.6 %"
        assert formats.signed_percent(Decimal("-43.5")) == "−43.5 %"  # a real minus sign
        assert formats.signed_percent(-0.04) == "0.0 %"  # rounds to nothing: no sign
        assert formats.signed_percent(0) == "0.0 %"
        assert formats.signed_percent(None) == "—"
        assert formats.day("2025-12-31") == formats.day(D(2025, 12, 31)) == "2025-12-31"


def test_level_and_code_labels_follow_the_language():
    with translation.override("ko"):
        assert formats.level_name(3) == "Level 3"  # as the hub's plant pages write it
        assert formats.region_name(Region.SEOUL) == "서울특별시"
        assert formats.industry_name("25") == "금속 가공제품 제조업; 기계 및 가구 제외"
        assert formats.size_name("small") == "소기업"
        assert formats.region_name("") == formats.region_name(None) == "알 수 없음"
        assert formats.region_name("99") == "99"
    with translation.override("en"):
        assert formats.level_name(3) == "Level 3"
        assert formats.region_name(Region.SEOUL) == "Seoul"
        assert formats.industry_name("25").startswith("Fabricated metal products")
        assert formats.size_name("small") == "Small"
        assert formats.region_name(None) == "Unknown"


def test_organisation_and_program_names_follow_the_language():
    firm = SimpleNamespace(name="대한전자", name_en="Daehan Electronics")
    no_english = SimpleNamespace(name="민국자동차", name_en="")
    program = SimpleNamespace(name_ko="2025 상생형", name_en="2025 win-win")
    with translation.override("ko"):
        assert formats.org_name(firm) == "대한전자"
        assert formats.program_name(program) == "2025 상생형"
    with translation.override("en"):
        assert formats.org_name(firm) == "Daehan Electronics"
        assert formats.org_name(no_english) == "민국자동차"
        assert formats.program_name(program) == "2025 win-win"


def _user(first, last, username="kim"):
    return SimpleNamespace(first_name=first, last_name=last, get_username=lambda: username)


def test_person_names_put_the_family_name_first_in_korean():
    with translation.override("ko"):
        assert formats.person_name(_user("민수", "김")) == "김민수"
        assert formats.person_name(_user("Minsu", "Kim")) == "Kim Minsu"
        assert formats.person_name(_user("", "김")) == "김"
        assert formats.person_name(_user("", "", username="park.official")) == "park.official"
        assert formats.person_name(None) == "—"
    with translation.override("en"):
        assert formats.person_name(_user("Minsu", "Kim")) == "Minsu Kim"
        assert formats.person_name(_user("민수", "김")) == "민수 김"


# --- the page and the PDF say the same ------------------------------------------------------


class Tables(HTMLParser):
    """Tables with a data-table attribute (rows of cell texts, header first), the figures
    marked data-figure, the digest and the dashboard's PDF link."""

    def __init__(self):
        super().__init__()
        self.tables, self.figures, self.links = {}, {}, {}
        self._table = self._row = self._cell = self._figure = None
        self.digest = ""
        self._in_digest = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "data-table" in attrs:
            self._table = self.tables.setdefault(attrs["data-table"], [])
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif "data-figure" in attrs:
            self._figure = [attrs["data-figure"], []]
        elif tag == "code" and "data-digest" in attrs:
            self._in_digest = True
        elif tag == "a" and "data-pdf-link" in attrs:
            self.links["pdf"] = attrs["href"]

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table.append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        elif self._figure is not None and tag in ("strong", "span"):
            self.figures[self._figure[0]] = "".join(self._figure[1]).strip()
            self._figure = None
        elif tag == "code":
            self._in_digest = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._figure is not None:
            self._figure[1].append(data)
        if self._in_digest:
            self.digest += data.strip()


class RequestForm(HTMLParser):
    """The values the report request form would send as it is shown."""

    def __init__(self):
        super().__init__()
        self.values, self._select = {}, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select":
            self._select = attrs["name"]
        elif tag == "option" and self._select and "selected" in attrs:
            self.values[self._select] = attrs.get("value", "")
        elif tag == "input" and attrs.get("name") == "as_of":
            self.values["as_of"] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def parse(parser, html):
    parser.feed(html)
    return parser


def pdf_text(report) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", report.file.path, "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _cells(line: str) -> list[str]:
    """A line of a table in pdftotext's layout: cells stand two or more spaces apart."""
    return re.split(r"\s{2,}", line.strip())


def pdf_table(text: str, header: list[str], rows: int) -> list[list[str]]:
    """The table under this header in the PDF's text: the header's cells as printed, then
    the next `rows` lines with as many cells (a header repeated on a new page, page headers,
    footers and blank lines in between are skipped)."""
    labels = [h for h in header if h]
    heading = re.compile(r"(?:^|\s{2,})" + r"\s{2,}".join(map(re.escape, labels)) + r"\s*$")
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if heading.search(line)), None)
    assert start is not None, f"no table headed {labels} in the PDF"
    found = [_cells(lines[start])]
    for line in lines[start + 1 :]:
        if len(found) > rows:
            break
        if heading.search(line):
            continue
        cells = _cells(line)
        if len(cells) == len(header):
            found.append(cells)
    return found


def pdf_headline(text: str, labels: tuple[str, str]) -> list[str]:
    """The two key figures: the line under the line naming them."""
    lines = text.splitlines()
    where = next(
        i
        for i, line in enumerate(lines)
        if re.search(re.escape(labels[0]) + r"\s{2,}" + re.escape(labels[1]), line)
    )
    return _cells(next(line for line in lines[where + 1 :] if line.strip()))


@pytest.fixture
def shown(dataset, world):
    """The hand-worked dataset (tests/programs/conftest.py) with KPIs whose averages need
    rounding and a sign: productivity +31.64 % (P1) and +20 % (P2), defect rate 43.5 %."""
    p1 = Project.objects.get(plant=dataset[1])
    p2 = Project.objects.get(plant=dataset[2])
    for project, indicator, baseline, result in (
        (p1, "productivity", 100, "131.64"),
        (p2, "productivity", 100, "120"),
        (p1, "defect_rate", 100, "56.5"),
    ):
        services.kpi_record(
            project=project,
            indicator=indicator,
            user=world.agency,
            data={"baseline": Decimal(baseline), "result": Decimal(result)},
        )
    return world


TABLES = (
    "datahub",
    "datahub-region",
    "datahub-industry",
    "yearly",
    "distribution",
    "cohorts",
    "projection",
    "region",
    "industry",
    "size",
    "program",
    "partner",
    "agency",
    "kpi-cohorts",
    "kpi-levels",
)


@needs_poppler
@pytest.mark.parametrize(
    ("persona", "language", "filters", "scope"),
    [
        ("official", "ko", {}, ("national", "")),
        ("official", "en", {"region": Region.SEOUL}, ("region", Region.SEOUL)),
        ("partner_a", "ko", {}, ("partner", "firm_a")),
    ],
)
def test_the_pdf_shows_the_figures_of_the_page(
    shown, client_for, django_capture_on_commit_callbacks, persona, language, filters, scope
):
    """Open the dashboard, follow its PDF link to the request form, send the form as it is
    prefilled, and read the PDF: the headline, the yearly, cohort and level tables, every
    breakdown, the KPI averages and the projection are the same strings as on the page."""
    user = getattr(shown, persona)
    client = client_in(client_for, user, language)
    page = client.get("/progress/", {"as_of": AS_OF.isoformat(), **filters})
    assert page.status_code == 200
    dashboard = parse(Tables(), page.content.decode())

    form_page = client.get(dashboard.links["pdf"])
    assert form_page.status_code == 200
    values = parse(RequestForm(), form_page.content.decode()).values
    assert values["as_of"] == AS_OF.isoformat() and values["language"] == language
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reports/", values)
    assert response.status_code == 302, response.content.decode()[:2000]
    report = ProgressReport.objects.get()
    value = str(shown.firm_a.pk) if scope[1] == "firm_a" else scope[1]
    assert (report.scope, report.scope_value, report.language) == (scope[0], value, language)
    assert report.status == "done", report.error
    assert report.digest == dashboard.digest  # the same figures underneath
    text = pdf_text(report)

    with translation.override(language):
        labels = (gettext("Supported plants"), gettext("Level 3+ share"))
    headline = [dashboard.figures["supported"], dashboard.figures["level3_share"]]
    assert pdf_headline(text, labels) == headline

    for code in TABLES:
        table = dashboard.tables[code]
        header, rows = table[0], table[1:]
        assert rows, code
        assert pdf_table(text, header, len(rows)) == [[h for h in header if h], *rows], code

    kpis = dashboard.tables["kpi-cohorts"]
    if persona == "official" and not filters:
        # The page itself, in the unified format: grouped, one decimal, a signed change.
        assert dashboard.figures == {"supported": "4", "level3_share": "25.0 %", "connected": "0"}
        assert kpis[1][:3] == [kpis[1][0], "+30.0 %", "+25.8 %"]  # (31.64 + 20) / 2
        assert dashboard.tables["projection"][1][1] == "30,000"
        assert "Level 4" in [row[0] for row in dashboard.tables["distribution"]]


# --- from the dashboard to the request form ---------------------------------------------------


def pdf_link(body: str) -> str:
    return parse(Tables(), body).links["pdf"]


def test_the_pdf_link_carries_the_scope_and_says_what_it_cannot(shown, client_for):
    client = client_in(client_for, shown.official, "en")
    body = client.get(
        "/progress/", {"region": Region.SEOUL, "industry": "25", "year": "2024"}
    ).content.decode()
    link = pdf_link(body)
    assert link.startswith("/reports/?")
    assert f"scope=region&region={Region.SEOUL.value}" in link
    assert "as_of=2024-12-31" in link and "language=en" in link
    note = body[body.index("data-pdf-note") : body.index("</div>", body.index("data-pdf-note"))]
    assert "cannot carry these filters of this view: Industry." in note

    form = parse(RequestForm(), client.get(link).content.decode()).values
    assert form == {
        "scope": "region",
        "region": Region.SEOUL.value,
        "program": "",
        "partner": "",
        "language": "en",
        "as_of": "2024-12-31",
    }


def test_a_national_view_needs_no_note(shown, client_for):
    body = client_in(client_for, shown.official, "ko").get("/progress/").content.decode()
    link = pdf_link(body)
    assert "scope=national" in link and f"as_of={timezone.localdate().isoformat()}" in link
    assert "data-pdf-note" not in body
    assert "이 화면을 PDF로 내려받기" in body


def test_program_and_partner_filters_become_the_scope(shown, client_for):
    client = client_in(client_for, shown.official, "en")
    program = Project.objects.first().program
    body = client.get(
        "/progress/", {"program": program.pk, "region": Region.BUSAN, "agency": shown.agency_org.pk}
    ).content.decode()
    # region comes first; the program and the agency stay behind
    assert "scope=region" in pdf_link(body)
    assert "Program, Operating agency." in body

    body = client.get("/progress/", {"program": program.pk}).content.decode()
    assert f"scope=program&program={program.pk}" in pdf_link(body)
    form = parse(RequestForm(), client.get(pdf_link(body)).content.decode()).values
    assert (form["scope"], form["program"]) == ("program", str(program.pk))

    body = client.get("/progress/", {"partner": shown.firm_b.pk}).content.decode()
    assert f"scope=partner&partner={shown.firm_b.pk}" in pdf_link(body)
    assert "counts its own projects on the plants it mentors" in body


def test_a_partner_members_link_is_their_own_firms_report(shown, client_for):
    client = client_in(client_for, shown.partner_a, "en")
    body = client.get("/progress/", {"industry": "25"}).content.decode()
    link = pdf_link(body)
    assert f"scope=partner&partner={shown.firm_a.pk}" in link
    assert "cannot carry these filters of this view: Industry." in body
    form = parse(RequestForm(), client.get(link).content.decode()).values
    assert (form["scope"], form["partner"]) == ("partner", str(shown.firm_a.pk))


def test_a_mistyped_prefill_falls_back_to_the_defaults(world, client_for):
    client = client_in(client_for, world.official, "ko")
    form = parse(
        RequestForm(), client.get("/reports/", {"as_of": "31/12/2025"}).content.decode()
    ).values
    assert (form["scope"], form["language"]) == ("national", "ko")
    assert form["as_of"] == timezone.localdate().isoformat()


# --- navigation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "shown_to"),
    [
        ("official", True),
        ("agency", True),
        ("partner_a", True),
        ("admin_user", True),
        ("consultant", False),
        ("outsider", False),
    ],
)
def test_reports_are_in_the_navigation_of_those_who_may_see_them(
    world, client_for, persona, shown_to
):
    body = client_for(getattr(world, persona)).get("/plants/").content.decode()
    nav = body[body.index('class="site-nav"') : body.index("</nav>")]
    assert ('href="/reports/"' in nav) is shown_to
    assert ('href="/progress/"' in nav) is shown_to


# --- the API's as-of date --------------------------------------------------------------------


def test_api_report_request_defaults_to_today(world, django_capture_on_commit_callbacks):
    client = APIClient()
    client.force_authenticate(world.official)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/reports/", {"scope": "national", "language": "ko"}, format="json"
        )
    assert response.status_code == 202, response.content
    assert response.json()["as_of"] == timezone.localdate().isoformat()
    assert ProgressReport.objects.get().as_of == timezone.localdate()
    future = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    refused = client.post(
        "/api/v1/reports/",
        {"scope": "national", "language": "ko", "as_of": future},
        format="json",
    )
    assert refused.status_code == 400 and "as_of" in refused.json()


# --- the projection: method and words --------------------------------------------------------


def test_the_projection_starts_from_the_count_reached_not_from_the_line():
    """A jump in the last year: the fitted line passes about 310 on the as-of date, below the
    400 plants reached, and the projection starts from the 400 at the line's slope."""
    as_of = D(2020, 1, 1)
    series = [
        (D(2017, 1, 1), 100, 0),
        (D(2018, 1, 1), 100, 0),
        (D(2019, 1, 1), 100, 0),
        (as_of, 400, 0),
    ]
    out = projection(
        as_of, series, supported_target=1000, share_target=25, due_year=2030, share_due_year=2030
    )["supported"]
    xs = [(d - as_of).days for d, _s, _l in series]  # -1095, -730, -365, 0
    mx = sum(xs) / 4
    slope = sum((x - mx) * (s - 175) for x, (_d, s, _l) in zip(xs, series, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )
    assert 175 - slope * mx == pytest.approx(310, abs=1)  # the line on the as-of date
    reached = D.fromisoformat(out["reached_on"])
    assert (reached - as_of).days == pytest.approx((1000 - 400) / slope, abs=1)


@pytest.mark.parametrize(
    ("language", "label", "words"),
    [
        ("ko", "기준일과 1~3년 전 같은 날에 대한 최소제곱법", "기준일 현재의 실제 수에서 출발"),
        ("en", "least squares over the as-of date", "starts from the counts as of the date"),
    ],
)
def test_the_method_speaks_the_readers_language_and_the_api_keeps_its_code(
    shown, client_for, language, label, words
):
    with translation.override(language):
        assert method_label(projection_method.METHOD).startswith(label)
    body = client_in(client_for, shown.official, language).get("/progress/").content.decode()
    method = body[body.index("progress-method") : body.index("</p>", body.index("progress-method"))]
    assert label in method and words in method
    assert "where the line meets it" not in body
    api = APIClient()
    api.force_authenticate(shown.official)
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    assert api.get("/api/v1/progress/").json()["projection"]["method"] == projection_method.METHOD


# --- names and targets on the other progress pages -------------------------------------------


@needs_poppler
@pytest.mark.parametrize(("language", "name"), [("ko", "김민수"), ("en", "민수 김")])
def test_the_requester_is_named_in_the_readers_order(
    world, client_for, django_capture_on_commit_callbacks, language, name
):
    world.official.first_name, world.official.last_name = "민수", "김"
    world.official.save(update_fields=["first_name", "last_name"])
    client = client_in(client_for, world.official, language)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/reports/",
            {"scope": "national", "language": language, "as_of": AS_OF.isoformat()},
        )
    report = ProgressReport.objects.get()
    assert report.status == "done", report.error
    assert name in pdf_text(report)
    assert name in client.get(f"/reports/{report.pk}/").content.decode()
    assert name in client.get("/reports/").content.decode()


def test_targets_read_as_on_the_dashboard(world, client_for):
    world.agency.first_name, world.agency.last_name = "서연", "이"
    world.agency.save(update_fields=["first_name", "last_name"])
    from progress.models import Target

    target = Target.objects.get(code="supported_plants")
    client = client_in(client_for, world.agency, "ko")
    client.post(
        f"/progress/targets/{target.pk}/", {"value": "40000", "due_year": "2027", "note": "새 전략"}
    )
    page = client.get("/progress/targets/").content.decode()
    assert 'data-target="supported_plants">40,000<' in page
    assert 'data-target="level3_share">25.0 %<' in page
    assert "이서연" in page
    assert "/ 40,000" in client.get("/progress/").content.decode()
