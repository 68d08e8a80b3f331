"""The database cut off mid-request (its server restarted, the connection killed): the client
gets 503 with Retry-After instead of a 500, nothing of the request is kept, and a retry with
the same Idempotency-Key stores the batch exactly once. On PostgreSQL, with the request's
own server connection terminated by another connection (`pg_terminate_backend`)."""

import json

import psycopg
import pytest
from django.db import close_old_connections, connection
from django.test import Client

from datahub.models import IngestRequest, Observation
from tests.datahub.ingest_client import URL, fresh_partitions, hours_ago, iso  # noqa: F401

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="terminates a PostgreSQL server connection"
    ),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("kpi_catalogue"),
]


def cut_the_connection() -> None:
    """Terminate this process's database session from another connection, as a server
    restart would: the next query on it fails."""
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    params = connection.settings_dict
    with psycopg.connect(
        host=params["HOST"],
        port=params["PORT"] or 5432,
        user=params["USER"],
        password=params["PASSWORD"],
        dbname=params["NAME"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def between_requests() -> None:
    """What the server does when the next request starts (the test client skips it)."""
    close_old_connections()


def post(token, body, key):
    client = Client(raise_request_exception=False)
    return client.post(
        URL,
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_a_cut_connection_answers_503_and_the_retry_stores_the_batch_once(feed):
    body = [{"series": "oee", "ts": iso(hours_ago(h)), "value": 60 + h} for h in range(1, 6)]
    cut_the_connection()
    refused = post(feed.token, body, "batch-7")
    assert refused.status_code == 503
    assert refused["Retry-After"] == "5"
    assert refused.json()["code"] == "unavailable"
    between_requests()
    assert Observation.objects.count() == 0
    assert not IngestRequest.objects.exists()
    stored = post(feed.token, body, "batch-7")
    assert stored.status_code == 201, stored.content
    replay = post(feed.token, body, "batch-7")
    assert replay.status_code in (200, 201)
    assert Observation.objects.count() == 5
    assert IngestRequest.objects.filter(idempotency_key="batch-7").count() == 1


def test_a_page_answers_503_without_the_database(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.agency)
    cut_the_connection()
    page = client.get("/plants/")
    assert page.status_code == 503
    assert page["Retry-After"] == "5"
    assert "<h1>" in page.content.decode()
    between_requests()
    assert client.get("/plants/").status_code == 200
