"""Bulk import of plants with their companies: the upload page and `manage.py import_plants`.

Every error case checks that nothing at all was written and that the report points at the
row (header = row 1) and the column as the user wrote it. Messages are checked in English
(the source language); Korean comes from the catalog.
"""

import csv
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from hub.choices import AuditAction, OrganizationKind
from hub.models import AuditEntry, Organization, Plant
from tests.factories import AgencyFactory, CompanyFactory, PlantFactory, valid_business_number

DATA = Path(__file__).parent / "data"
URL = reverse("hub:plant_import")

KO_HEADER = [
    "사업자등록번호",
    "회사명",
    "기업규모",
    "공장명",
    "지역",
    "주소",
    "업종",
    "종업원수",
    "공장등록번호",
]
EN_HEADER = [
    "Business Number",
    "Company Name",
    "Size Class",
    "Plant Name",
    "Region",
    "Address",
    "Industry",
    "Employees",
    "Factory Registration Number",
]
HANBIT, DAEHAN = "1248100998", "2208162517"
ROWS = [
    [
        "124-81-00998",
        "(주)한빛정밀",
        "소기업",
        "안산 제1공장",
        "경기도",
        "안산시 산단로 1",
        "25",
        "40",
        "41273-0001",
    ],
    [
        "124-81-00998",
        "(주)한빛정밀",
        "소기업",
        "시화 제2공장",
        "경기",
        "시흥시 공단1대로 7",
        "C25",
        "12",
        "",
    ],
    [
        "220-81-62517",
        "대한기계(주)",
        "중기업",
        "창원공장",
        "경상남도",
        "창원시 공단로 100",
        "29 기타 기계",
        "85",
        "48121-0002",
    ],
]


def csv_bytes(rows, header=KO_HEADER, encoding="utf-8-sig", delimiter=","):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, header=EN_HEADER):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def many_rows(count, start=0):
    """`count` plants, each of its own company, with valid business numbers."""
    return [
        [
            valid_business_number(5000 + i),
            f"기업 {i}",
            "소기업",
            f"공장 {i}",
            "경기",
            "",
            "25",
            str(i),
            "",
        ]
        for i in range(start, start + count)
    ]


def db_state():
    return Organization.objects.count(), Plant.objects.count(), AuditEntry.objects.count()


def run_command(path, *args):
    out, err = io.StringIO(), io.StringIO()
    with translation.override("en"):
        call_command("import_plants", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def command_error(path, *args):
    """Run the command expecting failure; returns (CommandError message, stderr)."""
    err = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError) as exc_info:
        call_command("import_plants", str(path), *args, stdout=io.StringIO(), stderr=err)
    return str(exc_info.value), err.getvalue()


def write(tmp_path, content, name="plants.csv"):
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.fixture
def agency_client(world, client_for):
    """Agency staff reading the site in English (the source language of the messages)."""
    client = client_for(world.agency)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def upload(client, content, name="plants.csv", dry_run=False):
    data = {"file": SimpleUploadedFile(name, content)}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(URL, data)


def issues(report):
    return [(issue.row, issue.column) for issue in report.errors]


def assert_rejected(response, before, *expected):
    """Nothing written, and each expected (row, column) is in the report."""
    assert response.status_code == 200
    report = response.context["report"]
    assert not report.ok and not report.written
    assert db_state() == before
    for where in expected:
        assert where in issues(report), issues(report)
    return report


# --- clean files ---------------------------------------------------------------------------


