"""Concurrent load for `manage.py benchmark`: gunicorn serving this database, wrk driving it.

The in-process part of the benchmark runs in a rolled-back transaction; a load test needs
separate processes that see committed rows, so this part commits a throw-away official user
(with a session and an API token), serves the hub with gunicorn (DEBUG=false, static files
collected into a temporary directory), runs wrk against each URL (bounded: loopback, fixed
connections and duration) and removes the user again.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess  # nosec B404  # runs gunicorn and wrk with fixed argv
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from hub.choices import OrganizationKind, Role
from hub.models import Membership, Organization

# wrk reports p50 / p95 / p99 and the error counts as one JSON line when it finishes.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,'
    .. '"socket_errors":%d,"status_errors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect + e.read + e.write + e.timeout, e.status))
end
"""


@dataclass
class LoadResult:
    name: str
    url: str
    clients: int
    seconds: int
    requests: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def parse_wrk(output: str) -> dict:
    """The JSON line the wrk script prints (the last line that parses)."""
    for line in reversed(output.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
    raise ValueError("wrk printed no result line")


def result_from_wrk(name: str, url: str, clients: int, seconds: int, data: dict) -> LoadResult:
    duration = data["duration_us"] / 1e6
    return LoadResult(
        name=name,
        url=url,
        clients=clients,
        seconds=seconds,
        requests=data["requests"],
        rps=data["requests"] / duration if duration else 0.0,
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=data["socket_errors"] + data["status_errors"],
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def load_user():
    """A committed official with a session cookie and an API token; removed afterwards."""
    name = f"bench-load-{uuid.uuid4().hex[:8]}"
    user = get_user_model().objects.create(username=name)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    org = Organization.objects.filter(kind=OrganizationKind.MINISTRY).first()
    created_org = None
    if org is None:
        org = created_org = Organization.objects.create(
            kind=OrganizationKind.MINISTRY, name=f"{name} 부처", name_en=name
        )
    Membership.objects.create(user=user, organization=org, role=Role.OFFICIAL)
    token = Token.objects.create(user=user)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    # Officials sign in with a second step when DEBUG is off (hub/mfa.py): the session has
    # passed it, with an authenticator of its own.
    device = TOTPDevice.objects.create(user=user, name="benchmark", confirmed=True)
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    try:
        yield {"session": session.session_key, "token": token.key}
    finally:
        session.delete()
        user.delete()
        if created_org is not None:
            created_org.delete()


@contextmanager
def gunicorn(workers: int):
    """gunicorn serving this database on a free loopback port, DEBUG=false."""
    port = _free_port()
    static = tempfile.mkdtemp(prefix="hub-bench-static-")
    env = {
        **os.environ,
        "DEBUG": "false",
        # The session it serves was signed (auth hash) with this process's key.
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": static,
        "LOG_LEVEL": "WARNING",
    }
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
    subprocess.run(  # noqa: S603 - fixed argv  # nosec B603
        [*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True
    )
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(  # noqa: S603 - fixed argv  # nosec B603
            [
                sys.executable, "-m", "gunicorn", "hub.wsgi",
                "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
                "--chdir", str(settings.BASE_DIR), "--log-level", "warning",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:  # noqa: S310 - loopback http URL  # nosec B310
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    tail = log.read().decode(errors="replace")[-2000:]
                    raise RuntimeError("gunicorn did not come up:\n" + tail)
                time.sleep(0.3)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
            shutil.rmtree(static, ignore_errors=True)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _expect_ok(url: str, headers: dict) -> None:
    """The URL answers 200 with these headers (not a redirect to the login page)."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http://127.0.0.1
        with opener.open(request, timeout=30) as r:
            status = r.status
    except urllib.error.HTTPError as e:
        status = e.code
    if status != 200:
        raise RuntimeError(f"GET {url} answered {status}, not 200: no load test on that")


def run_wrk(
    name: str, base: str, url: str, headers: dict, *, clients: int, seconds: int, warmup: int
) -> LoadResult:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(WRK_SCRIPT)
        script = fh.name
    _expect_ok(base + url, headers)
    head = [x for k, v in headers.items() for x in ("-H", f"{k}: {v}")]
    threads = str(min(clients, os.cpu_count() or 1))
    try:
        if warmup:
            subprocess.run(  # noqa: S603 - fixed argv  # nosec B603
                [wrk, "-t", threads, "-c", str(clients), "-d", f"{warmup}s", *head, base + url],
                check=True,
                capture_output=True,
            )
        out = subprocess.run(  # noqa: S603 - fixed argv  # nosec B603
            [
                wrk, "-t", threads, "-c", str(clients), "-d", f"{seconds}s",
                "--timeout", "10s", "-s", script, *head, base + url,
            ],
            check=True,
            capture_output=True,
            text=True,
        )  # fmt: skip
    finally:
        os.unlink(script)
    return result_from_wrk(name, url, clients, seconds, parse_wrk(out.stdout))
