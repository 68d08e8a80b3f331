"""The MQTT bridge's message handling: one published message in, one reply out, through the
same ingest service (and the same receipts) as POST /api/v1/ingest/.

Topics (prefix MQTT_TOPIC_PREFIX, default ``sfh``):

- a plant system publishes to ``<prefix>/ingest/<id>``, ``<id>`` being a name it chooses
  (its MQTT client id is a good one: a broker ACL can then pin each client to its topics);
- the bridge answers on ``<prefix>/receipts/<id>`` (QoS 1).

The payload is a JSON object; the token travels inside it, never in a topic:

    {"token": "sfh_…", "body": [...] | {...} | "csv text",
     "content_type": "application/json" | "text/csv",     (optional)
     "on_conflict": "refuse" | "replace",                 (optional, as the API's)
     "atomic": false | true,                              (optional, as the API's)
     "idempotency_key": "…"}                              (optional)

`body` is what POST /api/v1/ingest/ takes: JSON records or a SensorThings ``dataArray`` object
(sent as JSON), or CSV text (a string; `content_type` defaults to text/csv for a string and
application/json otherwise). QoS 1 may deliver a message twice: without an
`idempotency_key` the bridge derives one from the body and options, so a redelivered message
is stored once and answers the same receipt.

The reply is the ingest receipt as the API returns it, plus `status` (201 when values were
stored, 200 otherwise, as the API answers), `replayed` and `idempotency_key`; a refused
message gets ``{"status": <the API's code>, "code": "…", "detail": "…",
"idempotency_key": … or null}`` (429 adds `retry_after`). When the database does not answer,
the reply is 503 ``unavailable`` (with `retry_after`) and the bridge does not acknowledge the
message: the broker delivers it again after the bridge reconnects. A token has one rate budget for
both ways in (DATAHUB_TOKEN_RATE). This module needs no broker: `handle` takes a topic and a
payload and returns the reply; datahub/management/commands/mqtt_bridge.py runs the loop.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from dataclasses import dataclass
from types import SimpleNamespace

from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, connection
from django.utils.translation import gettext as _

from datahub.choices import IngestChannel
from datahub.services import sources, token_guard
from hub.api.errors import RETRY_AFTER_SECONDS

log = logging.getLogger(__name__)

INGEST = "ingest"
RECEIPTS = "receipts"
QOS = 1
UNAVAILABLE = "unavailable"  # the reply's code when the database did not answer
# Room for the envelope (token, key, JSON quoting) around a body of DATAHUB_MAX_BYTES.
ENVELOPE_BYTES = 64 * 1024
KEY_MAX_LENGTH = 200  # IngestRequest.idempotency_key


@dataclass(frozen=True)
class Reply:
    topic: str
    payload: bytes
    status: int  # as the API would answer: 201/200 for a receipt, the refusal's code otherwise

    def as_dict(self) -> dict:
        return json.loads(self.payload)


class Refused(Exception):
    """The whole message is refused: its reply says why, with the API's status and code."""

    def __init__(self, status: int, code: str, detail: str, **extra):
        super().__init__(detail)
        self.status, self.code, self.detail, self.extra = status, code, detail, extra


def subscription(prefix: str | None = None) -> str:
    return f"{prefix or settings.MQTT_TOPIC_PREFIX}/{INGEST}/+"


def reply_topic(client_id: str, prefix: str | None = None) -> str:
    return f"{prefix or settings.MQTT_TOPIC_PREFIX}/{RECEIPTS}/{client_id}"


def client_id_of(topic: str, prefix: str | None = None) -> str | None:
    """The `<id>` of ``<prefix>/ingest/<id>``; None for any other topic."""
    head = f"{prefix or settings.MQTT_TOPIC_PREFIX}/{INGEST}/"
    if not topic.startswith(head):
        return None
    rest = topic[len(head) :]
    return None if "/" in rest else rest


@dataclass(frozen=True)
class Message:
    """What a published message asks: the ingest service's arguments."""

    token: str
    body: bytes
    content_type: str
    idempotency_key: str
    on_conflict: str = "refuse"
    atomic: bool = False


def derived_key(body: bytes, content_type: str, on_conflict="refuse", atomic=False) -> str:
    """The idempotency key of a message that names none: the same body (content type and
    options) gives the same key, so a QoS 1 redelivery is stored once."""
    head = f"{content_type}\n{on_conflict}\n{int(bool(atomic))}\n".encode()
    return f"mqtt-{hashlib.sha256(head + body).hexdigest()[:48]}"


def _refuse_payload(detail) -> Refused:
    return Refused(400, "bad_payload", detail)