def test_command_imports_cp949_sample_with_korean_headers(world):
    before_orgs, before_plants, before_audit = db_state()

    out, err = run_command(DATA / "plants_ko_cp949.csv", "--user", "agency")

    assert "companies: 2 created, 0 updated, 0 unchanged" in out
    assert "plants: 3 created, 0 updated, 0 unchanged" in out
    assert err == ""
    hanbit = Organization.objects.get(business_number=HANBIT)
    assert (hanbit.kind, hanbit.name, hanbit.size_class) == (
        OrganizationKind.SME,
        "(주)한빛정밀",
        "small",
    )
    assert (hanbit.employees, str(hanbit.revenue_million_krw)) == (52, "8300.0")
    assert str(Organization.objects.get(business_number=DAEHAN).revenue_million_krw) == "21500.5"
    anshan = Plant.objects.get(company=hanbit, name="안산 제1공장")
    assert (anshan.region, anshan.industry, anshan.employees) == ("41", "25", 40)
    assert (anshan.factory_registration_number, anshan.status) == ("41273-2015-0001", "active")
    assert Plant.objects.get(name="창원공장").industry == "29"
    assert db_state() == (before_orgs + 2, before_plants + 3, before_audit + 2 + 3 + 1)

    creates = AuditEntry.objects.filter(action=AuditAction.CREATE)
    assert creates.count() == 5
    assert set(creates.values_list("user__username", flat=True)) == {"agency"}
    plant_entry = AuditEntry.objects.for_object(anshan).get()
    assert plant_entry.before is None
    assert plant_entry.after["employees"] == 40 and plant_entry.after["company"] == hanbit.pk
    assert "plants_ko_cp949.csv" in plant_entry.message and "row 2" in plant_entry.message
    summary = AuditEntry.objects.get(action=AuditAction.IMPORT)
    assert "plants_ko_cp949.csv" in summary.message
    assert summary.after["plants"] == {"created": 3, "updated": 0, "unchanged": 0}
    assert summary.user == world.agency


def imported():
    """The imported companies and plants, as comparable tuples."""
    numbers = [HANBIT, DAEHAN]
    companies = Organization.objects.filter(business_number__in=numbers)
    plants = Plant.objects.filter(company__business_number__in=numbers)
    return (
        sorted(
            companies.values_list(
                "business_number", "name", "size_class", "employees", "revenue_million_krw"
            )
        ),
        sorted(
            plants.values_list(
                "company__business_number",
                "name",
                "region",
                "address",
                "industry",
                "employees",
                "factory_registration_number",
                "status",
            )
        ),
    )


def test_utf8_bom_sample_with_english_headers_gives_the_same_registry(world):
    run_command(DATA / "plants_ko_cp949.csv")
    from_korean_file = imported()
    Plant.objects.filter(company__business_number__in=[HANBIT, DAEHAN]).delete()
    Organization.objects.filter(business_number__in=[HANBIT, DAEHAN]).delete()

    out, _ = run_command(DATA / "plants_en_utf8_bom.csv")

    assert "plants: 3 created" in out
    assert imported() == from_korean_file
    assert len(from_korean_file[1]) == 3


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp949"])
def test_each_csv_encoding_reads_the_korean_text(world, tmp_path, encoding):
    path = write(tmp_path, csv_bytes(ROWS, encoding=encoding))

    out, _ = run_command(path)

    assert "plants: 3 created" in out
    assert Organization.objects.get(business_number=DAEHAN).name == "대한기계(주)"
    assert set(
        Plant.objects.filter(company__business_number=HANBIT).values_list("name", flat=True)
    ) == {"안산 제1공장", "시화 제2공장"}


def test_tab_and_semicolon_delimited_files_are_read(world, tmp_path):
    out, _ = run_command(write(tmp_path, csv_bytes(ROWS[:1], delimiter="\t"), "a.txt"))
    assert "plants: 1 created" in out
    out, _ = run_command(write(tmp_path, csv_bytes(ROWS[1:], delimiter=";"), "b.csv"))
    assert "plants: 2 created" in out
    assert Plant.objects.filter(company__business_number__in=[HANBIT, DAEHAN]).count() == 3


