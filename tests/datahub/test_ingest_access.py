"""Who may send (source tokens only, revoked at once, one plant's token never writes another
plant's series), idempotency, limits, the per-token rate limit, late data and backfills."""

import datetime as dt

from django.core.cache import cache
from django.utils import timezone
from rest_framework.authtoken.models import Token

from datahub.models import BackfillApproval, IngestRequest, Observation
from datahub.services import sources
from tests.datahub.ingest_client import fresh_partitions, hours_ago, iso, send  # noqa: F401


def one_row(value=50, hours=2, series="oee"):
    return [{"series": series, "ts": iso(hours_ago(hours)), "value": value}]


def test_no_token_or_a_wrong_one_answers_401_with_bearer_challenge(feed):
    for token in ("", "sfh_nope_nope", feed.token[:-2], "Token " + feed.token):
        response = send(None, one_row(), headers={"Authorization": token} if token else {})
        assert response.status_code == 401, token
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert not Observation.objects.exists()


def test_member_sessions_and_api_tokens_are_not_accepted(world, feed, client_for):
    member_token = Token.objects.create(user=world.sme).key
    response = send(None, one_row(), headers={"Authorization": f"Token {member_token}"})
    assert response.status_code == 401
    session = client_for(world.sme).post(
        "/api/v1/ingest/", one_row(), content_type="application/json"
    )
    assert session.status_code == 401
    assert not Observation.objects.exists()


def test_a_revoked_token_is_refused_at_once(world, feed):
    assert send(feed.token, one_row(hours=3)).status_code == 201
    sources.token_revoke(user=world.sme, source=feed.source)
    response = send(feed.token, one_row(hours=2))
    assert response.status_code == 401
    assert Observation.objects.count() == 1


def test_an_expired_token_or_inactive_source_is_refused(world, feed):
    token, secret = sources.token_issue(user=world.sme, source=feed.source)
    token.expires_at = timezone.now() - dt.timedelta(seconds=1)
    token.save()
    assert send(secret, one_row()).status_code == 401
    sources.source_update(user=world.sme, source=feed.source, data={"is_active": False})
    assert send(feed.token, one_row()).status_code == 401


def test_plant_b_token_cannot_write_plant_a_series(feed):
    body = [
        {"series": feed.produced.key, "ts": iso(hours_ago(2)), "value": 1},
        {"series": feed.oee.pk, "ts": iso(hours_ago(2)), "value": 1},
    ]
    response = send(feed.token_b, body)
    assert response.status_code == 200
    receipt = response.json()
    assert receipt["accepted"] == 0
    assert [(r["index"], r["code"], r["reason"]) for r in receipt["rejected"]] == [
        (0, "unknown_series", "unknown series"),
        (1, "unknown_series", "unknown series"),
    ]
    assert not Observation.objects.exists()
    # Its own series of the same key is its plant's, not plant A's.
    assert send(feed.token_b, one_row()).status_code == 201
    assert list(Observation.objects.values_list("series_id", "plant_id")) == [
        (feed.series_b.pk, feed.series_b.plant_id)
    ]


def test_same_idempotency_key_and_body_answers_the_same_receipt(feed):
    body = one_row()
    first = send(feed.token, body, headers={"Idempotency-Key": "batch-1"})
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    again = send(feed.token, body, headers={"Idempotency-Key": "batch-1"})
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Observation.objects.count() == 1
    assert IngestRequest.objects.count() == 1


def test_same_idempotency_key_with_another_body_is_refused(feed):
    send(feed.token, one_row(50), headers={"Idempotency-Key": "batch-1"})
    response = send(feed.token, one_row(51), headers={"Idempotency-Key": "batch-1"})
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_mismatch"
    options = send(
        feed.token, one_row(50), query="on_conflict=replace", headers={"Idempotency-Key": "batch-1"}
    )
    assert options.status_code == 422
    assert list(Observation.objects.values_list("value", flat=True)) == [50.0]
    # Keys belong to a source: another source may use the same one.
    assert send(feed.token_b, one_row(7), headers={"Idempotency-Key": "batch-1"}).status_code == 201


def test_too_many_rows_answers_413_saying_the_limit(feed, settings):
    settings.DATAHUB_MAX_ROWS = 3
    body = [{"series": "oee", "ts": iso(hours_ago(h)), "value": 1} for h in range(1, 5)]
    response = send(feed.token, body)
    assert response.status_code == 413
    assert "3 rows" in response.json()["detail"]
    csv = "timestamp,oee,produced_quantity-line-1\n" + "".join(
        f"{iso(hours_ago(h))},1,2\n" for h in (1, 2)
    )
    assert send(feed.token, csv, content_type="text/csv").status_code == 413  # 4 values
    assert send(feed.token, body[:3]).status_code == 201
    assert Observation.objects.count() == 3


def test_too_many_bytes_answers_413_saying_the_limit(feed, settings):
    settings.DATAHUB_MAX_BYTES = 200
    body = [{"series": "oee", "ts": iso(hours_ago(h)), "value": 1} for h in range(1, 5)]
    response = send(feed.token, body)
    assert response.status_code == 413
    assert "200 bytes" in response.json()["detail"]
    assert not Observation.objects.exists()


def test_the_rate_limit_per_token_answers_429_with_retry_after(feed, settings):
    settings.DATAHUB_TOKEN_RATE = "2/min"
    cache.clear()
    try:
        assert send(feed.token, one_row(hours=1)).status_code == 201
        assert send(feed.token, one_row(hours=2)).status_code == 201
        refused = send(feed.token, one_row(hours=3))
        assert refused.status_code == 429
        assert int(refused["Retry-After"]) > 0
        # Another token has its own budget.
        assert send(feed.token_b, one_row(hours=3)).status_code == 201
    finally:
        cache.clear()
    assert Observation.objects.filter(series=feed.oee).count() == 2


def test_late_data_needs_an_approved_backfill_beyond_the_horizon(world, feed, settings):
    settings.DATAHUB_LATE_HORIZON_DAYS = 30
    old = hours_ago(24 * 45)
    body = [{"series": "oee", "ts": iso(old), "value": 55}]
    within = [{"series": "oee", "ts": iso(hours_ago(24 * 20)), "value": 56}]
    assert send(feed.token, within).status_code == 201  # late but within the horizon
    refused = send(feed.token, body).json()
    assert [(r["field"], r["code"]) for r in refused["rejected"]] == [("ts", "too_old")]
    approval = {
        "plant": world.plant_a,
        "start": old - dt.timedelta(days=1),
        "end": old + dt.timedelta(days=1),
        "reason": "MES 교체 전 자료",
        "approved_by": world.agency,
    }
    BackfillApproval.objects.create(**approval, expires_at=timezone.now() - dt.timedelta(hours=1))
    assert send(feed.token, body).json()["rejected"][0]["code"] == "too_old"  # expired
    BackfillApproval.objects.create(**approval, expires_at=timezone.now() + dt.timedelta(days=7))
    accepted = send(feed.token, body)
    assert accepted.status_code == 201 and accepted.json()["accepted"] == 1
    # Plant B's approval does not cover plant A... and A's does not cover B.
    assert send(feed.token_b, body).json()["rejected"][0]["code"] == "too_old"
    assert Observation.objects.filter(series=feed.oee).count() == 2
