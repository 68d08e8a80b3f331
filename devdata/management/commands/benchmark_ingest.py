"""`manage.py benchmark_ingest` (PostgreSQL): how fast observations go in and come out.

1. **COPY floor**: the same number of rows as the API run, binary `COPY` straight into the
   observation table from one connection (no checks, no receipts).
2. **Through the API**: gunicorn on loopback (--workers sync workers) serving this database;
   --clients threads, each with its own data source token, send --requests requests of
   --rows JSON records (`POST /api/v1/ingest/`), all new values: points/s over the wall
   time, and p50/p95/max of one request. With Redis reachable the post-commit rollup refresh
   is queued (as in production, where a worker runs it) on a database of its own that is
   emptied afterwards; without Redis it runs inside each request (the embedded default).
3. **Rollups**: the refresh of the hours the API run marked, hours/s.
4. **Reading**: a year of hourly rows of one series (`datahub.selectors.series_points`),
   raw and as day buckets: median of --reads reads.

Everything it creates (sources, tokens, series, observations, rollups, ingest requests) is
deleted at the end unless --keep; partitions it created stay. Figures in docs/performance.md.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import statistics
import threading
import time
import uuid
from contextlib import contextmanager
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Q

from datahub import partitions, selectors
from datahub.models import (
    DataSource,
    DirtyBucket,
    IngestRequest,
    Observation,
    RollupBucket,
    Series,
)
from datahub.services import rollups, sources
from devdata.bulk import copy_observations
from hub.models import Plant

from . import _load

HOUR = dt.timedelta(hours=1)


class Command(BaseCommand):
    help = "Benchmark ingestion through the API against raw COPY, and reading a series back."

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=4, help="client threads (default 4)")
        parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
        parser.add_argument("--requests", type=int, default=100, help="requests per client")
        parser.add_argument("--rows", type=int, default=1000, help="rows per request")
        parser.add_argument("--series", type=int, default=50, help="series per client's source")
        parser.add_argument("--reads", type=int, default=20, help="reads of the year (median)")
        parser.add_argument("--keep", action="store_true", help="keep what the run wrote")
        parser.add_argument("--json", default=None, help="also write the figures to this file")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("benchmark_ingest measures PostgreSQL (set DATABASE_URL).")
        if options["rows"] % options["series"]:
            raise CommandError("--rows must be a multiple of --series (hours per request).")
        self.o = options
        self.tag = uuid.uuid4().hex[:6]
        self.figures: dict = {
            "clients": options["clients"],
            "workers": options["workers"],
            "rows_per_request": options["rows"],
            "cpus": os.cpu_count(),
        }
        self.now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
        self.admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
        if self.admin is None:
            raise CommandError("No superuser: run `manage.py seed_demo` first.")
        try:
            self._setup()
            self._copy_floor()
            self._through_api()
            self._refresh()
            self._read()
        finally:
            if not options["keep"]:
                self._cleanup()
        self._report()

    # --- setup -----------------------------------------------------------------------------

    def _setup(self) -> None:
        o = self.o
        self.api_start = self.now - dt.timedelta(days=120)
        hours = o["requests"] * o["rows"] // o["series"] + 1  # + the warm-up request
        if self.api_start + hours * HOUR > self.now:
            raise CommandError("Too many requests for the 120-day window: lower --requests.")
        plants = list(
            Plant.objects.filter(
                Q(operating_since=None)
                | Q(operating_since__lte=(self.now - dt.timedelta(days=400)).date())
            ).order_by("pk")[: o["clients"] + 1]
        )
        if len(plants) < o["clients"] + 1:
            raise CommandError(f"Needs {o['clients'] + 1} plants: run `manage.py seed_demo`.")
        self.clients = []
        with transaction.atomic():
            for plant in plants[: o["clients"]]:
                source, token = sources.source_create(
                    user=self.admin, plant=plant, name=f"benchmark {self.tag}", kind="other"
                )
                keys = []
                for i in range(o["series"]):
                    series = sources.series_create(
                        user=self.admin,
                        source=source,
                        kpi="produced_quantity",
                        key=f"bench-{self.tag}-{i}",
                    )
                    keys.append(series.key)
                self.clients.append({"source": source, "token": token, "keys": keys})
            reader, _token = sources.source_create(
                user=self.admin, plant=plants[-1], name=f"benchmark {self.tag}", kind="other"
            )
            self.read_series = sources.series_create(
                user=self.admin, source=reader, kpi="oee", key=f"bench-{self.tag}-read"
            )
        partitions.forget()
        partitions.ensure(self.now - dt.timedelta(days=400), self.now)

    def _bench_series(self):
        return Series.objects.filter(source__name=f"benchmark {self.tag}")

    # --- 1. COPY -----------------------------------------------------------------------------

    def _copy_rows(self, series_ids, start, hours):
        for h in range(hours):
            ts = start + h * HOUR
            for series_id, plant_id in series_ids:
                yield (series_id, ts, plant_id, float(h % 500))

    def _copy(self, rows) -> tuple[int, float]:
        started = time.perf_counter()
        count = copy_observations(rows)
        return count, time.perf_counter() - started

    def _copy_floor(self) -> None:
        o = self.o
        ids = list(
            self._bench_series()
            .exclude(pk=self.read_series.pk)
            .values_list("pk", "plant_id")
            .order_by("pk")
        )
        hours = o["requests"] * o["rows"] // o["series"]
        start = self.now - dt.timedelta(days=390)  # before the API's window
        count, seconds = self._copy(self._copy_rows(ids, start, hours))
        self.figures["copy"] = {"rows": count, "seconds": seconds, "points_per_s": count / seconds}
        self.stdout.write(f"COPY: {count} rows in {seconds:.2f} s")

    # --- 2. the API --------------------------------------------------------------------------

    def _bodies(self, client, index) -> list[bytes]:
        o = self.o
        per = o["rows"] // o["series"]
        start = self.api_start  # each client has its own plant and series
        bodies = []
        for r in range(o["requests"] + 1):  # the first one warms up
            rows = []
            for h in range(per):
                ts = (start + (r * per + h) * HOUR).isoformat()
                for k, key in enumerate(client["keys"]):
                    rows.append({"series": key, "ts": ts, "value": float((r + h + k) % 977)})
            bodies.append(json.dumps(rows).encode())
        return bodies

    def _through_api(self) -> None:
        o = self.o
        bodies = [self._bodies(c, i) for i, c in enumerate(self.clients)]
        with _environment(), _load.gunicorn(o["workers"]) as base:
            host, port = base.removeprefix("http://").split(":")
            barrier = threading.Barrier(len(self.clients) + 1)
            results: list[list[float]] = [[] for _ in self.clients]
            failures: list[str] = []

            def run(i):
                conn = http.client.HTTPConnection(host, int(port), timeout=120)
                headers = {
                    "Authorization": f"Bearer {self.clients[i]['token']}",
                    "Content-Type": "application/json",
                }
                self._post(conn, bodies[i][0], headers, failures)  # warm-up
                barrier.wait()
                for body in bodies[i][1:]:
                    started = time.perf_counter()
                    self._post(conn, body, headers, failures)
                    results[i].append(time.perf_counter() - started)
                conn.close()

            threads = [threading.Thread(target=run, args=(i,)) for i in range(len(self.clients))]
            for t in threads:
                t.start()
            barrier.wait()
            started = time.perf_counter()
            for t in threads:
                t.join()
            wall = time.perf_counter() - started
        if failures:
            raise CommandError(f"{len(failures)} requests failed; first: {failures[0]}")
        latencies = sorted(x for r in results for x in r)
        points = len(latencies) * o["rows"]
        self.figures["api"] = {
            "requests": len(latencies),
            "points": points,
            "seconds": wall,
            "points_per_s": points / wall,
            "p50_ms": 1000 * statistics.median(latencies),
            "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))],
            "max_ms": 1000 * latencies[-1],
            "rollups": "queued (Redis)" if _redis_url() else "in each request (no Redis)",
        }
        self.stdout.write(f"API: {points} points in {wall:.2f} s")

    def _post(self, conn, body, headers, failures) -> None:
        conn.request("POST", "/api/v1/ingest/", body=body, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        if response.status != 201:
            failures.append(f"{response.status} {payload[:300]!r}")
            return
        receipt = json.loads(payload)
        if receipt["accepted"] != self.o["rows"]:
            failures.append(f"accepted {receipt['accepted']}: {payload[:300]!r}")

    # --- 3. rollups and 4. reading ---------------------------------------------------------

    def _refresh(self) -> None:
        marked = DirtyBucket.objects.filter(series__in=self._bench_series()).count()
        started = time.perf_counter()
        done = rollups.refresh_dirty()
        seconds = time.perf_counter() - started
        self.figures["refresh"] = {
            "hours_marked": marked,
            "hours_refreshed": done,
            "seconds": seconds,
            "hours_per_s": done / seconds if seconds else None,
        }
        self.stdout.write(f"Rollups: {done} hours in {seconds:.2f} s")

    def _read(self) -> None:
        series = self.read_series
        end = self.now
        start = end - dt.timedelta(days=365)
        hours = int((end - start) / HOUR)
        self._copy(
            (series.pk, start + h * HOUR, series.plant_id, 50.0 + h % 30) for h in range(hours)
        )
        rollups.mark_series([series.pk])
        rollups.refresh_dirty()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE datahub_observation")
            cursor.execute("ANALYZE datahub_rollupbucket")
        figures = {"rows": hours}
        for name, rollup in (("raw", None), ("day", "day"), ("month", "month")):
            times, count = [], 0
            for _ in range(self.o["reads"] + 1):
                started = time.perf_counter()
                count = len(selectors.series_points(series, start, end, rollup))
                times.append(time.perf_counter() - started)
            figures[name] = {"points": count, "median_ms": 1000 * statistics.median(times[1:])}
        self.figures["read_year"] = figures

    # --- cleanup and report ----------------------------------------------------------------

    def _cleanup(self) -> None:
        ids = list(self._bench_series().values_list("pk", flat=True))
        with transaction.atomic():
            Observation.objects.filter(series_id__in=ids).delete()
            RollupBucket.objects.filter(series_id__in=ids).delete()
            DirtyBucket.objects.filter(series_id__in=ids).delete()
            IngestRequest.objects.filter(source__name=f"benchmark {self.tag}").delete()
            DataSource.objects.filter(name=f"benchmark {self.tag}").delete()

    def _report(self) -> None:
        f = self.figures
        copy, api, read = f["copy"], f["api"], f["read_year"]
        ratio = copy["points_per_s"] / api["points_per_s"]
        lines = [
            "",
            f"Ingest benchmark ({f['cpus']} CPUs; gunicorn {f['workers']} sync workers; "
            f"{f['clients']} client threads; {f['rows_per_request']} rows a request; "
            f"rollups {api['rollups']})",
            f"  raw COPY, one connection     {copy['points_per_s']:>10,.0f} points/s",
            f"  POST /api/v1/ingest/         {api['points_per_s']:>10,.0f} points/s "
            f"({ratio:.1f}x slower than COPY; {api['requests']} requests)",
            f"  one request                  p50 {api['p50_ms']:.0f} ms, "
            f"p95 {api['p95_ms']:.0f} ms, max {api['max_ms']:.0f} ms",
            f"  rollup refresh               {f['refresh']['hours_refreshed']} hours in "
            f"{f['refresh']['seconds']:.2f} s",
            f"  a year of one series ({read['rows']} hourly rows): raw "
            f"{read['raw']['median_ms']:.1f} ms ({read['raw']['points']} points), day "
            f"buckets {read['day']['median_ms']:.1f} ms ({read['day']['points']}), month "
            f"buckets {read['month']['median_ms']:.1f} ms",
            "  targets: >= 50,000 points/s, within 3x of COPY, p95 < 200 ms, a year < 50 ms",
        ]
        self.stdout.write("\n".join(lines))
        if self.o["json"]:
            with open(self.o["json"], "w") as fh:
                json.dump(f, fh, indent=2, default=str)


def _redis_url() -> str | None:
    """A Redis database of the benchmark's own for the queued refreshes, if Redis answers."""
    base = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        import redis

        url = base.rsplit("/", 1)[0] + "/15"
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        return url
    except Exception:  # noqa: BLE001 - no Redis: refresh in-process
        return None


@contextmanager
def _environment():
    """What gunicorn gets besides the load harness's settings: no per-token rate limit (one
    token sends far more than a plant would), and the refresh queue of its own."""
    saved = dict(os.environ)
    os.environ["DATAHUB_TOKEN_RATE"] = "1000000/min"  # nosec B105
    # The database this process uses (under tests: the test database).
    db = settings.DATABASES["default"]
    os.environ["DATABASE_URL"] = (
        f"postgres://{quote(db['USER'])}:{quote(db['PASSWORD'])}@{db['HOST'] or '127.0.0.1'}"
        f":{db['PORT'] or 5432}/{quote(db['NAME'])}"
    )
    url = _redis_url()
    if url:
        os.environ["REDIS_URL"] = url
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        if url:
            import redis

            redis.Redis.from_url(url).delete("celery")
