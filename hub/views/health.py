"""Liveness/readiness: the database, and the Celery broker when one is configured; the read
replica's state when one is configured (hub/replica.py).

A replica that does not answer makes the status "degraded" with 200, not 503: its reads go to
the primary meanwhile, so this instance still serves every page. A load balancer taking every
instance out of rotation for it (they share the replica) would turn a slower service into
none; monitoring alerts on "degraded" instead."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hub import replica


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_broker() -> str:
    if not getattr(settings, "REDIS_URL", ""):
        return "not configured"
    from hub.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


@never_cache
@require_GET
def healthz(request):
    checks, healthy = {}, True
    for name, check in (("database", _check_database), ("broker", _check_broker)):
        try:
            checks[name] = check()
        except Exception as exc:  # noqa: BLE001 - any failure makes the service unhealthy
            checks[name] = f"error: {exc.__class__.__name__}"
            healthy = False
    standby = replica.health()
    status = "ok" if healthy else "error"
    if healthy and standby["state"] == "down":
        status = "degraded"
    return JsonResponse(
        {"status": status, "checks": checks, "replica": standby}, status=200 if healthy else 503
    )
