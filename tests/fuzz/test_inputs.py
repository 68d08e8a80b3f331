"""Property-based fuzzing (hypothesis) of what reads untrusted input or writes untrusted text:

- the importers (plants; projects and KPIs): random bytes, wrong encodings, huge cells, random
  headers and spreadsheet formulas never raise; a refused file gets a report whose errors
  point at rows, and nothing at all is written;
- the business-number validator: any text is handled, every correctly built number passes, any
  single changed digit fails;
- the scoring module: random frameworks and ratings give scores and levels in range;
- the CSV exports: text a spreadsheet would run as a formula comes out neutralised, read back
  from the CSV the public export views send.
"""

import csv
import io
import json
from decimal import Decimal
from fractions import Fraction

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from assessments.scoring import (
    NOT_APPLICABLE,
    FloorRule,
    FrameworkSpec,
    ItemSpec,
    score,
    to_decimal,
)
from hub.importers import plants_import
from hub.models import AuditEntry, Mentorship, Organization, Plant
from hub.validators import (
    business_number_check_digit,
    format_business_number,
    is_valid_business_number,
    normalize_business_number,
    validate_business_number,
)
from programs.importers import kpis_import, projects_import
from programs.models import KPI, PartnerCommitment, Program, Project
from tests.factories import valid_business_number

DB_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- importers -------------------------------------------------------------------------------

