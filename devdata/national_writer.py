"""Writes a national plan (`devdata.national`) in bulk: PostgreSQL `COPY` with ids assigned
up front, `bulk_create` elsewhere, never through the per-row services (their invariants hold by
construction of the plan and are checked by tests/devdata/test_national.py)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from assessments import scoring
from assessments.services import level_timeline_rebuild
from devdata import national
from devdata.bulk import Writer
from devdata.national_levels import AssessmentWriting
from hub.choices import OrganizationKind, Role
from hub.models import Membership, Mentorship, Organization, Plant
from programs.choices import STATUS_DATE_FIELDS
from programs.models import KPI, CostShareRule, PartnerCommitment, Program, Project

AGENCY_USERNAME = "national-agency"
CONSULTANT_USERNAME = "national-consultant-{:02d}"


class NationalWriter(AssessmentWriting):
    """The steps of `seed_national` that write rows, in order; remembers the ids it wrote."""

    def __init__(self, *, lap):
        self.writer = Writer()
        self._lap = lap

    def write(self, plan: national.Plan, framework, spec: scoring.FrameworkSpec) -> None:
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
        level_timeline_rebuild()  # one INSERT ... SELECT for every plant
        self._lap("current levels and level timeline")

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
        step_columns = list(STATUS_DATE_FIELDS.values())

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
                    *(p.steps.get(status) for status in STATUS_DATE_FIELDS),
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