def test_xlsx_with_english_headers_and_numeric_cells(agency_client):
    rows = [
        # Excel keeps typed numbers as numbers: 1248100998, 41, 25, 42.0
        [1248100998, "(주)한빛정밀", "Small", "안산 제1공장", 41, "안산시", 25, 42.0, 4127300001],
        [
            "220-81-62517",
            "대한기계(주)",
            "Medium",
            "창원공장",
            "Gyeongnam",
            None,
            "Other machinery and equipment",
            None,
            None,
        ],
    ]
    before = db_state()

    response = upload(agency_client, xlsx_bytes(rows), "plants.xlsx")

    report = response.context["report"]
    assert report.ok, report.errors
    assert (report.companies.created, report.plants.created) == (2, 2)
    plant = Plant.objects.get(name="안산 제1공장")
    assert (plant.company.business_number, plant.region, plant.industry) == (HANBIT, "41", "25")
    assert (plant.employees, plant.factory_registration_number) == (42, "4127300001")
    other = Plant.objects.get(name="창원공장")
    assert (other.region, other.industry, other.employees, other.address) == ("48", "29", None, "")
    assert db_state() == (before[0] + 2, before[1] + 2, before[2] + 5)
    assert (
        AuditEntry.objects.filter(action=AuditAction.CREATE, user__username="agency").count() == 4
    )


def test_xlsx_saved_with_a_csv_name_is_still_read_as_a_workbook(agency_client):
    response = upload(agency_client, xlsx_bytes([ROWS[0]], header=KO_HEADER), "export.csv")

    report = response.context["report"]
    assert report.ok and report.format == "xlsx"
    assert Plant.objects.filter(name="안산 제1공장", company__business_number=HANBIT).exists()


def test_header_aliases_ignore_case_spacing_marks_and_unit_notes(world, tmp_path):
    header = [
        "*사업자 번호",
        "COMPANY",
        "규모",
        "사업장명",
        "시·도",
        "Industry Code",
        "직원수(명)",
        "factory_registration_number",
    ]
    row = ["124-81-00998", "(주)한빛정밀", "소기업", "안산 제1공장", "경기", "25", "1,204명", "F-1"]

    out, err = run_command(write(tmp_path, csv_bytes([row], header=header)))

    plant = Plant.objects.get(name="안산 제1공장")
    assert (plant.employees, plant.factory_registration_number, plant.region) == (1204, "F-1", "41")
    assert err == ""


@pytest.mark.parametrize(
    ("region", "industry", "size", "expected"),
    [
        ("42", "C10", "소상공인", ("51", "10", "micro")),  # retired Gangwon code
        ("강원도", "식료품 제조업", "micro", ("51", "10", "micro")),
        ("전라북도", "25 금속가공", "Mid-sized", ("52", "25", "midsize")),
        ("45", "Basic metals", "중견기업", ("52", "24", "midsize")),
        ("세종특별자치시", "25912", "중기업", ("36", "25", "medium")),
        ("Busan", "1차 금속 제조업", "소기업(소상공인)", ("26", "24", "micro")),
    ],
)
def test_region_industry_and_size_spellings(world, tmp_path, region, industry, size, expected):
    row = ["124-81-00998", "회사", size, "공장", region, "", industry, "", ""]

    run_command(write(tmp_path, csv_bytes([row])))

    plant = Plant.objects.select_related("company").get(
        name="공장", company__business_number=HANBIT
    )
    assert (plant.region, plant.industry, plant.company.size_class) == expected


def test_unknown_columns_are_warnings_and_the_file_still_imports(agency_client):
    response = upload(agency_client, csv_bytes([[*ROWS[0], "메모"]], header=[*KO_HEADER, "비고"]))

    report = response.context["report"]
    assert report.ok and report.written
    assert [(w.row, w.column) for w in report.warnings] == [(1, "비고")]
    assert "Unknown column" in response.content.decode()
    assert Plant.objects.filter(name="안산 제1공장").exists()


# --- idempotency and updates ---------------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing(world):
    run_command(DATA / "plants_ko_cp949.csv")
    stamps = list(Plant.objects.order_by("pk").values_list("pk", "updated_at"))
    org_stamps = list(Organization.objects.order_by("pk").values_list("pk", "updated_at"))
    orgs, plants, audits = db_state()

    out, _ = run_command(DATA / "plants_ko_cp949.csv")

    assert "companies: 0 created, 0 updated, 2 unchanged" in out
    assert "plants: 0 created, 0 updated, 3 unchanged" in out
    assert list(Plant.objects.order_by("pk").values_list("pk", "updated_at")) == stamps
    assert list(Organization.objects.order_by("pk").values_list("pk", "updated_at")) == org_stamps
    # Only the record that an import ran: no per-object entries.
    assert db_state() == (orgs, plants, audits + 1)
    assert AuditEntry.objects.order_by("-pk").first().action == AuditAction.IMPORT


