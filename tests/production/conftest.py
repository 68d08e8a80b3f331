"""The production stack for tests/production: a fresh PostgreSQL database, collected static
files, gunicorn and a real Celery worker on Redis, all with DEBUG=false, as subprocesses.

It runs only when asked for: PRODUCTION_PATH=1 with a PostgreSQL DATABASE_URL and a REDIS_URL
(`make test` does so in a pytest invocation of its own). The stack uses its own database
(hub_prodpath, dropped and created again) and Redis database 7, so nothing else's data or
queue is touched. Every process is stopped at the end; when a test fails, their logs are
added to its report."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PYTHON = BIN / "python"
DATABASE = "hub_prodpath"
REDIS_DB = 7
# Only the worker gets these. Its app (tests/production/slow_worker.py) waits BUILD_DELAY
# seconds once a report is running, so the test can kill the worker mid-build; Redis hands an
# unacknowledged task out again after CELERY_VISIBILITY_TIMEOUT seconds (an hour in production).
BUILD_DELAY = 3
VISIBILITY_TIMEOUT = 3

_STACK = pytest.StashKey["Stack"]()


def _why_not() -> str | None:
    if os.environ.get("PRODUCTION_PATH") != "1":
        return "the production path runs with PRODUCTION_PATH=1 (make test sets it)"
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return "the production path needs a PostgreSQL DATABASE_URL"
    if not os.environ.get("REDIS_URL"):
        return "the production path needs REDIS_URL"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _why_not()
    if reason:
        for item in items:
            if item.get_closest_marker("production"):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    stack = item.config.stash.get(_STACK, None)
    if report.failed and report.when in ("setup", "call") and stack is not None:
        for name, text in stack.logs():
            report.sections.append((f"{name} log", text[-20_000:] or "(empty)"))
    return report


def with_path(url: str, path: str) -> str:
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path=path))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(what: str, check, timeout: float = 30, every: float = 0.2):
    """Call check() until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


