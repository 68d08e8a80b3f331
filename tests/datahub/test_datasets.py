"""Research datasets: an official requests one through the API, the (in-process) Celery task
builds it from the month rollups of plants that consented to research use, and the files are
read back: the Parquet with DuckDB (k-anonymity checked on the output), the CSV, the data
dictionary and the content hash. Downloads are logged; non-consenting plants are absent;
only officials request and only officials and agency staff see datasets."""

import csv
import datetime as dt
import hashlib
import io
import json
from pathlib import Path

import duckdb
import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from datahub.choices import DatasetStatus, Purpose, Refusal
from datahub.models import AccessLogEntry, DatasetDownload, ReadKind, ResearchDataset
from datahub.services import consents, datasets, rollups, sources
from hub.choices import Region
from hub.models import AuditEntry
from tests.datahub.observations import at, write
from tests.factories import PlantFactory

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 5, 20)  # months Jan–Mar 2026 are a month old; April is not
MONTHS = (1, 2, 3, 4)


def api(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def feed_plant(admin, plant, *, value, consent=True):
    source, _token = sources.source_create(user=admin, plant=plant, name="MES")
    oee = sources.series_create(user=admin, source=source, kpi="oee")
    produced = sources.series_create(user=admin, source=source, kpi="produced_quantity")
    rows = [(at(2026, m, 10, h), value + h) for m in MONTHS for h in (1, 2)]
    write(oee, rows)
    write(produced, [(ts, 1000.0) for ts, _ in rows])
    if consent:
        consents.consent_grant(user=admin, plant=plant, purpose=Purpose.RESEARCH)
    return oee


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def plants(world):
    """Twelve consenting plants alike (Gyeonggi, 35 employees, division 25), one consenting
    plant alone of its kind (Jeju, 500 employees: suppressed), one plant without the consent
    and one whose consent was revoked."""
    admin = world.admin_user
    alike = [PlantFactory(operating_since=dt.date(2011, 1, 1)) for _ in range(12)]
    for i, plant in enumerate(alike):
        feed_plant(admin, plant, value=50.0 + i)
    lone = PlantFactory(region=Region.JEJU, employees=500, operating_since=dt.date(1995, 1, 1))
    feed_plant(admin, lone, value=40.0)
    silent = PlantFactory(name="동의 안 한 공장", operating_since=dt.date(2011, 1, 1))
    feed_plant(admin, silent, value=97.0, consent=False)
    revoked = PlantFactory(operating_since=dt.date(2011, 1, 1))
    feed_plant(admin, revoked, value=96.0)
    consent = revoked.consents.get(purpose=Purpose.RESEARCH)
    consents.consent_revoke(user=admin, consent=consent)
    rollups.refresh_dirty()
    return {"alike": alike, "lone": lone, "silent": silent, "revoked": revoked}


def request_dataset(world, django_capture_on_commit_callbacks, **body):
    body = {"title": "OEE 2026 Q1", "as_of": AS_OF.isoformat(), **body}
    with django_capture_on_commit_callbacks(execute=True):
        response = api(world.official).post("/api/v1/datasets/", body, format="json")
    assert response.status_code == 202, response.content
    return ResearchDataset.objects.get(pk=response.json()["id"])


def test_a_dataset_built_from_consenting_plants_reads_back_with_duckdb(
    world, plants, django_capture_on_commit_callbacks
):
    dataset = request_dataset(world, django_capture_on_commit_callbacks)
    assert dataset.status == DatasetStatus.READY, dataset.error or dataset.refusal_reason
    assert (dataset.plant_count, dataset.suppressed_count, dataset.k) == (12, 1, 5)
    assert dataset.row_count == 12 * 3  # one KPI (oee) × Jan–Mar; no raw quantities

    path = dataset.parquet_file.path
    assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == dataset.content_hash
    table = duckdb.sql(f"select * from read_parquet('{path}')")  # noqa: S608 - a test file
    assert table.columns == list(datasets.COLUMNS)
    count, plants_seen, months, kpis = duckdb.sql(
        f"select count(*), count(distinct plant), string_agg(distinct month, ',' order by month),"
        f" string_agg(distinct kpi, ',') from read_parquet('{path}')"  # noqa: S608
    ).fetchall()[0]
    assert (count, plants_seen, months, kpis) == (36, 12, "2026-01,2026-02,2026-03", "oee")
    # k-anonymity on the output: no class of quasi-identifiers with fewer than k plants.
    small = duckdb.sql(
        "select region, size_band, industry, operating_since, count(distinct plant) as n "
        f"from read_parquet('{path}') group by all having n < 5"  # noqa: S608
    ).fetchall()
    assert small == []
    classes = duckdb.sql(
        f"select distinct region, size_band, industry, operating_since from read_parquet('{path}')"  # noqa: S608
    ).fetchall()
    assert classes == [("capital", "10-49", "25", "2010s")]
    # Monthly means: plant values 50+i+1 and 50+i+2 → mean 51.5+i.
    means = sorted(
        v
        for (v,) in duckdb.sql(
            f"select value from read_parquet('{path}') where month = '2026-01'"  # noqa: S608
        ).fetchall()
    )
    assert means == [pytest.approx(51.5 + i) for i in range(12)]
    # Neither the plant without the consent nor the one that revoked it is in.
    assert not [v for v in means if v > 90]


def test_csv_and_dictionary_match_the_parquet(world, plants, django_capture_on_commit_callbacks):
    dataset = request_dataset(world, django_capture_on_commit_callbacks)
    text = Path(dataset.csv_file.path).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == dataset.row_count
    assert set(rows[0]) == set(datasets.COLUMNS)
    # No direct identifier: names, business numbers, factory numbers, database ids.
    for plant in [*plants["alike"], plants["lone"], plants["silent"]]:
        assert plant.name not in text
        assert plant.company.name not in text
        assert plant.company.business_number not in text
    assert {r["plant"] for r in rows}.isdisjoint({str(p.pk) for p in plants["alike"]})
    dictionary = json.loads(Path(dataset.dictionary_file.path).read_text(encoding="utf-8"))
    assert dictionary["as_of"] == AS_OF.isoformat()
    assert dictionary["content_hash"]["parquet"] == dataset.content_hash
    assert dictionary["content_hash"]["csv"] == hashlib.sha256(text.encode()).hexdigest()
    assert dictionary["anonymisation"]["k"] == 5
    assert dictionary["anonymisation"]["plants_suppressed"] == 1
    assert [c["name"] for c in dictionary["columns"]] == list(datasets.COLUMNS)
    (oee,) = dictionary["kpis"]
    assert (oee["code"], oee["unit"]) == ("oee", "%")
    assert dictionary["period"] == {
        "first_month": "2026-01",
        "last_month": "2026-03",
        "months_before": "2026-04-01",
    }


def test_each_released_plant_sees_the_dataset_in_its_access_log(
    world, plants, django_capture_on_commit_callbacks
):
    dataset = request_dataset(world, django_capture_on_commit_callbacks)
    entries = AccessLogEntry.objects.filter(purpose=Purpose.RESEARCH)
    assert {e.plant_id for e in entries} == {p.pk for p in plants["alike"]}
    assert {(e.kind, e.details["dataset"]) for e in entries} == {(ReadKind.DATASET, dataset.pk)}
    assert all(e.details["as_of"] == dataset.as_of.isoformat() for e in entries)
    assert all(e.user == world.official for e in entries)


def test_downloads_are_logged_and_audited(world, plants, django_capture_on_commit_callbacks):
    dataset = request_dataset(world, django_capture_on_commit_callbacks)
    detail = api(world.agency).get(f"/api/v1/datasets/{dataset.pk}/").json()
    assert set(detail["files"]) == {"parquet", "csv", "dictionary"}
    response = api(world.agency).get(detail["files"]["csv"].removeprefix("http://testserver"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content)
    assert body == Path(dataset.csv_file.path).read_bytes()
    parquet = api(world.official).get(f"/api/v1/datasets/{dataset.pk}/download/")
    assert parquet["Content-Type"] == "application/vnd.apache.parquet"
    assert hashlib.sha256(b"".join(parquet.streaming_content)).hexdigest() == (dataset.content_hash)
    downloads = list(DatasetDownload.objects.order_by("pk").values_list("user__username", "kind"))
    assert downloads == [("agency", "csv"), ("official", "parquet")]
    assert AuditEntry.objects.filter(message__contains="downloaded").count() == 2


def test_the_download_page_logs_too(world, plants, client_for, django_capture_on_commit_callbacks):
    dataset = request_dataset(world, django_capture_on_commit_callbacks)
    url = reverse("datahub:dataset_download", args=[dataset.pk, "dictionary"])
    response = client_for(world.official).get(url)
    assert response.status_code == 200
    assert json.loads(b"".join(response.streaming_content))["dataset"] == dataset.pk
    assert DatasetDownload.objects.get().kind == "dictionary"
    assert client_for(world.official).get(url.replace("dictionary", "xlsx")).status_code == 404


def test_too_few_consenting_plants_refuse_the_dataset(world, django_capture_on_commit_callbacks):
    admin = world.admin_user
    for i in range(4):
        feed_plant(admin, PlantFactory(), value=60.0 + i)
    rollups.refresh_dirty()
    dataset = request_dataset(world, django_capture_on_commit_callbacks)
    assert dataset.status == DatasetStatus.REFUSED
    assert dataset.refusal == Refusal.K_ANONYMITY and dataset.refusal_details["n"] == 4
    # worded in the reader's language, whoever's request built it
    with translation.override("ko"):
        assert "k = 5" in dataset.refusal_text and "4곳" in dataset.refusal_text
    with translation.override("en"):
        assert "4 consenting plants" in dataset.refusal_text
    assert not dataset.parquet_file and not AccessLogEntry.objects.exists()
    body = api(world.official).get(f"/api/v1/datasets/{dataset.pk}/").json()
    assert body["files"] == {} and body["refusal"] == "k_anonymity"
    with translation.override("ko"):
        assert body["refusal_reason"] == dataset.refusal_text
    assert api(world.official).get(f"/api/v1/datasets/{dataset.pk}/download/").status_code == 404


def test_no_consent_at_all_is_refused(world, django_capture_on_commit_callbacks):
    dataset = request_dataset(world, django_capture_on_commit_callbacks)
    assert dataset.status == DatasetStatus.REFUSED
    assert dataset.refusal == Refusal.NO_CONSENT
    with translation.override("ko"):
        assert dataset.refusal_text == translation.gettext(
            "No plant has given the research consent."
        )


def test_a_failed_build_says_why_and_can_run_again(world, plants, monkeypatch):
    dataset = datasets.dataset_request(user=world.official, title="x", as_of=AS_OF)
    monkeypatch.setattr(datasets, "_parquet", lambda rows: 1 / 0)
    assert datasets.dataset_build(dataset.pk).status == DatasetStatus.FAILED
    dataset.refresh_from_db()
    assert "ZeroDivisionError" in dataset.error
    monkeypatch.undo()
    assert datasets.dataset_build(dataset.pk).status == DatasetStatus.READY
    # A ready dataset is not built again.
    built = ResearchDataset.objects.get(pk=dataset.pk)
    again = datasets.dataset_build(dataset.pk)
    assert (again.status, again.content_hash, again.built_at) == (
        DatasetStatus.READY,
        built.content_hash,
        built.built_at,
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [({"title": ""}, "title"), ({"as_of": "2999-01-01"}, "as_of"), ({"as_of": "x"}, "as_of")],
)
def test_bad_requests_answer_field_errors(world, body, field):
    response = api(world.official).post("/api/v1/datasets/", {"title": "t", **body}, format="json")
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("persona", ["agency", "consultant", "partner_a", "sme", "outsider"])
def test_only_officials_request(world, persona):
    response = api(getattr(world, persona)).post(
        "/api/v1/datasets/", {"title": "t", "as_of": "2026-01-01"}, format="json"
    )
    assert response.status_code == 403
    assert not ResearchDataset.objects.exists()


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("official", True),
        ("agency", True),
        ("sme", False),
        ("partner_a", False),
        ("consultant", False),
        ("outsider", False),
    ],
)
def test_who_sees_datasets(world, persona, sees):
    dataset = ResearchDataset.objects.create(title="t", as_of=AS_OF, requested_by=world.official)
    client = api(getattr(world, persona))
    listed = [d["id"] for d in client.get("/api/v1/datasets/").json()["results"]]
    assert listed == ([dataset.pk] if sees else [])
    assert client.get(f"/api/v1/datasets/{dataset.pk}/").status_code == (200 if sees else 404)