def test_reimport_in_the_other_format_and_language_changes_nothing(world):
    run_command(DATA / "plants_ko_cp949.csv")
    orgs, plants, audits = db_state()

    out, _ = run_command(DATA / "plants_en_utf8_bom.csv")

    assert "plants: 0 created, 0 updated, 3 unchanged" in out
    assert db_state() == (orgs, plants, audits + 1)


def test_changed_employee_count_updates_exactly_that_plant(world, tmp_path):
    run_command(write(tmp_path, csv_bytes(ROWS)))
    plant = Plant.objects.get(name="시화 제2공장")
    untouched = {p.pk: p.updated_at for p in Plant.objects.exclude(pk=plant.pk)}
    orgs, plants, audits = db_state()
    changed = [row[:] for row in ROWS]
    changed[1][7] = "15"

    out, _ = run_command(write(tmp_path, csv_bytes(changed), "changed.csv"), "--user", "agency")

    assert "plants: 0 created, 1 updated, 2 unchanged" in out
    assert "companies: 0 created, 0 updated, 2 unchanged" in out
    plant.refresh_from_db()
    assert plant.employees == 15
    assert {p.pk: p.updated_at for p in Plant.objects.exclude(pk=plant.pk)} == untouched
    assert db_state() == (orgs, plants, audits + 2)
    entry = AuditEntry.objects.for_object(plant).get(action=AuditAction.UPDATE)
    assert entry.changes == [("employees", 12, 15)]
    assert entry.user == world.agency
    assert "changed.csv" in entry.message and "row 3" in entry.message


def test_existing_company_is_updated_when_its_data_changes(world, tmp_path):
    company = CompanyFactory(business_number=HANBIT, name="한빛정밀", size_class="small")
    existing = PlantFactory(company=company, name="안산 제1공장", address="옛 주소", employees=3)
    row = ["124-81-00998", "(주)한빛정밀", "중기업", "안산 제1공장", "경기", "", "25", "40", ""]

    out, _ = run_command(write(tmp_path, csv_bytes([row])))

    assert "companies: 0 created, 1 updated" in out and "plants: 0 created, 1 updated" in out
    company.refresh_from_db()
    existing.refresh_from_db()
    assert (company.name, company.size_class) == ("(주)한빛정밀", "medium")
    # An empty optional cell leaves the registered value alone.
    assert (existing.employees, existing.address) == (40, "옛 주소")
    entry = AuditEntry.objects.for_object(company).get()
    assert set(entry.changes) == {
        ("name", "한빛정밀", "(주)한빛정밀"),
        ("size_class", "small", "medium"),
    }


def test_dry_run_writes_nothing_and_reports_what_would_happen(world, tmp_path):
    before = db_state()

    out, _ = run_command(write(tmp_path, csv_bytes(ROWS)), "--dry-run")

    assert "Dry run" in out and "companies: 2 created" in out and "plants: 3 created" in out
    assert db_state() == before


def test_page_dry_run_shows_counts_without_writing(agency_client):
    before = db_state()

    response = upload(agency_client, csv_bytes(ROWS), dry_run=True)

    report = response.context["report"]
    assert report.ok and report.dry_run and not report.written
    assert (report.companies.created, report.plants.created) == (2, 3)
    assert db_state() == before
    assert "check only" in response.content.decode()


# --- files that cannot be read ---------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        bytes(range(128, 256)) * 8,  # random high bytes: neither UTF-8 nor CP949
        "사업자등록번호,회사명\n".encode("utf-16-le"),  # UTF-16 without BOM
        "사업자등록번호,회사명\n".encode("utf-16"),  # UTF-16 with BOM (Excel "Unicode text")
    ],
    ids=["random-bytes", "utf16-no-bom", "utf16-bom"],
)
def test_text_in_another_encoding_is_one_clear_error(agency_client, content):
    before = db_state()

    report = assert_rejected(upload(agency_client, content), before)

    assert len(report.errors) == 1
    assert report.errors[0].row is None
    assert "neither UTF-8 nor CP949" in report.errors[0].message


