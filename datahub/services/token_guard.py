"""Limits on guessing source tokens. Every failed token check counts against the client
(its address, or the MQTT client id) and against the token prefix it named; once either
reaches its limit in the current window, checks stop before the database is read and the
client is told when to try again. Counters live in the cache (Redis in production), in fixed
windows of DATAHUB_TOKEN_FAILURE_WINDOW seconds. Nothing here ever sees or keeps a secret:
only the public prefix and the client's address are keys."""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache


class TooManyFailures(Exception):
    """Too many failed token checks: `wait` seconds until the window ends."""

    def __init__(self, wait: int):
        super().__init__(wait)
        self.wait = wait


def _window() -> tuple[int, int]:
    """(current window number, seconds until it ends)."""
    length = max(1, settings.DATAHUB_TOKEN_FAILURE_WINDOW)
    now = time.time()
    return int(now // length), max(1, int(length - now % length))


def _keys(client: str | None, prefix: str | None) -> list[tuple[str, int]]:
    window, _ = _window()
    keys = []
    if client:
        # Hashed: an address or client id may be long or hold characters a cache key may not.
        digest = hashlib.sha256(client.encode()).hexdigest()[:32]
        keys.append(
            (f"token-fail:client:{digest}:{window}", settings.DATAHUB_TOKEN_FAILURES_PER_CLIENT)
        )
    if prefix:
        digest = hashlib.sha256(prefix.encode()).hexdigest()[:32]
        keys.append(
            (f"token-fail:prefix:{digest}:{window}", settings.DATAHUB_TOKEN_FAILURES_PER_PREFIX)
        )
    return keys


def check(*, client: str | None, prefix: str | None) -> None:
    """Raise TooManyFailures when the client or the prefix is over its limit."""
    keys = _keys(client, prefix)
    if not keys:
        return
    counts = cache.get_many([key for key, _limit in keys])
    for key, limit in keys:
        if counts.get(key, 0) >= limit:
            raise TooManyFailures(_window()[1])


def record_failure(*, client: str | None, prefix: str | None) -> None:
    _, wait = _window()
    for key, _limit in _keys(client, prefix):
        # add() then incr(): atomic in Redis; the key expires with its window.
        cache.add(key, 0, timeout=wait + 1)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=wait + 1)