MODELS = (Organization, Plant, Mentorship, Program, PartnerCommitment, Project, KPI, AuditEntry)


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def csv_bytes(header: list, rows: list[list], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


class Importer:
    """One importer with a file it accepts (header + one data row, row 2 of the sheet)."""

    def __init__(self, name, function, header, row, english):
        self.name, self.function, self.header, self.row = name, function, header, row
        self.english_header = english

    def __repr__(self):
        return self.name

    def run(self, user, content: bytes, filename: str = "fuzz.csv"):
        return self.function(user=user, content=content, filename=filename)


@pytest.fixture
def importers(populated):
    world = populated.world
    new_number = valid_business_number(90_001)
    plant_free = world.plant_free
    project_a = populated.projects[0]
    return [
        Importer(
            "plants",
            plants_import,
            ["사업자등록번호", "회사명", "기업규모", "공장명", "지역", "주소", "업종", "종업원수"],
            [new_number, "퍼징정밀(주)", "소기업", "퍼징 제1공장", "경기도", "안산시", "25", "12"],
            "Business Number,Company Name,Size,Plant Name,Region,Address,Industry,Employees",
        ),
        Importer(
            "projects",
            projects_import,
            [
                "사업ID",
                "사업자등록번호",
                "공장명",
                "대기업",
                "목표수준",
                "총사업비",
                "정부지원금",
                "대기업부담",
                "기업부담",
                "신청일",
                "과제번호",
            ],
            [
                str(populated.program.pk),
                plant_free.company.business_number,
                plant_free.name,
                world.firm_a.name,
                "기초",
                "100,000,000",
                "30,000,000",
                "30,000,000",
                "40,000,000",
                "2025-03-03",
                "FZ-1",
            ],
            "Program ID,Business Number,Plant Name,Partner,Target Level,Total Cost,"
            "Government Share,Partner Share,SME Share,Applied On,Reference",
        ),
        Importer(
            "kpis",
            kpis_import,
            ["사업ID", "사업자등록번호", "공장명", "지표", "도입전", "도입후"],
            [
                str(populated.program.pk),
                project_a.plant.company.business_number,
                project_a.plant.name,
                "생산성",
                "100",
                "120",
            ],
            "Program ID,Business Number,Plant Name,Indicator,Baseline,Result",
        ),
    ]


def assert_sound(report, before: dict, *, data_rows: int | None = None) -> None:
    """Whatever the file: errors point at the file (row None) or at a row of it, and a report
    with errors means nothing was written."""
    for issue in report.errors:
        assert str(issue.message).strip(), issue
        assert issue.row is None or issue.row >= 1, issue
        if data_rows is not None and issue.row is not None:
            assert issue.row <= data_rows + 1, issue
    if report.errors:
        assert not report.written
        assert row_counts() == before, report.errors
    else:
        assert report.written


def test_the_base_files_import_cleanly(populated, importers):
    """The fuzzed files below start from these: each is accepted as it is."""
    for importer in importers:
        before = row_counts()
        report = importer.run(populated.world.agency, csv_bytes(importer.header, [importer.row]))
        assert report.errors == [], (importer, report.errors)
        assert report.written and row_counts() != before


@DB_SETTINGS
@given(data=st.binary(max_size=4096), which=st.integers(0, 2))
@example(data=b"\x00\x01\x02", which=0)
@example(data=b"PK\x03\x04garbage", which=1)
@example(data=b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", which=2)
@example(data=b"\xef\xbb\xbf", which=0)
def test_random_bytes_never_crash_an_importer_and_write_nothing(populated, importers, data, which):
    before = row_counts()
    report = importers[which].run(populated.world.agency, data)
    assert report.errors, "random bytes were accepted"
    assert_sound(report, before)


@DB_SETTINGS
@given(
    which=st.integers(0, 2),
    encoding=st.sampled_from(["utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1"]),
)
def test_wrong_encodings_are_refused_or_misread_harmlessly(populated, importers, which, encoding):
    """UTF-16/32 (NUL bytes) is refused outright. A Latin-1 file (Hangul cannot be written in
    it: an English-header file with accented names) is not UTF-8 and may or may not be valid
    CP949; either way the import is sound."""
    importer = importers[which]
    if encoding == "latin-1":
        row = [v if v.isascii() else "Café Éloïse Präzision" for v in importer.row]
        header = importer.english_header.split(",")
        content = csv_bytes(header, [row], encoding="latin-1")
    else:
        content = csv_bytes(importer.header, [importer.row], encoding=encoding)
    before = row_counts()
    report = importer.run(populated.world.agency, content)
    assert_sound(report, before, data_rows=1)
    if encoding != "latin-1":
        assert [issue.row for issue in report.errors] == [None]
        assert "UTF-8" in report.errors[0].message


@DB_SETTINGS
@given(which=st.integers(0, 2), cut=st.integers(1, 400))
def test_truncated_utf8_never_crashes(populated, importers, which, cut):
    importer = importers[which]
    content = csv_bytes(importer.header, [importer.row] * 3)
    assume(cut < len(content))
    before = row_counts()
    report = importer.run(populated.world.agency, content[:cut])
    assert_sound(report, before, data_rows=3)


@DB_SETTINGS
@given(
    which=st.integers(0, 2),
    column=st.integers(0, 10),
    char=st.sampled_from(["A", "가", "9", "=", " ", ",", '"']),
)
def test_a_huge_cell_is_refused_with_its_row_and_column(populated, importers, which, column, char):
    importer = importers[which]
    column %= len(importer.header)
    row = list(importer.row)
    row[column] = char * 100_000 if char.strip() else "x" + char * 100_000 + "x"
    before = row_counts()
    report = importer.run(populated.world.agency, csv_bytes(importer.header, [row]))
    assert report.errors, f"a 100,000-character {importer.header[column]} was accepted"
    assert_sound(report, before, data_rows=1)
    assert any(issue.row == 2 for issue in report.errors), report.errors


def test_a_cell_beyond_the_csv_field_limit_is_one_file_error(populated, importers):
    for importer in importers:
        row = list(importer.row)
        row[1] = "가" * 200_000
        before = row_counts()
        report = importer.run(populated.world.agency, csv_bytes(importer.header, [row]))
        assert [issue.row for issue in report.errors] == [None], report.errors
        assert_sound(report, before)


odd_numbers = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.builds(lambda m, e: f"{m}e{e}", st.integers(-9, 9), st.integers(-(10**9), 10**9)),
    st.sampled_from(
        ["²", "٣", "１２", "1e999999999", "-1e-999999999", "9" * 100_000, "0." + "0" * 5000 + "1"]
        + ["NaN", "sNaN", "Infinity", "-0", "1_000", "0x10", "1,2,3", "₩-5", "12원원", "3.5명"]
    ),
)


@DB_SETTINGS
@given(which=st.integers(0, 2), column=st.integers(0, 10), number=odd_numbers)
@example(which=1, column=0, number="²")  # program id
@example(which=1, column=5, number="1e40")  # total cost: beyond the Decimal context
@example(which=0, column=7, number="1e999999999")  # employees: a billion-digit integer
@example(which=2, column=4, number="1e-30")  # KPI baseline: the percentage overflows
@example(which=2, column=5, number="1e15")
def test_numbers_of_any_size_and_form_never_crash(populated, importers, which, column, number):
    importer = importers[which]
    column %= len(importer.header)
    row = list(importer.row)
    row[column] = number
    before = row_counts()
    report = importer.run(populated.world.agency, csv_bytes(importer.header, [row]))
    assert_sound(report, before, data_rows=1)
    if report.errors:
        assert any(issue.row == 2 for issue in report.errors), report.errors


def test_a_result_out_of_all_proportion_to_its_baseline_is_a_row_error(populated, importers):
    importer = importers[2]
    row = [*importer.row[:4], "0.0001", "999999999999"]
    before = row_counts()
    with translation.override("en"):
        report = importer.run(populated.world.agency, csv_bytes(importer.header, [row]))
    assert [(i.row, i.column, i.message) for i in report.errors] == [
        (2, "도입후", "The result is out of all proportion to the baseline; check both.")
    ]
    assert_sound(report, before)


header_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=30,
)


