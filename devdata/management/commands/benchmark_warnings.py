"""`manage.py benchmark_warnings` (PostgreSQL): how long the daily early-warning run takes.

Generates --plants plants (one SME company per 50), each with one active data source and
--kpis KPI series (OEE, availability, scrap ratio, …) with a day rollup for each of the last
--days days, written by COPY; every plant under program follow-up (a follow-up consent), so
every series is judged. Of the series, --shifted % step the worse way (10–20 %) at a random
day of the last five months, the others are noise around their own level; --silent % of the
sources last sent data 15–60 days ago; --expired % of the plants carry an expired level and
--closed % are closed. Then `run_early_warning` runs twice as of today: the first run opens
the warnings, the second (the everyday case) finds the same ones and moves them on. Reports
seconds per run and per rule (rule and write).

Everything it creates is deleted at the end unless --keep. Run it on a database of its own:
the run also judges whatever else the database holds. Figures in docs/datahub/early-warning.md.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
import uuid

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from datahub.buckets import ZONE
from datahub.choices import Purpose
from datahub.models import Consent, DataSource, EarlyWarning, KpiDefinition, RollupBucket, Series
from datahub.services import warnings
from hub.choices import OrganizationKind, PlantStatus
from hub.models import Organization, Plant

KPI_CODES = [
    "oee",
    "availability",
    "scrap_ratio",
    "performance",
    "quality_rate",
    "first_pass_yield",
]
LEVELS = {"oee": 65, "availability": 85, "performance": 88, "quality_rate": 96}
PLANTS_PER_COMPANY = 50


class Command(BaseCommand):
    help = "Benchmark the daily early-warning run on a generated dataset (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--plants", type=int, default=3000)
        parser.add_argument("--kpis", type=int, default=3, help="KPI series per plant (1-6)")
        parser.add_argument("--days", type=int, default=365, help="days of day rollups")
        parser.add_argument("--shifted", type=float, default=10.0, help="%% of series stepping")
        parser.add_argument("--silent", type=float, default=5.0, help="%% of sources silent")
        parser.add_argument("--expired", type=float, default=5.0, help="%% of levels expired")
        parser.add_argument("--closed", type=float, default=1.0, help="%% of plants closed")
        parser.add_argument("--seed", type=int, default=14)
        parser.add_argument("--keep", action="store_true", help="keep the generated data")
        parser.add_argument("--json", default=None, help="also write the figures to this file")

    def handle(self, *args, **o):
        if connection.vendor != "postgresql":
            raise CommandError("benchmark_warnings measures PostgreSQL (set DATABASE_URL).")
        if not 1 <= o["kpis"] <= len(KPI_CODES):
            raise CommandError(f"--kpis must be between 1 and {len(KPI_CODES)}.")
        self.rng = random.Random(o["seed"])  # noqa: S311 - generated data  # nosec B311
        self.tag = uuid.uuid4().hex[:6]
        self.today = timezone.localdate()
        figures: dict = {"plants": o["plants"], "kpis": o["kpis"], "days": o["days"]}
        t0 = time.perf_counter()
        plant_ids, series = self.generate(o)
        figures["series"] = len(series)
        figures["rollup_rows"] = len(series) * o["days"]
        figures["generate_seconds"] = round(time.perf_counter() - t0, 1)
        self.stdout.write(
            f"generated {len(plant_ids)} plants, {len(series)} series, "
            f"{figures['rollup_rows']:,} day rollups in {figures['generate_seconds']} s"
        )
        try:
            for label in ("first_run", "second_run"):
                summary = warnings.run_early_warning(today=self.today)
                figures[label] = summary
                self.stdout.write(f"{label}: {summary['seconds']} s")
                for kind, row in summary["rules"].items():
                    self.stdout.write(
                        f"  {kind:<18} found {row['found']:>6}  opened {row['opened']:>6}  "
                        f"updated {row['updated']:>6}  rule {row['rule_seconds']:>7.3f} s  "
                        f"write {row['write_seconds']:>6.3f} s"
                    )
        finally:
            if not o["keep"]:
                self.clean(plant_ids, [s[0] for s in series])
        if o["json"]:
            with open(o["json"], "w", encoding="utf-8") as out:
                json.dump(figures, out, indent=2, default=str)

    # --- data ------------------------------------------------------------------------------

    @transaction.atomic
    def generate(self, o):
        rng, today = self.rng, self.today
        n = o["plants"]
        companies = Organization.objects.bulk_create(
            Organization(kind=OrganizationKind.SME, name=f"경보 벤치 {self.tag} {i:04d}")
            for i in range(-(-n // PLANTS_PER_COMPANY))
        )
        plants = []
        for i in range(n):
            status = PlantStatus.CLOSED if rng.random() * 100 < o["closed"] else "active"
            expired = rng.random() * 100 < o["expired"]
            plants.append(
                Plant(
                    company=companies[i // PLANTS_PER_COMPANY],
                    name=f"경보 벤치 공장 {self.tag} {i:05d}",
                    region=rng.choice(["11", "26", "41", "48"]),
                    industry=rng.choice(["25", "29", "30"]),
                    status=status,
                    current_level=rng.randint(1, 4),
                    level_valid_until=today
                    + dt.timedelta(days=-rng.randint(1, 300) if expired else rng.randint(30, 900)),
                )
            )
        plants = Plant.objects.bulk_create(plants, batch_size=2000)
        now = timezone.now()
        sources = DataSource.objects.bulk_create(
            (
                DataSource(
                    plant=p,
                    name="MES",
                    kind="mes",
                    last_data_at=now
                    - dt.timedelta(
                        days=rng.randint(15, 60) if rng.random() * 100 < o["silent"] else 0,
                        hours=rng.randint(0, 20),
                    ),
                )
                for p in plants
            ),
            batch_size=2000,
        )
        Consent.objects.bulk_create(
            (Consent(plant=p, purpose=Purpose.FOLLOW_UP) for p in plants), batch_size=2000
        )
        kpis = {
            k.code: k
            for k in KpiDefinition.objects.filter(
                catalogue__is_current=True, code__in=KPI_CODES[: o["kpis"]]
            )
        }
        last = dt.datetime.combine(today - dt.timedelta(days=1), dt.time(20), tzinfo=ZONE)
        series = Series.objects.bulk_create(
            (
                Series(
                    plant=p,
                    source=s,
                    kpi=kpis[code],
                    unit=kpis[code].unit,
                    granularity="hour",
                    key=code,
                    last_ts=last,
                    last_data_at=last,
                )
                for p, s in zip(plants, sources, strict=True)
                for code in KPI_CODES[: o["kpis"]]
            ),
            batch_size=2000,
        )
        rows = [(s.pk, s.plant_id, s.kpi.code, s.kpi.better) for s in series]
        self.copy_rollups(rows, o)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE datahub_rollupbucket")
            cursor.execute("ANALYZE datahub_series")
            cursor.execute("ANALYZE hub_plant")
        return [p.pk for p in plants], rows

    def copy_rollups(self, series, o):
        rng, days = self.rng, o["days"]
        first = self.today - dt.timedelta(days=days)
        starts = [
            dt.datetime.combine(first + dt.timedelta(days=i), dt.time.min, tzinfo=ZONE)
            for i in range(days)
        ]
        sql = (
            "COPY datahub_rollupbucket (series_id, rollup, bucket, plant_id, count, sum, min, "
            "max, last, last_ts) FROM STDIN"
        )
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for pk, plant_id, code, better in series:
                level = LEVELS.get(code, 3.0) * rng.uniform(0.85, 1.1)
                sigma = level * rng.uniform(0.02, 0.05)
                at = None
                if rng.random() * 100 < o["shifted"]:
                    at = days - rng.randint(20, 150)
                    worse = -1 if better == "higher" else 1
                    step = worse * level * rng.uniform(0.10, 0.20)
                for i, start in enumerate(starts):
                    value = (
                        level + rng.gauss(0, sigma) + (step if at is not None and i >= at else 0)
                    )
                    copy.write_row(
                        (pk, "day", start, plant_id, 16, value * 16, value, value, value, start)
                    )

    @transaction.atomic
    def clean(self, plant_ids, series_ids):
        # Both runs judge the same data, so nothing is resolved and no audit entry is written
        # (the audit log is append-only).
        EarlyWarning.objects.filter(plant_id__in=plant_ids).delete()
        RollupBucket.objects.filter(series_id__in=series_ids).delete()
        Series.objects.filter(pk__in=series_ids).delete()
        DataSource.objects.filter(plant_id__in=plant_ids).delete()
        Consent.objects.filter(plant_id__in=plant_ids).delete()
        companies = set(Plant.objects.filter(pk__in=plant_ids).values_list("company_id", flat=True))
        Plant.objects.filter(pk__in=plant_ids).delete()
        Organization.objects.filter(pk__in=companies).delete()
