"""Plants without a system: the template, the upload with its preview, the monthly form, and
the pure reading of a sheet (datahub/sheets.py)."""

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from datahub import sheets
from datahub.models import DataSource
from tests.datahub.ingest_client import fresh_partitions  # noqa: F401 (autouse)

KNOWN = {"oee", "produced_quantity-line-1"}


# --- reading a sheet (pure) ---------------------------------------------------------------


def test_records_name_their_sheet_row_and_column():
    table = [
        ["timestamp", "oee", "produced_quantity-line-1", "mystery"],
        ["2026-11-01T09:00:00+09:00", "71.5", "1,200", "x"],
        ["2026-11-01 10:00", "", "1300", ""],
        ["", "", "", ""],
        ["yesterday", "70", "", ""],
        ["2026-11-01T11:00:00Z", "abc", "1400", ""],
    ]
    parsed = sheets.to_records(table, KNOWN)
    assert parsed.rows == 4
    assert parsed.columns == ["oee", "produced_quantity-line-1"]
    assert parsed.unknown_columns == ["mystery"]
    assert parsed.records[0] == {"series": "oee", "ts": "2026-11-01T09:00:00+09:00", "value": 71.5}
    assert parsed.records[1]["value"] == 1200.0
    # a naive time is Korea time
    assert parsed.records[2] == {
        "series": "produced_quantity-line-1",
        "ts": "2026-11-01T10:00:00+09:00",
        "value": 1300.0,
    }
    assert parsed.origins[:3] == [
        (2, "oee"),
        (2, "produced_quantity-line-1"),
        (3, "produced_quantity-line-1"),
    ]
    assert [(e["row"], e["column"]) for e in parsed.errors] == [(5, "timestamp"), (6, "oee")]
    assert parsed.records[-1]["ts"] == "2026-11-01T11:00:00+00:00"


def test_a_sheet_without_a_timestamp_column_is_refused():
    with pytest.raises(sheets.SheetError):
        sheets.to_records([["time", "oee"], ["2026-11-01", "1"]], KNOWN)
    with pytest.raises(sheets.SheetError):
        sheets.to_records([], KNOWN)
    with pytest.raises(sheets.SheetError):
        sheets.read_table("data.pdf", b"%PDF")
    with pytest.raises(sheets.SheetError):
        sheets.read_table("data.xlsx", b"not a zip")


def test_excel_cells_keep_their_types_and_cp949_csv_is_read():
    book = Workbook()
    book.active.append(["Timestamp", "oee"])
    book.active.append([dt.datetime(2026, 11, 1, 9), 71.5])
    book.active.append([dt.date(2026, 11, 2), True])
    out = io.BytesIO()
    book.save(out)
    with translation.override("en"):
        parsed = sheets.to_records(sheets.read_table("f.xlsx", out.getvalue()), KNOWN)
    assert parsed.records == [{"series": "oee", "ts": "2026-11-01T09:00:00+09:00", "value": 71.5}]
    assert parsed.errors == [{"row": 3, "column": "oee", "reason": "not a number"}]
    text = "timestamp,oee\r\n2026-11-01 09:00,70\r\n".encode("cp949")
    assert len(sheets.to_records(sheets.read_table("f.csv", text), KNOWN).records) == 1