@DB_SETTINGS
@given(
    which=st.integers(0, 2),
    header=st.lists(header_text, min_size=1, max_size=12),
    cells=st.lists(header_text, min_size=1, max_size=12),
)
def test_random_headers_never_crash_and_name_the_missing_columns(
    populated, importers, which, header, cells
):
    importer = importers[which]
    assume(any(h.strip() for h in header) and any(c.strip() for c in cells))
    before = row_counts()
    report = importer.run(populated.world.agency, csv_bytes(header, [cells]))
    assert report.errors
    assert_sound(report, before, data_rows=1)


FORMULAS = [
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2",
    "@SUM(1)",
    '=HYPERLINK("http://x.invalid","click")',
    "\t=1+1",
    "＝1+1",
]
formula_text = st.one_of(
    st.sampled_from(FORMULAS),
    st.builds(
        lambda start, rest: start + rest,
        st.sampled_from(["=", "+", "-", "@", "＝", "＋", "－", "＠"]),
        st.text(alphabet="0123456789+-*/()ABC!|' ", max_size=20),
    ),
)


@DB_SETTINGS
@given(which=st.integers(0, 2), column=st.integers(0, 10), formula=formula_text)
def test_formulas_in_any_cell_are_refused_or_kept_as_plain_text(
    populated, importers, which, column, formula
):
    importer = importers[which]
    column %= len(importer.header)
    row = list(importer.row)
    row[column] = formula
    before = row_counts()
    report = importer.run(populated.world.agency, csv_bytes(importer.header, [row]))
    assert_sound(report, before, data_rows=1)
    if report.errors:
        assert any(issue.row == 2 for issue in report.errors), report.errors
    elif importer.name == "plants" and column in (1, 3):
        # Accepted as a name: stored as the text it is (exports neutralise it, see below).
        stored = Plant.objects.filter(name=formula.strip()).exists() or (
            Organization.objects.filter(name=formula.strip()).exists()
        )
        assert stored, formula


# --- business numbers ------------------------------------------------------------------------

stems = st.text(alphabet="0123456789", min_size=9, max_size=9)


def build_number(stem: str) -> str:
    return stem + str(business_number_check_digit(stem))


