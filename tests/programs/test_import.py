"""Bulk project and KPI import: the upload pages and `manage.py import_projects|import_kpis`.

Every error case checks that nothing at all was written and that the report points at the
row (header = row 1) and the column as the user wrote it. Rows go through the project
services, so the same rules hold as in the pages and the API — including a partner's funds
used up by two rows of the same file."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from hub.choices import AuditAction
from hub.models import AuditEntry, Mentorship
from programs.choices import ProjectStatus
from programs.importers import kpis_import, projects_import
from programs.models import KPI, Project
from tests.factories import AgencyFactory, Role, member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in English (the source language); Korean comes from the catalog."""
    with translation.override("en"):
        yield


PROJECT_URL = reverse("programs:project_import")
KPI_URL = reverse("programs:kpi_import")

KO_HEADER = [
    "사업명", "연도", "사업자등록번호", "공장명", "대기업", "공급기업", "목표수준",
    "총사업비", "정부지원금", "대기업부담", "기업부담", "상태",
    "신청일", "선정일", "협약일", "구축시작일", "완료일", "과제번호",
]  # fmt: skip
EN_HEADER = [
    "Program", "Year", "Business Number", "Plant Name", "Partner", "Supplier", "Target Level",
    "Total Cost", "Government Share", "Partner Share", "SME Share", "Status",
    "Applied On", "Selected On", "Agreed On", "Building On", "Completed On", "Reference",
]  # fmt: skip
PROGRAM = "2025 상생형 스마트공장 구축지원"


def ko_rows(world):
    """plant_a completed with firm_a; plant_b only applied with firm_b."""
    a, b = world.plant_a, world.plant_b
    return [
        [PROGRAM, "2025", a.company.business_number, a.name, "대한전자", "스마트솔루션(주)",
         "기초", "100,000,000", "30,000,000", "30,000,000", "40,000,000", "완료",
         "2025.03.02", "2025.03.20", "2025.04.01", "2025.04.15", "2025.09.30", "WW-2025-001"],
        [PROGRAM, "2025", b.company.business_number, b.name, "민국자동차", "",
         "고도화1", "100,000,000", "30,000,000", "30,000,000", "40,000,000", "신청",
         "2025-03-05", "", "", "", "", "WW-2025-002"],
    ]  # fmt: skip


