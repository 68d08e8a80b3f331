"""manage.py seed_national [--plants N] [--seed S] [--force]: a national-scale dataset (issue 6).

35,000 plants by default in ≈ 30,600 companies, partner firms, suppliers, consultancies (one
consultant login each, unusable password), the seed maturity framework, programs 2014–2025
with partner commitments, ≈ 1.35 projects a plant with KPIs, ≈ 2 confirmed assessments a plant
with all their item ratings, mentorships for partner-funded projects, and every plant's
denormalised current level. The plan is `programs.national` (pure, deterministic per seed).

Everything is written in bulk — PostgreSQL `COPY` with ids assigned up front, `bulk_create`
elsewhere — never through the per-row services: the services' invariants (valid unique
business numbers, ordered step dates, shares within the rule, no overlapping projects, scores
from `assessments.scoring`, validity dates, current level = latest confirmed assessment) hold by
construction of the plan and are checked by tests/programs/test_national.py. No audit entries
are written for the generated rows.

It refuses to run with DEBUG=false, or on a database that already holds more than a handful
of plants (so it never mixes with real data), unless --force is given; a database that
already holds a national dataset is always refused.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import time
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from assessments import scoring
from assessments import services as assessment_services
from assessments.choices import AssessmentStatus
from assessments.models import Assessment, Item, ItemRating
from devdata import national
from hub.choices import OrganizationKind, Role
from hub.models import Membership, Mentorship, Organization, Plant
from hub.signals import bulk_written
from programs.choices import ProjectStatus
from programs.models import KPI, CostShareRule, PartnerCommitment, Program, Project

FRAMEWORK_FILE = Path(scoring.__file__).parent / "frameworks" / "sf-l5-v1.json"
HANDFUL = 10  # plants a database may already hold without --force
AGENCY_USERNAME = "national-agency"
CONSULTANT_USERNAME = "national-consultant-{:02d}"
STEP_FIELDS = {
    ProjectStatus.APPLIED: "applied_on",
    ProjectStatus.SELECTED: "selected_on",
    ProjectStatus.AGREED: "agreed_on",
    ProjectStatus.BUILDING: "building_on",
    ProjectStatus.COMPLETED: "completed_on",
    ProjectStatus.DROPPED: "dropped_on",
}


class Writer:
    """Bulk inserts: COPY on PostgreSQL (ids given explicitly, sequences moved after), else
    bulk_create in batches. Columns not given take the model default (auto_now: now)."""

    def __init__(self):
        self.pg = connection.vendor == "postgresql"
        self.now = timezone.now()

    def next_id(self, model) -> int:
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608 - model table  # nosec B608
            return cursor.fetchone()[0]

    def json(self, value):
        if self.pg:
            from psycopg.types.json import Jsonb

            return Jsonb(value)
        return value

    def write(self, model, columns: list[str], rows, consts: dict | None = None) -> int:
        consts = dict(consts or {})
        if self.pg:
            return self._copy(model, columns, rows, consts)
        return self._bulk(model, columns, rows, consts)

    def _copy(self, model, columns, rows, consts) -> int:
        for f in model._meta.concrete_fields:
            if f.attname in columns or f.attname in consts or f.primary_key:
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                consts[f.attname] = self.now
            else:
                default = f.get_default()
                consts[f.attname] = (
                    self.json(default) if f.get_internal_type() == "JSONField" else default
                )
        names = [*columns, *consts]
        fields = [model._meta.get_field(n) for n in names]
        sql = "COPY {} ({}) FROM STDIN".format(
            connection.ops.quote_name(model._meta.db_table),
            ", ".join(connection.ops.quote_name(f.column) for f in fields),
        )
        tail = tuple(consts.values())
        count = 0
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row + tail)
                count += 1
        if "id" in columns:
            table = model._meta.db_table
            with connection.cursor() as cursor:
                sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"  # noqa: E501, S608 - model table  # nosec B608
                cursor.execute(sql)
        return count

    def _bulk(self, model, columns, rows, consts, batch=2000) -> int:
        given = set(columns) | set(consts)
        patched = [
            f
            for f in model._meta.concrete_fields
            if f.attname in given
            and (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
        ]
        count, chunk = 0, []
        with _no_auto_now(patched):
            for row in rows:
                chunk.append(model(**dict(zip(columns, row, strict=True)), **consts))
                if len(chunk) >= batch:
                    model.objects.bulk_create(chunk)
                    count += len(chunk)
                    chunk = []
            if chunk:
                model.objects.bulk_create(chunk)
                count += len(chunk)
        return count


@contextlib.contextmanager
def _no_auto_now(fields):
    """Let bulk_create keep given values of auto_now(_add) fields (historical timestamps)."""
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    try:
        for f in fields:
            f.auto_now = f.auto_now_add = False
        yield
    finally:
        for f, now, add in saved:
            f.auto_now, f.auto_now_add = now, add


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
            self.writer = Writer()
            self._organisations(plan)
            self._users(plan)
            self._lap("organisations and users")
            self._registry(plan)
            self._lap("companies and plants")
            self._programs(plan)
            self._projects(plan)
            self._lap("programs, projects, KPIs, mentorships")
            self._assessments(plan, framework, spec)
            self._refresh_levels()
            self._lap("current levels")
            bulk_written.send(sender=Plant)
        self._lap("commit")
        if self.writer.pg:
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

    def _organisations(self, plan: national.Plan) -> None:
        """Agencies, partner firms, suppliers and consultancies: existing ones (same kind and
        name) are reused, the others created."""
        existing = {
            (o.kind, o.name): o.pk for o in Organization.objects.exclude(kind=OrganizationKind.SME)
        }
        wanted = [*plan.agencies, *plan.partners, *plan.suppliers, *plan.consultancies]
        missing = [o for o in wanted if (o.kind, o.name) not in existing]
        created = Organization.objects.bulk_create(
            [
                Organization(kind=o.kind, name=o.name, name_en=o.name_en, region=o.region)
                for o in missing
            ]
        )
        if any(o.pk is None for o in created):  # a backend that returns no ids
            existing = {
                (o.kind, o.name): o.pk
                for o in Organization.objects.exclude(kind=OrganizationKind.SME)
            }
        else:
            existing.update({(o.kind, o.name): o.pk for o in created})
        self.org_ids = existing
        self.agency_ids = {o.name: existing[(o.kind, o.name)] for o in plan.agencies}
        self.partner_ids = [existing[(o.kind, o.name)] for o in plan.partners]
        self.supplier_ids = [existing[(o.kind, o.name)] for o in plan.suppliers]
        self.consultancy_ids = [existing[(o.kind, o.name)] for o in plan.consultancies]

    def _users(self, plan: national.Plan) -> None:
        """One consultant per consultancy and the agency officer who opens and confirms the
        assessments; unusable passwords (nobody logs in as them)."""
        user_model = get_user_model()
        wanted = {AGENCY_USERNAME: (Role.AGENCY_STAFF, self.agency_ids[plan.agencies[0].name])}
        for n, org_id in enumerate(self.consultancy_ids, start=1):
            wanted[CONSULTANT_USERNAME.format(n)] = (Role.CONSULTANT, org_id)
        have = {u.username: u for u in user_model.objects.filter(username__in=wanted)}
        new = []
        for username in wanted:
            if username not in have:
                user = user_model(username=username, email=f"{username}@example.org")
                user.set_unusable_password()
                new.append(user)
        user_model.objects.bulk_create(new)
        users = {u.username: u for u in user_model.objects.filter(username__in=wanted)}
        members = set(
            Membership.objects.filter(user__in=users.values()).values_list("user_id", flat=True)
        )
        Membership.objects.bulk_create(
            [
                Membership(user=users[name], organization_id=org_id, role=role)
                for name, (role, org_id) in wanted.items()
                if users[name].pk not in members
            ]
        )
        self.agency_user_id = users[AGENCY_USERNAME].pk
        self.consultant_ids = [
            users[CONSULTANT_USERNAME.format(n)].pk for n in range(1, len(self.consultancy_ids) + 1)
        ]

    def _registry(self, plan: national.Plan) -> None:
        w = self.writer
        base = w.next_id(Organization)
        self.company_ids = [base + i for i in range(len(plan.companies))]
        w.write(
            Organization,
            [
                "id",
                "kind",
                "name",
                "name_en",
                "business_number",
                "size_class",
                "employees",
                "revenue_million_krw",
                "region",
                "address",
            ],  # fmt: skip
            (
                (
                    base + i,
                    OrganizationKind.SME.value,
                    c.name,
                    c.name_en,
                    c.business_number,
                    c.size_class,
                    c.employees,
                    c.revenue_million_krw,
                    c.region,
                    c.address,
                )  # fmt: skip
                for i, c in enumerate(plan.companies)
            ),
            {"is_active": True},
        )
        base = w.next_id(Plant)
        self.plant_ids = [base + i for i in range(len(plan.plants))]
        w.write(
            Plant,
            ["id", "company_id", "name", "region", "address", "industry", "employees", "status"],
            (
                (
                    base + i,
                    self.company_ids[p.company],
                    p.name,
                    p.region,
                    p.address,
                    p.industry,
                    p.employees,
                    p.status,
                )  # fmt: skip
                for i, p in enumerate(plan.plants)
            ),
        )

    def _programs(self, plan: national.Plan) -> None:
        """Programs are keyed by year and Korean name: existing ones (the demo's) are reused
        and their budget and commitments raised by what the national projects need."""
        rules = {r.code: r.pk for r in CostShareRule.objects.all()}
        missing_rules = {p.rule for p in plan.programs} - set(rules)
        if missing_rules:
            raise CommandError(f"Cost-share rules missing: {', '.join(sorted(missing_rules))}.")
        existing = {(p.year, p.name_ko): p for p in Program.objects.all()}
        self.program_ids = []
        new = []
        for row in plan.programs:
            program = existing.get((row.year, row.name_ko))
            if program is None:
                program = Program(
                    name_ko=row.name_ko,
                    name_en=row.name_en,
                    year=row.year,
                    kind=row.kind,
                    agency_id=self.agency_ids[row.agency],
                    budget=row.budget,
                    applications_open=row.applications_open,
                    applications_close=row.applications_close,
                    cost_share_rule_id=rules[row.rule],
                )
                new.append(program)
            else:
                program.budget += row.budget
                program.save(update_fields=["budget", "updated_at"])
            self.program_ids.append(program)
        Program.objects.bulk_create(new)
        if any(p.pk is None for p in new):
            ids = {(p.year, p.name_ko): p.pk for p in Program.objects.all()}
            self.program_ids = [ids[(r.year, r.name_ko)] for r in plan.programs]
        else:
            self.program_ids = [p.pk for p in self.program_ids]
        held = {
            (c.program_id, c.partner_id): c for c in PartnerCommitment.objects.filter(
                program_id__in=self.program_ids
            )
        }  # fmt: skip
        commitments = []
        for index, row in enumerate(plan.programs):
            for partner, amount in row.commitments.items():
                key = (self.program_ids[index], self.partner_ids[partner])
                if key in held:
                    held[key].committed += amount
                    held[key].save(update_fields=["committed"])
                else:
                    commitments.append(
                        PartnerCommitment(program_id=key[0], partner_id=key[1], committed=amount)
                    )
        PartnerCommitment.objects.bulk_create(commitments, batch_size=2000)

    def _projects(self, plan: national.Plan) -> None:
        w = self.writer
        base = w.next_id(Project)
        step_columns = list(STEP_FIELDS.values())

        def rows():
            for i, p in enumerate(plan.projects):
                yield (
                    base + i,
                    self.program_ids[p.program],
                    self.plant_ids[p.plant],
                    p.title,
                    self.supplier_ids[p.supplier],
                    None if p.partner is None else self.partner_ids[p.partner],
                    p.target_level,
                    p.total_cost,
                    p.government_share,
                    p.partner_share,
                    p.sme_share,
                    p.status,
                    *(p.steps.get(status) for status in STEP_FIELDS),
                    p.drop_reason,
                    p.reference,
                    len(p.steps) - 1,
                )

        w.write(
            Project,
            [
                "id",
                "program_id",
                "plant_id",
                "title",
                "supplier_id",
                "partner_id",
                "target_level",
                "total_cost",
                "government_share",
                "partner_share",
                "sme_share",
                "status",
                *step_columns,
                "drop_reason",
                "reference",
                "revision",
            ],  # fmt: skip
            rows(),
        )
        w.write(
            KPI,
            [
                "project_id",
                "indicator",
                "unit",
                "baseline",
                "result",
                "improvement_pct",
                "baseline_from",
                "baseline_to",
                "result_from",
                "result_to",
            ],  # fmt: skip
            (
                (
                    base + k.project,
                    k.indicator,
                    k.unit,
                    k.baseline,
                    k.result,
                    k.improvement_pct,
                    k.baseline_from,
                    k.baseline_to,
                    k.result_from,
                    k.result_to,
                )  # fmt: skip
                for k in plan.kpis
            ),
        )
        held = set(
            Mentorship.objects.filter(plant_id__gte=self.plant_ids[0]).values_list(
                "partner_id", "plant_id", "start_date"
            )
        )
        w.write(
            Mentorship,
            ["partner_id", "plant_id", "start_date", "notes"],
            (
                row
                for row in (
                    (self.partner_ids[partner], self.plant_ids[plant], start, "상생형 과제 참여")
                    for partner, plant, start in plan.mentorships
                )
                if row[:3] not in held
            ),
        )

    def _assessments(self, plan: national.Plan, framework, spec: scoring.FrameworkSpec) -> None:
        w = self.writer
        items = dict(
            Item.objects.filter(category__area__framework=framework).values_list("code", "pk")
        )
        item_ids = [items[i.code] for i in spec.items]
        base = w.next_id(Assessment)
        started = time.monotonic()
        vectors = [a.ratings for a in plan.assessments]
        scored = national.score_all(spec, vectors, processes=os.cpu_count() or 1)
        self.score_seconds = time.monotonic() - started
        self.distinct_vectors = len(set(vectors))
        self._lap("scoring")
        confirmed = AssessmentStatus.CONFIRMED.value

        def rows():
            for i, a in enumerate(plan.assessments):
                total, band, final, capping, result = scored[i]
                yield (
                    base + i,
                    self.plant_ids[a.plant],
                    framework.pk,
                    self.consultant_ids[a.consultant],
                    self.agency_user_id,
                    confirmed,
                    a.opened_at,
                    a.opened_at.date() + datetime.timedelta(days=45),
                    a.assessed_on,
                    a.submitted_at,
                    a.confirmed_at,
                    self.agency_user_id,
                    total,
                    band,
                    final,
                    capping,
                    w.json(result),
                    a.valid_until,
                    2 + len(spec.items),
                )

        w.write(
            Assessment,
            [
                "id",
                "plant_id",
                "framework_id",
                "consultant_id",
                "opened_by_id",
                "status",
                "opened_at",
                "due_on",
                "assessed_on",
                "submitted_at",
                "confirmed_at",
                "confirmed_by_id",
                "total_score",
                "band_level",
                "final_level",
                "capping_rule",
                "result",
                "valid_until",
                "revision",
            ],  # fmt: skip
            rows(),
        )
        self._lap("assessments")
        na = scoring.NOT_APPLICABLE

        def ratings():
            for i, a in enumerate(plan.assessments):
                assessment_id = base + i
                user = self.consultant_ids[a.consultant]
                at = a.submitted_at
                for n, value in enumerate(a.ratings):
                    if value == na:
                        yield (assessment_id, item_ids[n], None, True, a.na_reasons[n],
                               a.notes.get(n, ""), at, user)  # fmt: skip
                    else:
                        yield (assessment_id, item_ids[n], value, False, "", a.notes.get(n, ""),
                               at, user)  # fmt: skip

        self.rating_count = w.write(
            ItemRating,
            [
                "assessment_id",
                "item_id",
                "rating",
                "not_applicable",
                "na_reason",
                "evidence_note",
                "updated_at",
                "updated_by_id",
            ],  # fmt: skip
            ratings(),
        )
        self._lap("item ratings")

    def _refresh_levels(self) -> None:
        """Each plant's current level from its latest confirmed assessment (by assessment
        date, then confirmation time, then id), as plant_refresh_level does; the score
        rounded half-even to one decimal like Decimal.quantize."""
        if self.writer.pg:
            with connection.cursor() as cursor:
                cursor.execute(
                    """
                    UPDATE hub_plant AS p
                       SET current_level = a.final_level,
                           current_score = CASE
                               WHEN mod(a.total_score * 100, 10) = 5
                                AND mod(trunc(a.total_score * 10), 2) = 0
                               THEN trunc(a.total_score * 10) / 10
                               ELSE round(a.total_score, 1) END,
                           level_confirmed_on = a.assessed_on,
                           level_valid_until = a.valid_until
                      FROM (SELECT DISTINCT ON (plant_id)
                                   plant_id, final_level, total_score, assessed_on, valid_until
                              FROM assessments_assessment
                             WHERE status = %s
                             ORDER BY plant_id, assessed_on DESC, confirmed_at DESC, id DESC) AS a
                     WHERE p.id = a.plant_id AND p.id >= %s
                    """,
                    [AssessmentStatus.CONFIRMED.value, self.plant_ids[0] if self.plant_ids else 0],
                )
            return
        from decimal import Decimal

        latest = {}
        for a in (
            Assessment.objects.confirmed()
            .filter(plant_id__gte=self.plant_ids[0])
            .order_by("plant_id", "-assessed_on", "-confirmed_at", "-pk")
            .values("plant_id", "final_level", "total_score", "assessed_on", "valid_until")
        ):
            latest.setdefault(a["plant_id"], a)
        plants = []
        for plant_id, a in latest.items():
            plants.append(
                Plant(
                    pk=plant_id,
                    current_level=a["final_level"],
                    current_score=a["total_score"].quantize(Decimal("0.1")),
                    level_confirmed_on=a["assessed_on"],
                    level_valid_until=a["valid_until"],
                )
            )
        Plant.objects.bulk_update(
            plants,
            ["current_level", "current_score", "level_confirmed_on", "level_valid_until"],
            batch_size=1000,
        )

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
            f"{self.rating_count:,} (scoring {self.score_seconds:.1f} s, "
            f"{self.distinct_vectors:,} distinct rating vectors)"
        )
        out("  steps: " + ", ".join(f"{name} {sec:.1f} s" for name, sec in self.timings))
        firsts = Counter(
            first.year
            for first in Project.objects.filter(
                status=ProjectStatus.COMPLETED, plant_id__gte=self.plant_ids[0]
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