def parse(payload: bytes) -> Message:
    """The message a payload carries, or Refused (400, 401 without a token, 413)."""
    limit = settings.DATAHUB_MAX_BYTES + ENVELOPE_BYTES
    if len(payload) > limit:
        raise Refused(
            413, "too_large", _("The message is larger than %(limit)d bytes.") % {"limit": limit}
        )
    try:
        message = json.loads(payload)
    except (UnicodeDecodeError, ValueError, RecursionError):
        message = None
    if not isinstance(message, dict):
        raise _refuse_payload(_('The payload must be a JSON object: {"token": …, "body": …}.'))
    token = message.get("token")
    if not isinstance(token, str) or not token:
        raise Refused(401, "token_missing", _("The payload names no token."))
    if "body" not in message:
        raise _refuse_payload(_("The payload has no body."))
    body, content_type = message["body"], message.get("content_type")
    if content_type is not None and not isinstance(content_type, str):
        raise _refuse_payload(_("content_type must be a string."))
    on_conflict = message.get("on_conflict", "refuse")
    if not isinstance(on_conflict, str):
        raise _refuse_payload(_('on_conflict must be "refuse" or "replace".'))
    atomic = message.get("atomic", False)
    if not isinstance(atomic, bool):
        raise _refuse_payload(_("atomic must be true or false."))
    if isinstance(body, str):
        content_type = content_type or "text/csv"
        raw = body.encode("utf-8", "surrogatepass")
    else:
        content_type = content_type or "application/json"
        raw = json.dumps(body, separators=(",", ":")).encode()
    key = message.get("idempotency_key")
    if key is None:
        key = derived_key(raw, content_type, on_conflict, atomic)
    elif not isinstance(key, str) or not key.strip() or len(key) > KEY_MAX_LENGTH:
        raise Refused(
            400,
            "bad_idempotency_key",
            _("idempotency_key must be a string of 1 to %(n)d characters.") % {"n": KEY_MAX_LENGTH},
        )
    return Message(token, raw, content_type, key.strip(), on_conflict, atomic)


def _ingest(token, message: Message):
    """The ingest service, as POST /api/v1/ingest/ calls it; its whole-request refusals
    (too many rows, unsupported content, key reused with another body…) become Refused with
    the same status and code."""
    from datahub.services.ingest import IngestRefused, ingest

    try:
        return ingest(
            source=token.source,
            body=message.body,
            content_type=message.content_type,
            idempotency_key=message.idempotency_key,
            on_conflict=message.on_conflict,
            atomic=message.atomic,
            channel=IngestChannel.MQTT,
            token=token,
        )
    except IngestRefused as refused:
        raise Refused(refused.status, refused.code, str(refused.message)) from refused


def _fresh_connection() -> None:
    """A long-running bridge drops a database connection the server closed or that is too
    old, as a request would (not inside a transaction: a test's, or a caller's)."""
    if not connection.in_atomic_block:
        close_old_connections()


def _reply(client_id: str, prefix: str | None, status: int, data: dict) -> Reply:
    payload = json.dumps(data, ensure_ascii=False, default=str).encode()
    return Reply(topic=reply_topic(client_id, prefix), payload=payload, status=status)


def handle(topic: str, payload: bytes, *, prefix: str | None = None) -> Reply | None:
    """Ingest one message; returns the reply to publish (None: not an ingest topic)."""
    client_id = client_id_of(topic, prefix)
    if client_id is None:
        return None
    key = None
    _fresh_connection()
    try:
        message = parse(payload)
        key = message.idempotency_key
        try:
            token = sources.authenticate(message.token, client=f"mqtt:{client_id}")
        except token_guard.TooManyFailures as refused:
            raise Refused(
                429,
                "rate_limited",
                _("Too many failed token checks: wait %(n)d seconds.") % {"n": refused.wait},
                retry_after=refused.wait,
            ) from None
        if token is None:
            raise Refused(401, "token_invalid", _("The token is invalid, expired or revoked."))
        wait = _throttled(token)
        if wait is not None:
            raise Refused(
                429,
                "rate_limited",
                _("Too many messages with this token: wait %(n)d seconds.") % {"n": wait},
                retry_after=wait,
            )
        receipt = _ingest(token, message)
    except Refused as refused:
        return _error(client_id, prefix, refused, key)
    except (OperationalError, InterfaceError):
        # The database did not answer (restart, cut connection): nothing of the message was
        # kept. 503 as the API answers; the bridge leaves the message unacknowledged, so the
        # broker delivers it again once the bridge reconnects.
        log.warning("MQTT message on %s: the database did not answer", topic)
        detail = _("The database did not answer for a moment; the message will be read again.")
        refused = Refused(503, UNAVAILABLE, detail, retry_after=RETRY_AFTER_SECONDS)
        return _error(client_id, prefix, refused, key)
    except Exception:
        log.exception("MQTT message on %s could not be ingested", topic)
        detail = _("The message could not be ingested; it can be sent again.")
        return _error(client_id, prefix, Refused(500, "server_error", detail), key)
    finally:
        _fresh_connection()
    # As the API answers: 201 when values were stored, 200 otherwise (and for a replay).
    status = 201 if receipt.stored and not receipt.replayed else 200
    data = {
        **receipt.as_dict(),
        "status": status,
        "replayed": receipt.replayed,
        "idempotency_key": key,
    }
    return _reply(client_id, prefix, status, data)


def _throttled(token) -> int | None:
    """Seconds to wait when the token is over its rate (DATAHUB_TOKEN_RATE, one budget with
    POST /api/v1/ingest/), else None."""
    from datahub.api.ingest import SourceTokenThrottle

    throttle = SourceTokenThrottle()
    if throttle.allow_request(SimpleNamespace(auth=token), None):
        return None
    return max(1, math.ceil(throttle.wait() or 1))


def _error(client_id, prefix, refused: Refused, key) -> Reply:
    log.info("MQTT message from %s refused: %s %s", client_id, refused.status, refused.code)
    data = {
        "status": refused.status,
        "code": refused.code,
        "detail": str(refused.detail),
        **refused.extra,
        "idempotency_key": key,
    }
    return _reply(client_id, prefix, refused.status, data)
