"""The plant's own dashboard, through its page and its API: before/after a completed project on
a hand-built series whose answer is known, the reported gain beside it, derived KPIs, OEE
split, gaps, who may read it (and the log of those reads), bad periods, and a query count
that does not grow with the number of series or projects."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from datahub import evidence
from datahub.buckets import ZONE
from datahub.choices import Purpose
from datahub.models import AccessLogEntry, ReadKind
from datahub.services import consents, rollups, sources
from programs import services as program_services
from programs.models import Project
from tests.datahub.observations import write
from tests.factories import OrganizationFactory
from tests.programs.conftest import M, complete, project_data, winwin_program

pytestmark = pytest.mark.django_db

PROGRAMS = itertools.count(1)
BEFORE = [58.0, 62.0, 60.0, 58.0, 62.0, 60.0]  # mean 60
DURING = 90.0  # months of the project itself: never counted
AFTER = [70.0, 74.0, 72.0, 70.0, 74.0]  # mean 72: +12, +20 %


def api(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def url(plant, **query):
    base = reverse("plant-dashboard", kwargs={"pk": plant.pk})
    if query:
        base += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return base


def page_url(plant):
    return reverse("datahub:dashboard", kwargs={"plant_pk": plant.pk})


def this_month() -> dt.date:
    return timezone.now().astimezone(ZONE).date().replace(day=1)


def monthly_rows(month: dt.date, value: float):
    """Three hourly rows on the 5th of the month (Korea time), mean `value`."""
    first = dt.datetime(month.year, month.month, 5, 10, tzinfo=ZONE)
    return [(first + dt.timedelta(hours=i), value + d) for i, d in enumerate((-1, 0, 1))]


def completed_project(world, plant, firm, *, building_on, completed_on, reported=None):
    """A completed win-win project of `plant` with these dates, reporting `reported`
    ({indicator: (baseline, result)})."""
    number = next(PROGRAMS)
    program = winwin_program(
        world, [(firm, 100 * M)], name_ko=f"상생형 {number}", name_en=f"Win-win {number}"
    )
    project = program_services.project_apply(
        user=world.agency,
        data=project_data(program, plant, firm, supplier=OrganizationFactory(kind="supplier")),
    )
    project = complete(world, project)
    Project.objects.filter(pk=project.pk).update(
        selected_on=building_on - dt.timedelta(days=40),
        agreed_on=building_on - dt.timedelta(days=20),
        building_on=building_on,
        completed_on=completed_on,
    )
    for indicator, (baseline, result) in (reported or {}).items():
        program_services.kpi_record(
            project=project,
            indicator=indicator,
            user=world.agency,
            data={"baseline": Decimal(baseline), "result": Decimal(result)},
        )
    project.refresh_from_db()
    return project


@pytest.fixture
def measured(world, feed):
    """Plant A's OEE: 6 months before its project began (mean 60), the project's months (90,
    not counted), 5 months after it completed (mean 72), and this month (not over: not
    counted). The project reported productivity 100 → 130 (+30 %) and cost (no catalogue
    KPI measures it)."""
    month = this_month()
    build_month = evidence.add_months(month, -9)
    done_month = evidence.add_months(month, -6)
    rows = []
    for i, value in enumerate(BEFORE):
        rows += monthly_rows(evidence.add_months(build_month, i - len(BEFORE)), value)
    for i in range(4):
        rows += monthly_rows(evidence.add_months(build_month, i), DURING)
    for i, value in enumerate(AFTER):
        rows += monthly_rows(evidence.add_months(done_month, i + 1), value)
    write(feed.oee, rows)
    now = timezone.now()
    write(feed.oee, [(now - dt.timedelta(hours=h), 5.0) for h in (1, 2, 3)])
    rollups.refresh_dirty()
    project = completed_project(
        world,
        world.plant_a,
        world.firm_a,
        building_on=build_month + dt.timedelta(days=9),
        completed_on=done_month + dt.timedelta(days=14),
        reported={"productivity": (100, 130), "cost": (1000, 900)},
    )
    return type("Measured", (), {"feed": feed, "project": project, "rows": rows})


def test_before_after_known_answer_through_the_api(world, measured):
    response = api(world.sme).get(url(world.plant_a))
    assert response.status_code == 200
    data = response.json()
    assert data["plant"] == world.plant_a.pk and data["window_months"] == 12
    oee = next(k for k in data["kpis"] if k["series"] == measured.feed.oee.pk)
    assert oee["kpi"] == "oee" and oee["better"] == "higher"
    (figure,) = oee["projects"]
    assert figure["project"] == measured.project.pk
    assert figure["status"] == "ok" and figure["reason"] == ""
    assert figure["before"] == pytest.approx(60)
    assert figure["after"] == pytest.approx(72)
    assert figure["change"] == pytest.approx(12)
    assert figure["change_pct"] == pytest.approx(20)
    assert figure["improvement_pct"] == pytest.approx(20)
    assert figure["months_before"] == 6 and figure["months_after"] == 5
    # The interval is Welch's over the monthly means (tests/datahub/test_evidence.py)
    expected = evidence.compare(
        [evidence.MonthValue(dt.date(2000, 1 + i, 1), v) for i, v in enumerate(BEFORE)]
        + [evidence.MonthValue(dt.date(2001, 1 + i, 1), v) for i, v in enumerate(AFTER)],
        building_on=dt.date(2000, 7, 1),
        completed_on=dt.date(2000, 12, 31),
        better="higher",
    )
    assert figure["interval"] == pytest.approx(list(expected.interval))
    assert figure["interval_pct"] == pytest.approx(list(expected.interval_pct))
    assert figure["significant"] is True and figure["verdict"] == "improved"
    # the gain the project reported for productivity, measured by OEE
    assert figure["reported"] == 30.0 and figure["reported_indicator"] == "productivity"
    (project,) = data["projects"]
    assert project["began_from"] == "building"
    assert project["began_on"] == measured.project.building_on.isoformat()
    reported = {r["indicator"]: r for r in project["reported"]}
    assert reported["productivity"]["improvement_pct"] == 30.0
    assert "oee" in reported["productivity"]["measured_by"]
    assert reported["cost"]["measured_by"] == []
    # the raw quantity (a labelled series) has a summary but no before/after
    produced = next(k for k in data["kpis"] if k["series"] == measured.feed.produced.pk)
    assert produced["projects"] == [] and produced["label"] == "Line 1"
    # nothing logged: the plant reads its own data
    assert not AccessLogEntry.objects.exists()


def test_the_window_setting_and_too_few_months(world, measured, settings):
    settings.DATAHUB_EVIDENCE_MONTHS = 3
    figure = next(
        k for k in api(world.sme).get(url(world.plant_a)).json()["kpis"] if k["kpi"] == "oee"
    )["projects"][0]
    assert figure["months_before"] == 3 and figure["months_after"] == 3
    assert figure["before"] == pytest.approx(60)  # 58, 62, 60: the last three before
    assert figure["after"] == pytest.approx(72)  # 70, 74, 72: the first three after
    # Shift the completion so that only two months after it are over
    month = this_month()
    Project.objects.filter(pk=measured.project.pk).update(
        completed_on=evidence.add_months(month, -3) + dt.timedelta(days=3)
    )
    figure = next(
        k for k in api(world.sme).get(url(world.plant_a)).json()["kpis"] if k["kpi"] == "oee"
    )["projects"][0]
    assert figure["status"] == "not_enough_data" and figure["reason"] == "few_after"
    assert figure["months_after"] == 2
    assert figure["before"] is None and figure["change"] is None and figure["interval"] is None
    assert figure["reported"] == 30.0


def test_the_page_shows_reported_and_measured(browse, world, measured):
    response = browse(world.sme).get(page_url(world.plant_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dashboard of" in html
    assert "reported +30.0 %, measured +20.0 % (95 % interval +" in html
    assert "Improved" in html
    assert "Reported but not measured by the data hub:" in html
    assert "Manufacturing cost +10.0 %" in html  # 1000 → 900 KRW a unit: better by 10 %
    assert f'id="series-{measured.feed.oee.pk}"' in html
    assert 'id="dash-oee-means-title"' in html
    assert f"{measured.project.building_on:%Y-%m-%d}" in html


def test_the_page_is_korean_first(client_for, world, measured):
    html = client_for(world.sme).get(page_url(world.plant_a)).content.decode()
    assert 'lang="ko"' in html


@pytest.fixture
def gappy(world, feed):
    """Daily OEE over the last 10 days except 3 and 4 days ago (Korea time)."""
    today = timezone.now().astimezone(ZONE).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = []
    for days_ago in range(10):
        if days_ago in (3, 4):
            continue
        day = today - dt.timedelta(days=days_ago)
        rows += [(day + dt.timedelta(hours=h), 60.0 + days_ago) for h in (1, 2)]
    write(feed.oee, [r for r in rows if r[0] < timezone.now()])
    rollups.refresh_dirty()
    return today


def test_gaps_are_gaps(world, feed, gappy, browse):
    start = (gappy - dt.timedelta(days=9)).isoformat()
    end = (gappy + dt.timedelta(days=1)).isoformat()
    response = api(world.sme).get(
        url(world.plant_a, rollup="day", start=start, end=end).replace("+", "%2B")
    )
    assert response.status_code == 200, response.json()
    oee = next(k for k in response.json()["kpis"] if k["series"] == feed.oee.pk)
    period = oee["summary"]["period"]
    assert period["slots"] == 10 and period["buckets"] == 8 and period["missing"] == 2
    (gap,) = period["gaps"]
    assert gap["buckets"] == 2
    assert gap["start"] == (gappy - dt.timedelta(days=4)).isoformat()
    assert gap["end"] == (gappy - dt.timedelta(days=2)).isoformat()
    assert oee["summary"]["last_30_days"]["days"] == 8
    assert oee["summary"]["last_30_days"]["count"] == 16
    # the page draws two pieces of line, not one across the gap
    html = browse(world.sme).get(page_url(world.plant_a) + "?rollup=day").content.decode()
    chart = html.split(f'id="series-{feed.oee.pk}"')[1].split("</svg>")[0]
    assert chart.count("<path") == 2


def test_derived_kpis_and_oee_split(world):
    """A plant sending only production times: availability is derived, month by month for
    before/after and bucket by bucket for the OEE split."""
    source, _token = sources.source_create(user=world.sme, plant=world.plant_a, name="MES")
    planned = sources.series_create(user=world.sme, source=source, kpi="planned_busy_time")
    actual = sources.series_create(user=world.sme, source=source, kpi="actual_production_time")
    month = this_month()
    build_month, done_month = evidence.add_months(month, -8), evidence.add_months(month, -5)
    planned_rows, actual_rows = [], []
    for offset, share in [(-3, 0.70), (-2, 0.72), (-1, 0.68), (1, 0.85), (2, 0.83), (3, 0.87)]:
        base = done_month if offset > 0 else build_month
        at = dt.datetime(*evidence.add_months(base, offset).timetuple()[:3], 10, tzinfo=ZONE)
        planned_rows.append((at, 400.0))
        actual_rows.append((at, 400.0 * share))
    write(planned, planned_rows)
    write(actual, actual_rows)
    rollups.refresh_dirty()
    completed_project(
        world,
        world.plant_a,
        world.firm_a,
        building_on=build_month + dt.timedelta(days=2),
        completed_on=done_month + dt.timedelta(days=2),
    )
    data = api(world.sme).get(url(world.plant_a, rollup="month")).json()
    availability = next(k for k in data["kpis"] if k["kpi"] == "availability")
    assert availability["series"] is None and availability["summary"] is None
    (figure,) = availability["projects"]
    assert figure["before"] == pytest.approx(70) and figure["after"] == pytest.approx(85)
    assert figure["change"] == pytest.approx(15)
    assert data["oee"]["source"] == "derived"
    assert data["oee"]["means"]["availability"] == pytest.approx((70 + 72 + 68 + 85 + 83 + 87) / 6)
    assert data["oee"]["means"]["oee"] is None  # no performance or quality: no OEE


def test_reading_needs_consent_and_is_logged(world, measured, client_for, browse):
    # other roles: 404 on the API and on the page, nothing logged
    for user in (
        world.partner_a,
        world.partner_b,
        world.official,
        world.consultant,
        world.outsider,
    ):
        assert api(user).get(url(world.plant_a)).status_code == 404, user
        assert client_for(user).get(page_url(world.plant_a)).status_code == 404, user
    assert api(None).get(url(world.plant_a)).status_code == 401
    assert client_for(None).get(page_url(world.plant_a)).status_code == 302
    assert not AccessLogEntry.objects.exists()
    # the mentoring partner under the partner consent: allowed, logged
    consents.consent_grant(
        user=world.sme, plant=world.plant_a, purpose=Purpose.PARTNER, partner=world.firm_a
    )
    assert api(world.partner_a).get(url(world.plant_a)).status_code == 200
    assert browse(world.partner_a).get(page_url(world.plant_a)).status_code == 200
    entries = AccessLogEntry.objects.filter(plant=world.plant_a, purpose=Purpose.PARTNER)
    assert [e.kind for e in entries] == [ReadKind.DASHBOARD] * 2
    assert all({"rollup", "start", "end"} <= e.details.keys() for e in entries)
    assert api(world.partner_b).get(url(world.plant_a)).status_code == 404
    # agency staff: plant A's project completed 6 months ago, in its follow-up period
    assert api(world.agency).get(url(world.plant_a)).status_code == 200
    assert AccessLogEntry.objects.filter(purpose=Purpose.FOLLOW_UP).count() == 1
    # ... plant B has no completed project and no follow-up consent
    assert api(world.agency).get(url(world.plant_b)).status_code == 404
    # another company's SME member never sees plant A's dashboard
    assert api(world.sme).get(url(world.plant_b)).status_code == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"rollup": "week"}, "rollup"),
        ({"rollup": "hour", "start": "2026-01-01T00:00:00", "end": "2026-03-01T00:00:00"}, "start"),
        ({"start": "2026-03-01T00:00:00", "end": "2026-01-01T00:00:00"}, "end"),
        ({"start": "not a date"}, "start"),
        ({"end": "0001-01-01T00:00:00Z"}, "start"),
        ({"start": "9999-12-31T00:00:00Z", "end": "9999-12-31T10:00:00Z"}, "start"),
        # Before 1908 Asia/Seoul's offset was UTC+8:27:52, which ISO 8601 cannot write.
        ({"start": "0006-06-28T00:00:00", "end": "0006-07-01T00:00:00"}, "start"),
        ({"start": "1969-12-31T00:00:00Z", "end": "1970-01-02T00:00:00Z"}, "start"),
    ],
)
def test_bad_periods_are_400_and_not_logged(world, feed, query, field):
    consents.consent_grant(
        user=world.sme, plant=world.plant_a, purpose=Purpose.PARTNER, partner=world.firm_a
    )
    response = api(world.partner_a).get(url(world.plant_a, **query))
    assert response.status_code == 400 and field in response.json()
    assert not AccessLogEntry.objects.exists()


def test_a_bad_period_on_the_page_is_a_form_error(browse, world, feed):
    for query in ("?start=2026-03-01&end=2026-01-01", "?end=9999-12-31", "?start=0001-01-01"):
        response = browse(world.sme).get(page_url(world.plant_a) + query)
        assert response.status_code == 200
        assert "Please correct the errors below." in response.content.decode(), query


def _queries(user, plant, **query) -> int:
    with CaptureQueriesContext(connection) as context:
        response = api(user).get(url(plant, **query))
    assert response.status_code == 200
    return len(context.captured_queries)


def test_query_count_does_not_grow_with_series_or_projects(
    world, measured, django_assert_max_num_queries
):
    with django_assert_max_num_queries(14):
        api(world.sme).get(url(world.plant_a))
    few = _queries(world.sme, world.plant_a)
    source = measured.feed.source
    for code in ("availability", "performance", "quality_rate", "good_quantity", "scrap_ratio"):
        series = sources.series_create(user=world.sme, source=source, kpi=code)
        write(series, [(timezone.now() - dt.timedelta(hours=2), 50.0)])
    rollups.refresh_dirty()
    for months_ago in (20, 30):
        month = evidence.add_months(this_month(), -months_ago)
        completed_project(
            world,
            world.plant_a,
            world.firm_a,
            building_on=month,
            completed_on=month + dt.timedelta(days=60),
            reported={"oee": (50, 60)},
        )
    assert _queries(world.sme, world.plant_a) == few
    assert _queries(world.sme, world.plant_a, rollup="hour") == few
    data = api(world.sme).get(url(world.plant_a)).json()
    assert len(data["projects"]) == 3
    assert len(data["kpis"]) == 7  # the series: nothing to derive from them


def test_the_page_has_bounded_queries(browse, world, measured, django_assert_max_num_queries):
    client = browse(world.sme)
    with django_assert_max_num_queries(16):
        assert client.get(page_url(world.plant_a)).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(page_url(world.plant_a) + "?rollup=hour").status_code == 200


def test_a_lone_value_between_gaps_keeps_its_dot():
    from hub import charts

    columns = [charts.Column(str(i), v) for i, v in enumerate([1, 2, None, 3, None, 4, 5])]
    svg = charts.line_chart(columns, title="t", dots=False)
    assert svg.count("<circle") == 1 and svg.count("<path") == 2
    assert charts.line_chart(columns, title="t").count("<circle") == 5


def test_the_operation_is_documented():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/plants/{id}/dashboard/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"rollup", "start", "end"}
    assert {"200", "400", "401", "404"} <= set(operation["responses"])
    example = operation["responses"]["200"]["content"]["application/json"]["examples"]
    value = next(iter(example.values()))["value"]
    figure = value["kpis"][0]["projects"][0]
    assert {"before", "after", "change", "change_pct", "interval", "reported"} <= set(figure)
