"""`manage.py benchmark`: the national-scale measurements side by side in one run, in-process.

Everything runs inside one transaction that is rolled back at the end, so the database is
unchanged (the superuser, the confirmed assessments, the report row and the imported plants
all disappear). Every figure is the median of --runs runs (1 with --tiny). The imports: plants,
then a completed project per plant, then two KPIs per project (rows/s; --imports-only runs
only them, --rows sets the file length).

Then, on PostgreSQL and unless --no-load (or --tiny), the same pages under concurrent load:
gunicorn serving this database with DEBUG=false and wrk driving it on loopback with --clients
connections for --seconds seconds per URL (see _load.py): requests/s, p50, p95, p99, errors.
"""

import argparse
import csv
import datetime
import io
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
import uuid
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import django
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count, Q
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from assessments import services as assessment_services
from assessments.choices import AssessmentStatus
from assessments.importers import history_import
from assessments.models import Assessment, Item, ItemRating
from assessments.services import framework_current
from devdata import floor
from hub.api.pagination import encode_cursor
from hub.choices import OrganizationKind, PlantStatus, Role
from hub.importers import plants_import
from hub.models import AuditEntry, Membership, Mentorship, Organization, Plant
from hub.validators import business_number_check_digit
from programs.choices import ProgramKind, ProjectStatus, TargetLevel
from programs.importers import kpis_import, projects_import
from programs.models import KPI, Program, Project
from progress import figures, statement
from progress import selectors as progress
from progress import services as reports
from progress.choices import ReportScope, ReportStatus

from . import _load


