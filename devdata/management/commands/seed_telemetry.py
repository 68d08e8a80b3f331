"""manage.py seed_telemetry: a year of demo production data for a few demo plants (run by
seed_demo after the programs, whose completed projects it follows; devdata/telemetry.py)."""

import time

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from devdata import telemetry
from devdata.demo_command import DemoCommand

# The default demo (240 plants, `make run`) gets a year; the small demos the tests seed, a month.
FULL_YEAR_FROM = 100


class Command(DemoCommand):
    help = "Give a few demo plants a year of hourly (or daily) production data."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--hourly-plants", type=int, default=2, help="plants with hourly rows (default 2)"
        )
        parser.add_argument(
            "--daily-plants", type=int, default=6, help="plants with daily rows (default 6)"
        )
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"days of data (default 365; 30 for demos under {FULL_YEAR_FROM} plants)",
        )
        parser.add_argument(
            "--peer-plants",
            type=int,
            default=None,
            help="plants per KSIC division of the `sme` company given monthly OEE figures and a "
            f"statistics consent, for its peer benchmarks (default 12; 0 under {FULL_YEAR_FROM})",
        )

    def handle(self, *args, force: bool, plants: int, hourly_plants, daily_plants, days, **o):
        self.refuse_in_production(force)
        if days is None:
            days = 365 if plants >= FULL_YEAR_FROM else 30
        if min(hourly_plants, daily_plants) < 0 or days < 1:
            raise CommandError("Plant counts must be 0 or more and --days at least 1.")
        admin = get_user_model().objects.filter(username="admin", is_superuser=True).first()
        if admin is None:
            raise CommandError("The demo logins are missing: run `manage.py seed_demo` first.")
        started = time.monotonic()
        summary = telemetry.seed(hourly=hourly_plants, daily=daily_plants, days=days, actor=admin)
        peer_plants = o.get("peer_plants")
        if peer_plants is None:
            peer_plants = 12 if plants >= FULL_YEAR_FROM else 0
        peers = telemetry.seed_peers(per_division=peer_plants, actor=admin)
        if o["verbosity"] >= 1 and peers["plants"] + peers["consents"]:
            self.stdout.write(
                f"Benchmark peers: {peers['plants']} plants with monthly figures "
                f"({peers['rows']} rows), {peers['consents']} statistics consents."
            )
        if o["verbosity"] >= 1:
            self.stdout.write(
                f"Telemetry ready in {time.monotonic() - started:.1f} s: {summary['rows']} rows "
                f"for {summary['plants']} plants (hourly: "
                f"{', '.join(summary['hourly_plants']) or 'none new'}; daily: "
                f"{len(summary['daily_plants'])} plants)."
            )