# --- pages ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_templates_have_the_plants_series_as_columns(world, feed, browse):
    client = browse(world.sme)
    csv_response = client.get(reverse("datahub:upload_template", args=[world.plant_a.pk, "csv"]))
    assert "attachment" in csv_response["Content-Disposition"]
    header = next(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert header == ["timestamp", "oee", "produced_quantity-line-1"]
    xlsx = client.get(reverse("datahub:upload_template", args=[world.plant_a.pk, "xlsx"]))
    book = load_workbook(io.BytesIO(xlsx.content))
    assert [c.value for c in book.worksheets[0][1]] == header
    explained = {row[0]: row for row in book.worksheets[1].iter_rows(values_only=True)}
    assert explained["oee"][3] == "%" and explained["produced_quantity-line-1"][3] == "{unit}"
    assert explained["oee"][1] == "설비종합효율(OEE)"  # the Korean name
    missing = client.get(reverse("datahub:upload_template", args=[world.plant_a.pk, "pdf"]))
    assert missing.status_code == 404


@pytest.mark.django_db
def test_upload_previews_before_anything_is_stored(world, feed, browse, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = browse(world.sme)
    body = "timestamp,oee,unknown\r\n2026-11-01T09:00:00+09:00,71.5,1\r\nbad,70,\r\n"
    upload = SimpleUploadedFile("data.csv", body.encode(), content_type="text/csv")
    response = client.post(reverse("datahub:upload", args=[world.plant_a.pk]), {"file": upload})
    assert response.status_code == 302
    preview = client.get(response["Location"])
    parsed = preview.context["parsed"]
    assert parsed.rows == 2 and len(parsed.records) == 1
    assert parsed.unknown_columns == ["unknown"]
    assert "Row 3, column timestamp" in preview.content.decode()
    assert not DataSource.objects.filter(plant=world.plant_a, kind="spreadsheet").exists()
    other = browse(world.partner_a).get(response["Location"])
    assert other.status_code == 403


@pytest.mark.django_db
def test_an_unreadable_file_is_a_form_error(world, feed, browse, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    url = reverse("datahub:upload", args=[world.plant_a.pk])
    for name, body in (("a.pdf", b"%PDF"), ("a.csv", b"oee\r\n1\r\n"), ("a.xlsx", b"zip?")):
        upload = SimpleUploadedFile(name, body)
        response = browse(world.sme).post(url, {"file": upload})
        assert response.status_code == 200 and "file" in response.context["form"].errors, name
    assert not list(tmp_path.rglob("*.*"))
    unknown = browse(world.sme).get(
        reverse("datahub:upload_preview", args=[world.plant_a.pk, "0" * 32])
    )
    assert unknown.status_code == 404


@pytest.mark.django_db
def test_monthly_form_has_a_field_per_series_and_checks_the_month(world, feed, browse):
    client = browse(world.sme)
    url = reverse("datahub:monthly", args=[world.plant_a.pk])
    form = client.get(url).context["form"]
    assert set(form.fields) == {"month", "s_oee", "s_produced_quantity-line-1"}
    bad = client.post(url, {"month": "11/2026", "s_oee": "70"})
    assert "month" in bad.context["form"].errors
    empty = client.post(url, {"month": "2026-11"})
    assert empty.context["form"].non_field_errors()


# --- through the ingest service ---------------------------------------------------------------


@pytest.mark.django_db
def test_confirmed_upload_gives_the_receipt_once(world, feed, browse, settings, tmp_path):
    from datahub.models import IngestRequest, Observation

    settings.MEDIA_ROOT = tmp_path
    client = browse(world.sme)
    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    first, second = (now - dt.timedelta(hours=h) for h in (2, 1))
    body = (
        "timestamp,oee,produced_quantity-line-1\r\n"
        f"{first.isoformat()},71.5,1200\r\n{second.isoformat()},250,1300\r\n"
    )
    upload = SimpleUploadedFile("data.csv", body.encode())
    preview_url = client.post(reverse("datahub:upload", args=[world.plant_a.pk]), {"file": upload})[
        "Location"
    ]
    response = client.post(preview_url)
    assert response.status_code == 200
    receipt = response.context["receipt"]
    assert receipt["accepted"] == 3
    assert [(r["sheet_row"], r["column"]) for r in response.context["rejected"]] == [(3, "oee")]
    source = DataSource.objects.get(plant=world.plant_a, kind="spreadsheet")
    request = IngestRequest.objects.get(source=source)
    assert request.channel == "upload" and request.user == world.sme
    assert Observation.objects.filter(plant_id=world.plant_a.pk).count() == 3
    # the file is gone once sent: a second confirmation finds nothing to send again
    assert client.post(preview_url).status_code == 404


@pytest.mark.django_db
def test_monthly_figures_go_through_the_ingest_service(world, feed, browse):
    from datahub.models import IngestRequest

    client = browse(world.sme)
    last_month = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    response = client.post(
        reverse("datahub:monthly", args=[world.plant_a.pk]),
        {"month": last_month, "s_oee": "68.2", "s_produced_quantity-line-1": "25000"},
    )
    assert response.status_code == 200
    assert response.context["receipt"]["accepted"] == 2
    assert IngestRequest.objects.get(channel="form").accepted == 2