def test_the_list_takes_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    for i in range(8):
        ResearchDataset.objects.create(title=f"t{i}", as_of=AS_OF, requested_by=world.official)
    client = api(world.official)
    client.get("/api/v1/datasets/")
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/datasets/")
    assert response.json()["count"] == 8


def test_the_page_requests_and_lists(world, plants, browse, django_capture_on_commit_callbacks):
    client = browse(world.official)
    page = client.get(reverse("datahub:datasets"))
    assert page.status_code == 200 and b"Request a dataset" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("datahub:datasets"), {"title": "Page dataset", "as_of": AS_OF.isoformat()}
        )
    assert response.status_code == 302
    dataset = ResearchDataset.objects.get()
    assert dataset.status == DatasetStatus.READY
    page = client.get(reverse("datahub:datasets")).content.decode()
    assert "Page dataset" in page and dataset.content_hash in page
    assert reverse("datahub:dataset_download", args=[dataset.pk, "parquet"]) in page
    agency_page = browse(world.agency).get(reverse("datahub:datasets")).content.decode()
    assert "Page dataset" in agency_page and "Request a dataset" not in agency_page
    assert browse(world.sme).get(reverse("datahub:datasets")).status_code == 403


# --- a contributor withdraws after the release ----------------------------------------------


def test_a_released_dataset_says_when_contributors_withdrew(
    world, plants, django_capture_on_commit_callbacks, client_for
):
    dataset = request_dataset(world, django_capture_on_commit_callbacks)
    assert dataset.status == DatasetStatus.READY
    listed = api(world.official).get("/api/v1/datasets/").json()["results"]
    assert [row["withdrawn_count"] for row in listed] == [0]
    # Two released plants withdraw; the plant revoked before the build was never in it.
    leaving = plants["alike"][:2]
    for plant in leaving:
        consent = plant.consents.get(purpose=Purpose.RESEARCH)
        consents.consent_revoke(user=world.admin_user, consent=consent)
    detail = api(world.official).get(f"/api/v1/datasets/{dataset.pk}/").json()
    assert detail["withdrawn_count"] == 2
    # The files stay as released: same hash.
    assert detail["content_hash"] == dataset.content_hash
    page = client_for(world.official).get("/datahub/datasets/")
    assert page.status_code == 200
    assert "dataset-withdrawn" in page.content.decode()
    assert "2곳" in page.content.decode() or "2 plants" in page.content.decode()
    # One grants again: it no longer counts as withdrawn.
    consents.consent_grant(user=world.admin_user, plant=leaving[0], purpose=Purpose.RESEARCH)
    detail = api(world.official).get(f"/api/v1/datasets/{dataset.pk}/").json()
    assert detail["withdrawn_count"] == 1
    # A dataset built afterwards leaves the withdrawn plant out.
    later = request_dataset(world, django_capture_on_commit_callbacks, title="After")
    assert later.plant_count == dataset.plant_count - 1
    assert api(world.official).get(f"/api/v1/datasets/{later.pk}/").json()["withdrawn_count"] == 0


def test_the_dataset_list_counts_withdrawals_in_bounded_queries(
    world, plants, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    for n in range(3):
        request_dataset(world, django_capture_on_commit_callbacks, title=f"D{n}")
    with django_assert_max_num_queries(12):
        response = api(world.official).get("/api/v1/datasets/")
    assert len(response.json()["results"]) == 3