class Process:
    """A subprocess in its own process group, its output in a log file."""

    def __init__(self, name: str, argv: list[str], env: dict, log_dir: Path):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        with self.log_path.open("ab") as log:
            self.popen = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL the whole group (a prefork worker's pool processes too), as a lost machine."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM to the main process (gunicorn's master, celery's warm shutdown), then
        SIGKILL to whatever of the group is left."""
        if self.alive():
            self.popen.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=10)
        self.kill()


class Browser:
    """A cookie-keeping HTTP client for the gunicorn under test, speaking as the TLS proxy of
    a real deployment would forward (X-Forwarded-Proto: https), so the Secure cookies of
    DEBUG=false are sent back and CSRF checks the https origin."""

    def __init__(self, port: int):
        self.port = port
        self.origin = f"https://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}
        self.set_cookies: dict[str, dict] = {}

    def request(self, method: str, path: str, form: dict | None = None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"X-Forwarded-Proto": "https", "Accept-Language": "en", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["Origin"] = self.origin
            sent["Referer"] = self.origin + path
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            content = response.read()
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.set_cookies[name] = {"secure": bool(morsel["secure"]), "value": morsel.value}
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        response.content = content
        response.text = content.decode("utf-8", errors="replace")
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post_form(self, path: str, page: str, fields: dict):
        """Fill in the form of `page` (its CSRF token) and post it to `path`."""
        token = csrf_token(self.get(page))
        return self.request("POST", path, form={"csrfmiddlewaretoken": token, **fields})

    def json(self, path):
        response = self.get(path, headers={"Accept": "application/json"})
        assert response.status == 200, (path, response.status, response.text[:500])
        return json.loads(response.content)


def csrf_token(response) -> str:
    assert response.status == 200, (response.status, response.text[:500])
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text)
    assert match, response.text[:1000]
    return match.group(1)


class Stack:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.log_dir = tmp / "logs"
        self.log_dir.mkdir()
        base = os.environ["DATABASE_URL"]
        self.database_url = with_path(base, f"/{DATABASE}")
        self.maintenance_url = with_path(base, "/postgres")
        self.redis_url = with_path(os.environ["REDIS_URL"], f"/{REDIS_DB}")
        self.port = free_port()
        self.env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "DEBUG": "false",
            "DEVDATA": "true",  # seed_demo
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "CSRF_TRUSTED_ORIGINS": "",
            "SECURE_SSL_REDIRECT": "false",
            "STATIC_ROOT": str(tmp / "static"),
            "MEDIA_ROOT": str(tmp / "media"),
            "CACHE_KEY_PREFIX": "prodpath",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
        for name in ("PRODPATH_BUILD_DELAY", "CELERY_VISIBILITY_TIMEOUT", "REPORT_STALE_AFTER"):
            self.env.pop(name, None)
        self.processes: list[Process] = []
        self.outputs: list[tuple[str, str]] = []
        self.web: Process | None = None
        self.worker: Process | None = None
        self.worker_starts = 0

    # --- set-up ------------------------------------------------------------------------------

    def reset_stores(self) -> None:
        import psycopg
        import redis

        with psycopg.connect(self.maintenance_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
        client = redis.Redis.from_url(self.redis_url)
        client.flushdb()
        client.close()

    def drop_stores(self) -> None:
        import psycopg
        import redis

        with psycopg.connect(self.maintenance_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        client = redis.Redis.from_url(self.redis_url)
        client.flushdb()
        client.close()

    def manage(self, *args: str, env: dict | None = None, timeout: float = 120) -> str:
        result = subprocess.run(
            [str(PYTHON), "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        output = result.stdout + result.stderr
        self.outputs.append((f"manage.py {' '.join(args)}", output))
        if result.returncode != 0:
            pytest.fail(f"manage.py {' '.join(args)} exited {result.returncode}:\n{output}")
        return result.stdout

    def start(self, name: str, argv: list[str], env: dict | None = None) -> Process:
        process = Process(name, argv, env or self.env, self.log_dir)
        self.processes.append(process)
        return process

    def start_worker(self) -> Process:
        """A real Celery worker (prefork, one pool process), as in production."""
        self.worker_starts += 1
        env = {
            **self.env,
            "PRODPATH_BUILD_DELAY": str(BUILD_DELAY),
            "PYTHONPATH": str(ROOT),
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        }
        worker = self.start(
            f"worker-{self.worker_starts}",
            [
                str(BIN / "celery"),
                "-A",
                "tests.production.slow_worker",
                "worker",
                "-l",
                "info",
                "--concurrency",
                "1",
                "--hostname",
                f"prodpath-{self.worker_starts}@%h",
            ],
            env,
        )
        wait_until(
            f"{worker.name} to be ready",
            lambda: " ready." in worker.log() or not worker.alive() or None,
        )
        assert worker.alive(), worker.log()
        self.worker = worker
        return worker

    def start_web(self) -> Process:
        web = self.start(
            "gunicorn",
            [
                str(BIN / "gunicorn"),
                "hub.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "5",
            ],
        )

        def healthy():
            if not web.alive():
                pytest.fail(f"gunicorn exited:\n{web.log()}")
            try:
                return self.browser().get("/healthz").status == 200
            except OSError:
                return False

        wait_until("gunicorn to answer /healthz", healthy)
        self.web = web
        return web

    def browser(self) -> Browser:
        return Browser(self.port)

    # --- tear-down and logs ---------------------------------------------------------------------

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()

    def logs(self) -> list[tuple[str, str]]:
        return [*self.outputs, *((p.name, p.log()) for p in self.processes)]


@pytest.fixture(scope="module")
def stack(request, tmp_path_factory):
    """Fresh database and Redis db, static files collected, data seeded, then gunicorn and a
    worker running with DEBUG=false. Collecting static files (compressed) is the slow part;
    it runs while the database is migrated and seeded."""
    stack = Stack(tmp_path_factory.mktemp("production"))
    request.config.stash[_STACK] = stack
    try:
        stack.reset_stores()
        collect = stack.start(
            "collectstatic", [str(PYTHON), "manage.py", "collectstatic", "--noinput", "-v", "1"]
        )
        # The deployment checks pass for the production settings (here the test itself talks
        # plain HTTP to gunicorn, so it turns the HTTPS redirect off).
        stack.manage(
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
            env={"SECURE_SSL_REDIRECT": "true", "ALLOWED_HOSTS": "hub.example.org"},
        )
        stack.manage("migrate", "--noinput")
        stack.manage("seed_demo", "--plants", "20", "--force")
        stack.start_worker()
        collect.popen.wait(timeout=300)
        assert collect.popen.returncode == 0, collect.log()
        stack.start_web()
        yield stack
    finally:
        stack.stop()
        del request.config.stash[_STACK]
        stack.drop_stores()
        shutil.rmtree(stack.tmp / "static", ignore_errors=True)  # ~40 MB, compressed twice