@given(st.text(max_size=30))
@example("１２４８１００９９８")  # full-width digits
@example("124-81-00998\n")
@example("12481009 98")
@example("²²²²²²²²²²")
@example("٢٢٠٨١٦٢٥١٧")  # Arabic-Indic digits
def test_any_text_is_either_a_valid_number_or_a_validation_error(text):
    valid = is_valid_business_number(text)
    assert isinstance(valid, bool)
    assert isinstance(format_business_number(text), str)
    try:
        validate_business_number(text)
    except ValidationError as exc:
        assert not valid
        assert exc.error_list[0].code in ("business_number_format", "business_number_checksum")
    else:
        assert valid
        digits = normalize_business_number(text)
        assert len(digits) == 10 and digits.isascii() and digits.isdigit()


@given(stem=stems, style=st.sampled_from(["plain", "hyphens", "spaces"]))
def test_every_correctly_built_number_is_accepted_in_each_writing(stem, style):
    number = build_number(stem)
    written = {
        "plain": number,
        "hyphens": f"{number[:3]}-{number[3:5]}-{number[5:]}",
        "spaces": f" {number[:3]} {number[3:5]} {number[5:]} ",
    }[style]
    assert is_valid_business_number(written)
    validate_business_number(written)
    assert format_business_number(written) == f"{number[:3]}-{number[3:5]}-{number[5:]}"


@given(stem=stems, position=st.integers(0, 9), shift=st.integers(1, 9))
def test_any_single_changed_digit_is_rejected(stem, position, shift):
    number = build_number(stem)
    changed = str((int(number[position]) + shift) % 10)
    typo = number[:position] + changed + number[position + 1 :]
    assert not is_valid_business_number(typo)
    with pytest.raises(ValidationError) as exc:
        validate_business_number(typo)
    assert exc.value.error_list[0].code == "business_number_checksum"


# --- scoring ---------------------------------------------------------------------------------

item_points = st.one_of(
    st.integers(1, 200),
    st.decimals(min_value=Decimal("0.1"), max_value=Decimal("200"), places=2),
    st.fractions(min_value=Fraction(1, 7), max_value=200, max_denominator=13),
)


@st.composite
def any_framework(draw):
    """Any well-formed framework: 1–6 areas of 1–6 items, any positive points, any rising
    thresholds (reachable or not), any total and any floor rules, about existing areas or
    not, on or off."""
    areas = [f"Z{n}" for n in range(draw(st.integers(1, 6)))]
    items = [
        ItemSpec(code=f"{area}.{n}", area=area, points=draw(item_points), order=draw(st.integers()))
        for area in areas
        for n in range(draw(st.integers(1, 6)))
    ]
    thresholds = sorted(draw(st.lists(st.integers(0, 1200), min_size=5, max_size=5)))
    rules = []
    for n in range(draw(st.integers(0, 4))):
        if draw(st.booleans()):
            rule = FloorRule(f"spread{n}", max_spread=draw(st.integers(0, 5)))
        else:
            rule = FloorRule(
                f"need{n}",
                min_overall=draw(st.integers(1, 5)),
                min_area_level=draw(st.integers(0, 5)),
                area=draw(st.one_of(st.none(), st.sampled_from([*areas, "NOPE"]))),
            )
        if not draw(st.booleans()):
            rule = FloorRule(**{**rule.__dict__, "enabled": False})
        rules.append(rule)
    spec = FrameworkSpec(
        items=items,
        thresholds=dict(enumerate(thresholds, start=1)),
        floor_rules=rules,
        total_points=draw(st.sampled_from([100, 1000, 1234])),
    )
    ratings = {
        item.code: draw(st.one_of(st.integers(0, 5), st.just(NOT_APPLICABLE))) for item in items
    }
    if all(r == NOT_APPLICABLE for r in ratings.values()):
        ratings[items[0].code] = draw(st.integers(0, 5))
    return spec, ratings


