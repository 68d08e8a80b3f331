"""Concurrent ingest requests on PostgreSQL, each thread with its own connection: the same
Idempotency-Key sent twice at once stores once and both get the same receipt; the same rows
sent by two requests at once are stored once (the other finds them duplicates)."""

import json
import threading

import pytest
from django.db import connection, connections

from datahub.models import IngestRequest, Observation
from datahub.services import ingest
from tests.datahub.ingest_client import hours_ago, iso

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL: SQLite serialises writes"
    ),
    pytest.mark.django_db(transaction=True),
]
ROUNDS = 5


@pytest.fixture(autouse=True)
def _catalogue(kpi_catalogue):
    yield


def at_once(*calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # asserted by the caller
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def body(round_, n=200, value=50):
    rows = [
        {"series": "oee", "ts": iso(hours_ago(round_ * n + i + 1)), "value": value}
        for i in range(n)
    ]
    return json.dumps(rows).encode()


def test_the_same_idempotency_key_at_once_stores_once(feed):
    for round_ in range(ROUNDS):
        data, key = body(round_), f"race-{round_}"

        def send(data=data, key=key):
            return ingest.ingest(
                source=feed.source, body=data, content_type="application/json", idempotency_key=key
            )

        first, second = at_once(send, send)
        assert not isinstance(first, Exception), first
        assert not isinstance(second, Exception), second
        assert first.as_dict() == second.as_dict()
        assert sorted([first.replayed, second.replayed]) == [False, True]
        assert IngestRequest.objects.filter(idempotency_key=key).count() == 1
    assert Observation.objects.count() == ROUNDS * 200


def test_the_same_rows_at_once_are_stored_once(feed):
    for round_ in range(ROUNDS):
        data = body(round_)

        def send(data=data):
            return ingest.ingest(source=feed.source, body=data, content_type="application/json")

        first, second = at_once(send, send)
        assert not isinstance(first, Exception), first
        assert not isinstance(second, Exception), second
        assert sorted([first.accepted, second.accepted]) == [0, 200]
        assert first.duplicates + second.duplicates == 200
    assert Observation.objects.count() == ROUNDS * 200
