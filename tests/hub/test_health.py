"""/healthz: 200 when the database (and the broker, if one is configured) answer, else 503."""

import pytest
from django.conf import settings as django_settings

# Every alias: with DATABASE_REPLICA_URL set, /healthz also asks the read replica.
pytestmark = pytest.mark.django_db(databases="__all__")
REPLICA = (
    {"state": "not configured"}
    if "replica" not in django_settings.DATABASES
    else {"state": "ok", "in_recovery": False, "lag_seconds": None}  # the test database
)

BROKEN_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_healthy_without_a_broker(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "not configured"},
        "replica": REPLICA,
    }
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.skipif(not django_settings.REDIS_URL, reason="REDIS_URL is not set")
def test_healthy_with_the_configured_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_unreachable_broker_makes_the_service_unhealthy(client, settings):
    settings.REDIS_URL = settings.CELERY_BROKER_URL = BROKEN_BROKER
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("error")


def test_only_get_is_allowed(client):
    assert client.post("/healthz").status_code == 405
