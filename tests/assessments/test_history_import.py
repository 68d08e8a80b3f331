"""Back-filing the program's history (`history_import`, `manage.py import_history`, the upload
page): good files, every kind of bad row with its row/column/reason, all or nothing, dry
runs, re-imports, outcome-only records and recorded-vs-computed disagreements."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation

from assessments.choices import AssessmentOrigin, AssessmentStatus
from assessments.importers import history_import
from assessments.models import Assessment, ItemRating
from hub.choices import AuditAction
from hub.models import AuditEntry
from tests.assessments.history_helpers import history_file, item_codes, row

pytestmark = pytest.mark.django_db

URL = reverse("assessments:history_import")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def codes(framework):
    return item_codes(framework)


def good_rows(world, codes):
    a, b = world.plant_a, world.plant_b
    return [
        row(a, "OLD-2019-001", "2019-05-02", "2019.05.20", consultant="consultant",
            ratings=3, codes=codes),
        row(b, "OLD-2020-002", "2020-03-10", "2020-04-01", consultant="홍길동",
            score="612.5", level="2", codes=codes),
        row(a, "OLD-2021-003", "2021-06-01", "2021-06-30", consultant="이순신",
            ratings={**dict.fromkeys(codes, 4), codes[0]: "해당없음"}, note="공정 없음",
            codes=codes),
    ]  # fmt: skip


def errors_of(report):
    return [(e.row, e.column, e.message) for e in report.errors]


def test_good_file_backfiles_confirmed_assessments_with_original_dates(world, framework, codes):
    report = history_import(
        user=world.agency,
        content=history_file(framework, good_rows(world, codes)),
        filename="h.csv",
    )
    assert report.ok, report.errors
    assert report.counts.created == 3 and report.outcome_only == 1
    first, second, third = Assessment.objects.order_by("assessed_on")
    assert first.status == AssessmentStatus.CONFIRMED
    assert first.origin == AssessmentOrigin.HISTORY
    assert first.consultant == world.consultant and first.recorded_consultant == ""
    assert first.final_level == 3 and first.total_score == Decimal("800.000")
    assert timezone.localtime(first.confirmed_at) == timezone.make_aware(
        datetime.datetime(2019, 5, 20)
    )
    assert first.valid_until == datetime.date(2022, 5, 2)
    assert first.ratings.count() == len(codes) and first.result["final_level"] == 3
    # Only the outcome survives: no item ratings, the recorded score and level.
    assert second.outcome_only and second.consultant is None
    assert second.recorded_consultant == "홍길동"
    assert (second.final_level, second.total_score) == (2, Decimal("612.500"))
    assert not ItemRating.objects.filter(assessment=second).exists()
    # N/A with the note as its reason.
    na = third.ratings.get(item__code=codes[0])
    assert na.not_applicable and na.na_reason == "공정 없음" and third.final_level == 4
    # The plants' current level follows their latest confirmed assessment.
    world.plant_a.refresh_from_db()
    world.plant_b.refresh_from_db()
    assert (world.plant_a.current_level, world.plant_a.level_confirmed_on) == (
        4,
        datetime.date(2021, 6, 1),
    )
    assert world.plant_b.current_level == 2
    # One audit entry per assessment (origin history, the row's import note) and the file's.
    entry = AuditEntry.objects.for_object(first).get()
    assert entry.after["origin"] == "history" and entry.message == "imported from h.csv, row 2"
    assert AuditEntry.objects.for_object(third).get().after["note"] == "공정 없음"
    imported = AuditEntry.objects.get(action=AuditAction.IMPORT)
    assert imported.after["assessments"] == 3 and imported.after["outcome_only"] == 1


def test_english_headers_xlsx_and_plant_id(world, framework, codes):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Plant ID", "Source Reference", "Framework", "Version", "Assessed On",
                  "Original Confirmation Date", "Score", "Level"])  # fmt: skip
    sheet.append([world.plant_free.pk, "X-1", "sf-l5", 1, datetime.date(2020, 1, 5),
                  datetime.date(2020, 1, 6), 700, "Level 2"])  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = history_import(user=world.agency, content=buffer.getvalue(), filename="h.xlsx")
    assert report.ok, report.errors
    assessment = Assessment.objects.get()
    assert assessment.plant == world.plant_free and assessment.outcome_only


def bad(world, framework, codes, rows, **kwargs):
    report = history_import(
        user=world.agency, content=history_file(framework, rows, **kwargs), filename="bad.csv"
    )
    assert not report.ok and not report.written
    assert not Assessment.objects.exists()
    return errors_of(report)


def test_every_kind_of_bad_row_is_reported_by_row_and_column(world, framework, codes):
    a = world.plant_a
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    unknown = world.plant_a.__class__(name="없는 공장", company=a.company)
    rows = [
        row(a, "R1", future, future, ratings=3, codes=codes),
        row(a, "R2", "2020-05-02", "2020-05-01", ratings=3, codes=codes),
        row(unknown, "R3", "2020-05-02", "2020-05-03", ratings=3, codes=codes),
        row(a, "R4", "2020-05-02", "2020-05-03", codes=codes),  # neither ratings nor outcome
        row(a, "R5", "2020-05-02", "2020-05-03", ratings={codes[0]: 3}, codes=codes),
        row(
            a,
            "R6",
            "2020-05-02",
            "2020-05-03",
            ratings={**dict.fromkeys(codes, 2), codes[1]: "7"},
            codes=codes,
        ),  # fmt: skip
        row(
            a,
            "R7",
            "2020-05-02",
            "2020-05-03",
            ratings={**dict.fromkeys(codes, 2), codes[2]: "N/A"},
            codes=codes,
        ),  # fmt: skip
        row(a, "R8", "2020-13-02", "2020-05-03", score="600", level="9", codes=codes),
        row(a, "R1", "2020-05-02", "2020-05-03", score="600", level="1", codes=codes),
    ]
    rows[-1][4] = "7"  # a framework version that is not loaded
    found = bad(world, framework, codes, rows)
    by_row = {}
    for number, column, message in found:
        by_row.setdefault(number, []).append((column, message))
    assert ("평가일", "The assessment date cannot be in the future.") in by_row[2]
    assert ("원본확인일", "The confirmation date cannot be in the future.") in by_row[2]
    assert by_row[3][0][0] == "원본확인일" and "confirmed before it took place" in by_row[3][0][1]
    assert by_row[4][0][0] == "공장명" and "No plant “없는 공장”" in by_row[4][0][1]
    assert {c for c, _m in by_row[5]} == {"점수", "수준"}
    assert "Items without a rating" in by_row[6][0][1]
    assert by_row[7] == [(codes[1], "A rating is 0–5; 7 is not.")]
    assert by_row[8][0][0] == codes[2] and "give the reason" in by_row[8][0][1]
    assert {c for c, _m in by_row[9]} == {"평가일", "수준"}
    assert ("원본번호", "Rows 2 and 10 have the same source reference.") in by_row[10]
    assert any(c == "모델버전" and "not loaded" in m for c, m in by_row[10])


def test_missing_columns_and_unknown_columns(world, framework):
    report = history_import(
        user=world.agency,
        content="공장명,평가일,뭔가\n공장,2020-01-01,x\n".encode(),
        filename="h.csv",
    )
    assert report.errors[0].row == 1 and "Required columns are missing" in report.errors[0].message
    assert "사업자등록번호" in report.errors[0].message
    assert report.warnings[0].column == "뭔가"


def test_all_or_nothing_one_bad_row_writes_nothing(world, framework, codes):
    rows = good_rows(world, codes)
    rows.append(row(world.plant_b, "BAD", "2020-01-01", "2019-01-01", score="600", level="1",
                    codes=codes))  # fmt: skip
    found = bad(world, framework, codes, rows)
    assert [r for r, _c, _m in found] == [5]
    world.plant_a.refresh_from_db()
    assert world.plant_a.current_level is None
    assert not AuditEntry.objects.filter(action=AuditAction.IMPORT).exists()


def test_dry_run_writes_nothing(world, framework, codes):
    report = history_import(
        user=world.agency,
        content=history_file(framework, good_rows(world, codes)),
        filename="h.csv",
        dry_run=True,
    )
    assert report.ok and report.counts.created == 3 and not report.written
    assert not Assessment.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.IMPORT).exists()


def test_reimport_of_the_same_record_is_refused(world, framework, codes):
    content = history_file(framework, good_rows(world, codes))
    assert history_import(user=world.agency, content=content, filename="h.csv").ok
    again = history_import(user=world.agency, content=content, filename="h.csv")
    assert not again.ok and Assessment.objects.count() == 3
    first_id = Assessment.objects.get(source_reference="OLD-2019-001").pk
    assert (2, "원본번호", f"The record “OLD-2019-001” was imported already (assessment "
            f"#{first_id}); it is not imported twice.") in errors_of(again)  # fmt: skip


def test_recorded_level_that_disagrees_is_refused_score_only_warned(world, framework, codes):
    a = world.plant_a
    found = bad(world, framework, codes, [
        row(a, "R1", "2020-05-02", "2020-05-03", level="4", ratings=3, codes=codes),
    ])  # fmt: skip
    assert found[0][1] == "수준" and "give Level 3 (score 800.0)" in found[0][2]
    report = history_import(
        user=world.agency,
        content=history_file(
            framework,
            [
                row(
                    a,
                    "R1",
                    "2020-05-02",
                    "2020-05-03",
                    score="790",
                    level="3",
                    ratings=3,
                    codes=codes,
                ),
            ],
        ),  # fmt: skip
        filename="h.csv",
    )
    assert report.ok and report.warnings[0].column == "점수"
    assert Assessment.objects.get().total_score == Decimal("800.000")


def test_na_reason_column(world, framework, codes):
    ratings = {**dict.fromkeys(codes, 2), codes[3]: "N/A"}
    cells = row(world.plant_a, "R1", "2020-05-02", "2020-05-03", ratings=ratings, codes=codes)
    report = history_import(
        user=world.agency,
        content=history_file(
            framework, [[*cells, "해당 공정 없음"]], extra_header=[f"{codes[3]} 사유"]
        ),  # fmt: skip
        filename="h.csv",
    )
    assert report.ok, report.errors
    assert ItemRating.objects.get(item__code=codes[3]).na_reason == "해당 공정 없음"


def test_only_agency_staff_import(world, framework, codes):
    content = history_file(framework, good_rows(world, codes))
    for user in (world.consultant, world.partner_a, world.official, world.sme):
        with pytest.raises(PermissionDenied):
            history_import(user=user, content=content, filename="h.csv")


def test_command(world, framework, codes, tmp_path):
    path = tmp_path / "history.csv"
    path.write_bytes(history_file(framework, good_rows(world, codes)))
    with pytest.raises(CommandError, match="--user"):
        call_command("import_history", str(path))
    out = io.StringIO()
    call_command("import_history", str(path), "--dry-run", "--user", "agency", stdout=out)
    assert "Dry run" in out.getvalue() and not Assessment.objects.exists()
    call_command("import_history", str(path), "--user", "agency", stdout=out)
    assert Assessment.objects.count() == 3
    assert "3 created (1 with score and level only)" in out.getvalue()
    err = io.StringIO()
    with pytest.raises(CommandError, match="3 errors"):
        call_command("import_history", str(path), "--user", "agency", stderr=err)
    assert "row 2, 원본번호" in err.getvalue()
    with pytest.raises(CommandError):
        call_command("import_history", str(path), "--user", "partner_a")


def test_upload_page(world, framework, codes, browse):
    client = browse(world.agency)
    page = client.get(URL)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Import the assessment history" in text and codes[0] in text
    assert "Business Number,Plant Name,Source Reference" in text  # the template's header
    upload = SimpleUploadedFile("h.csv", history_file(framework, good_rows(world, codes)))
    answer = client.post(URL, {"file": upload, "dry_run": "on"})
    assert answer.status_code == 200 and "Nothing was written" in answer.content.decode()
    assert not Assessment.objects.exists()
    upload = SimpleUploadedFile("h.csv", history_file(framework, good_rows(world, codes)))
    answer = client.post(URL, {"file": upload})
    assert "Imported 3 rows." in answer.content.decode()
    assert Assessment.objects.count() == 3
    upload = SimpleUploadedFile("h.csv", history_file(framework, good_rows(world, codes)))
    answer = client.post(URL, {"file": upload})
    assert 'id="import-errors"' in answer.content.decode()
    # Linked from the assessment list for agency staff.
    assert URL in client.get(reverse("assessments:assessment_list")).content.decode()


def test_upload_page_long_file_runs_as_job(world, framework, codes, browse, settings):
    settings.IMPORT_BACKGROUND_BYTES = 100
    settings.IMPORT_IN_THREAD = False
    client = browse(world.agency)
    upload = SimpleUploadedFile("h.csv", history_file(framework, good_rows(world, codes)))
    answer = client.post(URL, {"file": upload})
    assert answer.status_code == 302 and "?job=" in answer["Location"]
    page = client.get(answer["Location"])
    assert "Imported 3 rows." in page.content.decode()
    assert Assessment.objects.count() == 3


@pytest.mark.parametrize("who", ["consultant", "partner_a", "official", "sme", "outsider"])
def test_upload_page_refuses_others(world, framework, client_for, who):
    assert client_for(getattr(world, who)).get(URL).status_code == 403


def test_unknown_plant_id_unknown_item_and_long_reference(world, framework, codes):
    content = (
        "공장ID,원본번호,평가모델,모델버전,평가일,원본확인일,점수,수준,Z9.9\n"
        f"999999,R-1,SF-L5,1,2020-01-01,2020-01-02,600,1,\n"
        f"{world.plant_a.pk},{'X' * 101},SF-L5,1,2020-01-01,2020-01-02,600,1,\n"
    ).encode()
    report = history_import(user=world.agency, content=content, filename="h.csv")
    assert (2, "공장ID", "There is no such plant.") in errors_of(report)
    assert (3, "원본번호", "A source reference has at most 100 characters.") in errors_of(report)
    assert report.warnings[0].column == "Z9.9"  # not an item of any framework: ignored
    assert not Assessment.objects.exists()
