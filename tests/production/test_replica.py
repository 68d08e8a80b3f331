"""A real PostgreSQL streaming replica: a throwaway PostgreSQL 15 primary and its standby
(`pg_basebackup -R`) on free loopback ports in a temporary folder, the primary migrated, the
hub pointed at both (DATABASE_URL, DATABASE_REPLICA_URL). tests/production/replica_probe.py
sends the requests and asks each connection that served a plant-data read `SELECT
pg_is_in_recovery()`:
- a plant dashboard and a PDF report's build read from the replica;
- an ordinary page and a write use the primary;
- the same browser's dashboard right after its write reads from the primary;
- with the replica stopped, the dashboard still answers from the primary, at once, and
  /healthz says "degraded" (200) with the replica down.
Both clusters are stopped and the folder removed at the end, whatever happened. As root (CI)
the PostgreSQL programs run as the `postgres` user, which owns the folder.

Runs in the production-path invocation (`make test` with PostgreSQL and Redis):
PRODUCTION_PATH=1 DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/pytest -m production
tests/production/test_replica.py"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.production.conftest import ROOT, free_port, wait_until

pytestmark = pytest.mark.production

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
DATABASE = "hub_replica"
# The postgres user may not enter the checkout (CI clones under /root): its programs run here.
NEUTRAL_CWD = tempfile.gettempdir()
USER = "hub"


def _as_postgres(argv: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


def _run(argv: list[str], timeout: float = 60) -> str:
    result = subprocess.run(  # noqa: S603 - fixed programs, arguments built here
        _as_postgres(argv),
        cwd=NEUTRAL_CWD,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"{' '.join(argv)} exited {result.returncode}:\n{result.stdout}{result.stderr}")
    return result.stdout


class Cluster:
    def __init__(self, root: Path, name: str):
        self.name = name
        self.data = root / name
        self.log = root / f"{name}.log"
        self.socket_dir = root
        self.port = free_port()
        self.running = False

    @property
    def url(self) -> str:
        return f"postgres://{USER}@127.0.0.1:{self.port}/{DATABASE}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.socket_dir} "
            "-c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        )
        self.running = True
        _run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
              "-w", "-t", "30", "start"])  # fmt: skip

    def stop(self) -> None:
        if self.running:
            self.running = False
            subprocess.run(  # noqa: S603
                _as_postgres(
                    [
                        str(PG_BIN / "pg_ctl"),
                        "-D",
                        str(self.data),
                        "-m",
                        "fast",
                        "-w",
                        "-t",
                        "20",
                        "stop",
                    ]
                ),  # fmt: skip
                cwd=NEUTRAL_CWD,
                capture_output=True,
                timeout=30,
                check=False,
            )

    def query(self, sql: str, dbname: str = DATABASE):
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=USER, dbname=dbname, autocommit=True
        ) as conn:
            cursor = conn.execute(sql)
            return cursor.fetchall() if cursor.description else []

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@pytest.fixture(scope="module")
def clusters():
    if not (PG_BIN / "pg_basebackup").exists():
        pytest.skip(f"PostgreSQL server programs not found in {PG_BIN}")
    root = Path(tempfile.mkdtemp(prefix="sfh-replica-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
    root.chmod(0o700)
    primary, standby = Cluster(root, "primary"), Cluster(root, "standby")
    try:
        _run([str(PG_BIN / "initdb"), "-D", str(primary.data), "-U", USER, "--auth=trust",
              "-E", "UTF8", "--no-locale", "-N"])  # fmt: skip
        primary.start()
        primary.query(f'CREATE DATABASE "{DATABASE}"', dbname="postgres")
        _run([str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port),
              "-U", USER, "-D", str(standby.data), "-R", "-X", "stream", "-c", "fast"])  # fmt: skip
        standby.start()
        assert standby.query("SELECT pg_is_in_recovery()") == [(True,)]
        wait_until(
            "the standby to stream from the primary",
            lambda: primary.query("SELECT state FROM pg_stat_replication") == [("streaming",)],
            timeout=20,
        )
        yield primary, standby
    finally:
        standby.stop()
        primary.stop()
        shutil.rmtree(root, ignore_errors=True)


def _env(primary: Cluster, standby: Cluster) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": primary.url,
        "DATABASE_REPLICA_URL": standby.url,
        "DATABASE_REPLICA_CONNECT_TIMEOUT": "1",
        "REDIS_URL": "",  # tasks in-process, cache in memory: only the databases matter here
        "REPORT_BUILD_IN_BACKGROUND": "false",  # a requested report is built at commit
        "DEBUG": "true",
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
    }


def test_reads_go_to_the_replica_writes_and_fresh_reads_to_the_primary(clusters):
    primary, standby = clusters
    started = time.monotonic()
    env = _env(primary, standby)
    migrate = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    # Nothing was migrated through the replica; it has the tables from the primary's WAL.
    wait_until(
        "the migrated tables on the standby",
        lambda: standby.query("SELECT to_regclass('datahub_observation') IS NOT NULL") == [(True,)],
        timeout=20,
    )

    probe = subprocess.Popen(  # noqa: S603
        [sys.executable, str(ROOT / "tests" / "production" / "replica_probe.py")],
        cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    output: list[str] = []
    try:
        up = _phase(probe, standby, output)
        # A plant dashboard: its plant-data reads ran on the replica, which is in recovery.
        assert up["router"] == {"alias": "replica", "in_recovery": True}
        assert up["dashboard"]["status"] == 200
        assert up["dashboard"]["aliases"] == ["replica"]
        assert up["dashboard"]["in_recovery"] == {"replica": True}
        # An ordinary page reads the primary.
        assert up["ordinary"]["status"] == 200
        assert up["ordinary"]["in_recovery"] == {"default": False}
        # A write: stored on the primary, and the browser is pinned to it for a while.
        assert up["write"]["status"] == 302
        assert up["write"]["writes"] == ["default"]
        assert up["write"]["in_recovery"] == {"default": False}
        assert up["write"]["pinned_cookie"]
        assert up["stored_on_primary"] == 1
        # Right after its write, the same browser's dashboard reads from the primary.
        assert up["after_write"]["status"] == 200
        assert up["after_write"]["in_recovery"] == {"default": False}
        # A PDF report's build (the task, after the request committed) reads the replica and
        # writes its row on the primary.
        assert up["report"]["report_status"] == "done", up["report"]
        assert up["report"]["aliases"] == ["replica"]
        assert up["report"]["in_recovery"] == {"replica": True}
        assert up["report"]["writes"] == ["default"]
        assert up["health"]["status"] == "ok"
        assert up["health"]["replica"]["state"] == "ok"
        assert up["health"]["replica"]["in_recovery"] is True
        assert 0 <= up["health"]["replica"]["lag_seconds"] < 10

        standby.stop()
        probe.stdin.write("replica stopped\n")
        probe.stdin.flush()
        down = _phase(probe, standby, output)
        print(json.dumps({"up": up, "down": down}, indent=1))  # shown with -s or on failure
        # The dashboard falls back to the primary, without waiting on the dead replica.
        assert down["router"] == {"alias": "default", "in_recovery": False}
        assert down["dashboard"]["status"] == 200
        assert down["dashboard"]["in_recovery"] == {"default": False}
        assert down["dashboard"]["seconds"] < 2
        assert down["health_status"] == 200
        assert down["health"]["status"] == "degraded"
        assert down["health"]["checks"]["database"] == "ok"
        assert down["health"]["replica"]["state"] == "down"
    finally:
        with contextlib.suppress(Exception):
            probe.stdin.close()
        try:
            probe.wait(timeout=20)
        except subprocess.TimeoutExpired:
            probe.kill()
            probe.wait()
    output.extend(probe.stdout.readlines())
    assert probe.returncode == 0, "".join(output)[-5000:]
    assert time.monotonic() - started < 60


def _phase(probe: subprocess.Popen, standby: Cluster, output: list[str]) -> dict:
    """The probe's next JSON line (its log lines are kept for the failure message)."""
    for line in probe.stdout:
        if line.startswith('{"phase"'):
            return json.loads(line)
        output.append(line)
    probe.wait(timeout=20)
    pytest.fail(
        f"the probe exited {probe.returncode}:\n{''.join(output)[-8000:]}\n"
        f"standby log:\n{standby.log_text()[-3000:]}"
    )