class Command(BaseCommand):
    help = "Measure the national-scale figures in one run (in-process, rolled back)."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=None, help="runs per figure (default 5)")
        parser.add_argument(
            "--tiny", action="store_true", help="1 run, 300-row import, any database"
        )
        parser.add_argument(
            "--imports-only",
            action="store_true",
            help="only the plant, project and KPI imports (rows/s)",
        )
        parser.add_argument(
            "--rows", type=int, default=None, help="rows per import (30,000; 300 with --tiny)"
        )
        parser.add_argument(
            "--load-only", action="store_true", help="only the gunicorn + wrk load part"
        )
        parser.add_argument(
            "--no-imports", action="store_true", help="skip the plant, project and KPI imports"
        )
        parser.add_argument("--json", default=None, help="also write the results to this file")
        parser.add_argument(
            "--load",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="gunicorn + wrk load (default: on PostgreSQL without --tiny)",
        )
        parser.add_argument("--clients", type=int, default=16, help="wrk connections (16)")
        parser.add_argument("--seconds", type=int, default=20, help="wrk seconds per URL (20)")
        parser.add_argument(
            "--workers", type=int, default=None, help="gunicorn workers (one per core)"
        )

    def handle(self, *args, runs=None, tiny=False, json=None, load=None, **options):
        self.runs = runs or (1 if tiny else 5)
        if self.runs < 1:
            raise CommandError("--runs must be at least 1.")
        self.tiny = tiny
        self.imports_only = options["imports_only"]
        self.no_imports = options["no_imports"]
        self.rows = options["rows"] or (300 if tiny else 30_000)
        self.results = []
        self._machine()
        if options["load_only"]:
            self.as_of = timezone.localdate()
            self.plant_for_page = self._busiest_plant().pk
            self.load = []
            self._load(options["clients"], options["seconds"], options["workers"])
            if json:
                self._write_json(json)
            return
        with (
            override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]),
            transaction.atomic(),
        ):
            try:
                self._measure()
            finally:
                transaction.set_rollback(True)
        self._table()
        self.load = []
        if load is None:
            load = connection.vendor == "postgresql" and not tiny and not self.imports_only
        if load:
            self._vacuum()
            self._load(options["clients"], options["seconds"], options["workers"])
        else:
            self.stdout.write("under load: not run (SQLite, --tiny or --no-load)")
        if json:
            self._write_json(json)

    # --- set-up -----------------------------------------------------------------------------

    def _machine(self) -> None:
        vendor = connection.vendor
        with connection.cursor() as cur:
            if vendor == "postgresql":
                cur.execute("SHOW server_version")
            else:
                cur.execute("SELECT sqlite_version()")
            version = cur.fetchone()[0]
        self.machine = {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "django": django.get_version(),
            "database": f"{vendor} {version}",
            "platform": platform.platform(),
            "runs": self.runs,
            "tiny": self.tiny,
        }
        m = self.machine
        self.stdout.write(
            f"machine: {m['cores']} cores, Python {m['python']}, Django {m['django']}, "
            f"{m['database']} ({m['platform']})"
        )

    def _prepare(self) -> None:
        if not Plant.objects.exists():
            call_command("seed_demo", plants=20, force=True, stdout=io.StringIO())
        user_model = get_user_model()
        name = f"bench-{uuid.uuid4().hex[:8]}"
        self.user = user_model.objects.create(username=name, is_superuser=True, is_staff=True)
        self.user.set_unusable_password()
        self.user.save(update_fields=["password"])
        consultant = Membership.objects.filter(role=Role.CONSULTANT).select_related("user").first()
        if consultant is None:
            org = Organization.objects.filter(kind=OrganizationKind.CONSULTANCY).first()
            if org is None:
                org = Organization.objects.create(
                    kind=OrganizationKind.CONSULTANCY, name=f"{name} 컨설팅", name_en=name
                )
            user = user_model.objects.create(username=f"{name}-c")
            consultant = Membership.objects.create(
                user=user, organization=org, role=Role.CONSULTANT
            )
        self.consultant = consultant.user
        self.client = Client()
        self.client.force_login(self.user)
        day = datetime.date(2022, 12, 31)
        has_2022 = Project.objects.filter(
            status=ProjectStatus.COMPLETED, completed_on__lte=day
        ).exists()
        self.as_of = day if has_2022 else timezone.localdate()

    # --- measuring ----------------------------------------------------------------------------

    def _time(self, name, fn, *, runs=None, note="", setup=None) -> dict:
        times = []
        for _ in range(runs or self.runs):
            arg = setup() if setup else None
            started = time.perf_counter()
            fn(arg) if setup else fn()
            times.append((time.perf_counter() - started) * 1000)
        row = {
            "name": name,
            "runs": len(times),
            "median_ms": statistics.median(times),
            "min_ms": min(times),
            "max_ms": max(times),
            "ratio": None,
            "note": note,
        }
        self.results.append(row)
        return row

    def _get(self, url):
        def fetch():
            response = self.client.get(url, secure=True)
            if response.status_code != 200:
                raise CommandError(f"GET {url} answered {response.status_code}")
            return response

        return fetch

    def _measure(self) -> None:
        self._prepare()
        if self.imports_only:
            self._import()
            return
        self._progress()
        self._api()
        self._plant_page()
        dashboard = self._get(reverse("progress:dashboard"))
        with override_settings(PROGRESS_CACHE_SECONDS=0):
            self._time("dashboard", dashboard, note="figures computed")
        dashboard()  # fills the cache
        self._time("dashboard cached", dashboard, note="figures from the cache")
        self._pages()
        self._confirm()
        self._pdf()
        if not self.no_imports:
            self._import()  # last: its plants must not inflate the other figures

    def _progress(self) -> None:
        as_of = self.as_of
        national = self._time(
            "progress national",
            lambda: progress.progress_summary(as_of=as_of),
            note=f"as of {as_of}",
        )
        top = (
            Plant.objects.values("region").annotate(n=Count("id")).order_by("-n", "region").first()
        )
        region = top["region"] if top else ""
        self._time(
            "progress region",
            lambda: progress.progress_summary(as_of=as_of, scope=figures.Scope(region=region)),
            note=f"region {region}",
        )
        if connection.vendor == "postgresql":
            days = sum(statement.summary_days(as_of), [])
            by_hand = self._time(
                "progress floor",
                lambda: floor.floor_summary(as_of, days),
                note="hand-written SQL, same figures",
            )
            national["ratio"] = national["median_ms"] / by_hand["median_ms"]
            self._time(
                "progress floor headline",
                lambda: floor.floor_headline(as_of),
                note="hand-written SQL, headline only",
            )
        else:
            self.results.append(
                {
                    "name": "progress floor",
                    "runs": 0,
                    "median_ms": None,
                    "min_ms": None,
                    "max_ms": None,
                    "ratio": None,
                    "note": "n/a: PostgreSQL only",
                    "skipped": True,
                }
            )

    def _api(self) -> None:
        url = reverse("plant-list")
        first = self.client.get(url, {"page": 1}, secure=True)
        if first.status_code != 200:
            raise CommandError(f"GET {url} answered {first.status_code}")
        count = first.json()["count"]
        size = settings.REST_FRAMEWORK.get("PAGE_SIZE", 50)
        last = max(1, -(-count // size))
        deep = max(1, last // 2)
        self._time("api plants page 1", self._get(f"{url}?page=1"), note=f"{count} plants")
        self._time("api plants deep page", self._get(f"{url}?page={deep}"), note=f"page {deep}")
        self._kpi_pages(size)

    def _kpi_pages(self, size: int) -> None:
        """A deep page of the longest list (KPIs) by offset and by cursor, at the same row."""
        url = reverse("kpi-list")
        ids = KPI.objects.order_by("pk").values_list("pk", flat=True)
        count = ids.count()
        page = max(1, min(3000, count // size))
        row = (page - 1) * size
        after = ids[row - 1] if row else None
        cursor = encode_cursor(after) if after is not None else ""
        self._time(
            "api kpis deep page",
            self._get(f"{url}?page={page}"),
            note=f"{count} KPIs, page {page} by offset",
        )
        self._time(
            "api kpis deep cursor",
            self._get(f"{url}?cursor={cursor}"),
            note=f"row {row:,} by cursor",
        )

    def _pages(self) -> None:
        """Sizes of the big pages as served by default (KiB), timed once each."""
        partner = (
            Mentorship.objects.values("partner_id")
            .annotate(n=Count("id"))
            .order_by("-n", "partner_id")
            .first()
        )
        portfolio = reverse("programs:portfolio")
        if partner:
            portfolio += f"?partner={partner['partner_id']}"
        for name, url in [
            ("ledger page", reverse("programs:ledger")),
            ("plant list page", reverse("hub:plant_list")),
            ("project list page", reverse("programs:project_list")),
            ("program list page", reverse("programs:program_list")),
            ("portfolio page", portfolio),
            ("dashboard page", reverse("progress:dashboard")),
            ("home page", reverse("home")),
            ("audit page", reverse("audit-list")),
        ]:
            sizes = []

            def fetch(url=url, sizes=sizes):
                sizes.append(len(self._get(url)().content))

            row = self._time(name, fetch, runs=1)
            row["note"] = f"{sizes[0] / 1024:,.0f} KiB"

    def _busiest_plant(self):
        """The plant with most confirmed assessments (the plant page's longest history)."""
        return (
            Plant.objects.annotate(
                n=Count("assessments", filter=Q(assessments__status=AssessmentStatus.CONFIRMED))
            )
            .order_by("-n", "pk")
            .first()
        )

    def _plant_page(self) -> None:
        plant = self._busiest_plant()
        self.plant_for_page = plant.pk
        self._time(
            "plant page",
            self._get(reverse("hub:plant_detail", args=[plant.pk])),
            note=f"plant {plant.pk}, {plant.n} confirmed",
        )

    def _confirm(self) -> None:
        busy = Assessment.objects.exclude(status=AssessmentStatus.CONFIRMED).values("plant_id")
        free = Plant.objects.exclude(status=PlantStatus.CLOSED).exclude(pk__in=busy).order_by("pk")
        plants = iter(list(free[: self.runs]))

        def submitted():
            plant = next(plants, None)
            if plant is None:
                raise CommandError("No plant without an assessment in progress is left.")
            assessment = assessment_services.assessment_open(
                plant=plant, consultant=self.consultant, user=self.user
            )
            for rating in ItemRating.objects.filter(assessment=assessment).select_related("item"):
                assessment_services.assessment_rate_item(
                    assessment=assessment,
                    item=rating.item,
                    user=self.consultant,
                    data={"rating": 3},
                )
            return assessment_services.assessment_submit(
                assessment=assessment, user=self.consultant
            )

        self._time(
            "assessment confirm",
            lambda a: assessment_services.assessment_confirm(assessment=a, user=self.user),
            setup=submitted,
            note="open+rate+submit untimed",
        )

    def _pdf(self) -> None:
        with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):

            def build():
                report = reports.report_request(
                    user=self.user,
                    scope=ReportScope.NATIONAL,
                    language="ko",
                    as_of=self.as_of,
                )
                report = reports.report_build(report.pk)
                if report.status != ReportStatus.DONE:
                    raise CommandError(f"The report failed: {report.error}")

            self._time("national pdf", build, note="request + build, eager")

    def _import(self) -> None:
        existing = set(Organization.objects.values_list("business_number", flat=True))
        self._next_brn = 100_000_000

        def content():
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(["사업자등록번호", "회사명", "기업규모", "공장명", "지역", "업종"])
            made = 0
            while made < self.rows:
                first_nine = str(self._next_brn)
                self._next_brn += 1
                number = first_nine + str(business_number_check_digit(first_nine))
                if number in existing:
                    continue
                existing.add(number)
                writer.writerow(
                    [number, f"벤치 {number}", "소기업", f"벤치 공장 {number}", "41", "25"]
                )
                made += 1
            return buffer.getvalue().encode("utf-8")

        peak = {"kb": 0}

        def run(data):
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            report = plants_import(user=self.user, content=data, filename="bench.csv")
            after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            peak["kb"] = max(peak["kb"], after - before)
            if report.errors or report.plants.created != self.rows:
                raise CommandError(
                    f"The import did not create {self.rows} plants: {report.errors[:3]}"
                )

        row = self._time("plant import", run, setup=content)
        self._rate(row, peak)
        self._program_imports()

    def _rate(self, row, peak) -> None:
        scale = 1 if sys.platform != "darwin" else 1 / 1024  # macOS reports bytes
        row["rows"] = self.rows
        row["rows_per_s"] = self.rows / (row["median_ms"] / 1000)
        row["peak_rss_delta_mb"] = peak["kb"] * scale / 1024
        row["note"] = (
            f"{self.rows} rows, {row['rows_per_s']:,.0f} rows/s, "
            f"peak RSS +{row['peak_rss_delta_mb']:.0f} MB"
        )

    def _program_imports(self) -> None:
        """Projects (completed, with every step dated) for the plants just imported, then two
        KPIs per project; each run is rolled back to a savepoint so every run writes the same
        rows (the projects stay for the KPI runs)."""
        plants = list(
            Plant.objects.filter(name__startswith="벤치 공장 ")
            .select_related("company")
            .order_by("-pk")[: self.rows]
        )
        program = (
            Program.objects.exclude(kind=ProgramKind.WINWIN).select_related("cost_share_rule")
        ).first()
        supplier = Organization.objects.filter(kind=OrganizationKind.SUPPLIER).first()
        if program is None or supplier is None or len(plants) < self.rows:
            self.stdout.write("project and KPI import: not run (no program or supplier)")
            return
        rule = program.cost_share_rule.as_rule()
        level = TargetLevel.BASIC
        total = Decimal(100_000_000)
        government = min(
            (total * rule.government_max_pct / 100).to_integral_value(ROUND_FLOOR),
            rule.government_caps.get(level, total),
        )
        partner = (total * rule.partner_min_pct / 100).to_integral_value(ROUND_CEILING)
        sme = total - government - partner
        dates = ["2023-01-10", "2023-02-10", "2023-03-10", "2023-04-10", "2023-12-20"]
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            ["사업ID", "사업자등록번호", "공장명", "과제번호", "공급기업", "목표수준", "총사업비",
             "정부지원금", "대기업부담", "기업부담", "상태", "신청일", "선정일", "협약일",
             "구축시작일", "완료일"]
        )  # fmt: skip
        for i, plant in enumerate(plants):
            writer.writerow(
                [program.pk, plant.company.business_number, plant.name, f"BENCH-{i}",
                 supplier.name, "기초", total, government, partner, sme, "완료", *dates]
            )  # fmt: skip
        projects_file = buffer.getvalue().encode("utf-8")
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["사업ID", "과제번호", "지표", "도입전", "도입후"])
        for i in range(len(plants)):
            writer.writerow([program.pk, f"BENCH-{i}", "productivity", 100, 130])
            writer.writerow([program.pk, f"BENCH-{i}", "defect_rate", 200, 120])
        kpis_file = buffer.getvalue().encode("utf-8")

        def measured(name, importer, data, expected, *, keep=False):
            peak = {"kb": 0}

            def run():
                with transaction.atomic():
                    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                    report = importer(user=self.user, content=data, filename="bench.csv")
                    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                    peak["kb"] = max(peak["kb"], after - before)
                    if report.errors or report.counts.created != expected:
                        raise CommandError(f"{name} failed: {report.errors[:3]}")
                    transaction.set_rollback(True)

            row = self._time(name, run)
            rows, self.rows = self.rows, expected
            self._rate(row, peak)
            self.rows = rows
            if keep:
                importer(user=self.user, content=data, filename="bench.csv")

        measured("project import", projects_import, projects_file, len(plants), keep=True)
        measured("KPI import", kpis_import, kpis_file, 2 * len(plants))
        measured("history import", history_import, self._history_file(plants), len(plants))

    def _history_file(self, plants) -> bytes:
        """A back-filed history of one confirmed assessment per plant: every other row with
        the 40 item ratings (scored by the hub), the rest with the recorded outcome only."""
        framework = framework_current()
        codes = list(
            Item.objects.filter(category__area__framework=framework)
            .order_by("order")
            .values_list("code", flat=True)
        )
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            ["사업자등록번호", "공장명", "원본번호", "평가모델", "모델버전", "평가일",
             "원본확인일", "컨설턴트", "점수", "수준", *codes]
        )  # fmt: skip
        for i, plant in enumerate(plants):
            cells = [plant.company.business_number, plant.name, f"BENCH-H-{i}", framework.code,
                     framework.version, "2020-05-02", "2020-05-20", "김평가"]  # fmt: skip
            if i % 2:
                writer.writerow([*cells, "650", "2", *[""] * len(codes)])
            else:
                writer.writerow(
                    [*cells, "", "", *[str(1 + (i + j) % 4) for j in range(len(codes))]]
                )
        return buffer.getvalue().encode("utf-8")

    # --- output -------------------------------------------------------------------------------

    def _table(self) -> None:
        def ms(value):
            return "n/a" if value is None else f"{value:,.1f}"

        header = ["name", "runs", "median ms", "min ms", "max ms", "÷ floor", "note"]
        lines = [
            [
                r["name"],
                str(r["runs"]),
                ms(r["median_ms"]),
                ms(r["min_ms"]),
                ms(r["max_ms"]),
                "n/a" if r["ratio"] is None else f"{r['ratio']:.1f}×",
                r["note"],
            ]
            for r in self.results
        ]
        self.stdout.write("| " + " | ".join(header) + " |")
        self.stdout.write("|" + "|".join("---" for _ in header) + "|")
        for line in lines:
            self.stdout.write("| " + " | ".join(line) + " |")
        self.stdout.write("In-process (django.test.Client); database rolled back, unchanged.")

    def _vacuum(self) -> None:
        """The rolled-back imports left ~N × 30,000 dead plant and company rows behind; let
        the load part meet the tables as autovacuum would leave them."""
        tables = [m._meta.db_table for m in (Plant, Organization, AuditEntry)]
        with connection.cursor() as cur:
            cur.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")  # noqa: S608 - model tables  # nosec B608

    def _load(self, clients: int, seconds: int, workers: int | None) -> None:
        top = (
            Plant.objects.values("region").annotate(n=Count("id")).order_by("-n", "region").first()
        )
        region = top["region"] if top else ""
        count = Plant.objects.filter(region=region).count()
        size = settings.REST_FRAMEWORK.get("PAGE_SIZE", 50)
        deep = max(1, -(-count // size) // 2)
        plant = self.plant_for_page
        api = reverse("plant-list")
        # One sync worker per core: PostgreSQL and wrk share the cores (2 × cores + 1 workers
        # measured slower here, ~30 % fewer requests/s, from context switching).
        workers = workers or os.cpu_count() or 1
        with _load.load_user() as auth, _load.gunicorn(workers) as base:
            token = {"Authorization": f"Token {auth['token']}"}
            cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={auth['session']}"}
            urls = [
                ("api plants page 1", f"{api}?region={region}&page=1", token),
                ("api plants deep page", f"{api}?region={region}&page={deep}", token),
                ("plant page", reverse("hub:plant_detail", args=[plant]), cookie),
                ("dashboard", reverse("progress:dashboard"), cookie),
            ]
            for name, url, headers in urls:
                self.load.append(
                    _load.run_wrk(
                        name, base, url, headers, clients=clients, seconds=seconds, warmup=3
                    )
                )
        header = ["under load", "clients", "s", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms"]
        header.append("errors")
        self.stdout.write("")
        self.stdout.write(
            f"gunicorn {workers} sync workers, DEBUG=false; wrk on loopback, {clients} "
            f"connections, {seconds} s per URL after 3 s warm-up; plant list filtered by region "
            f"{region} ({count} plants, deep page {deep})"
        )
        self.stdout.write("| " + " | ".join(header) + " |")
        self.stdout.write("|" + "|".join("---" for _ in header) + "|")
        for r in self.load:
            cells = [r.name, str(r.clients), str(r.seconds), f"{r.requests:,}", f"{r.rps:,.1f}"]
            cells += [f"{r.p50_ms:,.1f}", f"{r.p95_ms:,.1f}", f"{r.p99_ms:,.1f}", str(r.errors)]
            self.stdout.write("| " + " | ".join(cells) + " |")

    def _write_json(self, path) -> None:
        data = {
            "machine": self.machine,
            "as_of": self.as_of.isoformat(),
            "results": self.results,
            "load": [r.as_dict() for r in self.load],
        }
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, ensure_ascii=False)
