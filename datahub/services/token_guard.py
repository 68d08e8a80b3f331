"""Limits on guessing source tokens. Every failed token check counts against the client
(its address, or the MQTT client id) and against the token prefix it named; once either
reaches its limit in the current window, checks stop before the database is read and the
client is told when to try again. Counters live in the cache (Redis in production), for a
window of DATAHUB_TOKEN_FAILURE_WINDOW seconds from each party's first failure. Nothing here
ever sees or keeps a secret: only the public prefix and the client's address are keys."""

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


def _window_length() -> int:
    return max(1, settings.DATAHUB_TOKEN_FAILURE_WINDOW)


def _keys(client: str | None, prefix: str | None) -> list[tuple[str, int]]:
    """(cache key, limit) per counted party. Hashed: an address or client id may be long or
    hold characters a cache key may not."""
    keys = []
    if client:
        digest = hashlib.sha256(client.encode()).hexdigest()[:32]
        keys.append((f"token-fail:client:{digest}", settings.DATAHUB_TOKEN_FAILURES_PER_CLIENT))
    if prefix:
        digest = hashlib.sha256(prefix.encode()).hexdigest()[:32]
        keys.append((f"token-fail:prefix:{digest}", settings.DATAHUB_TOKEN_FAILURES_PER_PREFIX))
    return keys


def check(*, client: str | None, prefix: str | None) -> None:
    """Raise TooManyFailures when the client or the prefix is over its limit: the window
    starts at the party's first failure and lasts DATAHUB_TOKEN_FAILURE_WINDOW seconds."""
    keys = _keys(client, prefix)
    if not keys:
        return
    stored = cache.get_many([k for key, _limit in keys for k in (key, f"{key}:since")])
    now = time.time()
    for key, limit in keys:
        if stored.get(key, 0) >= limit:
            since = stored.get(f"{key}:since", now)
            raise TooManyFailures(max(1, int(since + _window_length() - now) + 1))


def record_failure(*, client: str | None, prefix: str | None) -> None:
    length = _window_length()
    for key, _limit in _keys(client, prefix):
        # add() then incr(): atomic in Redis; both keys expire with the window.
        if cache.add(key, 0, timeout=length):
            cache.set(f"{key}:since", time.time(), timeout=length)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=length)
