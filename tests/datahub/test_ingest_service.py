"""The ingest service itself: rows already read (upload, forms, MQTT), the signal the rollups
listen to, and a number of queries that does not grow with the number of rows."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from datahub import partitions
from datahub.models import Correction, IngestRequest, Observation
from datahub.services import ingest
from tests.datahub.ingest_client import english, fresh_partitions, hours_ago, iso, send  # noqa: F401


def records(n, series="oee", value=50, start=1):
    return [{"series": series, "ts": iso(hours_ago(start + i)), "value": value} for i in range(n)]


def test_ingest_rows_takes_parsed_rows_and_datetimes(feed, world, english):  # noqa: F811
    rows = [
        {"series": "oee", "ts": hours_ago(2), "value": "61.5"},
        {"series": "oee", "ts": hours_ago(1).replace(tzinfo=None), "value": 62},
        {"series": "nope", "ts": hours_ago(1), "value": 1},
    ]
    receipt = ingest.ingest_rows(source=feed.source, rows=rows, user=world.sme)
    assert (receipt.accepted, receipt.stored) == (2, True)
    assert receipt.rejected == [
        {"index": 2, "field": "series", "reason": "unknown series", "code": "unknown_series"}
    ]
    request = IngestRequest.objects.get(pk=receipt.request)
    assert (request.channel, request.user, request.token) == ("upload", world.sme, None)
    # A naive datetime is Seoul time, like a naive text.
    seoul = dt.timezone(dt.timedelta(hours=9))
    naive = hours_ago(1).replace(tzinfo=None)
    assert Observation.objects.filter(ts=naive.replace(tzinfo=seoul)).exists()


def test_ingest_rows_idempotency_and_limits(feed, settings):
    rows = [{"series": "oee", "ts": hours_ago(2), "value": 61}]
    first = ingest.ingest_rows(source=feed.source, rows=rows, idempotency_key="form-2025-03")
    again = ingest.ingest_rows(source=feed.source, rows=rows, idempotency_key="form-2025-03")
    assert again.replayed and again.as_dict() == first.as_dict()
    with pytest.raises(ingest.IngestRefused) as refused:
        ingest.ingest_rows(
            source=feed.source,
            rows=[{**rows[0], "value": 62}],
            idempotency_key="form-2025-03",
        )
    assert refused.value.status == 422
    settings.DATAHUB_MAX_ROWS = 1
    with pytest.raises(ingest.IngestRefused) as refused:
        ingest.ingest_rows(source=feed.source, rows=rows * 2)
    assert refused.value.status == 413


def test_rows_written_is_sent_after_commit_with_the_hours(feed, django_capture_on_commit_callbacks):
    heard = []

    def receiver(sender, **kwargs):
        heard.append(kwargs)

    ingest.rows_written.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            receipt = ingest.ingest_rows(source=feed.source, rows=records(3))
            assert heard == []  # not before the commit
        with django_capture_on_commit_callbacks(execute=True):
            ingest.ingest_rows(source=feed.source, rows=records(3))  # duplicates only
    finally:
        ingest.rows_written.disconnect(receiver)
    assert len(heard) == 1
    assert heard[0]["request_id"] == receipt.request
    assert heard[0]["plant_id"] == feed.source.plant_id
    assert heard[0]["hours"] == sorted((feed.oee.pk, hours_ago(i)) for i in (1, 2, 3))


def count_queries(token, body, query=""):
    with CaptureQueriesContext(connection) as context:
        response = send(token, body, query=query)
    assert response.status_code in (200, 201), response.content
    return len(context.captured_queries)


def spread(n, every, **kwargs):
    """n rows, one every `every` hours from an hour ago: as many months as 1,000 hourly rows."""
    rows = records(n, **kwargs)
    for i, row in enumerate(rows):
        row["ts"] = iso(hours_ago(1 + i * every))
    return rows


def test_the_number_of_queries_does_not_grow_with_the_rows(feed):
    send(feed.token, [])  # the token's last use is written at most once a minute
    partitions.ensure(hours_ago(1100), hours_ago(0))  # created once, not per request
    # Inside the test's transaction the monthly partitions are checked on every request
    # (datahub.services.ingest): the same months in both requests, so the same checks.
    small = count_queries(feed.token, spread(5, 249, series="produced_quantity-line-1"))
    large = count_queries(feed.token, records(1000, start=1))
    assert large == small
    assert large <= 16 + (12 if connection.vendor == "postgresql" else 0)
    # Replacing values: a fixed number more (the request row first, the join that finds the
    # stored values, the update, the corrections, and the marks of the replaced hours, which
    # new rows get from the statement that writes them).
    replaced = count_queries(feed.token, records(1000, value=51, start=1), "on_conflict=replace")
    assert Correction.objects.count() == 1000
    assert replaced <= large + 5
    two = records(500, start=1) + records(500, series="produced_quantity-line-1", start=1)
    assert count_queries(feed.token, two) <= large + 1


def test_the_service_bounds_bytes_and_media_types_itself(feed, settings):
    settings.DATAHUB_MAX_BYTES = 100
    for body, content_type, status in (
        (b"[" + b" " * 100 + b"]", "application/json", 413),
        (b"[]", "application/xml", 415),
        (b"{", "application/json", 400),
    ):
        with pytest.raises(ingest.IngestRefused) as refused:
            ingest.ingest(source=feed.source, body=body, content_type=content_type)
        assert refused.value.status == status
    assert not IngestRequest.objects.exists()


def test_an_atomic_refusal_sends_no_signal(feed, django_capture_on_commit_callbacks):
    heard = []

    def receiver(sender, **kwargs):
        heard.append(kwargs)

    ingest.rows_written.connect(receiver)
    try:
        rows = [*records(2), {"series": "oee", "ts": "never", "value": 1}]
        with django_capture_on_commit_callbacks(execute=True):
            receipt = ingest.ingest_rows(source=feed.source, rows=rows, atomic=True)
    finally:
        ingest.rows_written.disconnect(receiver)
    assert (receipt.stored, receipt.accepted, heard) == (False, 0, [])
    assert not Observation.objects.exists()
