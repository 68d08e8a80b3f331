"""manage.py seed_programs: demo support programs, partner commitments, projects and KPIs for
the demo plants (run by seed_demo after the registry data and the assessment histories).

Programs are created, and commitments raised, through the program services; every project is
applied for through `project_apply` (so shares are checked against the rule and the partner's
commitment, and a win-win project's mentorship is created) and walked along its pipeline with
`project_advance`; the KPIs of completed projects are written in one bulk insert (recording
thousands of them one by one through `kpi_record` would dominate the run), with the improvement
computed as `kpi_record` does. Idempotent: programs are keyed by year and Korean name, projects
by program and reference; an existing project is left as it is.
"""

import time
from collections import Counter

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from devdata import programs as demo
from devdata.demo_command import DemoCommand
from hub import roles
from hub.choices import OrganizationKind
from hub.models import Organization, Plant
from programs import services
from programs.choices import ProjectStatus
from programs.models import KPI, CostShareRule, PartnerCommitment, Program, Project


class Command(DemoCommand):
    help = "Create demo programs, projects and KPIs (seed_demo runs this after the registry)."

    def handle(self, *args, plants: int, force: bool, **options):
        self.refuse_in_production(force)
        started = time.monotonic()
        self.created = Counter()
        today = timezone.localdate()
        plan = demo.plan(plants, today)
        with transaction.atomic():
            self._actors()
            self.orgs = {
                o.name: o
                for o in Organization.objects.filter(
                    kind__in=(
                        OrganizationKind.AGENCY,
                        OrganizationKind.PARTNER,
                        OrganizationKind.SUPPLIER,
                    )
                )
            }
            missing = {p.agency for p in plan.programs} - set(self.orgs)
            if missing:
                raise CommandError(
                    f"Organisations missing ({', '.join(sorted(missing))}): run seed_demo first."
                )
            programs = self._programs(plan.programs)
            self._projects(plan.projects, programs)
        if options["verbosity"] >= 1:
            self._summary(time.monotonic() - started)

    def _actors(self) -> None:
        users = {
            u.username: u
            for u in get_user_model().objects.filter(username__in=[demo.AGENCY_USER, "admin"])
        }
        if len(users) < 2:
            raise CommandError("The demo logins are missing: run `manage.py seed_demo` first.")
        self.agency_user, self.admin = users[demo.AGENCY_USER], users["admin"]
        self.agency_org_id = roles.membership_of(self.agency_user).organization_id

    def _actor(self, program: Program):
        """The office's own staff for its programs; the administrator for the others."""
        return self.agency_user if program.agency_id == self.agency_org_id else self.admin

    def _programs(self, plans: list[demo.ProgramPlan]) -> dict[tuple[str, int], Program]:
        rules = {r.code: r for r in CostShareRule.objects.all()}
        existing = {(p.year, p.name_ko): p for p in Program.objects.all()}
        commitments = {
            (c.program_id, c.partner_id): c.committed for c in PartnerCommitment.objects.all()
        }
        result = {}
        for plan in plans:
            program = existing.get((plan.year, plan.name_ko))
            if program is None:
                program = services.program_create(
                    user=self.admin,
                    data={
                        "name_ko": plan.name_ko,
                        "name_en": plan.name_en,
                        "year": plan.year,
                        "kind": plan.kind,
                        "agency": self.orgs[plan.agency],
                        "budget": plan.budget,
                        "applications_open": plan.applications_open,
                        "applications_close": plan.applications_close,
                        "cost_share_rule": rules[plan.rule],
                    },
                )
                self.created["program"] += 1
            elif program.budget < plan.budget:  # seeded again with more plants
                services.program_update(
                    program=program, user=self.admin, data={"budget": plan.budget}
                )
            for partner_name, amount in plan.commitments:
                partner = self.orgs[partner_name]
                current = commitments.get((program.pk, partner.pk))
                if current is None or current < amount:
                    services.commitment_set(
                        program=program, partner=partner, committed=amount, user=self.admin
                    )
                    self.created["commitment" if current is None else "commitment raised"] += 1
            result[(plan.key, plan.year)] = program
        return result

    def _projects(self, plans: list[demo.ProjectPlan], programs) -> None:
        numbers = [key.split("/", 1)[0] for key in {p.plant_key for p in plans}]
        plants = {
            demo.plant_key(p.company.business_number, p.name): p
            for p in Plant.objects.filter(company__business_number__in=numbers).select_related(
                "company"
            )
        }
        taken = set(Project.objects.exclude(reference="").values_list("program_id", "reference"))
        kpis = []
        for plan in plans:
            program = programs[plan.program]
            plant = plants.get(plan.plant_key)
            if plant is None or (program.pk, plan.reference) in taken:
                continue
            user = self._actor(program)
            project = services.project_apply(
                user=user,
                data={
                    "program": program,
                    "plant": plant,
                    "title": plan.title,
                    "supplier": self.orgs[plan.supplier],
                    "partner": self.orgs[plan.partner] if plan.partner else None,
                    "target_level": plan.target_level,
                    "total_cost": plan.total_cost,
                    "government_share": plan.government_share,
                    "partner_share": plan.partner_share,
                    "sme_share": plan.sme_share,
                    "applied_on": plan.steps[ProjectStatus.APPLIED],
                    "reference": plan.reference,
                },
            )
            for status, day in plan.steps.items():
                if status == ProjectStatus.APPLIED:
                    continue
                project = services.project_advance(
                    project=project, to=status, user=user, on=day, reason=plan.drop_reason
                )
            self.created["project"] += 1
            for k in plan.kpis:
                kpi = KPI(
                    project=project,
                    indicator=k.indicator,
                    unit=k.unit,
                    baseline=k.baseline,
                    result=k.result,
                    baseline_from=k.baseline_from,
                    baseline_to=k.baseline_to,
                    result_from=k.result_from,
                    result_to=k.result_to,
                )
                kpi.improvement_pct = kpi.compute_improvement()
                kpis.append(kpi)
        KPI.objects.bulk_create(kpis, batch_size=500)
        self.created["kpi"] += len(kpis)

    def _summary(self, seconds: float) -> None:
        statuses = Counter(dict(Project.objects.values_list("status").annotate(n=Count("pk"))))
        funds = Project.objects.filter(status=ProjectStatus.COMPLETED).aggregate(
            government=Sum("government_share"), partner=Sum("partner_share"), sme=Sum("sme_share")
        )
        flagship = Project.objects.filter(partner__name=demo.FLAGSHIP_PARTNER).count()
        new = ", ".join(f"{n} {k}" for k, n in sorted(self.created.items())) or "nothing"
        self.stdout.write(
            f"Demo programs ready in {seconds:.1f} s (created: {new}).\n"
            f"  programs: {Program.objects.count()}; projects: {sum(statuses.values())} ("
            + ", ".join(f"{statuses.get(s, 0)} {s}" for s in ProjectStatus)
            + ")\n"
            f"  completed funds: government {services.krw(funds['government'] or 0)}, partner "
            f"{services.krw(funds['partner'] or 0)}, SME {services.krw(funds['sme'] or 0)}; "
            f"{demo.FLAGSHIP_PARTNER} co-funds {flagship} projects"
        )
