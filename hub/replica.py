"""Reads from a PostgreSQL streaming replica (DATABASE_REPLICA_URL), and only where it is safe.

Only the entry points decorated with `reads_from_replica` (dashboards, progress figures and
reports, peer benchmarks, research dataset builds) read from the replica, and then only while
all of these hold:
- a replica is configured (the database alias "replica" exists);
- the request is not a write (POST, PUT, PATCH, DELETE), and the same browser did not write
  in the last DATABASE_REPLICA_STICKY_SECONDS (read-your-writes: a signed cookie set after
  each write);
- no transaction is open on the primary (it may need its own uncommitted rows);
- the model is not one whose staleness would break a promise (consents, memberships, tokens:
  DATABASE_REPLICA_PRIMARY_MODELS);
- the replica answers. When it does not (connection refused, connect timeout), it is not
  tried again for DATABASE_REPLICA_RETRY_SECONDS and reads go to the primary; /healthz says
  "degraded" meanwhile.
Everything else, all writes included, uses the primary ("default"). hub/db_router.py applies
these rules; nothing here guesses from the SQL.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import time
from contextvars import ContextVar

from django.conf import settings
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

ALIAS = "replica"
PRIMARY = "default"
COOKIE = "sfh_primary"
_SALT = "hub.replica.read-your-writes"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

# True inside an entry point that may read from the replica.
_wanted: ContextVar[bool] = ContextVar("replica_reads_wanted", default=False)
# True for a request that wrote, or whose browser wrote a moment ago.
_pinned: ContextVar[bool] = ContextVar("replica_pinned_to_primary", default=False)

_lock = threading.Lock()
_state = {"down_until": 0.0, "error": ""}


def configured() -> bool:
    return ALIAS in connections.settings


def sticky_seconds() -> int:
    return getattr(settings, "DATABASE_REPLICA_STICKY_SECONDS", 10)


def retry_seconds() -> int:
    return getattr(settings, "DATABASE_REPLICA_RETRY_SECONDS", 5)


def primary_only_models() -> frozenset[str]:
    return frozenset(getattr(settings, "DATABASE_REPLICA_PRIMARY_MODELS", ()))


# --- the context the entry points enter -------------------------------------------------------


@contextlib.contextmanager
def replica_reads():
    """Reads inside may go to the replica (the router still checks everything else)."""
    token = _wanted.set(True)
    try:
        yield
    finally:
        _wanted.reset(token)


@contextlib.contextmanager
def primary_reads():
    """Reads inside go to the primary, whatever the context around."""
    token = _pinned.set(True)
    try:
        yield
    finally:
        _pinned.reset(token)


def _render_inside(response):
    # A template response renders after the view returns, outside the context: its lazy
    # querysets would read from the primary. Render it here (DRF responses are rendered
    # already when they leave dispatch; others have nothing to render).
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    return response


def reads_from_replica(target):
    """Decorate a view function, a class-based view (its `dispatch`) or a task function: the
    reads it makes may go to the replica (see the module docstring for when they do)."""
    if isinstance(target, type):
        dispatch = target.dispatch

        @functools.wraps(dispatch)
        def replica_dispatch(self, *args, **kwargs):
            with replica_reads():
                return _render_inside(dispatch(self, *args, **kwargs))

        replica_dispatch.reads_from_replica = True
        target.dispatch = replica_dispatch
        return target

    @functools.wraps(target)
    def wrapper(*args, **kwargs):
        with replica_reads():
            return _render_inside(target(*args, **kwargs))

    wrapper.reads_from_replica = True
    return wrapper


def wants_replica(model=None) -> bool:
    """The rules that do not need the replica itself (see the module docstring)."""
    if not _wanted.get() or _pinned.get() or not configured():
        return False
    if model is not None and model._meta.label_lower in primary_only_models():
        return False
    return not connections[PRIMARY].in_atomic_block


# --- is the replica up? ---------------------------------------------------------------------


def mark_down(exc: BaseException) -> None:
    with _lock:
        _state["down_until"] = time.monotonic() + retry_seconds()
        _state["error"] = exc.__class__.__name__
    logger.warning("replica unavailable, reading from the primary: %s", exc)
    with contextlib.suppress(Exception):
        connections[ALIAS].close()


def mark_up() -> None:
    with _lock:
        _state["down_until"] = 0.0
        _state["error"] = ""


def is_marked_down() -> bool:
    return time.monotonic() < _state["down_until"]


def connect() -> None:
    """Make sure the replica connection works (Django's health check once per request, then a
    connection if there is none); raises DatabaseError when the replica does not answer."""
    conn = connections[ALIAS]
    conn.close_if_health_check_failed()
    conn.ensure_connection()


def available() -> bool:
    """The replica answers (or is not being tried again yet after a failure: False)."""
    if is_marked_down():
        return False
    try:
        connect()
    except DatabaseError as exc:
        mark_down(exc)
        return False
    return True


def alias_for_read(model=None) -> str | None:
    """The database a read of `model` goes to: None (Django's default) without a replica,
    else "replica" or "default"."""
    if not configured():
        return None
    if wants_replica(model) and available():
        return ALIAS
    return PRIMARY


# --- read-your-writes -------------------------------------------------------------------------


def _wrote_lately(request) -> bool:
    try:
        return (
            request.get_signed_cookie(COOKIE, default=None, salt=_SALT, max_age=sticky_seconds())
            is not None
        )
    except Exception:  # noqa: BLE001 - a cookie that does not verify does not pin
        return False


class ReadYourWritesMiddleware:
    """A request that writes reads from the primary, and so does the same browser for
    DATABASE_REPLICA_STICKY_SECONDS after it (a signed cookie); without a replica it does
    nothing at all."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not configured():
            return self.get_response(request)
        writes = request.method not in SAFE_METHODS
        token = _pinned.set(writes or _wrote_lately(request))
        try:
            response = self.get_response(request)
        finally:
            _pinned.reset(token)
        if writes:
            response.set_signed_cookie(
                COOKIE,
                "1",
                salt=_SALT,
                max_age=sticky_seconds(),
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response


# --- health -----------------------------------------------------------------------------------

_LAG_SQL = (
    "SELECT pg_is_in_recovery(), CASE WHEN NOT pg_is_in_recovery() THEN NULL "
    "WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END"
)


def health() -> dict:
    """The replica's state for /healthz: {"state": "not configured" | "ok" | "down", ...}.
    Always tries the replica (also while it is marked down), so a replica back up is noticed."""
    if not configured():
        return {"state": "not configured"}
    try:
        connect()
        conn = connections[ALIAS]
        in_recovery, lag = None, None
        if conn.vendor == "postgresql":
            with conn.cursor() as cursor:
                cursor.execute(_LAG_SQL)
                in_recovery, lag = cursor.fetchone()
    except DatabaseError as exc:
        mark_down(exc)
        return {"state": "down", "error": exc.__class__.__name__, "retry_in": retry_seconds()}
    mark_up()
    return {
        "state": "ok",
        "in_recovery": in_recovery,
        "lag_seconds": None if lag is None else round(float(lag), 3),
    }