def test_garbage_named_xlsx_and_a_zip_that_is_not_a_workbook_are_refused(agency_client):
    before = db_state()
    report = assert_rejected(upload(agency_client, b"just some text", "plants.xlsx"), before)
    assert "not a valid Excel workbook" in report.errors[0].message

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("hello.txt", "hi")
    report = assert_rejected(upload(agency_client, archive.getvalue(), "plants.csv"), before)
    assert "not a valid Excel workbook" in report.errors[0].message


def test_old_xls_files_get_a_save_as_hint(agency_client):
    report = assert_rejected(
        upload(agency_client, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls"),
        db_state(),
    )
    assert ".xls" in report.errors[0].message


def test_header_only_file_is_an_error(agency_client):
    report = assert_rejected(upload(agency_client, csv_bytes([])), db_state())
    assert "no data rows" in report.errors[0].message


def test_file_over_the_size_limit_is_refused(agency_client, settings, tmp_path):
    settings.IMPORT_MAX_BYTES = 100
    content = csv_bytes(ROWS)
    before = db_state()

    response = upload(agency_client, content)

    assert response.status_code == 200
    assert "report" not in response.context
    assert "files up to" in str(response.context["form"].errors["file"])
    message, _ = command_error(write(tmp_path, content))
    assert "files up to" in message
    assert db_state() == before


def test_too_many_rows_is_refused(agency_client, settings):
    settings.IMPORT_MAX_ROWS = 2
    report = assert_rejected(upload(agency_client, csv_bytes(ROWS)), db_state())
    assert "more than 2 data rows" in report.errors[0].message


# --- rows with errors: nothing is written -----------------------------------------------------


def test_missing_required_columns_are_named_in_one_error(agency_client):
    header = ["사업자등록번호", "회사명", "기업규모", "공장명", "주소"]
    before = db_state()

    report = assert_rejected(
        upload(agency_client, csv_bytes([ROWS[0][:4] + ["x"]], header=header)), before
    )

    assert len(report.errors) == 1
    assert report.errors[0].row == 1
    assert (
        report.errors[0].message == "Required columns are missing: Region (지역), Industry (업종)."
    )


def test_duplicate_rows_are_reported_with_both_row_numbers(agency_client):
    rows = [ROWS[0], ROWS[1], ROWS[2], ROWS[0]]
    before = db_state()

    report = assert_rejected(upload(agency_client, csv_bytes(rows)), before, (5, "공장명"))

    message = next(e.message for e in report.errors if e.row == 5)
    assert "Rows 2 and 5" in message


def test_bad_business_numbers_point_at_row_and_column(agency_client):
    rows = [
        ROWS[0],
        ["124-81-00999", "체크", "소기업", "A", "서울", "", "10", "", ""],  # wrong check digit
        ["12345", "짧은", "소기업", "B", "서울", "", "10", "", ""],  # not 10 digits
        ["", "없음", "소기업", "C", "서울", "", "10", "", ""],  # missing
    ]
    before = db_state()

    report = assert_rejected(
        upload(agency_client, csv_bytes(rows)),
        before,
        (3, "사업자등록번호"),
        (4, "사업자등록번호"),
        (5, "사업자등록번호"),
    )

    messages = {e.row: e.message for e in report.errors}
    assert "check digit" in messages[3]
    assert "10 digits" in messages[4]
    assert "required" in messages[5]
    assert len(report.errors) == 3
    response = upload(agency_client, csv_bytes(rows))
    html = response.content.decode()
    assert (
        'id="import-errors"' in html
        and "124-81-00999 fails the business registration number check digit." in html
    )


def test_bad_region_industry_size_status_and_employees(world, tmp_path):
    header = [*KO_HEADER, "상태"]
    rows = [
        ["124-81-00998", "한빛", "소기업", "A", "경기", "", "25", "10", "", "가동"],
        ["124-81-00998", "한빛", "소기업", "B", "평양", "", "25", "10", "", ""],
        ["124-81-00998", "한빛", "소기업", "C", "서울", "", "35", "10", "", ""],
        ["124-81-00998", "한빛", "소기업", "D", "서울", "", "농업", "10", "", ""],
        ["220-81-62517", "대한", "거대기업", "E", "서울", "", "25", "-3", "", ""],
        ["220-81-62517", "대한", "", "F", "서울", "", "25", "12.5", "", "영업중"],
    ]
    before = db_state()

    message, stderr = command_error(write(tmp_path, csv_bytes(rows, header=header)))

    assert "nothing was written" in message
    assert db_state() == before
    lines = stderr.splitlines()
    for expected in [
        "row 3, 지역: “평양” is not a region",
        "row 4, 업종: KSIC division 35 is not a manufacturing division",
        "row 5, 업종: “농업” is not a manufacturing industry",
        "row 6, 기업규모: “거대기업” is not a size class",
        "row 6, 종업원수: The number cannot be negative.",
        "row 7, 기업규모: A value is required.",
        "row 7, 종업원수: “12.5” is not a whole number.",
        "row 7, 상태: “영업중” is not a plant status",
    ]:
        assert any(line.startswith(expected) for line in lines), (expected, lines)


def test_conflicting_company_names_for_one_business_number(agency_client):
    rows = [
        ROWS[0],
        ["124-81-00998", "한빛정밀 주식회사", "소기업", "다른 공장", "경기", "", "25", "1", ""],
    ]
    before = db_state()

    report = assert_rejected(upload(agency_client, csv_bytes(rows)), before, (3, "회사명"))

    message = report.errors[0].message
    assert "row 2" in message and "(주)한빛정밀" in message and "한빛정밀 주식회사" in message


def test_factory_registration_number_twice_in_the_file(agency_client):
    rows = [ROWS[0], [*ROWS[2][:8], "41273-0001"]]
    before = db_state()

    report = assert_rejected(upload(agency_client, csv_bytes(rows)), before, (3, "공장등록번호"))

    assert "row 2" in report.errors[0].message


def test_factory_registration_number_of_another_plant_in_the_registry(agency_client):
    other = PlantFactory(name="남의 공장", factory_registration_number="41273-0001")
    before = db_state()

    report = assert_rejected(upload(agency_client, csv_bytes(ROWS)), before, (2, "공장등록번호"))

    assert (
        "남의 공장" in report.errors[0].message and other.company.name in report.errors[0].message
    )


def test_plant_keeping_its_own_factory_registration_number_is_fine(agency_client):
    company = CompanyFactory(business_number=HANBIT, name="(주)한빛정밀", size_class="small")
    PlantFactory(company=company, name="안산 제1공장", factory_registration_number="41273-0001")

    report = upload(agency_client, csv_bytes(ROWS)).context["report"]

    assert report.ok, report.errors
    assert (report.plants.created, report.plants.updated) == (2, 1)


def test_business_number_of_a_non_sme_organisation(agency_client):
    AgencyFactory(name="지역혁신센터", business_number=DAEHAN)
    before = db_state()

    report = assert_rejected(upload(agency_client, csv_bytes(ROWS)), before, (4, "사업자등록번호"))

    message = report.errors[0].message
    assert "지역혁신센터" in message and "not an SME company" in message


def test_model_validation_catches_values_too_long(agency_client):
    rows = [
        ROWS[0],
        ["220-81-62517", "대한기계(주)", "중기업", "공" * 201, "경기", "", "25", "", ""],
    ]
    before = db_state()

    report = assert_rejected(upload(agency_client, csv_bytes(rows)), before, (3, "공장명"))

    assert "200" in report.errors[0].message


def test_company_name_too_long_points_at_its_first_row(agency_client):
    rows = [ROWS[0], ["220-81-62517", "회" * 201, "중기업", "창원공장", "경남", "", "29", "", ""]]
    before = db_state()

    report = assert_rejected(upload(agency_client, csv_bytes(rows)), before, (3, "회사명"))

    assert len(report.errors) == 1


def test_a_write_conflict_rolls_back_everything(agency_client, monkeypatch):
    """If the database refuses part of the write (someone registered the same plant a moment
    earlier), the companies already inserted in the same transaction are rolled back too."""

    def conflict(*args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(Plant.objects, "bulk_create", conflict)
    before = db_state()

    report = assert_rejected(upload(agency_client, csv_bytes(ROWS)), before)

    assert "changed while the file was being imported" in report.errors[0].message


def test_one_bad_row_among_many_writes_nothing(agency_client):
    rows = many_rows(30)
    rows[17][6] = "99"
    before = db_state()

    report = assert_rejected(upload(agency_client, csv_bytes(rows)), before, (19, "업종"))

    assert len(report.errors) == 1
    assert report.companies.created == 0 and report.plants.created == 0


def test_command_prints_row_and_column_of_each_error(world, tmp_path):
    rows = [ROWS[0], ["124-81-00999", "체크", "소기업", "A", "서울", "", "10", "", ""]]

    message, stderr = command_error(write(tmp_path, csv_bytes(rows)))

    assert message == "1 error in plants.csv; nothing was written."
    assert (
        "row 3, 사업자등록번호: 124-81-00999 fails the business registration number check digit."
        in stderr
    )


# --- command options -------------------------------------------------------------------------


def test_command_refuses_unknown_users_and_users_who_may_not_edit(world):
    message, _ = command_error(DATA / "plants_ko_cp949.csv", "--user", "nobody")
    assert "no user nobody" in message
    message, _ = command_error(DATA / "plants_ko_cp949.csv", "--user", "official")
    assert "Only agency staff" in message
    message, _ = command_error(DATA / "does-not-exist.csv")
    assert "is not a file" in message
    assert not Plant.objects.filter(name="창원공장").exists()


# --- who may use the page --------------------------------------------------------------------


def test_anonymous_user_is_sent_to_login(client_for, db):
    response = client_for(None).get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    response = client_for(None).post(URL, {"file": SimpleUploadedFile("p.csv", csv_bytes(ROWS))})
    assert response.status_code == 302
    assert not Plant.objects.exists()


@pytest.mark.parametrize("persona", ["official", "partner_a", "consultant", "outsider"])
def test_only_agency_staff_may_import(world, client_for, persona):
    client = client_for(getattr(world, persona))
    before = db_state()

    assert client.get(URL).status_code == 403
    response = client.post(URL, {"file": SimpleUploadedFile("p.csv", csv_bytes(ROWS))})

    assert response.status_code == 403
    assert db_state() == before


@pytest.mark.parametrize("persona", ["agency", "admin_user"])
def test_agency_staff_and_admins_see_the_upload_form_and_columns(world, client_for, persona):
    response = client_for(getattr(world, persona)).get(URL)  # Korean by default

    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert ",".join(["사업자등록번호", "회사명", "기업규모"]) in html
    assert 'download="plant_import_template.csv"' in html


def test_successful_upload_shows_the_counts(agency_client):
    response = upload(agency_client, csv_bytes(ROWS))

    html = response.content.decode()
    assert 'id="import-counts"' in html and 'id="import-errors"' not in html
    report = response.context["report"]
    assert (report.companies.created, report.plants.created, report.written) == (2, 3, True)


# --- bulk: queries do not grow with the file -------------------------------------------------


def test_query_count_does_not_grow_with_rows(agency_client):
    upload(agency_client, csv_bytes(many_rows(5, start=900)))  # warm caches (content types)

    with CaptureQueriesContext(connection) as ten:
        assert upload(agency_client, csv_bytes(many_rows(10))).context["report"].written
    with CaptureQueriesContext(connection) as fifty:
        assert upload(agency_client, csv_bytes(many_rows(50, start=100))).context["report"].written
    updated = [[*row[:7], str(int(row[7]) + 1), ""] for row in many_rows(50, start=100)]
    with CaptureQueriesContext(connection) as fifty_updates:
        report = upload(agency_client, csv_bytes(updated)).context["report"]

    assert report.plants.updated == 50
    assert len(fifty) == len(ten)
    assert len(fifty_updates) <= len(ten) + 2
    assert len(fifty) <= 12