def csv_bytes(header, rows, encoding="utf-8"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(header, rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def run(world, content, filename="projects.csv", **kwargs):
    return projects_import(user=world.agency, content=content, filename=filename, **kwargs)


def errors(report):
    return [(e.row, e.column, e.message) for e in report.errors]


@pytest.fixture
def program(winwin, supplier):
    return winwin


# --- projects: clean files -------------------------------------------------------------------


def test_cp949_csv_with_korean_headers_imports_projects_with_their_history(world, program):
    report = run(world, csv_bytes(KO_HEADER, ko_rows(world), "cp949"))
    assert report.ok, errors(report)
    assert (report.counts.created, report.written) == (2, True)
    a = Project.objects.get(reference="WW-2025-001")
    assert a.status == ProjectStatus.COMPLETED
    assert (a.selected_on, a.agreed_on, a.building_on, a.completed_on) == (
        datetime.date(2025, 3, 20),
        datetime.date(2025, 4, 1),
        datetime.date(2025, 4, 15),
        datetime.date(2025, 9, 30),
    )
    assert a.supplier.name == "스마트솔루션(주)"
    b = Project.objects.get(reference="WW-2025-002")
    assert (b.status, b.partner, b.target_level) == ("applied", world.firm_b, "advanced1")
    assert AuditEntry.objects.filter(action=AuditAction.IMPORT).count() == 1
    # Audited as the plant import audits: each project once, in its final, dated state.
    created = AuditEntry.objects.filter(action=AuditAction.CREATE, content_type__model="project")
    assert created.count() == 2
    assert created.get(object_id=str(a.pk)).after["completed_on"] == "2025-09-30"


def test_xlsx_with_english_headers_and_program_id(world, program):
    header = ["Program ID", *EN_HEADER[2:]]
    rows = [[program.pk, *row[2:]] for row in ko_rows(world)]
    rows[0][5] = "basic"
    rows[0][10] = "Completed"
    rows[1][10] = "applied"
    rows[0][6] = 100_000_000  # numbers typed into Excel arrive as numbers
    rows[0][11] = datetime.date(2025, 3, 2)  # and dates as dates
    report = run(world, xlsx_bytes(header, rows), "projects.xlsx")
    assert report.ok, errors(report)
    assert report.format == "xlsx"
    assert Project.objects.count() == 2
    assert Project.objects.get(reference="WW-2025-001").status == "completed"


def test_project_on_a_new_plant_creates_the_mentorship(world, program):
    plant = world.plant_free
    row = ko_rows(world)[1]
    row[2:4] = [plant.company.business_number, plant.name]
    report = run(world, csv_bytes(KO_HEADER, [row]))
    assert report.ok, errors(report)
    assert Mentorship.objects.filter(partner=world.firm_b, plant=plant).exists()


def test_reimport_changes_nothing_and_further_status_advances(world, program):
    content = csv_bytes(KO_HEADER, ko_rows(world))
    assert run(world, content).ok
    before = {p.pk: (p.revision, p.updated_at) for p in Project.objects.all()}
    audits = AuditEntry.objects.exclude(action=AuditAction.IMPORT).count()
    report = run(world, content)
    assert report.ok, errors(report)
    assert (report.counts.created, report.counts.updated, report.counts.unchanged) == (0, 0, 2)
    assert {p.pk: (p.revision, p.updated_at) for p in Project.objects.all()} == before
    assert AuditEntry.objects.exclude(action=AuditAction.IMPORT).count() == audits

    rows = ko_rows(world)
    rows[1][11:16] = ["선정", "2025-03-05", "2025-03-25", "", ""]
    report = run(world, csv_bytes(KO_HEADER, rows))
    assert report.ok, errors(report)
    assert (report.counts.updated, report.counts.unchanged) == (1, 1)
    assert Project.objects.get(reference="WW-2025-002").status == "selected"
    # An import does not undo steps.
    report = run(world, content)
    assert errors(report) == [
        (3, "상태", "The registered project is already selected; an import does not undo steps.")
    ]


def test_rows_without_reference_match_on_program_plant_and_application_date(world, program):
    rows = [row[:-1] for row in ko_rows(world)]
    content = csv_bytes(KO_HEADER[:-1], rows)
    assert run(world, content).counts.created == 2
    report = run(world, content)
    assert (report.counts.created, report.counts.unchanged) == (0, 2)


def test_dry_run_writes_nothing(world, program):
    report = run(world, csv_bytes(KO_HEADER, ko_rows(world)), dry_run=True)
    assert report.ok and report.counts.created == 2 and not report.written
    assert not Project.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.IMPORT).exists()


# --- projects: errors, nothing written -------------------------------------------------------


def test_missing_columns_are_named(world, program):
    header = [h for h in KO_HEADER if h not in ("사업명", "총사업비")]
    rows = [
        [v for h, v in zip(KO_HEADER, row, strict=True) if h in header] for row in ko_rows(world)
    ]
    report = run(world, csv_bytes(header, rows))
    assert len(report.errors) == 1
    issue = report.errors[0]
    assert issue.row == 1
    assert "Total Cost (총사업비)" in issue.message
    assert "Program ID (사업ID) or Program (사업명) + Year (연도)" in issue.message
    assert not Project.objects.exists()


def test_bad_shares_name_row_and_column_and_nothing_is_written(world, program):
    rows = ko_rows(world)
    # Row 3: government ₩60 m of ₩100 m breaks the 30 % maximum; shares no longer add up.
    rows[1][8] = "60,000,000"
    audits = AuditEntry.objects.count()
    report = run(world, csv_bytes(KO_HEADER, rows))
    assert not report.ok
    by_column = {(e.row, e.column): e.message for e in report.errors}
    assert "₩30,000,000" in by_column[(3, "정부지원금")]  # the rule's maximum
    assert "₩130,000,000" in by_column[(3, "총사업비")]  # what the shares add up to
    assert {e.row for e in report.errors} == {3}
    assert not Project.objects.exists()  # row 2 was valid, and is not written either
    assert AuditEntry.objects.count() == audits


def test_partner_funds_exhausted_across_two_rows_of_the_same_file(world, program):
    # firm_b committed ₩50 m: two ₩30 m partner shares need ₩10 m more in the second row.
    a, b = world.plant_a, world.plant_b
    rows = [
        [PROGRAM, "2025", b.company.business_number, b.name, "민국자동차", "", "기초",
         "100,000,000", "30,000,000", "30,000,000", "40,000,000", "신청",
         "2025-03-02", "", "", "", "", "WW-1"],
        [PROGRAM, "2025", a.company.business_number, a.name, "민국자동차", "", "기초",
         "100,000,000", "30,000,000", "30,000,000", "40,000,000", "신청",
         "2025-03-03", "", "", "", "", "WW-2"],
    ]  # fmt: skip
    report = run(world, csv_bytes(KO_HEADER, rows))
    assert [(e.row, e.column) for e in report.errors] == [(3, "대기업부담")]
    message = report.errors[0].message
    assert "₩20,000,000" in message and "₩10,000,000" in message
    assert not Project.objects.exists()


def test_unknown_plant_partner_program_and_bad_cells(world, program):
    rows = ko_rows(world)
    rows[0][3] = "없는 공장"
    rows[0][4] = "없는 대기업"
    rows[1][0] = "없는 사업"
    rows[1][6] = "최고급"
    rows[1][12] = "2025-13-45"
    report = run(world, csv_bytes(KO_HEADER, rows))
    columns = {(e.row, e.column) for e in report.errors}
    assert {(2, "공장명"), (2, "대기업"), (3, "사업명"), (3, "목표수준"), (3, "신청일")} <= columns
    assert not Project.objects.exists()


def test_status_and_step_dates_must_agree(world, program):
    rows = ko_rows(world)
    rows[0][15] = ""  # completed without its building date
    rows[1][14] = "2025-04-01"  # applied, yet an agreement date
    report = run(world, csv_bytes(KO_HEADER, rows))
    assert {(e.row, e.column) for e in report.errors} == {(2, "구축시작일"), (3, "협약일")}


def test_another_agencys_program_is_refused(world, program):
    stranger = member(Role.AGENCY_STAFF, AgencyFactory(), "other_agency")
    report = projects_import(
        user=stranger, content=csv_bytes(KO_HEADER, ko_rows(world)), filename="p.csv"
    )
    assert {(e.row, e.column) for e in report.errors} == {(2, "사업명"), (3, "사업명")}
    assert not Project.objects.exists()


def test_same_project_twice_in_a_file(world, program):
    rows = ko_rows(world)
    rows.append(list(rows[0]))
    report = run(world, csv_bytes(KO_HEADER, rows))
    assert (4, "과제번호") in {(e.row, e.column) for e in report.errors}


# --- pages and commands ----------------------------------------------------------------------


def test_import_pages_are_for_agency_staff_only(world, client_for):
    for url in (PROJECT_URL, KPI_URL):
        assert client_for(world.agency).get(url).status_code == 200
        for persona in (world.official, world.partner_a, world.consultant, world.outsider):
            assert client_for(persona).get(url).status_code == 403
        assert client_for(None).get(url).status_code == 302


def test_upload_page_shows_the_report(world, program, client_for):
    client = client_for(world.agency)
    rows = ko_rows(world)
    rows[1][8] = "60,000,000"
    upload = SimpleUploadedFile("projects.csv", csv_bytes(KO_HEADER, rows, "cp949"))
    response = client.post(PROJECT_URL, {"file": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="import-errors"' in page and "정부지원금" in page
    assert not Project.objects.exists()
    upload = SimpleUploadedFile("projects.csv", csv_bytes(KO_HEADER, ko_rows(world), "cp949"))
    response = client.post(PROJECT_URL, {"file": upload})
    assert 'id="import-counts"' in response.content.decode()
    assert Project.objects.count() == 2


def test_commands(world, program, tmp_path):
    path = tmp_path / "projects.csv"
    path.write_bytes(csv_bytes(KO_HEADER, ko_rows(world), "cp949"))
    with pytest.raises(CommandError, match="--user"):
        call_command("import_projects", str(path))
    out = io.StringIO()
    call_command("import_projects", str(path), "--dry-run", "--user", "agency", stdout=out)
    assert "Dry run" in out.getvalue()
    assert not Project.objects.exists()
    call_command("import_projects", str(path), "--user", "agency", stdout=out)
    assert Project.objects.count() == 2
    with pytest.raises(CommandError):
        call_command("import_projects", str(path), "--user", "partner_a")

    kpis = tmp_path / "kpis.csv"
    kpis.write_bytes(
        csv_bytes(
            ["과제번호", "지표", "도입전", "도입후"], [["WW-2025-001", "불량률", "200", "100"]]
        )
    )
    call_command("import_kpis", str(kpis), "--user", "agency", stdout=out)
    assert KPI.objects.get().improvement_pct == 50


# --- KPIs ------------------------------------------------------------------------------------

KPI_HEADER = [
    "과제번호", "지표", "단위", "도입전", "도입후",
    "기준측정시작", "기준측정종료", "성과측정시작", "성과측정종료",
]  # fmt: skip


@pytest.fixture
def imported(world, program):
    assert run(world, csv_bytes(KO_HEADER, ko_rows(world))).ok
    return Project.objects.get(reference="WW-2025-001"), Project.objects.get(
        reference="WW-2025-002"
    )


def kpi_rows():
    return [
        ["WW-2025-001", "불량률", "ppm", "200", "100",
         "2024-01-01", "2024-12-31", "2025-10-01", "2025-10-31"],
        ["WW-2025-001", "생산성", "", "100", "130", "", "", "", ""],
        ["WW-2025-002", "설비종합효율", "%", "60", "", "", "", "", ""],
    ]  # fmt: skip


def test_kpi_import_with_sign_conventions_and_idempotent(world, imported):
    done, applied = imported
    content = csv_bytes(KPI_HEADER, kpi_rows(), "cp949")
    report = kpis_import(user=world.agency, content=content, filename="kpis.csv")
    assert report.ok, errors(report)
    assert report.counts.created == 3
    kpis = {k.indicator: k for k in KPI.objects.filter(project=done)}
    assert kpis["defect_rate"].improvement_pct == 50
    assert kpis["productivity"].improvement_pct == 30
    assert kpis["productivity"].unit == "units/h"  # default unit
    assert kpis["defect_rate"].result_to == datetime.date(2025, 10, 31)
    assert KPI.objects.get(project=applied).indicator == "oee"

    report = kpis_import(user=world.agency, content=content, filename="kpis.csv")
    assert (report.counts.created, report.counts.updated, report.counts.unchanged) == (0, 0, 3)
    rows = kpi_rows()
    rows[1][4] = "150"
    report = kpis_import(user=world.agency, content=csv_bytes(KPI_HEADER, rows), filename="k.csv")
    assert report.counts.updated == 1
    assert KPI.objects.get(project=done, indicator="productivity").improvement_pct == 50


def test_kpi_import_english_xlsx_by_program_and_plant(world, imported):
    done, _ = imported
    plant = world.plant_a
    header = ["Program", "Year", "Business Number", "Plant Name", "Indicator", "Baseline", "Result"]
    rows = [[PROGRAM, 2025, plant.company.business_number, plant.name, "defect_rate", 200, 100]]
    report = kpis_import(user=world.agency, content=xlsx_bytes(header, rows), filename="k.xlsx")
    assert report.ok, errors(report)
    assert KPI.objects.get(project=done).improvement_pct == 50


def test_kpi_import_errors_write_nothing(world, imported):
    rows = kpi_rows()
    rows[2][4] = "70"  # a result for a project that is only applied
    rows[1][1] = "행복지수"
    rows.append(["WW-없음", "원가", "", "1000", "", "", "", "", ""])
    report = kpis_import(user=world.agency, content=csv_bytes(KPI_HEADER, rows), filename="k.csv")
    assert {(e.row, e.column) for e in report.errors} == {
        (3, "지표"),
        (4, "도입후"),
        (5, "과제번호"),
    }
    assert not KPI.objects.exists()


def test_kpi_import_missing_columns(world, imported):
    report = kpis_import(
        user=world.agency, content=csv_bytes(["지표", "도입전"], [["불량률", "1"]]), filename="k"
    )
    assert report.errors[0].row == 1
    assert not KPI.objects.exists()


def test_kpi_import_is_for_agency_staff(world, imported):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        kpis_import(user=world.official, content=b"x", filename="k.csv")
