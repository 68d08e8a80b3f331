"""`manage.py benchmark_peers` (PostgreSQL): the national peer benchmark of one KSIC division.

Seeds --plants plants of one division (each its own company, spread over the 17 regions and
the size bands; --consent of them with a national-statistics consent), each with --kpis KPI
series of month rollups over --months months (bulk inserts), plus --others plants of other
divisions with the same data so the division is a part of a larger table. Then it times,
--runs times each, after a warm-up:

1. the national peer table (`datahub.benchmarks.peer_table`: one aggregate query, the
   disclosure rules and complementary suppression) for each KPI: p50/p95 of one table;
2. one plant's percentiles over all its KPIs (`datahub.benchmarks.plant_benchmarks`, what
   `GET /api/v1/plants/{id}/benchmarks/` computes): p50/p95 over plants taken in turn.

Everything it creates is deleted at the end unless --keep. Figures in
docs/datahub/benchmarks.md.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
import time
import uuid

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from datahub import benchmarks, disclosure
from datahub.buckets import ZONE
from datahub.choices import Purpose
from datahub.models import Consent, DataSource, RollupBucket, Series
from hub.choices import Industry, OrganizationKind, Region
from hub.models import Organization, Plant

EMPLOYEES = (5, 20, 35, 60, 80, 150, 250, 400)


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Command(BaseCommand):
    help = "Benchmark the national peer table of one KSIC division (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--plants", type=int, default=3000, help="plants of the division")
        parser.add_argument("--others", type=int, default=1000, help="plants of other divisions")
        parser.add_argument("--kpis", type=int, default=10, help="KPIs per plant (at most 14)")
        parser.add_argument("--months", type=int, default=24, help="months of rollups")
        parser.add_argument("--consent", type=float, default=0.9, help="share with consent")
        parser.add_argument("--division", default=Industry.MACHINERY, choices=Industry.values)
        parser.add_argument("--runs", type=int, default=20, help="timed runs per measure")
        parser.add_argument("--keep", action="store_true", help="keep what the run wrote")
        parser.add_argument("--json", default=None, help="also write the figures to this file")

    def handle(self, *args, **o):
        if connection.vendor != "postgresql":
            raise CommandError("benchmark_peers measures PostgreSQL (set DATABASE_URL).")
        self.o = o
        self.tag = uuid.uuid4().hex[:6]
        self.kpis = list(benchmarks.benchmark_kpis())[: o["kpis"]]
        if len(self.kpis) < o["kpis"]:
            raise CommandError(f"The catalogue has {len(self.kpis)} ranked KPIs.")
        self.figures: dict = {k: o[k] for k in ("plants", "others", "kpis", "months", "runs")}
        self.figures["cpus"] = os.cpu_count()
        try:
            self._seed()
            self.figures["load_before"] = round(os.getloadavg()[0], 1)
            self._time_tables()
            self._time_plants()
            self.figures["load_after"] = round(os.getloadavg()[0], 1)
        finally:
            if not o["keep"]:
                self._cleanup()
        self._report()

    # --- seed ------------------------------------------------------------------------------

    def _seed(self) -> None:
        o, rng = self.o, random.Random(7)  # noqa: S311 - benchmark data  # nosec B311
        started = time.monotonic()
        total = o["plants"] + o["others"]
        others = [d for d in Industry.values if d != o["division"]]
        with transaction.atomic():
            companies = Organization.objects.bulk_create(
                Organization(kind=OrganizationKind.SME, name=f"peer-bench {self.tag} {i}")
                for i in range(total)
            )
            plants = Plant.objects.bulk_create(
                Plant(
                    company=company,
                    name=f"peer-bench {self.tag} {i}",
                    region=rng.choice(Region.values),
                    industry=o["division"] if i < o["plants"] else rng.choice(others),
                    employees=rng.choice(EMPLOYEES),
                )
                for i, company in enumerate(companies)
            )
            self.plant_ids = [p.pk for p in plants]
            self.company_ids = [c.pk for c in companies]
            self.division_plants = plants[: o["plants"]]
            sources = DataSource.objects.bulk_create(
                DataSource(plant=p, name=f"peer-bench {self.tag}") for p in plants
            )
            series = Series.objects.bulk_create(
                Series(plant=s.plant, source=s, kpi=k, unit=k.unit, granularity="month", key=k.code)
                for s in sources
                for k in self.kpis
            )
            Consent.objects.bulk_create(
                Consent(plant=p, purpose=Purpose.STATISTICS)
                for p in plants
                if rng.random() < o["consent"]
            )
        end = benchmarks.period().end
        first = disclosure.add_months(end, -o["months"] + 1)
        starts = [
            dt.datetime.combine(disclosure.add_months(first, i), dt.time(), ZONE)
            for i in range(o["months"])
        ]
        level = {p.pk: rng.uniform(0.5, 1.5) for p in plants}
        batch, written = [], 0
        for s in series:
            base = level[s.plant_id] * 50
            for start in starts:
                value = base * rng.uniform(0.9, 1.1)
                batch.append(
                    RollupBucket(
                        series_id=s.pk,
                        rollup="month",
                        bucket=start,
                        plant_id=s.plant_id,
                        count=720,
                        sum=720 * value,
                        min=value,
                        max=value,
                        last=value,
                        last_ts=start,
                    )
                )
            if len(batch) >= 20_000:
                RollupBucket.objects.bulk_create(batch)
                written += len(batch)
                batch = []
        RollupBucket.objects.bulk_create(batch)
        written += len(batch)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE datahub_rollupbucket")
            cursor.execute("ANALYZE datahub_series")
            cursor.execute("ANALYZE hub_plant")
            cursor.execute("ANALYZE datahub_consent")
        self.figures["rollup_rows"] = written
        self.figures["seed_s"] = round(time.monotonic() - started, 1)

    # --- measures --------------------------------------------------------------------------

    def _time_tables(self) -> None:
        division = self.o["division"]
        for kpi in self.kpis:  # warm-up
            benchmarks.peer_table(division=division, kpi=kpi)
        times, released, cells = [], 0, 0
        for run in range(self.o["runs"]):
            kpi = self.kpis[run % len(self.kpis)]
            started = time.perf_counter()
            table = benchmarks.peer_table(division=division, kpi=kpi)
            times.append(1000 * (time.perf_counter() - started))
            cells = len(table.cells)
            released = sum(1 for c in table.cells.values() if not c.suppressed)
        self.figures["table_ms"] = {
            "p50": round(statistics.median(times), 1),
            "p95": round(_p(times, 0.95), 1),
            "max": round(max(times), 1),
        }
        self.figures["table_cells"] = {"present": cells, "released": released}
        self.figures["table_plants"] = table.plants

    def _time_plants(self) -> None:
        plants = self.division_plants
        benchmarks.plant_benchmarks(plants[0])  # warm-up
        times = []
        for run in range(self.o["runs"]):
            plant = plants[(run * 97) % len(plants)]
            started = time.perf_counter()
            result = benchmarks.plant_benchmarks(plant)
            times.append(1000 * (time.perf_counter() - started))
        self.figures["plant_ms"] = {
            "p50": round(statistics.median(times), 1),
            "p95": round(_p(times, 0.95), 1),
            "max": round(max(times), 1),
        }
        self.figures["plant_levels"] = sorted({b.group.level for b in result.kpis})

    # --- cleanup and report ----------------------------------------------------------------

    def _cleanup(self) -> None:
        ids = getattr(self, "plant_ids", [])
        if not ids:
            return
        with transaction.atomic():
            RollupBucket.objects.filter(plant_id__in=ids).delete()
            Consent.objects.filter(plant_id__in=ids).delete()
            Series.objects.filter(plant_id__in=ids).delete()
            DataSource.objects.filter(plant_id__in=ids).delete()
            Plant.objects.filter(pk__in=ids).delete()
            Organization.objects.filter(pk__in=self.company_ids).delete()

    def _report(self) -> None:
        f = self.figures
        lines = [
            f"Seeded {f['plants']} plants of the division + {f['others']} others, {f['kpis']} KPIs "
            f"x {f['months']} months = {f.get('rollup_rows', 0)} month rollups in "
            f"{f.get('seed_s', 0)} s.",
        ]
        if "table_ms" in f:
            t = f["table_ms"]
            lines.append(
                f"National peer table (one division, one KPI, {f['table_plants']} plants, "
                f"{f['table_cells']['present']} cells, {f['table_cells']['released']} released): "
                f"p50 {t['p50']} ms, p95 {t['p95']} ms, max {t['max']} ms over {f['runs']} runs."
            )
        if "plant_ms" in f:
            t = f["plant_ms"]
            lines.append(
                f"One plant's percentiles ({f['kpis']} KPIs): p50 {t['p50']} ms, "
                f"p95 {t['p95']} ms, max {t['max']} ms."
            )
        if "load_before" in f:
            lines.append(
                f"Load average (1 min) on {f['cpus']} CPUs: {f['load_before']} before the "
                f"measures, {f['load_after']} after (the figures move with the machine's load)."
            )
        for line in lines:
            self.stdout.write(line)
        if self.o["json"]:
            with open(self.o["json"], "w", encoding="utf-8") as out:
                json.dump(f, out, indent=2)