@settings(max_examples=300, deadline=None, derandomize=True)
@given(rated=any_framework())
def test_random_frameworks_and_ratings_score_within_range(rated):
    spec, ratings = rated
    result = score(spec, ratings)
    # An item earns 50–100 % of its points, so the total lies in half to all of the scale.
    assert Fraction(spec.total_points, 2) <= result.total <= spec.total_points
    assert 0 <= result.final_level <= result.band_level <= 5
    assert all(0 <= cap <= 10 for cap in result.caps.values())
    for area in result.areas.values():
        applicable = [i for i in spec.items if i.area == area.code and ratings[i.code] != "na"]
        if applicable:
            assert 500 <= area.score <= 1000 and 0 <= area.level <= 5
        else:
            assert area.score is None and area.level is None
    targets = {step.target for step in result.roadmap}
    assert targets <= {min(result.final_level + 1, 5)}
    assert all(step.rating < step.target and step.priority > 0 for step in result.roadmap)
    assert [s.priority for s in result.roadmap] == sorted(
        (s.priority for s in result.roadmap), reverse=True
    )
    stored = json.loads(json.dumps(result.as_dict()))
    assert abs(Fraction(stored["total"]) - result.total) <= Fraction(1, 2000)
    assert to_decimal(result.total) == Decimal(stored["total"])


# --- CSV exports -----------------------------------------------------------------------------

# What a spreadsheet may run as a formula at the start of a cell (OWASP CSV injection), with
# the full-width forms a spreadsheet with East Asian input settings may read as formulas too.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")

dangerous_text = st.builds(
    lambda start, rest: start + rest,
    st.sampled_from(FORMULA_STARTS),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00"),
        max_size=40,
    ),
)
safe_text = st.text(alphabet="가나다ABC 123()", min_size=1, max_size=20).filter(
    lambda s: not s.startswith(FORMULA_STARTS)
)


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def cell(rows: list[list[str]], header: str, key_column: str, key: str) -> str:
    index, key_index = rows[0].index(header), rows[0].index(key_column)
    matches = [row[index] for row in rows[1:] if row[key_index] == key]
    assert len(matches) == 1, (header, key, rows)
    return matches[0]


def neutralised(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


@pytest.fixture
def export_client(populated, client_for):
    client = client_for(populated.world.agency)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    values=st.lists(st.one_of(dangerous_text, safe_text), min_size=7, max_size=7),
)
def test_exports_neutralise_formulas_in_every_text_cell(populated, export_client, values):
    world = populated.world
    project = populated.projects[0]
    plant_name, company, program_en, partner, agency, reference, supplier = values
    Plant.objects.filter(pk=project.plant_id).update(name=plant_name)
    Organization.objects.filter(pk=project.plant.company_id).update(name=company)
    Organization.objects.filter(pk=world.firm_a.pk).update(name=partner)
    Organization.objects.filter(pk=world.agency_org.pk).update(name=agency)
    Organization.objects.filter(pk=project.supplier_id).update(name=supplier)
    Program.objects.filter(pk=populated.program.pk).update(name_en=program_en)
    Project.objects.filter(pk=project.pk).update(reference=reference)

    with translation.override("en"):
        rows = read_csv(export_client.get(reverse("programs:project_list"), {"format": "csv"}))
        key = str(project.pk)
        assert cell(rows, "Plant", "ID", key) == neutralised(plant_name)
        assert cell(rows, "Company", "ID", key) == neutralised(company)
        assert cell(rows, "Program", "ID", key) == neutralised(program_en)
        assert cell(rows, "Partner firm", "ID", key) == neutralised(partner)
        assert cell(rows, "Supplier", "ID", key) == neutralised(supplier)
        assert cell(rows, "Reference", "ID", key) == neutralised(reference)

        ledger = read_csv(export_client.get(reverse("programs:ledger"), {"export": "csv"}))
        partner_cells = [r[ledger[0].index("Partner firm")] for r in ledger[1:]]
        assert neutralised(partner) in partner_cells
        assert {r[ledger[0].index("Operating agency")] for r in ledger[1:]} == {neutralised(agency)}
        assert {r[ledger[0].index("Program")] for r in ledger[1:]} == {neutralised(program_en)}

        for table, name in (("partner", partner), ("program", program_en), ("agency", agency)):
            progress = read_csv(export_client.get(reverse("progress:dashboard"), {"export": table}))
            names = [row[1] for row in progress[1:]]
            assert neutralised(name) in names, (table, progress)
        for text in values:
            if text.startswith(FORMULA_STARTS):
                assert text not in {c for r in rows for c in r}  # never raw
