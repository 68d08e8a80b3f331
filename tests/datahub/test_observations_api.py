"""GET /api/v1/series/{id}/observations/: raw points or buckets over a validated, bounded
period; the series visible (404 otherwise) and its values readable by the plant itself or
under the plant's consent (404 without; every read by others logged for the plant)."""

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from datahub.choices import Purpose
from datahub.models import AccessLogEntry, ReadKind
from datahub.services import consents, rollups
from tests.datahub.observations import at, write

pytestmark = pytest.mark.django_db


def url(series, **query):
    path = reverse("series-observations", kwargs={"pk": series.pk})
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def api(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


PERIOD = {"start": "2026-03-01T00:00:00Z", "end": "2026-03-03T00:00:00Z"}


@pytest.fixture
def data(feed):
    # Two days of hourly OEE with a gap of three hours (05:00–07:59 UTC on 1 March).
    rows = [(at(2026, 3, d, h), 50.0 + h) for d in (1, 2) for h in range(24)]
    write(feed.oee, [r for r in rows if not (r[0].day == 1 and 5 <= r[0].hour < 8)])
    rollups.refresh_dirty()
    return feed


def test_the_plant_reads_its_raw_points_in_order_with_gaps_left_as_gaps(world, data):
    response = api(world.sme).get(url(data.oee, **PERIOD))
    assert response.status_code == 200
    body = response.json()
    assert body["series"] == {
        "id": data.oee.pk,
        "key": "oee",
        "kpi": "oee",
        "unit": data.oee.unit,
        "plant": world.plant_a.pk,
    }
    assert body["rollup"] is None
    points = body["points"]
    assert len(points) == 48 - 3
    assert points[0] == {"ts": "2026-03-01T09:00:00+09:00", "value": 50.0}
    assert [p["ts"] for p in points[4:6]] == [
        "2026-03-01T13:00:00+09:00",  # 04:00 UTC, then the gap
        "2026-03-01T17:00:00+09:00",
    ]
    assert not AccessLogEntry.objects.exists()  # the plant's own reads are not logged


def test_day_buckets_in_asia_seoul(world, data):
    response = api(world.sme).get(url(data.oee, rollup="day", **PERIOD))
    assert response.status_code == 200
    buckets = response.json()["buckets"]
    # 1–3 March UTC touches three Seoul days: 1 March (from 00:00 UTC = 09:00 KST), 2, 3.
    assert [b["start"] for b in buckets] == [
        "2026-03-01T00:00:00+09:00",
        "2026-03-02T00:00:00+09:00",
        "2026-03-03T00:00:00+09:00",
    ]
    first = buckets[0]
    values = [50.0 + h for h in range(15) if not 5 <= h < 8]
    assert first["count"] == len(values)
    assert first["sum"] == sum(values) and first["mean"] == pytest.approx(sum(values) / 12)
    assert (first["min"], first["max"], first["last"]) == (50.0, 64.0, 64.0)
    assert first["last_ts"] == "2026-03-01T23:00:00+09:00"


def test_month_and_hour_buckets(world, data):
    months = api(world.sme).get(url(data.oee, rollup="month", **PERIOD)).json()["buckets"]
    assert len(months) == 1 and months[0]["count"] == 45
    hours = api(world.sme).get(url(data.oee, rollup="hour", **PERIOD)).json()["buckets"]
    assert len(hours) == 45 and hours[0]["count"] == 1


def test_defaults_to_the_last_week(world, feed):
    response = api(world.sme).get(url(feed.oee))
    assert response.status_code == 200
    assert response.json()["points"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "2026-03-02T00:00:00Z", "end": "2026-03-01T00:00:00Z"}, "end"),
        ({"start": "2025-01-01T00:00:00Z", "end": "2026-03-01T00:00:00Z"}, "start"),
        (
            {"start": "2023-01-01T00:00:00Z", "end": "2026-03-01T00:00:00Z", "rollup": "hour"},
            "start",
        ),
        ({"rollup": "week"}, "rollup"),
        ({"start": "yesterday"}, "start"),
        ({"start": "0006-06-28T00:00:00", "end": "0006-06-29T00:00:00"}, "start"),
    ],
)
def test_bad_periods_answer_400_with_field_errors(world, feed, query, field):
    response = api(world.sme).get(url(feed.oee, **query))
    assert response.status_code == 400
    assert field in response.json()


