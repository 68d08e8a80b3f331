"""`manage.py benchmark_datahub` (PostgreSQL): the data hub at national scale, on the dataset
of `seed_national_telemetry` (docs/datahub/national-telemetry.md, docs/performance.md).

1. **ingest** — sustained ingest through the API: gunicorn on loopback (--workers sync
   workers, as `benchmark_ingest`); --clients threads, each with a data source of its own
   (--series series), send 1,000-row requests (`POST /api/v1/ingest/`, new values) for
   --duration seconds while --readers threads read plant dashboards
   (`GET /api/v1/plants/{id}/dashboard/`, as the plants' SME members) and one thread
   refreshes the rollups as a worker would. Points/s, p50/p95/max of ingest requests and of
   dashboard reads, next to raw binary COPY of the same rows from one connection.
   **partitions** (during the same run, at its middle): next months' partitions are created
   and expired ones (made beforehand, past the retention, holding rows) dropped with
   `datahub.partitions` while the clients send; a monitor polls `pg_locks.waitstart` every
   few milliseconds: the longest time any ingest or read backend waited on a lock, and the
   ingest requests' latency while the DDL ran.
2. **backfill** — --backfill-plants plants of the dataset each send the month before their
   data at once (hourly plants a working month of hours, the others a month of days), by
   --clients threads, while a refresher runs: the time until no marked hour is left, then
   the rollups of a sample of those plants compared with a from-scratch recomputation.
3. **reads** — on the dataset, in process: the plant dashboard API (hourly and daily plants,
   day and hour buckets), the national peer table and one plant's benchmarks, the
   connected-plants count (today and a past date) and the progress summary holding it, and
   the daily early-warning run (twice: the first opens, the second is the everyday run).

Everything it creates (sources, tokens, series, users, rows of the benchmark series,
expired partitions, warnings) is removed at the end; the backfilled months stay (a rerun
backfills the month before). `--only` picks sections. Figures go to --json.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import queue
import statistics
import threading
import time
import uuid
from collections import Counter
from contextlib import ExitStack

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from datahub import benchmarks, partitions, selectors
from datahub.buckets import ZONE, months_back
from datahub.models import (
    BackfillApproval,
    DataSource,
    DirtyBucket,
    IngestRequest,
    KpiDefinition,
    Observation,
    RollupBucket,
    Series,
    SourceToken,
)
from datahub.services import rollups, sources, warnings
from devdata import national_telemetry as nt
from devdata.bulk import copy_observations
from hub.choices import Role
from hub.models import Membership, Plant

from . import _load
from .benchmark_ingest import _environment

HOUR = dt.timedelta(hours=1)
SECTIONS = ("ingest", "backfill", "reads")
BENCH = "benchmark-datahub"


def pct(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def summary(values: list[float]) -> dict:
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(values), 1) if values else None,
        "p95_ms": round(pct(values, 0.95), 1) if values else None,
        "max_ms": round(max(values), 1) if values else None,
    }


def loadavg() -> float:
    return round(os.getloadavg()[0], 2)


class Command(BaseCommand):
    help = "Benchmark the data hub on the national telemetry dataset (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--only", nargs="*", choices=SECTIONS, default=list(SECTIONS))
        parser.add_argument("--duration", type=float, default=300.0, help="ingest seconds")
        parser.add_argument("--clients", type=int, default=8, help="ingest client threads")
        parser.add_argument("--readers", type=int, default=2, help="dashboard reader threads")
        parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
        parser.add_argument("--rows", type=int, default=1000, help="rows per request")
        parser.add_argument("--series", type=int, default=250, help="series per ingest client")
        parser.add_argument("--copy-rows", type=int, default=500_000, help="rows of the COPY floor")
        parser.add_argument("--expired", type=int, default=2, help="expired partitions to drop")
        parser.add_argument("--expired-rows", type=int, default=200_000, help="rows in each")
        parser.add_argument("--backfill-plants", type=int, default=1000)
        parser.add_argument("--sample", type=int, default=20, help="plants checked after it")
        parser.add_argument("--runs", type=int, default=20, help="timed runs per read")
        parser.add_argument("--json", default=None, help="also write the figures to this file")

    def handle(self, *args, **o):
        if connection.vendor != "postgresql":
            raise CommandError("benchmark_datahub measures PostgreSQL (set DATABASE_URL).")
        if o["rows"] % o["series"] and o["series"] % o["rows"]:
            raise CommandError("--rows must be a multiple of --series.")
        if not DataSource.objects.filter(name=nt.SOURCE_NAME).exists():
            raise CommandError("No national telemetry: run `manage.py seed_national_telemetry`.")
        self.o = o
        self.tag = uuid.uuid4().hex[:6]
        self.now = timezone.now().replace(minute=0, second=0, microsecond=0)
        self.figures: dict = {
            "cpus": os.cpu_count(),
            "dataset": self._dataset(),
            "load_start": loadavg(),
            "options": {k: o[k] for k in ("duration", "clients", "readers", "workers", "rows")},
        }
        self.stdout.write(f"Dataset: {self.figures['dataset']}")
        self.readers: list[dict] = []
        try:
            self._reader_users()
            with ExitStack() as stack:
                if {"ingest", "backfill"} & set(o["only"]):
                    # One server for both sections (starting gunicorn takes seconds).
                    stack.enter_context(_environment())
                    self.base = stack.enter_context(_load.gunicorn(o["workers"]))
                self._sections()
        finally:
            self._cleanup()
        self.figures["load_end"] = loadavg()
        self.stdout.write(json.dumps(self.figures, indent=2, default=str))
        if o["json"]:
            with open(o["json"], "w", encoding="utf-8") as handle:
                json.dump(self.figures, handle, indent=2, default=str)

    def _sections(self) -> None:
        o = self.o
        if "ingest" in o["only"]:
            self._ingest()
        if "backfill" in o["only"]:
            self._backfill()
        if "reads" in o["only"]:
            self._reads()

    # --- the dataset -------------------------------------------------------------------------

    def _dataset(self) -> dict:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(sum(c.reltuples), 0)::bigint FROM pg_inherits i "
                "JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'datahub_observation'::regclass"
            )
            observations = cursor.fetchone()[0]
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class "
                "WHERE oid = 'datahub_rollupbucket'::regclass"
            )
            rollup_rows = cursor.fetchone()[0]
        nat = Series.objects.filter(source__name=nt.SOURCE_NAME)
        return {
            "observations_estimate": observations,
            "rollup_rows_estimate": rollup_rows,
            "plants": nat.values("plant_id").distinct().count(),
            "hourly_plants": nat.filter(granularity="hour").values("plant_id").distinct().count(),
            "series": nat.count(),
        }

    def _nat_plants(self, hourly: bool, count: int) -> list[int]:
        return list(
            Series.objects.filter(
                source__name=nt.SOURCE_NAME, granularity="hour" if hourly else "day"
            )
            .order_by("plant_id")
            .values_list("plant_id", flat=True)
            .distinct()[:count]
        )

    def _reader_users(self) -> None:
        """SME members (API tokens) of a few hourly and daily plants of the dataset."""
        from rest_framework.authtoken.models import Token

        plants = self._nat_plants(True, 5) + self._nat_plants(False, 15)
        companies = dict(Plant.objects.filter(pk__in=plants).values_list("pk", "company_id"))
        hourly = set(plants[:5])
        User = get_user_model()
        for pk in plants:
            user = User.objects.create(username=f"{BENCH}-{self.tag}-{pk}")
            user.set_unusable_password()
            user.save(update_fields=["password"])
            Membership.objects.create(
                user=user, organization_id=companies[pk], role=Role.SME_MEMBER
            )
            token = Token.objects.create(user=user)
            self.readers.append(
                {"plant": pk, "user": user, "token": token.key, "hourly": pk in hourly}
            )

    # --- 1. sustained ingest, with the partition upkeep at its middle ---------------------

    def _ingest_setup(self) -> list[dict]:
        o = self.o
        kpi = KpiDefinition.objects.get(catalogue__is_current=True, code="produced_quantity")
        taken = {r["plant"] for r in self.readers}
        plants = [
            pk
            for pk in Plant.objects.filter(status="active")
            .order_by("-pk")
            .values_list("pk", flat=True)[: o["clients"] + len(taken)]
            if pk not in taken
        ][: o["clients"]]
        clients = []
        with transaction.atomic():
            for pk in plants:
                source = DataSource.objects.create(plant_id=pk, name=f"{BENCH} {self.tag}")
                series = Series.objects.bulk_create(
                    Series(
                        plant_id=pk,
                        source=source,
                        kpi=kpi,
                        unit=kpi.unit,
                        key=f"bench-{self.tag}-{i}",
                    )
                    for i in range(o["series"])
                )
                clients.append(
                    {
                        "source": source,
                        "token": self._token(source),
                        "keys": [s.key for s in series],
                    }
                )
        return clients

    def _token(self, source) -> str:
        prefix, secret = sources._new_secret()
        SourceToken.objects.create(source=source, prefix=prefix, digest=sources._digest(secret))
        return secret

    def _bench_series(self):
        return Series.objects.filter(source__name=f"{BENCH} {self.tag}")

    def _copy_floor(self, rows: int) -> dict:
        """Binary COPY of `rows` rows of the benchmark series from one connection."""
        ids = list(self._bench_series().values_list("pk", "plant_id"))
        start = self.now - dt.timedelta(days=395)
        hours = -(-rows // len(ids))
        partitions.ensure(start, start + hours * HOUR)
        started = time.perf_counter()
        count = copy_observations(
            (series_id, start + h * HOUR, plant_id, float(h % 500))
            for h in range(hours)
            for series_id, plant_id in ids
        )
        seconds = time.perf_counter() - started
        Observation.objects.filter(
            series_id__in=[i for i, _ in ids], ts__lt=start + hours * HOUR
        ).delete()
        return {"rows": count, "seconds": round(seconds, 2), "points_per_s": round(count / seconds)}

    def _expired_partitions(self) -> list[str]:
        """Partitions past the retention, each with --expired-rows rows (of the first
        benchmark series), as the retention finds them."""
        o = self.o
        first = months_back(self.now, settings.DATAHUB_RAW_RETENTION_MONTHS + 1 + o["expired"])
        names = []
        series = self._bench_series().order_by("pk").first()
        for i in range(o["expired"]):
            month = months_back(first, -i)
            start = dt.datetime.combine(month, dt.time(), dt.UTC)
            partitions.ensure(start, start)
            names.append(partitions.partition_name(month))
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {names[-1]} (series_id, ts, plant_id, value) "  # noqa: S608  # nosec B608
                    "SELECT %s, %s + g * interval '1 second', %s, g "
                    "FROM generate_series(0, %s - 1) g",
                    [series.pk, start, series.plant_id, o["expired_rows"]],
                )
        return names

    def _body(self, keys: list[str], index: int, start: dt.datetime) -> bytes:
        o = self.o
        per = max(1, o["rows"] // len(keys))
        parts = []
        for h in range(per):
            ts = (start + (index * per + h) * HOUR).isoformat()
            for k, key in enumerate(keys[: o["rows"]]):
                parts.append(f'{{"series":"{key}","ts":"{ts}","value":{(index + h + k) % 977}.0}}')
        return ("[" + ",".join(parts) + "]").encode()

    def _ingest(self) -> None:
        o = self.o
        clients = self._ingest_setup()
        copy = self._copy_floor(o["copy_rows"])
        self.stdout.write(f"COPY floor: {copy}")
        expired = self._expired_partitions()
        start = self.now - dt.timedelta(days=390)
        partitions.forget()
        partitions.ensure(start, self.now)
        stop = threading.Event()
        results: list[list[tuple[float, float]]] = [[] for _ in clients]  # (start, seconds)
        reads: list[float] = []
        failures: list[str] = []
        monitor = _LockMonitor()
        refresher = _Refresher(monitor)
        ddl: dict = {}
        host, port = self.base.removeprefix("http://").split(":")

        def send(i: int) -> None:
            client = clients[i]
            conn = http.client.HTTPConnection(host, int(port), timeout=120)
            headers = {
                "Authorization": f"Bearer {client['token']}",
                "Content-Type": "application/json",
            }
            index = 0
            while not stop.is_set():
                body = self._body(client["keys"], index, start)
                began = time.perf_counter()
                status, payload = _post(conn, "/api/v1/ingest/", body, headers)
                results[i].append((began, time.perf_counter() - began))
                if status != 201:
                    failures.append(f"{status} {payload[:300]!r}")
                index += 1
            conn.close()

        def read(r: int) -> None:
            conn = http.client.HTTPConnection(host, int(port), timeout=120)
            n = 0
            while not stop.is_set():
                reader = self.readers[(r + n * o["readers"]) % len(self.readers)]
                url = f"/api/v1/plants/{reader['plant']}/dashboard/"
                began = time.perf_counter()
                conn.request("GET", url, headers={"Authorization": f"Token {reader['token']}"})
                response = conn.getresponse()
                response.read()
                reads.append(1000 * (time.perf_counter() - began))
                if response.status != 200:
                    failures.append(f"dashboard {response.status}")
                n += 1
            conn.close()

        # Warm-up: one request per client and reader (the workers import and connect).
        for client in clients:
            conn = http.client.HTTPConnection(host, int(port), timeout=120)
            _post(
                conn,
                "/api/v1/ingest/",
                b"[]",
                {
                    "Authorization": f"Bearer {client['token']}",
                    "Content-Type": "application/json",
                },
            )
            conn.close()
        threads = [threading.Thread(target=send, args=(i,)) for i in range(len(clients))]
        threads += [threading.Thread(target=read, args=(r,)) for r in range(o["readers"])]
        monitor.start()
        refresher.start()
        began = time.perf_counter()
        load_before = loadavg()
        for t in threads:
            t.start()
        time.sleep(o["duration"] / 2)
        ddl = self._partition_upkeep(monitor, expired)
        time.sleep(max(0.0, began + o["duration"] - time.perf_counter()))
        stop.set()
        for t in threads:
            t.join()
        wall = time.perf_counter() - began
        load_after = loadavg()
        monitor.stop()
        refresher.stop()
        if failures:
            self.stderr.write(f"{len(failures)} failures; first: {failures[0]}")
        latencies = [1000 * s for r in results for _b, s in r]
        points = len(latencies) * o["rows"]
        window = (ddl["began"], ddl["ended"])
        during = [1000 * s for r in results for b, s in r if b <= window[1] and b + s >= window[0]]
        backlog = DirtyBucket.objects.filter(series__in=self._bench_series()).count()
        api = {
            "requests": len(latencies),
            "points": points,
            "seconds": round(wall, 1),
            "points_per_s": round(points / wall),
            "copy_ratio": round(copy["points_per_s"] / (points / wall), 2) if points else None,
            **summary(latencies),
            "failures": len(failures),
            "load_before": load_before,
            "load_after": load_after,
        }
        self.figures["ingest"] = {
            "copy": copy,
            "api": api,
            "dashboard_reads": summary(reads),
            "refresher": {"hours_refreshed": refresher.done, "backlog_after": backlog},
        }
        self.figures["partitions"] = {
            **{k: v for k, v in ddl.items() if k not in ("began", "ended")},
            "ingest_during_ddl": summary(during),
            "max_lock_wait_ms": round(monitor.max_wait_ms, 1),
            "max_lock_wait_during_ddl_ms": round(monitor.max_wait_in(window), 1),
            "lock_waits_seen": monitor.seen,
        }
        self.stdout.write(f"Ingest: {self.figures['ingest']}")
        self.stdout.write(f"Partitions: {self.figures['partitions']}")

    def _partition_upkeep(self, monitor, expired: list[str]) -> dict:
        """What datahub.tasks.maintain_partitions does to the partitions, timed, while the
        clients send: the next months created, the expired ones dropped."""
        partitions.forget()
        latest = max(partitions.existing())
        month = dt.date(int(latest[-6:-2]), int(latest[-2:]), 1)
        ahead = [max(month, months_back(self.now, 0)) for month in (month,)][0]
        monitor.exclude(connection)
        began = time.perf_counter()
        created = partitions.ensure(months_back(ahead, -1), months_back(ahead, -2))
        self.created_partitions = created
        created_at = time.perf_counter()
        limit = months_back(self.now, settings.DATAHUB_RAW_RETENTION_MONTHS)
        dropped = partitions.drop_before(limit)
        ended = time.perf_counter()
        return {
            "created": created,
            "create_ms": round(1000 * (created_at - began), 1),
            "dropped": dropped,
            "expected_dropped": expired,
            "drop_ms": round(1000 * (ended - created_at), 1),
            "began": began,
            "ended": ended,
        }

    # --- 2. backfill burst -------------------------------------------------------------------

    def _backfill(self) -> None:
        o = self.o
        n = o["backfill_plants"]
        nat = (
            Series.objects.filter(source__name=nt.SOURCE_NAME)
            .order_by("plant_id", "pk")
            .values_list("pk", "plant_id", "source_id", "key", "granularity")
        )
        by_plant: dict[int, list] = {}
        for row in nat.iterator(chunk_size=20_000):
            if len(by_plant) >= n and row[1] not in by_plant:
                break
            by_plant.setdefault(row[1], []).append(row)
        ids = [r[0] for rows in by_plant.values() for r in rows]
        first = RollupBucket.objects.filter(series_id__in=ids, rollup="day").order_by("bucket")
        earliest = first.values_list("bucket", flat=True).first()
        end = dt.datetime.combine(earliest.astimezone(ZONE).date(), dt.time(), ZONE)
        begin = end - dt.timedelta(days=30)
        level = dict(
            RollupBucket.objects.filter(series_id__in=ids, rollup="month")
            .order_by("series_id", "bucket")
            .distinct("series_id")
            .values_list("series_id", "sum")
        )
        counts = dict(
            RollupBucket.objects.filter(series_id__in=ids, rollup="month")
            .order_by("series_id", "bucket")
            .distinct("series_id")
            .values_list("series_id", "count")
        )
        times = nt.Times.build(begin.date(), 30)
        # Older than the late-data horizon once a run has backfilled: approved, as agency
        # staff would (removed afterwards).
        approver = get_user_model().objects.create(username=f"{BENCH}-{self.tag}-approver")
        BackfillApproval.objects.bulk_create(
            BackfillApproval(
                plant_id=pk,
                start=begin,
                end=end,
                reason="benchmark",
                approved_by=approver,
                expires_at=self.now + dt.timedelta(days=1),
            )
            for pk in by_plant
        )
        jobs: queue.Queue = queue.Queue()
        tokens = {}
        for plant_id, rows in by_plant.items():
            source = DataSource.objects.get(pk=rows[0][2])
            tokens[plant_id] = self._token(source)
            hourly = rows[0][4] == "hour"
            stamps = times.hourly if hourly else times.daily
            records = []
            for k, (pk, _plant, _src, key, _g) in enumerate(rows):
                mean = level.get(pk, 50.0) / max(1, counts.get(pk, 1))
                for j, moment in enumerate(stamps):
                    value = round(mean * (1 + 0.02 * ((j * 7 + k * 13) % 11 - 5) / 5), 3)
                    records.append({"series": key, "ts": moment.isoformat(), "value": value})
            for chunk in range(0, len(records), o["rows"]):
                jobs.put(
                    (tokens[plant_id], json.dumps(records[chunk : chunk + o["rows"]]).encode())
                )
        requests = jobs.qsize()
        accepted = Counter()
        latencies: list[float] = []
        failures: list[str] = []
        refresher = _Refresher()
        host, port = self.base.removeprefix("http://").split(":")

        def send() -> None:
            conn = http.client.HTTPConnection(host, int(port), timeout=300)
            while True:
                try:
                    token, body = jobs.get_nowait()
                except queue.Empty:
                    break
                headers = {
                    "Authorization": f"Bearer {token}",
                    "Content-Type": "application/json",
                }
                began = time.perf_counter()
                status, payload = _post(conn, "/api/v1/ingest/", body, headers)
                latencies.append(1000 * (time.perf_counter() - began))
                if status != 201:
                    failures.append(f"{status} {payload[:300]!r}")
                else:
                    receipt = json.loads(payload)
                    for field in ("accepted", "rejected"):
                        value = receipt.get(field, 0)
                        accepted[field] += len(value) if isinstance(value, list) else value
            conn.close()

        threads = [threading.Thread(target=send) for _ in range(o["clients"])]
        load_before = loadavg()
        began = time.perf_counter()
        refresher.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        sent = time.perf_counter()
        # The rollups are right again when no hour of these series is left marked.
        while DirtyBucket.objects.filter(series_id__in=ids).exists():
            time.sleep(0.2)
        correct = time.perf_counter()
        refresher.stop()
        load_after = loadavg()
        sample = list(by_plant)[:: max(1, len(by_plant) // o["sample"])][: o["sample"]]
        check = self._verify([r[0] for p in sample for r in by_plant[p]], begin)
        SourceToken.objects.filter(source_id__in=[r[0][2] for r in by_plant.values()]).delete()
        BackfillApproval.objects.filter(approved_by=approver).delete()
        self.figures["backfill"] = {
            "plants": len(by_plant),
            "month": [begin.isoformat(), end.isoformat()],
            "requests": requests,
            "rows_accepted": accepted["accepted"],
            "rows_rejected": accepted["rejected"],
            "failures": len(failures),
            "first_failure": failures[0] if failures else None,
            "send_s": round(sent - began, 1),
            "until_rollups_correct_s": round(correct - began, 1),
            "requests_ms": summary(latencies),
            "verified": check,
            "load_before": load_before,
            "load_after": load_after,
        }
        self.stdout.write(f"Backfill: {self.figures['backfill']}")

    def _verify(self, ids: list[int], since: dt.datetime) -> dict:
        """The sample's rollups from the backfilled month on, against a recomputation from
        scratch of every hour of those series (mark_series + refresh_dirty). Hour buckets
        of daily series are not compared (the dataset does not keep them)."""
        daily = set(
            Series.objects.filter(pk__in=ids, granularity="day").values_list("pk", flat=True)
        )

        def snapshot():
            return {
                (r[0], r[1], r[2]): r[3:]
                for r in RollupBucket.objects.filter(
                    series_id__in=ids, bucket__gte=since
                ).values_list(
                    "series_id", "rollup", "bucket", "count", "sum", "min", "max", "last", "last_ts"
                )
                if not (r[0] in daily and r[1] == "hour")
            }

        before = snapshot()
        with transaction.atomic():
            RollupBucket.objects.filter(series_id__in=ids).delete()
            rollups.mark_series(ids)
        rollups.refresh_dirty()
        after = snapshot()
        wrong = [
            key
            for key in set(before) | set(after)
            if key not in before
            or key not in after
            or any(
                abs(a - b) > 1e-6 * max(1.0, abs(a)) if isinstance(a, float) else a != b
                for a, b in zip(before[key], after[key], strict=True)
            )
        ]
        return {
            "series": len(ids),
            "buckets": len(after),
            "wrong": len(wrong),
            "example": str(wrong[:1]),
        }

    # --- 3. reads on the dataset -------------------------------------------------------------

    def _reads(self) -> None:
        runs = self.o["runs"]
        out = _Shown(self.stdout, {"load_before": loadavg()})
        client = Client()
        with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
            for kind, hourly in (("hourly_plant", True), ("daily_plant", False)):
                readers = [r for r in self.readers if r["hourly"] == hourly]
                if not readers:
                    continue
                for name, query in (
                    ("day", {}),
                    ("hour", {"rollup": "hour"}),
                    ("month", {"rollup": "month"}),
                ):
                    times = []
                    for run in range(runs + 1):
                        reader = readers[run % len(readers)]
                        client.force_login(reader["user"])
                        url = reverse("plant-dashboard", kwargs={"pk": reader["plant"]})
                        began = time.perf_counter()
                        response = client.get(url, query)
                        if run:
                            times.append(1000 * (time.perf_counter() - began))
                        if response.status_code != 200:
                            raise CommandError(f"{url} answered {response.status_code}")
                    out[f"dashboard_{kind}_{name}"] = summary(times)
        table, plant = self._peers(runs)
        out["peer_table"] = table
        out["plant_benchmarks"] = plant
        today = timezone.localdate()
        out["connected_today"] = self._timed(
            runs,
            lambda: Plant.objects.filter(pk__in=selectors.connected_plants(as_of=today)).count(),
        )
        past = today - dt.timedelta(days=90)
        out["connected_past"] = self._timed(
            runs,
            lambda: Plant.objects.filter(pk__in=selectors.connected_plants(as_of=past)).count(),
        )
        out["progress_summary"] = self._timed(
            max(3, runs // 5), lambda: _progress_summary(today).get("connected")
        )
        started = time.perf_counter()
        first = warnings.run_early_warning(today=today)
        second_started = time.perf_counter()
        second = warnings.run_early_warning(today=today)
        ended = time.perf_counter()
        out["early_warning"] = {
            "first_run_s": round(second_started - started, 2),
            "second_run_s": round(ended - second_started, 2),
            "found": {k: v["found"] for k, v in second["rules"].items()},
            "opened_first": sum(v["opened"] for v in first["rules"].values()),
        }
        out["load_after"] = loadavg()
        self.figures["reads"] = dict(out)
        self.stdout.write(f"Reads: {out}")

    def _timed(self, runs: int, fn) -> dict:
        value = fn()
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            fn()
            times.append(1000 * (time.perf_counter() - began))
        return {**summary(times), "value": value}

    def _peers(self, runs: int) -> tuple[dict, dict]:
        kpis = list(benchmarks.benchmark_kpis().filter(code__in=nt.CODES))
        nat = Series.objects.filter(source__name=nt.SOURCE_NAME).values("plant_id")
        common = (
            Plant.objects.filter(pk__in=nat)
            .values("industry")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .values_list("industry", flat=True)
            .first()
        )
        table = self._timed(
            runs, _Cycle(kpis, lambda k: benchmarks.peer_table(division=common, kpi=k))
        )
        plants = list(Plant.objects.filter(industry=common, pk__in=nat).order_by("pk")[:50])
        plant = self._timed(runs, _Cycle(plants, benchmarks.plant_benchmarks))
        table["value"] = common
        plant["value"] = len(plants)
        return table, plant

    # --- clean-up ----------------------------------------------------------------------------

    def _cleanup(self) -> None:
        # Partitions the upkeep created ahead (empty): dropped again.
        for name in getattr(self, "created_partitions", []):
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {name})")  # noqa: S608  # nosec B608
                if not cursor.fetchone()[0]:
                    cursor.execute(f"DROP TABLE {name}")
        partitions.forget()
        ids = list(self._bench_series().values_list("pk", flat=True))
        with transaction.atomic():
            Observation.objects.filter(series_id__in=ids).delete()
            RollupBucket.objects.filter(series_id__in=ids).delete()
            DirtyBucket.objects.filter(series_id__in=ids).delete()
            IngestRequest.objects.filter(source__name=f"{BENCH} {self.tag}").delete()
            DataSource.objects.filter(name=f"{BENCH} {self.tag}").delete()
            get_user_model().objects.filter(username__startswith=f"{BENCH}-{self.tag}-").delete()


class _Shown(dict):
    """A dict that prints each figure as it is set (long runs show their progress)."""

    def __init__(self, stream, initial: dict):
        super().__init__(initial)
        self.stream = stream

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self.stream.write(f"  {key}: {value}")
        self.stream.flush()


class _Cycle:
    """Call fn on the items in turn."""

    def __init__(self, items, fn):
        self.items, self.fn, self.i = items, fn, 0

    def __call__(self):
        item = self.items[self.i % len(self.items)]
        self.i += 1
        return self.fn(item)


def _progress_summary(today: dt.date) -> dict:
    from progress import selectors as progress

    return progress.progress_summary(as_of=today).as_dict()


def _post(conn, url: str, body: bytes, headers: dict) -> tuple[int, bytes]:
    conn.request("POST", url, body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


class _Refresher(threading.Thread):
    """A rollup worker: refresh_dirty in a loop until stopped."""

    def __init__(self, monitor=None):
        super().__init__(daemon=True)
        self._halt = threading.Event()
        self.done = 0
        self.monitor = monitor

    def run(self) -> None:
        try:
            if self.monitor is not None:
                self.monitor.exclude(connection)
            while not self._halt.is_set():
                claimed = rollups.refresh_dirty(limit=rollups.BATCH)
                self.done += claimed
                if not claimed:
                    self._halt.wait(0.2)
        finally:
            close_old_connections()
            connection.close()

    def stop(self) -> None:
        self._halt.set()
        self.join()


class _LockMonitor(threading.Thread):
    """Polls pg_locks every few milliseconds: the longest wait of a lock not yet granted
    (`now() - waitstart`) seen per backend of this database, except excluded ones."""

    def __init__(self, every: float = 0.005):
        super().__init__(daemon=True)
        self._halt = threading.Event()
        self.every = every
        self.max_wait_ms = 0.0
        self.samples: list[tuple[float, float]] = []  # (time, wait ms)
        self.excluded: set[int] = set()
        self.seen = 0

    def exclude(self, conn) -> None:
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.excluded.add(cursor.fetchone()[0])

    def run(self) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.excluded.add(cursor.fetchone()[0])
                while not self._halt.is_set():
                    cursor.execute(
                        "SELECT l.pid, extract(epoch FROM clock_timestamp() - l.waitstart) * 1000 "
                        "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                        "WHERE NOT l.granted AND l.waitstart IS NOT NULL "
                        "AND a.datname = current_database()"
                    )
                    now = time.perf_counter()
                    for pid, wait in cursor.fetchall():
                        if pid in self.excluded:
                            continue
                        self.seen += 1
                        self.samples.append((now, float(wait)))
                        self.max_wait_ms = max(self.max_wait_ms, float(wait))
                    self._halt.wait(self.every)
        finally:
            connection.close()

    def max_wait_in(self, window: tuple[float, float]) -> float:
        return max((w for t, w in self.samples if window[0] <= t <= window[1] + 1), default=0.0)

    def stop(self) -> None:
        self._halt.set()
        self.join()
