"""The project and KPI imports write in bulk: a bounded number of queries whatever the length
of the file, the same audit trail as the services, the same rules between rows of one file,
and the follow-up periods of completed projects."""

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from datahub.models import FollowUpPeriod
from hub.audit import import_note, message_text
from hub.choices import AuditAction
from hub.models import AuditEntry, Mentorship
from programs.choices import ProjectStatus
from programs.importers import kpis_import, projects_import
from programs.models import KPI, Project
from tests.factories import PlantFactory
from tests.programs.conftest import winwin_program

pytestmark = pytest.mark.django_db
M = Decimal(1_000_000)

HEADER = [
    "사업ID", "사업자등록번호", "공장명", "대기업", "공급기업", "목표수준", "총사업비",
    "정부지원금", "대기업부담", "기업부담", "상태", "신청일", "선정일", "협약일",
    "구축시작일", "완료일", "과제번호",
]  # fmt: skip
DATES = ["2025-03-02", "2025-03-20", "2025-04-01", "2025-04-15", "2025-09-30"]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def csv_bytes(header, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def project_rows(program, plants, prefix="P"):
    return [
        [program.pk, p.company.business_number, p.name, "대한전자", "스마트솔루션(주)", "기초",
         "100,000,000", "30,000,000", "30,000,000", "40,000,000", "완료", *DATES, f"{prefix}-{i}"]
        for i, p in enumerate(plants)
    ]  # fmt: skip


@pytest.fixture
def big_program(world, supplier):
    return winwin_program(world, [(world.firm_a, 100_000 * M)])


def queries_of(fn):
    ContentType.objects.clear_cache()  # both runs start cold
    with CaptureQueriesContext(connection) as ctx:
        report = fn()
    assert report.ok, report.errors[:3]
    sql = [q["sql"] for q in ctx.captured_queries]
    # SQLite limits the parameters of one statement (999): bulk inserts go in batches of a
    # few dozen rows there; on PostgreSQL a batch holds 1,000 rows.
    return (len([q for q in sql if not q.startswith("INSERT")]), len(sql)), report


def test_project_and_kpi_imports_take_the_same_queries_for_20_and_150_rows(world, big_program):
    plants = PlantFactory.create_batch(170)  # 150 rows: 901 audit entries, one batch
    small, large = plants[:20], plants[20:]
    counts = {}
    for name, group in (("small", small), ("large", large)):
        content = csv_bytes(HEADER, project_rows(big_program, group, prefix=name))
        counts[name], report = queries_of(
            lambda content=content: projects_import(
                user=world.agency, content=content, filename="p.csv"
            )
        )
        assert report.counts.created == len(group)
    assert counts["small"][0] == counts["large"][0], counts  # reads: one per lookup
    assert counts["large"][1] <= 30, counts
    if connection.vendor == "postgresql":
        assert counts["small"][1] == counts["large"][1], counts
    assert Project.objects.filter(status=ProjectStatus.COMPLETED).count() == 170
    assert Mentorship.objects.filter(partner=world.firm_a).count() == 171  # + plant_a's

    kpi_counts = {}
    for name, group in (("small", small), ("large", large)):
        rows = []
        for i in range(len(group)):
            rows.append([big_program.pk, f"{name}-{i}", "생산성", "100", "130"])
            rows.append([big_program.pk, f"{name}-{i}", "불량률", "200", "100"])
        content = csv_bytes(["사업ID", "과제번호", "지표", "도입전", "도입후"], rows)
        kpi_counts[name], report = queries_of(
            lambda content=content: kpis_import(
                user=world.agency, content=content, filename="k.csv"
            )
        )
        assert report.counts.created == 2 * len(group)
    assert kpi_counts["small"][0] == kpi_counts["large"][0], kpi_counts
    assert kpi_counts["large"][1] <= 25, kpi_counts
    if connection.vendor == "postgresql":
        assert kpi_counts["small"][1] == kpi_counts["large"][1], kpi_counts
    assert KPI.objects.filter(indicator="defect_rate", improvement_pct=50).count() == 170


def test_each_project_is_audited_once_with_file_and_row(world, big_program):
    plant = PlantFactory()
    content = csv_bytes(HEADER, project_rows(big_program, [plant]))
    report = projects_import(user=world.agency, content=content, filename="p.csv")
    assert report.ok, report.errors
    project = Project.objects.get(reference="P-0")
    assert project.revision == 4  # one per step, as through project_advance
    entries = AuditEntry.objects.filter(object_id=str(project.pk), content_type__model="project")
    created = entries.get()
    assert (created.action, created.user, created.before) == (
        AuditAction.CREATE,
        world.agency,
        None,
    )
    assert (created.after["id"], created.after["status"]) == (project.pk, "completed")
    assert created.after["agreed_on"] == "2025-04-01"
    assert created.message == import_note("p.csv", 2)  # worded per reader:
    with translation.override("en"):
        assert message_text(created.message) == "Imported from p.csv, row 2."
    mentorship = Mentorship.objects.get(partner=world.firm_a, plant=plant)
    assert AuditEntry.objects.filter(
        object_id=str(mentorship.pk), content_type__model="mentorship", action=AuditAction.CREATE
    ).exists()
    summary = AuditEntry.objects.get(action=AuditAction.IMPORT)
    assert summary.after["projects"] == {"created": 1, "updated": 0, "unchanged": 0}


def test_rows_of_one_file_overlap_like_projects_written_one_by_one(world, big_program):
    plant = PlantFactory()
    rows = project_rows(big_program, [plant, plant])
    for row in rows:
        row[10:16] = ["신청", row[11], "", "", "", ""]
    rows[1][11] = "2025-03-10"
    report = projects_import(user=world.agency, content=csv_bytes(HEADER, rows), filename="p.csv")
    assert [(e.row, e.column) for e in report.errors] == [(3, "공장명")]
    assert "already has an active project" in report.errors[0].message
    assert not Project.objects.exists()
    # A row that fails is undone: the next rows do not see it.
    rows[0][7] = "90,000,000"  # government above its maximum: row 2 fails
    report = projects_import(user=world.agency, content=csv_bytes(HEADER, rows), filename="p.csv")
    assert {e.row for e in report.errors} == {2}
    assert "정부지원금" in {e.column for e in report.errors}


def test_completed_projects_get_their_follow_up_periods(
    world, big_program, django_capture_on_commit_callbacks
):
    plant = PlantFactory()
    content = csv_bytes(HEADER, project_rows(big_program, [plant]))
    with django_capture_on_commit_callbacks(execute=True):
        report = projects_import(user=world.agency, content=content, filename="p.csv")
    assert report.ok, report.errors
    assert FollowUpPeriod.objects.filter(project__reference="P-0").exists()


def test_an_updated_project_is_written_and_audited(world, big_program):
    plant = PlantFactory()
    rows = project_rows(big_program, [plant])
    rows[0][10:16] = ["선정", DATES[0], DATES[1], "", "", ""]
    assert projects_import(user=world.agency, content=csv_bytes(HEADER, rows), filename="a").ok
    rows[0][6:10] = ["110,000,000", "33,000,000", "33,000,000", "44,000,000"]
    report = projects_import(user=world.agency, content=csv_bytes(HEADER, rows), filename="b")
    assert report.ok, report.errors
    assert report.counts.updated == 1
    project = Project.objects.get(reference="P-0")
    assert (project.total_cost, project.revision) == (110 * M, 2)
    update = AuditEntry.objects.get(action=AuditAction.UPDATE, object_id=str(project.pk))
    assert (update.before["total_cost"], update.after["total_cost"]) == ("100000000", "110000000")
    assert update.message == import_note("b", 2)
    # Further along the pipeline: one update entry with the steps taken.
    rows[0][10:16] = ["구축", *DATES[:4], ""]
    report = projects_import(user=world.agency, content=csv_bytes(HEADER, rows), filename="c")
    assert report.ok, report.errors
    project.refresh_from_db()
    assert (project.status, project.revision) == ("building", 4)
    last = AuditEntry.objects.filter(object_id=str(project.pk)).latest("pk")
    assert (last.before["status"], last.after["status"]) == ("selected", "building")


def test_project_import_page_runs_long_files_as_jobs(world, winwin, supplier, browse, settings):
    from tests.programs.test_import import KO_HEADER, ko_rows

    settings.IMPORT_BACKGROUND_BYTES = 200
    settings.IMPORT_IN_THREAD = False  # the test database is not visible to other threads
    client = browse(world.agency)
    upload = SimpleUploadedFile("projects.csv", csv_bytes(KO_HEADER, ko_rows(world)))
    url = reverse("programs:project_import")
    response = client.post(url, {"file": upload})
    assert response.status_code == 302 and response["Location"].startswith(f"{url}?job=")
    page = client.get(response["Location"]).content.decode()
    assert 'id="import-counts"' in page and "Imported 2 rows." in page
    assert Project.objects.count() == 2
