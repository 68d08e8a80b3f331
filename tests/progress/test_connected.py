"""Connected plants in the national picture (issue 14, item 5): a supported plant with an
active data source that sent data in the last 30 days, counted beside the supported plants
overall and in every breakdown, with its target, on the dashboard, in the API, in the PDF and
in the partner portfolio.

The hand-built `dataset` (tests/programs/conftest.py) has supported plants 1 (Gyeonggi,
firm A, 2021), 2 (Seoul, firm B, 2022), 3 (Busan, firm A, 2023-11-30), 5 (Gyeonggi, firm A,
2025-09-01) and 6 (Seoul, firm B, 2024-05-20); plant 4's project was dropped (not supported).
"""

from __future__ import annotations

import datetime
import shutil
import subprocess

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from datahub.models import FollowUpPeriod, IngestRequest
from datahub.selectors import connected_filter
from datahub.services import followups
from datahub.services import ingest as ingest_service
from datahub.services import sources as source_services
from hub.choices import Region
from hub.models import Plant
from programs.models import Project
from progress import cache as progress_cache
from progress import services as report_services
from progress.figures import Scope
from progress.models import Target, TargetChange
from progress.projection import connected_part
from progress.selectors import current_targets, progress_summary
from tests.progress.oracle import (
    History,
    Oracle,
    SourceSpec,
    history_from_database,
    write_sources,
)

D = datetime.date
PAST = D(2025, 6, 30)  # supported then: plants 1, 2, 3 and 6
needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils missing")


def ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def connected_now(dataset):
    """Today: plant 1 connected (fresh data), plant 2 stale (31 days), plant 3 only an
    inactive source with fresh data, plant 5 an inactive and an active source with fresh
    data (connected), plant 4 fresh data but not supported, plant 6 no source."""
    p = dataset
    write_sources(
        [p[1], p[2], p[3], p[4], p[5]],
        [
            [SourceSpec(True, ago(1))],
            [SourceSpec(True, ago(31))],
            [SourceSpec(False, ago(1))],
            [SourceSpec(True, ago(1))],
            [SourceSpec(False, ago(1)), SourceSpec(True, ago(29.9))],
        ],
    )
    return p


@pytest.fixture
def connected_past(dataset):
    """As of PAST, from the day rollups: plant 1 has data for the window's first day
    (connected), plant 2 for the day before the window (not), plant 3 for the as-of date but
    on an inactive source (not), plant 6 for the as-of date (connected); plant 1's source
    also received data today, which a past date does not look at."""
    p = dataset
    write_sources(
        [p[1], p[2], p[3], p[6]],
        [
            [SourceSpec(True, ago(1), (PAST - datetime.timedelta(days=29),))],
            [SourceSpec(True, None, (PAST - datetime.timedelta(days=30), PAST + _one()))],
            [SourceSpec(False, None, (PAST,))],
            [SourceSpec(True, None, (PAST,))],
        ],
    )
    return p


def _one():
    return datetime.timedelta(days=1)


def rows(summary, table: str) -> dict:
    return {r["key"]: r["connected"] for r in summary.breakdowns[table]}


# --- the figures -----------------------------------------------------------------------------


def test_connected_today_counts_active_fresh_sources_of_supported_plants(connected_now):
    p = connected_now
    summary = progress_summary(as_of=today())
    assert (summary.supported, summary.connected) == (5, 2)
    assert summary.connected_share == 40.0
    assert rows(summary, "region") == {Region.GYEONGGI: 2, Region.SEOUL: 0, Region.BUSAN: 0}
    # One definition: the plant list's rule, limited to the supported plants.
    supported = Project.objects.filter(status="completed").values("plant_id")
    listed = Plant.objects.filter(connected_filter()).filter(pk__in=supported)
    assert set(listed.values_list("pk", flat=True)) == {p[1].pk, p[5].pk}


def test_connected_by_program_partner_agency_industry_and_cohort(connected_now, world):
    summary = progress_summary(as_of=today())
    assert rows(summary, "partner") == {world.firm_a.pk: 2, world.firm_b.pk: 0}
    assert sum(rows(summary, "industry").values()) == 2
    assert list(rows(summary, "program").values()) == [2]
    assert list(rows(summary, "agency").values()) == [2]
    assert {r["cohort"]: r["connected"] for r in summary.cohorts} == {
        2021: 1,
        2022: 0,
        2023: 0,
        2024: 0,
        2025: 1,
    }
    scoped = progress_summary(as_of=today(), scope=Scope(partner=world.firm_b.pk))
    assert (scoped.supported, scoped.connected) == (2, 0)