def test_long_periods_are_fine_in_days_and_months(world, data):
    query = {"start": "2016-01-01T00:00:00Z", "end": "2026-12-01T00:00:00Z"}
    assert api(world.sme).get(url(data.oee, rollup="month", **query)).status_code == 200
    assert api(world.sme).get(url(data.oee, rollup="day", **query)).status_code == 200


@pytest.mark.parametrize("who", ["outsider", "consultant", "official", "partner_a", "agency"])
def test_without_consent_others_get_404_and_nothing_is_logged(world, data, who):
    response = api(getattr(world, who)).get(url(data.oee, **PERIOD))
    assert response.status_code == 404
    assert not AccessLogEntry.objects.exists()


def test_anonymous_gets_401(data):
    assert api(None).get(url(data.oee, **PERIOD)).status_code == 401


def test_the_plant_member_cannot_read_another_companys_series(world, data):
    assert api(world.sme).get(url(data.series_b, **PERIOD)).status_code == 404


def test_agency_reads_under_the_follow_up_consent_and_the_read_is_logged(world, data):
    consents.consent_grant(user=world.sme, plant=world.plant_a, purpose=Purpose.FOLLOW_UP)
    response = api(world.agency).get(url(data.oee, rollup="day", **PERIOD))
    assert response.status_code == 200
    entry = AccessLogEntry.objects.get()
    assert (entry.plant, entry.user, entry.purpose) == (
        world.plant_a,
        world.agency,
        Purpose.FOLLOW_UP,
    )
    assert entry.kind == ReadKind.SERIES
    assert (entry.details["series"], entry.details["rollup"]) == ("oee", "day")


def test_partner_reads_under_its_consent_and_the_read_is_logged(world, data):
    consents.consent_grant(
        user=world.sme, plant=world.plant_a, purpose=Purpose.PARTNER, partner=world.firm_a
    )
    assert api(world.partner_a).get(url(data.oee, **PERIOD)).status_code == 200
    assert api(world.partner_b).get(url(data.oee, **PERIOD)).status_code == 404
    assert AccessLogEntry.objects.get().purpose == Purpose.PARTNER


def test_a_bad_request_by_a_reader_is_not_logged(world, data):
    consents.consent_grant(user=world.sme, plant=world.plant_a, purpose=Purpose.FOLLOW_UP)
    assert api(world.agency).get(url(data.oee, rollup="week")).status_code == 400
    assert not AccessLogEntry.objects.exists()


def test_query_count_does_not_grow_with_the_points(world, data, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = api(world.sme).get(url(data.oee, rollup="hour", **PERIOD))
    assert len(response.json()["buckets"]) == 45
    with django_assert_max_num_queries(6):
        api(world.sme).get(url(data.oee, **PERIOD))


def test_the_operation_is_documented():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/series/{id}/observations/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"start", "end", "rollup"} <= names
    assert {"200", "400", "401", "404"} <= set(operation["responses"])


def test_the_selector_returns_the_stored_times_exactly(feed):
    from datahub import selectors

    rows = [(at(2026, 4, 1, 0, 0, 0, 123456), 1.5), (at(2026, 4, 1, 0, 30), 2.5)]
    rows.append((at(2026, 4, 1, 0, 59, 59, 999999), 3.5))
    write(feed.oee, rows)
    points = selectors.series_points(feed.oee, at(2026, 4, 1), at(2026, 4, 2))
    assert [(p.ts, p.value) for p in points] == rows
    assert all(p.ts.utcoffset() == dt.timedelta(0) for p in points)
