"""manage.py seed_national [--plants N] [--seed S] [--force]: a national-scale dataset.

35,000 plants by default in ≈ 30,600 companies, partner firms, suppliers, consultancies (one
consultant login each, unusable password), the seed maturity framework, programs 2014–2025
with partner commitments, ≈ 1.35 projects a plant with KPIs, ≈ 2 confirmed assessments a plant
with all their item ratings, mentorships for partner-funded projects, and every plant's
denormalised current level. The plan is `devdata.national` (pure, deterministic per seed).

Everything is written in bulk — PostgreSQL `COPY` with ids assigned up front, `bulk_create`
elsewhere — never through the per-row services: the services' invariants (valid unique
business numbers, ordered step dates, shares within the rule, no overlapping projects, scores
from `assessments.scoring`, validity dates, current level = latest confirmed assessment) hold by
construction of the plan and are checked by tests/devdata/test_national.py. No audit entries
are written for the generated rows.

It refuses to run with DEBUG=false, or on a database that already holds more than a handful
of plants (so it never mixes with real data), unless --force is given; a database that
already holds a national dataset is always refused.
"""

from __future__ import annotations

import datetime
import json
import time
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Min

from assessments import scoring
from assessments import services as assessment_services
from assessments.models import Assessment, ItemRating
from devdata import national
from devdata.national_writer import NationalWriter
from hub.models import Mentorship, Organization, Plant
from hub.signals import bulk_written
from programs.choices import ProjectStatus
from programs.models import KPI, PartnerCommitment, Program, Project

FRAMEWORK_FILE = Path(scoring.__file__).parent / "frameworks" / "sf-l5-v1.json"
HANDFUL = 10  # plants a database may already hold without --force


class Command(BaseCommand):
    help = "Generate a national-scale dataset (35,000 plants by default) with bulk writes."

    def add_arguments(self, parser):
        parser.add_argument(
            "--plants",
            type=int,
            default=national.NATIONAL_PLANTS,
            help=f"plants (default {national.NATIONAL_PLANTS:,})",
        )
        parser.add_argument("--seed", type=int, default=national.SEED, help="random seed")
        parser.add_argument(
            "--force",
            action="store_true",
            help="run with DEBUG=false or on a database that already holds plants",
        )

    def handle(self, *args, plants: int, seed: int, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_national fills the database with synthetic data; it refuses to run with "
                "DEBUG=false unless --force is given."
            )
        if not 1 <= plants <= 90_000:
            raise CommandError("--plants must be between 1 and 90,000.")
        existing = Plant.objects.count()
        if existing > HANDFUL and not force:
            raise CommandError(
                f"The database already holds {existing:,} plants; seed_national is meant for a "
                "database of its own (give --force to add to it anyway)."
            )
        if Project.objects.filter(reference__startswith="NAT-").exists():
            raise CommandError(
                "The database already holds a national dataset: use a fresh database."
            )
        self.verbosity = options["verbosity"]
        self.timings: list[tuple[str, float]] = []
        self.clock = time.monotonic()
        started = self.clock
        with transaction.atomic():
            framework = self._framework()
            spec = framework.spec()
            taken = frozenset(
                Organization.objects.exclude(business_number=None).values_list(
                    "business_number", flat=True
                )
            )
            plan = national.plan(
                plants, seed, spec, taken_numbers=taken, validity_years=framework.validity_years
            )
            self._lap("plan")
            self.written = NationalWriter(lap=self._lap)
            self.written.write(plan, framework, spec)
            bulk_written.send(sender=Plant)
        self._lap("commit")
        if self.written.writer.pg:
            tables = [m._meta.db_table for m in (Organization, Plant, Program, Project, KPI,
                      Mentorship, PartnerCommitment, Assessment, ItemRating)]  # fmt: skip
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {', '.join(tables)}")
            self._lap("analyze")
        self.total = time.monotonic() - started
        if self.verbosity >= 1:
            self._summary(plan)

    # --- steps -------------------------------------------------------------------------------

    def _lap(self, name: str) -> None:
        now = time.monotonic()
        self.timings.append((name, now - self.clock))
        self.clock = now
        if self.verbosity >= 2:
            self.stdout.write(f"  {name}: {self.timings[-1][1]:.1f} s")

    def _framework(self):
        data = json.loads(FRAMEWORK_FILE.read_text(encoding="utf-8"))
        framework, _outcome = assessment_services.framework_load(data=data)
        return framework

    # --- summary -----------------------------------------------------------------------------

    def _summary(self, plan: national.Plan) -> None:
        from progress import selectors as progress

        out = self.stdout.write
        companies = len(plan.companies)
        plants = len(plan.plants)
        out(
            f"National dataset (seed {plan.seed}) written in {self.total:.1f} s on "
            f"{connection.vendor}:\n"
            f"  companies {companies:,}, plants {plants:,} ({companies / plants:.3f} companies "
            "a plant)\n"
            f"  partner firms {len(plan.partners)}, suppliers {len(plan.suppliers)}, "
            f"consultancies {len(plan.consultancies)} (one consultant login each)\n"
            f"  programs {len(plan.programs)}, commitments "
            f"{sum(len(p.commitments) for p in plan.programs):,}, projects "
            f"{len(plan.projects):,}, KPIs {len(plan.kpis):,}, mentorships "
            f"{len(plan.mentorships):,}\n"
            f"  confirmed assessments {len(plan.assessments):,}, item ratings "
            f"{self.written.rating_count:,} (scoring {self.written.score_seconds:.1f} s, "
            f"{self.written.distinct_vectors:,} distinct rating vectors)"
        )
        out("  steps: " + ", ".join(f"{name} {sec:.1f} s" for name, sec in self.timings))
        firsts = Counter(
            first.year
            for first in Project.objects.filter(
                status=ProjectStatus.COMPLETED, plant_id__gte=self.written.plant_ids[0]
            )
            .values("plant_id")
            .annotate(first=Min("completed_on"))
            .values_list("first", flat=True)
        )
        total, curve = 0, []
        for year in sorted(firsts):
            total += firsts[year]
            curve.append(f"{year} {total:,}")
        out("  cumulative supported plants: " + " · ".join(curve))
        started = time.monotonic()
        summary = progress.progress_summary(as_of=datetime.date(2022, 12, 31))
        seconds = time.monotonic() - started
        out(
            "  Level 3+ share of supported plants (progress_summary as of 2022-12-31, "
            f"{seconds:.1f} s): "
            + " · ".join(
                f"{r['year']} {r['share'] if r['share'] is not None else '–'} %"
                for r in summary.yearly
            )
        )