def test_connected_as_of_a_past_date_reads_the_day_rollups(connected_past):
    summary = progress_summary(as_of=PAST)
    assert (summary.supported, summary.connected) == (4, 2)
    assert rows(summary, "region") == {Region.GYEONGGI: 1, Region.SEOUL: 1, Region.BUSAN: 0}
    # The day before the window starts, plant 1's day is inside it; a day later it is not.
    assert progress_summary(as_of=PAST - _one()).connected == 2
    # A day later plant 1's day has left the window and plant 2's next day has come in.
    assert progress_summary(as_of=PAST + _one()).connected == 2


def _history() -> History:
    """What the database holds, as the oracle's facts."""
    return history_from_database()


@pytest.mark.parametrize("when", ["today", "past"])
def test_the_oracle_agrees_on_connected_plants(dataset, when, world):
    p = dataset
    write_sources(
        [p[1], p[2], p[5], p[6]],
        [
            [SourceSpec(True, ago(2), (PAST,))],
            [SourceSpec(True, ago(40), (PAST - datetime.timedelta(days=10),))],
            [SourceSpec(False, ago(2), (PAST,))],
            [SourceSpec(True, ago(0.5), (PAST + _one(),))],
        ],
    )
    as_of = today() if when == "today" else PAST
    targets = current_targets()
    for scope in (Scope(), Scope(region=Region.SEOUL), Scope(partner=world.firm_a.pk)):
        expected = Oracle(_history(), as_of, scope).as_dict(targets)
        actual = progress_summary(as_of=as_of, scope=scope).as_dict()
        assert actual == expected, scope


def test_the_statement_stays_one_query_with_connected_plants(connected_now):
    with CaptureQueriesContext(connection) as today_queries:
        progress_summary(as_of=today())
    with CaptureQueriesContext(connection) as past_queries:
        progress_summary(as_of=PAST)
    # targets, first completion, the statement (plus its transaction's statements), the
    # follow-up compliance (one grouped query)
    assert len(today_queries) == len(past_queries) <= 7


# --- the target and its projection -----------------------------------------------------------


def test_the_connected_target_is_stored_with_its_history(db):
    target = Target.objects.get(code="connected_plants")
    assert (target.value, target.due_year) == (7500, 2028)
    assert TargetChange.objects.filter(target=target).count() == 1
    assert current_targets()["connected_plants"].value == 7500


def test_connected_projection_needs_plants_a_month_until_the_due_year():
    part = connected_part(D(2026, 12, 31), 1500, 7500, 2028)
    assert part["needed_per_month"] == 249.8  # 6,000 plants over 730 days (24.02 months)
    assert part["rate_per_month"] is None and part["reached"] is False
    assert connected_part(D(2029, 1, 1), 10, 7500, 2028)["needed_per_month"] is None
    assert connected_part(D(2026, 1, 1), 7500, 7500, 2028)["reached"] is True


def test_agency_changes_the_connected_target_and_the_figures_follow(connected_now, world, browse):
    target = Target.objects.get(code="connected_plants")
    client = browse(world.agency)
    response = client.post(
        f"/progress/targets/{target.pk}/",
        {"value": "9000", "due_year": "2029", "note": "More plants"},
    )
    assert response.status_code == 302
    assert TargetChange.objects.filter(target=target).count() == 2
    projection = progress_summary(as_of=today()).projection["connected"]
    assert (projection["target"], projection["due"]) == (9000, "2029-12-31")
    page = client.get("/progress/targets/").content.decode()
    assert "Connected plants (data hub)" in page and "9,000" in page


# --- the dashboard, the API, the PDF ---------------------------------------------------------


def test_dashboard_shows_connected_plants(connected_now, world, browse):
    body = browse(world.official).get("/progress/").content.decode()
    assert 'data-section="datahub"' in body
    assert '<strong data-figure="connected">2</strong>' in body
    assert "7,500" in body  # the target
    assert 'data-table="datahub-region"' in body and 'data-table="datahub-industry"' in body


def test_api_gains_connected_overall_and_in_every_breakdown(
    connected_now, world, django_assert_max_num_queries
):
    client = APIClient()
    client.force_authenticate(world.official)
    with django_assert_max_num_queries(12):
        payload = client.get("/api/v1/progress/").json()
    assert (payload["supported"], payload["connected"], payload["connected_share"]) == (5, 2, 40.0)
    for table, found in payload["breakdowns"].items():
        assert all("connected" in row for row in found), table
    assert payload["projection"]["connected"]["target"] == 7500
    partner = APIClient()
    partner.force_authenticate(world.partner_a)
    # Firm A's plants: 1 and 5 connected, 3 not.
    mine = partner.get("/api/v1/progress/").json()
    assert (mine["supported"], mine["connected"]) == (3, 2)


