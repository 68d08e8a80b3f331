"""manage.py seed_national_telemetry: a national telemetry dataset on top of `seed_national`.

Default: the first 35,000 active plants with ten KPI series for a year, one row a working
day (Monday–Saturday); 200 of them (the latest completed projects first) send one row per
working hour instead: ≈ 113 M rows on the national dataset. `--scale 0.1` takes a tenth of
the plants (≈ 11.7 M rows). Binary COPY into fresh monthly partitions on PostgreSQL,
`bulk_create` on SQLite; rollups built after the load. The plan is `devdata.national_telemetry`
(deterministic per --seed). docs/datahub/national-telemetry.md has the figures.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from datahub.models import DataSource
from devdata import national_telemetry as nt


class Command(BaseCommand):
    help = "Generate a national telemetry dataset (≈ 100 M observations by default)."

    def add_arguments(self, parser):
        parser.add_argument("--plants", type=int, default=35_000, help="plants (default 35,000)")
        parser.add_argument(
            "--hourly-plants", type=int, default=200, help="of them sending hourly rows"
        )
        parser.add_argument("--days", type=int, default=365, help="days of rows up to today")
        parser.add_argument(
            "--scale", type=float, default=1.0, help="multiply --plants and --hourly-plants"
        )
        parser.add_argument("--seed", type=int, default=nt.SEED, help="random seed")
        parser.add_argument("--force", action="store_true", help="run with DEBUG=false")

    def handle(self, *args, **o):
        if not settings.DEBUG and not o["force"]:
            raise CommandError("seed_national_telemetry writes synthetic data: DEBUG only.")
        if o["scale"] <= 0 or o["days"] < 1 or o["plants"] < 1 or o["hourly_plants"] < 0:
            raise CommandError("--scale, --days and --plants must be positive.")
        if DataSource.objects.filter(name=nt.SOURCE_NAME).exists():
            raise CommandError("The database already holds a national telemetry dataset.")
        plants = max(1, round(o["plants"] * o["scale"]))
        hourly = min(plants, round(o["hourly_plants"] * o["scale"]))
        verbose = o["verbosity"]
        timings: list[tuple[str, float]] = []
        clock = [time.monotonic()]
        started = clock[0]

        def lap(name):
            now = time.monotonic()
            timings.append((name, now - clock[0]))
            clock[0] = now
            if verbose >= 2:
                self.stdout.write(f"  {name}: {timings[-1][1]:.1f} s")

        def log(line):
            if verbose >= 2:
                self.stdout.write(line)

        plan = nt.choose(plants=plants, hourly=hourly, days=o["days"], seed=o["seed"])
        if not plan.plants:
            raise CommandError("No active plants: run `manage.py seed_national` first.")
        lap("plan")
        nt.write_metadata(plan)
        lap("sources, series, consents")
        if connection.vendor == "postgresql":
            rows = nt.write_postgresql(plan, lap=lap, log=log)
        else:
            rows = nt.write_orm(plan, lap=lap, log=log)
        total = time.monotonic() - started
        if verbose >= 1:
            hourly_count = sum(p.hourly for p in plan.plants)
            self.stdout.write(
                f"National telemetry (seed {plan.seed}) on {connection.vendor}: "
                f"{rows:,} observations of {len(plan.plants):,} plants "
                f"({hourly_count:,} hourly), {len(plan.plants) * len(nt.CODES):,} series, "
                f"{plan.times.days} days, written in {total:.1f} s "
                f"({rows / total:,.0f} rows/s)\n"
                "  steps: " + ", ".join(f"{name} {sec:.1f} s" for name, sec in timings)
            )
