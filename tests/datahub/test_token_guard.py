"""Guessing source tokens is limited per client address (or MQTT client id) and per token
prefix; secrets never reach the logs."""

import json
import logging

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from datahub import mqtt
from datahub.models import Observation
from datahub.services import sources
from tests.datahub.ingest_client import URL, fresh_partitions, hours_ago, iso  # noqa: F401


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.DATAHUB_TOKEN_FAILURES_PER_CLIENT = 4
    settings.DATAHUB_TOKEN_FAILURES_PER_PREFIX = 3
    settings.DATAHUB_TOKEN_FAILURE_WINDOW = 600


def post(token, *, address="203.0.113.7", hours=2):
    client = APIClient()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    body = [{"series": "oee", "ts": iso(hours_ago(hours)), "value": 61}]
    return client.post(
        URL,
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        REMOTE_ADDR=address,
    )


def wrong_secret(token: str, n: int) -> str:
    scheme, prefix, _secret = token.split("_", 2)
    return f"{scheme}_{prefix}_guess{n}"


def test_an_address_that_keeps_guessing_is_stopped_then_the_others_still_send(feed):
    for n in range(4):
        assert post(f"sfh_nope{n}_guess", address="203.0.113.7").status_code == 401
    refused = post(feed.token, address="203.0.113.7")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 600
    assert not Observation.objects.exists()
    assert post(feed.token, address="198.51.100.2").status_code == 201


def test_guesses_at_one_prefix_stop_that_prefix_from_every_address(feed):
    for n in range(3):
        response = post(wrong_secret(feed.token, n), address=f"198.51.100.{n + 10}")
        assert response.status_code == 401
    assert post(feed.token, address="192.0.2.99").status_code == 429
    # Another plant's token is not affected.
    assert post(feed.token_b, address="192.0.2.99", hours=3).status_code != 429


def test_a_revoked_token_is_no_guess(world, feed):
    _row, fresh = sources.token_issue(user=world.sme, source=feed.source)
    sources.token_revoke(user=world.sme, source=feed.source)
    for _ in range(6):
        assert post(fresh).status_code == 401
    _row, newest = sources.token_issue(user=world.sme, source=feed.source)
    assert post(newest).status_code == 201


def test_the_mqtt_bridge_limits_each_client_id(feed):
    def send(token, client_id):
        payload = json.dumps({"token": token, "body": []}).encode()
        return mqtt.handle(f"sfh/ingest/{client_id}", payload, prefix="sfh")

    for n in range(4):
        assert send(f"sfh_nope{n}_x", "gw-7").status == 401
    reply = send(feed.token, "gw-7")
    assert reply.status == 429 and reply.as_dict()["code"] == "rate_limited"
    assert reply.as_dict()["retry_after"] > 0
    assert send(feed.token, "gw-8").status in (200, 201)


def test_no_secret_is_ever_logged(feed, caplog):
    caplog.set_level(logging.DEBUG)
    secret = feed.token.split("_", 2)[2]
    post(feed.token)  # stored
    post(feed.token, hours=-100)  # refused rows (in the future)
    post(wrong_secret(feed.token, 1))  # a guess
    client = APIClient()
    client.post(
        URL, "{not json", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {feed.token}"
    )
    mqtt.handle(
        "sfh/ingest/gw-1", json.dumps({"token": feed.token, "body": "x"}).encode(), prefix="sfh"
    )
    assert caplog.records, "the requests logged nothing: the check would prove nothing"
    assert secret not in caplog.text
    assert feed.token not in caplog.text