def test_csv_export_carries_the_connected_column(connected_now, world, browse):
    text = browse(world.official).get("/progress/", {"export": "region"}).content.decode()
    header, *lines = text.lstrip("\ufeff").strip().splitlines()
    assert header.endswith(",Connected")
    gyeonggi = next(line for line in lines if line.startswith(f"{Region.GYEONGGI.value},"))
    assert gyeonggi.endswith(",2")


@needs_poppler
def test_pdf_has_a_data_hub_section(
    connected_now, world, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    with django_capture_on_commit_callbacks(execute=True):
        report = report_services.report_request(
            user=world.official, scope="national", language="en", as_of=today()
        )
    report.refresh_from_db()
    assert report.status == "done", report.error
    text = subprocess.run(
        ["pdftotext", "-layout", report.file.path, "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Data hub: connected plants" in text
    assert "Target 7,500 plants by 2028" in text
    assert "40.0 % of supported plants" in text
    section = text[text.index("Data hub: connected plants") :]
    assert "By region" in section and "By industry" in section
    assert "Connected plant" in text[text.index("Definitions and method") :]


# --- the cache -------------------------------------------------------------------------------


def test_cache_follows_a_source_deactivated_and_an_ingest_that_connects(
    dataset, world, settings, django_capture_on_commit_callbacks
):
    settings.PROGRESS_CACHE_SECONDS = 300
    p = dataset
    source, _token = source_services.source_create(user=world.admin_user, plant=p[2], name="MES")
    series = source_services.series_create(user=world.admin_user, source=source, kpi="oee")
    assert progress_cache.summary(as_of=today()).connected == 0
    rows = [{"series": series.key, "ts": ago(0.1).isoformat(), "value": 80}]
    with django_capture_on_commit_callbacks(execute=True):
        ingest_service.ingest_rows(source=source, rows=rows)
    assert IngestRequest.objects.filter(source=source).count() == 1
    assert progress_cache.summary(as_of=today()).connected == 1  # newly connected: at once
    generation = progress_cache.generation()
    more = [{"series": series.key, "ts": ago(0.05).isoformat(), "value": 81}]
    with django_capture_on_commit_callbacks(execute=True):
        ingest_service.ingest_rows(source=source, rows=more)
    assert progress_cache.generation() == generation  # already connected: the cache stays
    source_services.source_update(user=world.admin_user, source=source, data={"is_active": False})
    assert progress_cache.summary(as_of=today()).connected == 0


# --- the partner portfolio -------------------------------------------------------------------


def test_partner_portfolio_shows_its_own_plants_connection(world, browse):
    write_sources(
        [world.plant_a, world.plant_b], [[SourceSpec(True, ago(1))], [SourceSpec(True, ago(1))]]
    )
    body = browse(world.partner_a).get("/portfolio/").content.decode()
    assert "Data connection" in body
    assert world.plant_a.name in body and "Connected" in body
    assert world.plant_b.name not in body
    # Asking for another firm's portfolio still shows the member's own firm.
    other = browse(world.partner_a).get(f"/portfolio/?partner={world.firm_b.pk}")
    assert world.plant_b.name not in other.content.decode()


def test_portfolio_says_silent_and_not_connected(world, browse):
    write_sources([world.plant_a], [[SourceSpec(True, ago(45))]])
    body = browse(world.official).get(f"/portfolio/?partner={world.firm_a.pk}")
    assert "Silent" in body.content.decode()
    other = browse(world.official).get(f"/portfolio/?partner={world.firm_b.pk}")
    assert "Not connected" in other.content.decode()


def test_follow_up_met_beside_connected_plants_in_the_api_and_on_the_dashboard(
    connected_now, world, browse
):
    followups.refresh_followups()
    owed = FollowUpPeriod.objects.filter(due_date__lt=today())
    projects = sorted(set(owed.values_list("project_id", flat=True)))
    assert len(projects) >= 2  # the dataset's completed projects owe reports, none sent
    # The first project sent every report, at each period's end; the second all but one.
    FollowUpPeriod.objects.filter(project_id=projects[0]).update(received_at=F("ends_at"))
    FollowUpPeriod.objects.filter(project_id=projects[1]).update(received_at=F("ends_at"))
    FollowUpPeriod.objects.filter(pk=owed.filter(project_id=projects[1]).first().pk).update(
        received_at=None
    )
    progress_cache.data_changed()
    client = APIClient()
    client.force_authenticate(world.official)
    follow_up = client.get("/api/v1/progress/").json()["follow_up"]
    assert (follow_up["met"], follow_up["due"]) == (1, len(projects))
    program = Project.objects.get(pk=projects[0]).program_id
    by_program = {row["key"]: row for row in follow_up["by"]["program"]}
    assert by_program[program]["met"] == 1
    body = browse(world.official).get("/progress/").content.decode()
    assert "Follow-up met" in body and f"(1/{len(projects)})" in body
