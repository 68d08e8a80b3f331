"""Run by tests/production/test_replica.py in a process of its own, with DATABASE_URL on a
throwaway primary and DATABASE_REPLICA_URL on its streaming replica. It sends requests
through the whole middleware and view stack (Django's test client), records on which database
alias the reads of plant data ran, and asks each of those connections `SELECT
pg_is_in_recovery()`: true only on the replica. It prints one JSON line per phase; between
the phases it waits for a line on stdin (the test stops the replica meanwhile)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
django.setup()

from django.db import connections, router  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from datahub.models import DataSource  # noqa: E402
from hub import replica  # noqa: E402
from hub.models import Plant  # noqa: E402
from progress.services import report_request  # noqa: E402
from tests.factories import MinistryFactory, PlantFactory, Role, member  # noqa: E402

# Reads of these tables are the plant data a dashboard or a report shows.
DATA_TABLES = re.compile(r"\b(datahub_\w+|hub_plant|programs_project)\b")


def in_recovery(alias: str) -> bool:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        return cursor.fetchone()[0]


@contextlib.contextmanager
def recording():
    """Yields a dict that ends up with the aliases the plant-data reads ran on ("aliases"),
    those that wrote ("writes"), and whether each reading connection is in recovery."""
    used: set[str] = set()
    wrote: set[str] = set()
    result: dict = {}

    def recorder(alias):
        def wrapper(execute, sql, params, many, context):
            verb = sql.lstrip().split(None, 1)[0].upper()
            if verb == "SELECT" and DATA_TABLES.search(sql):
                used.add(alias)
            elif verb in ("INSERT", "UPDATE", "DELETE"):
                wrote.add(alias)
            return execute(sql, params, many, context)

        return wrapper

    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        for alias in ("default", "replica"):
            stack.enter_context(connections[alias].execute_wrapper(recorder(alias)))
        yield result
    result.update(
        aliases=sorted(used),
        writes=sorted(wrote),
        in_recovery={alias: in_recovery(alias) for alias in sorted(used)},
        seconds=round(time.monotonic() - started, 3),
    )


def answered_by(client: Client, method: str, path: str, data=None) -> dict:
    """The request's status, the aliases its plant-data reads ran on, and whether each
    of those connections is in recovery (a standby)."""
    with recording() as result:
        response = getattr(client, method)(path, data or {})
    return {
        **result,
        "status": response.status_code,
        "pinned_cookie": replica.COOKIE in response.cookies,
    }


def report_build(user) -> dict:
    """A national PDF report requested and built (the task runs in-process at commit)."""
    with recording() as result:
        report = report_request(user=user, scope="national", language="ko", as_of=dt.date.today())
    report.refresh_from_db(using="default")
    return {**result, "report_status": report.status, "error": report.error}


def routed() -> dict:
    """The router's own answer inside a replica entry point, and the server behind it."""
    with replica.replica_reads():
        alias = router.db_for_read(Plant)
        return {"alias": alias, "in_recovery": in_recovery(alias)}


def wait_for_replica(plant) -> None:
    deadline = time.monotonic() + 20
    while not Plant.objects.using("replica").filter(pk=plant.pk).exists():
        if time.monotonic() > deadline:
            raise SystemExit("the replica did not receive the plant within 20 s")
        time.sleep(0.05)


def emit(phase: str, result: dict) -> None:
    print(json.dumps({"phase": phase, **result}), flush=True)


def main() -> None:
    setup_test_environment()  # the test client's host, outgoing mail kept in memory
    plant = PlantFactory(name="복제 시험 공장")
    user = member(Role.SME_MEMBER, plant.company, "replica-sme")
    official = member(Role.OFFICIAL, MinistryFactory(), "replica-official")
    wait_for_replica(plant)
    dashboard = f"/datahub/plants/{plant.pk}/dashboard/"

    reader = Client()
    reader.force_login(user)
    writer = Client()
    writer.force_login(user)
    result = {
        "router": routed(),
        "dashboard": answered_by(reader, "get", dashboard),
        "ordinary": answered_by(reader, "get", f"/datahub/plants/{plant.pk}/"),
        "write": answered_by(
            writer,
            "post",
            f"/datahub/plants/{plant.pk}/sources/new/",
            {"name": "MES 1라인", "kind": "mes", "description": ""},
        ),
        "after_write": answered_by(writer, "get", dashboard),
        "stored_on_primary": DataSource.objects.using("default").filter(plant=plant).count(),
        "report": report_build(official),
        "health": Client().get("/healthz").json(),
    }
    emit("replica up", result)

    sys.stdin.readline()  # the test stops the replica
    fresh = Client()
    fresh.force_login(user)
    health = Client().get("/healthz")
    emit(
        "replica down",
        {
            "router": routed(),
            "dashboard": answered_by(fresh, "get", dashboard),
            "health_status": health.status_code,
            "health": health.json(),
        },
    )


if __name__ == "__main__":
    main()
