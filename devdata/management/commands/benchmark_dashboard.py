"""`manage.py benchmark_dashboard` (PostgreSQL): how fast a plant's dashboard answers.

1. **Seed**: one demo plant with a completed project and no series of its own gets a source
   with --series series (the catalogue's KPIs and some raw quantities) and --days days of
   hourly rows (binary COPY), then their hour, day and month rollups are built
   (`rollups.mark_series` + `rollups.refresh_dirty`), as the ingest would have left them.
2. **Measure**: `GET /api/v1/plants/{id}/dashboard/` as the plant's own SME member (a user
   made for the run), in process through Django's test client (no network, full middleware,
   authentication, serializer and JSON), --runs times per rollup after one warm-up: day
   buckets over the default 90 days, hour buckets over 7 days, month buckets over two years;
   p50, p95 and max, and the queries of one request. The page
   (`/datahub/plants/{id}/dashboard/`) likewise, day buckets.

Everything it creates is deleted at the end unless --keep (partitions stay). Target: p95 under
200 ms for a year of hourly data in 20 series. Figures in docs/datahub/dashboard.md.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import random
import statistics
import time
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from datahub import partitions
from datahub.models import DataSource, DirtyBucket, Observation, RollupBucket, Series
from datahub.services import rollups, sources
from devdata.bulk import copy_observations
from hub.choices import Role
from hub.models import Membership, Plant
from programs.choices import ProjectStatus

HOUR = dt.timedelta(hours=1)
# 20 series: every catalogue KPI a plant may send, then raw quantities, then a second line.
CODES = (
    "oee",
    "availability",
    "performance",
    "quality_rate",
    "throughput",
    "scrap_ratio",
    "rework_ratio",
    "first_pass_yield",
    "energy_per_unit",
    "mtbf",
    "mttr",
    "on_time_delivery",
    "lead_time",
    "inventory_turns",
    "planned_busy_time",
    "actual_production_time",
    "produced_quantity",
    "good_quantity",
    "scrap_quantity",
    "energy_consumed",
)
ROLLUPS = (("day", {}), ("hour", {"rollup": "hour"}), ("month", {"rollup": "month"}))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


class Command(BaseCommand):
    help = "Benchmark the plant dashboard API on a year of hourly data in 20 series."

    def add_arguments(self, parser):
        parser.add_argument("--series", type=int, default=20, help="series (default 20)")
        parser.add_argument("--days", type=int, default=365, help="days of hourly rows")
        parser.add_argument("--runs", type=int, default=50, help="requests per rollup")
        parser.add_argument("--keep", action="store_true", help="keep what the run wrote")
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="measure the data a run with --keep left (no seeding; implies --keep)",
        )
        parser.add_argument("--json", default=None, help="also write the figures to this file")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("benchmark_dashboard measures PostgreSQL (set DATABASE_URL).")
        if not 1 <= options["series"] <= 40 or options["days"] < 1 or options["runs"] < 1:
            raise CommandError("--series 1 to 40, --days and --runs at least 1.")
        self.o = options
        self.tag = uuid.uuid4().hex[:6]
        self.now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
        self.figures: dict = {
            "series": options["series"],
            "days": options["days"],
            "runs": options["runs"],
            "cpus": os.cpu_count(),
        }
        admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
        if admin is None:
            raise CommandError("No superuser: run `manage.py seed_demo` first.")
        if options["reuse"]:
            options["keep"] = True
            self._find_kept()
        else:
            self.plant = (
                Plant.objects.filter(projects__status=ProjectStatus.COMPLETED, series__isnull=True)
                .select_related("company")
                .order_by("pk")
                .first()
            )
            if self.plant is None:
                raise CommandError("No plant with a completed project: run `manage.py seed_demo`.")
        try:
            if not options["reuse"]:
                self._seed(admin)
            with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
                self._measure()
        finally:
            if not options["keep"]:
                self._cleanup()
        self._report()

    # --- 1. seed -----------------------------------------------------------------------------

    def _seed(self, admin) -> None:
        o = self.o
        started = time.perf_counter()
        with transaction.atomic():
            self.source, _token = sources.source_create(
                user=admin, plant=self.plant, name=f"benchmark {self.tag}", kind="other"
            )
            self.series = []
            for index in range(o["series"]):
                code = CODES[index % len(CODES)]
                label = "" if index < len(CODES) else f"Line {index // len(CODES) + 1}"
                self.series.append(
                    sources.series_create(
                        user=admin,
                        source=self.source,
                        kpi=code,
                        key=f"bench-{self.tag}-{index}",
                        label=label,
                    )
                )
            user = get_user_model().objects.create_user(
                username=f"bench-dash-{self.tag}", password=uuid.uuid4().hex
            )
            Membership.objects.create(
                user=user, organization=self.plant.company, role=Role.SME_MEMBER
            )
            self.user = user
        start = self.now - dt.timedelta(days=o["days"])
        partitions.forget()
        partitions.ensure(start, self.now)
        rows = self._copy(start)
        copied = time.perf_counter()
        with transaction.atomic():
            marked = rollups.mark_series([s.pk for s in self.series])
        refreshed = rollups.refresh_dirty()
        done = time.perf_counter()
        self.figures["seed"] = {
            "rows": rows,
            "copy_s": copied - started,
            "hours_marked": marked,
            "rollups_s": done - copied,
            "refreshed": refreshed,
        }
        self.stdout.write(
            f"Seeded {rows} rows in {copied - started:.1f} s, rollups in {done - copied:.1f} s"
        )

    def _find_kept(self) -> None:
        source = (
            DataSource.objects.filter(
                name__startswith="benchmark ", series__key__startswith="bench-"
            )
            .select_related("plant__company")
            .order_by("-pk")
            .first()
        )
        user = get_user_model().objects.filter(username__startswith="bench-dash-").last()
        if source is None or user is None:
            raise CommandError("Nothing kept: run once with --keep first.")
        self.tag = source.name.removeprefix("benchmark ")
        self.plant, self.source, self.user = source.plant, source, user
        self.series = list(source.series.select_related("kpi"))
        self.figures.update(series=len(self.series))
        rows = Observation.objects.filter(series__in=self.series).count()
        self.figures["seed"] = {"rows": rows, "copy_s": 0.0, "rollups_s": 0.0, "reused": True}

    def _copy(self, start) -> int:
        rng = random.Random(self.tag)  # noqa: S311 - benchmark data  # nosec B311
        hours = int((self.now - start) / HOUR)

        def rows():
            for h in range(hours):
                ts = start + h * HOUR
                for series in self.series:
                    low = series.kpi.min_value or 0.0
                    high = series.kpi.max_value if series.kpi.max_value is not None else 1000.0
                    value = low + (high - low) * (0.5 + 0.3 * rng.random())
                    yield (series.pk, ts, self.plant.pk, value)

        count = copy_observations(rows())
        Series.objects.filter(pk__in=[s.pk for s in self.series]).update(
            last_ts=self.now - HOUR, last_data_at=self.now
        )
        return count

    # --- 2. measure --------------------------------------------------------------------------

    def _timed(self, client, url, query) -> dict:
        client.get(url, query)  # warm-up
        times, cpu = [], []
        for _ in range(self.o["runs"]):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url, query)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            if response.status_code != 200:
                raise CommandError(f"{url} answered {response.status_code}")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, query)
        return {
            "p50_ms": statistics.median(times),
            "p95_ms": percentile(times, 0.95),
            "max_ms": max(times),
            "cpu_p50_ms": statistics.median(cpu),
            "cpu_p95_ms": percentile(cpu, 0.95),
            "queries": len(queries.captured_queries),
            "bytes": len(response.content),
        }

    def _measure(self) -> None:
        client = Client()
        client.force_login(self.user)
        api = reverse("plant-dashboard", kwargs={"pk": self.plant.pk})
        page = reverse("datahub:dashboard", kwargs={"plant_pk": self.plant.pk})
        self.figures["api"] = {name: self._timed(client, api, query) for name, query in ROLLUPS}
        self.figures["page"] = {"day": self._timed(client, page, {})}
        body = client.get(api).json()
        self.figures["projects"] = len(body["projects"])
        self.figures["kpis"] = len(body["kpis"])

    # --- clean-up and report -----------------------------------------------------------------

    def _cleanup(self) -> None:
        ids = [s.pk for s in getattr(self, "series", [])]
        with transaction.atomic():
            Observation.objects.filter(series_id__in=ids).delete()
            RollupBucket.objects.filter(series_id__in=ids).delete()
            DirtyBucket.objects.filter(series_id__in=ids).delete()
            DataSource.objects.filter(name=f"benchmark {self.tag}").delete()
            get_user_model().objects.filter(username=f"bench-dash-{self.tag}").delete()

    @staticmethod
    def _line(r: dict) -> str:
        return (
            f"p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms  max {r['max_ms']:6.1f} ms  "
            f"(cpu p50 {r['cpu_p50_ms']:5.1f}, p95 {r['cpu_p95_ms']:5.1f} ms; "
            f"{r['queries']} queries, {r['bytes']:,} bytes)"
        )

    def _report(self) -> None:
        f = self.figures
        seed = f["seed"]
        lines = [
            "",
            f"Dashboard benchmark ({f['cpus']} CPUs; one plant, {f['series']} series, "
            f"{f['days']} days of hourly rows = {seed['rows']:,} rows; {f['kpis']} KPI entries, "
            f"{f['projects']} completed projects; {f['runs']} runs each)",
            f"  seed: COPY {seed['copy_s']:.1f} s, rollups {seed['rollups_s']:.1f} s",
        ]
        for name, _query in ROLLUPS:
            r = f["api"][name]
            lines.append(f"  API {name:<5}  {self._line(r)}")
        lines.append(f"  page day   {self._line(f['page']['day'])}")
        lines.append(
            "  target: API p95 < 200 ms (cpu: this process's CPU time per request, which other "
            "load on the machine does not inflate; the database's time is not in it)"
        )
        self.stdout.write("\n".join(lines))
        if self.o["json"]:
            with open(self.o["json"], "w", encoding="utf-8") as handle:
                json.dump(f, handle, indent=2, default=str)
