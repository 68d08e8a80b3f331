"""Long files are imported as jobs: the upload answers at once with a page that polls the
job's progress (htmx) and then shows the usual report; the check-only preview works the same
way; a job is seen only by the user who started it."""

import csv
import io
import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hub.importers import jobs
from hub.models import Plant
from tests.factories import valid_business_number

pytestmark = pytest.mark.django_db
URL = reverse("hub:plant_import")
HEADER = ["사업자등록번호", "회사명", "기업규모", "공장명", "지역", "업종"]


@pytest.fixture(autouse=True)
def _jobs_inline(settings):
    settings.IMPORT_BACKGROUND_BYTES = 200  # every file of these tests is "long"
    settings.IMPORT_IN_THREAD = False  # the test database is not visible to other threads


def plants_file(n=3, region="서울시"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for i in range(n):
        number = valid_business_number(900 + i)
        writer.writerow([number, f"잡 테스트 {i}", "소기업", f"잡 공장 {i}", region, "25"])
    return SimpleUploadedFile("plants.csv", out.getvalue().encode("utf-8"))


def test_a_long_file_redirects_to_its_job_which_shows_the_report(world, browse):
    client = browse(world.agency)
    response = client.post(URL, {"file": plants_file()})
    assert response.status_code == 302
    assert response["Location"].startswith(f"{URL}?job=")
    page = client.get(response["Location"]).content.decode()
    assert 'id="import-counts"' in page and "Imported 3 rows." in page
    assert "hx-trigger" not in page  # done: no more polling
    assert set(
        Plant.objects.filter(name__startswith="잡 공장").values_list("region", flat=True)
    ) == {"11"}


def test_the_preview_goes_through_the_job_too(world, browse):
    client = browse(world.agency)
    response = client.post(URL, {"file": plants_file(), "dry_run": "on"})
    page = client.get(response["Location"]).content.decode()
    assert "Checked 3 rows: no errors. Nothing was written (check only)." in page
    assert not Plant.objects.filter(name__startswith="잡 공장").exists()


def test_errors_of_a_long_file_are_reported_by_row_and_column(world, browse):
    client = browse(world.agency)
    response = client.post(URL, {"file": plants_file(region="서울도")})
    page = client.get(response["Location"]).content.decode()
    assert 'id="import-errors"' in page
    assert "“서울도” is not a region" in page and "서울시" in page


def test_a_running_job_shows_its_progress_and_polls(world, browse):
    job = jobs.Job(id="a" * 32, user_id=world.agency.pk, filename="big.csv", dry_run=False)
    jobs.Progress(job)("checking", 12_500, 25_000)
    response = browse(world.agency).get(f"{URL}?job={job.id}")
    page = response.content.decode()
    assert "Importing big.csv" in page
    assert "Checking row 12,500 of 25,000…" in page
    assert 'value="50"' in page
    assert f'hx-get="{URL}?job={job.id}"' in page and 'hx-trigger="every 1s"' in page
    assert 'hx-select="#import-result"' in page


def test_a_silent_job_says_nothing_was_written(world, browse, settings):
    settings.IMPORT_JOB_STALE_SECONDS = 60
    job = jobs.Job(id="b" * 32, user_id=world.agency.pk, filename="big.csv", dry_run=False)
    jobs._save(job)
    job.updated = time.time() - 120
    from django.core.cache import cache

    cache.set(jobs._key(job.id), job)
    page = browse(world.agency).get(f"{URL}?job={job.id}").content.decode()
    assert "nothing was written" in page and "hx-trigger" not in page


def test_a_job_is_only_for_its_user(world, client_for):
    response = client_for(world.agency).post(URL, {"file": plants_file()})
    location = response["Location"]
    assert client_for(world.admin_user).get(location).status_code == 404
    assert client_for(world.agency).get(f"{URL}?job=unknown").status_code == 404


def test_progress_is_saved_every_500_rows_and_at_each_phase(world):
    job = jobs.Job(id="c" * 32, user_id=world.agency.pk, filename="f.csv", dry_run=False)
    saves = []
    progress = jobs.Progress(job)
    original = jobs._save
    try:
        jobs._save = lambda j: saves.append((j.phase, j.done))
        for done in range(2_000):
            progress("checking", done, 2_000)
        progress("writing", 2_000, 2_000)
    finally:
        jobs._save = original
    assert saves == [
        ("checking", 0),
        ("checking", 500),
        ("checking", 1000),
        ("checking", 1500),
        ("writing", 2000),
    ]


@pytest.mark.django_db(transaction=True)
def test_in_a_thread_the_upload_answers_before_the_import_ends(world, browse, settings):
    settings.IMPORT_IN_THREAD = True
    client = browse(world.agency)
    response = client.post(URL, {"file": plants_file(n=40)})
    assert response.status_code == 302
    job_id = response["Location"].rsplit("=", 1)[1]
    # The test database is shared in memory, where a read meets a writing thread's table
    # lock at once (a database file waits): wait for the thread, then read the page.
    for thread in threading.enumerate():
        if thread.name == f"import-{job_id[:8]}":
            thread.join(timeout=60)
    page = client.get(response["Location"]).content.decode()
    assert "Imported 40 rows." in page
    assert Plant.objects.filter(name__startswith="잡 공장").count() == 40


@pytest.mark.django_db(transaction=True)
def test_a_thread_reports_in_the_uploaders_language(world, browse, settings):
    settings.IMPORT_IN_THREAD = True
    client = browse(world.agency)  # English
    response = client.post(URL, {"file": plants_file(n=5, region="서울도")})
    job_id = response["Location"].rsplit("=", 1)[1]
    for thread in threading.enumerate():
        if thread.name == f"import-{job_id[:8]}":
            thread.join(timeout=60)
    page = client.get(response["Location"]).content.decode()
    assert "“서울도” is not a region" in page
