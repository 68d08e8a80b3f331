"""PostgreSQL down while a gateway sends (docs/datahub/faults.md): while no server answers
on the database's address (as during a restart: connections refused), every request gets
503 with Retry-After, nothing is stored; when the server is back, the retries with the same
Idempotency-Key store each batch exactly once, and a replay answers its receipt.

tests/datahub/test_ingest_faults.py cuts the request's own connection mid-request; here no
connection can be made at all (the connection's port is a closed one)."""

import json
import socket

import pytest
from django.db import close_old_connections, connection
from django.test import Client

from datahub.models import IngestRequest, Observation
from tests.datahub.ingest_client import URL, fresh_partitions, hours_ago, iso  # noqa: F401

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL server away"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("kpi_catalogue"),
]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once the probe is closed


class ServerAway:
    """The database's address answers nothing: the current connection is closed and the next
    one goes to a closed port (connection refused), until the server is 'back'."""

    def __enter__(self):
        self.port = connection.settings_dict["PORT"]
        connection.close()
        connection.settings_dict["PORT"] = closed_port()
        return self

    def __exit__(self, *exc):
        connection.close()
        connection.settings_dict["PORT"] = self.port


def post(client, token, body, key):
    response = client.post(
        URL,
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    close_old_connections()  # as the server does between requests
    return response


def test_requests_while_the_server_is_away_get_503_and_retries_store_once(feed):
    client = Client(raise_request_exception=False)
    batches = {
        f"gw-{n}": [
            {"series": "oee", "ts": iso(hours_ago(10 * n + h)), "value": 60.0 + n + h / 10}
            for h in range(1, 6)
        ]
        for n in range(3)
    }
    first = post(client, feed.token, batches["gw-0"], "gw-0")
    assert first.status_code == 201
    with ServerAway():
        for key, rows in batches.items():
            refused = post(client, feed.token, rows, key)
            assert refused.status_code == 503, refused.content
            assert refused["Retry-After"] == "5"
            assert refused.json()["code"] == "unavailable"
    # The server is back: the gateway sends every batch again with its key.
    answers = [post(client, feed.token, rows, key) for key, rows in batches.items()]
    assert [a.status_code for a in answers] == [200, 201, 201]
    assert answers[0]["Idempotent-Replayed"] == "true"
    assert Observation.objects.count() == 15
    assert IngestRequest.objects.count() == 3
    again = post(client, feed.token, batches["gw-2"], "gw-2")
    assert again.status_code == 200 and again.json() == answers[2].json()
    assert Observation.objects.count() == 15
