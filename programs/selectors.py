"""Reads across programs, projects, KPIs and assessments: the funds ledger and a partner
firm's portfolio. Every figure is an aggregate query (a fixed number of queries however many
projects there are); Python only merges the aggregated rows.

Statuses and money, as the ledger counts them:
- committed: what a partner firm pledged to a program (PartnerCommitment);
- allocated: the shares of live projects (applied … completed, not dropped) — for a partner
  firm, what its commitment already funds (as `services.partner_allocated`);
- agreed: projects whose agreement is signed (agreed, building, completed);
- completed: completed projects.
Dropped projects count in none of these (only in `dropped`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Avg,
    Count,
    DateField,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from assessments.models import Assessment
from hub import roles
from hub.choices import OrganizationKind
from hub.models import Mentorship, Organization, Plant
from programs.choices import (
    FUNDED_STATUSES,
    NATIONAL_AVERAGE_IMPROVEMENT,
    Indicator,
    ProjectStatus,
)
from programs.models import KPI, PartnerCommitment, Program, Project

ZERO = Decimal(0)
AGREED_STATUSES = (ProjectStatus.AGREED, ProjectStatus.BUILDING, ProjectStatus.COMPLETED)
SOURCES = ("government", "partner", "sme")


# --- who may read what -----------------------------------------------------------------------


def ledger_partner_scope(user) -> int | None:
    """None: the user reads every row (agency staff, officials, admins); an id: a partner
    member, who reads only their own firm's rows. Anyone else has no ledger: Http404."""
    if roles.sees_everything(user):
        return None
    firm = roles.partner_firm_of(user)
    if firm is None:
        raise Http404
    return firm.pk


def portfolio_partner_for(user, requested_id: int | None = None) -> Organization | None:
    """The partner firm whose portfolio the user may read: a partner member's own firm (any
    requested id is ignored); for agency staff, officials and admins the requested partner
    firm, or None when none was requested. Anyone else, or an unknown firm: Http404."""
    firm = roles.partner_firm_of(user)
    if firm is not None:
        return firm
    if not roles.sees_everything(user):
        raise Http404
    if requested_id is None:
        return None
    partner = Organization.objects.filter(pk=requested_id, kind=OrganizationKind.PARTNER).first()
    if partner is None:
        raise Http404
    return partner


# --- ledger ----------------------------------------------------------------------------------


@dataclass
class Funds:
    """Projects in one bucket and their money by source (won)."""

    count: int = 0
    government: Decimal = ZERO
    partner: Decimal = ZERO
    sme: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.government + self.partner + self.sme

    def add(self, other: Funds) -> None:
        self.count += other.count
        self.government += other.government
        self.partner += other.partner
        self.sme += other.sme


@dataclass
class LedgerLine:
    """Figures of one program × partner firm (partner None: projects without a partner
    firm), or a subtotal over several of them."""

    program: Program | None = None
    partner: Organization | None = None
    committed: Decimal = ZERO
    has_commitment: bool = False
    allocated: Funds = field(default_factory=Funds)
    agreed: Funds = field(default_factory=Funds)
    completed: Funds = field(default_factory=Funds)
    dropped: int = 0

    @property
    def remaining(self) -> Decimal | None:
        """What is left of the partner's commitment after its live projects."""
        return self.committed - self.allocated.partner if self.has_commitment else None

    def add(self, other: LedgerLine) -> None:
        self.committed += other.committed
        self.has_commitment = self.has_commitment or other.has_commitment
        self.allocated.add(other.allocated)
        self.agreed.add(other.agreed)
        self.completed.add(other.completed)
        self.dropped += other.dropped


@dataclass
class Ledger:
    lines: list[LedgerLine]  # program × partner, newest program first
    by_program: list[LedgerLine]
    by_partner: list[LedgerLine]  # partner None last: projects without a partner firm
    total: LedgerLine


def _bucket_sums(prefix: str, statuses) -> dict:
    condition = Q(status__in=statuses)
    sums = {
        f"{prefix}_{source}": Sum(f"{source}_share", filter=condition, default=ZERO)
        for source in SOURCES
    }
    sums[f"{prefix}_count"] = Count("pk", filter=condition)
    return sums


def _funds(row: dict, prefix: str) -> Funds:
    return Funds(
        count=row[f"{prefix}_count"],
        **{source: Decimal(row[f"{prefix}_{source}"] or 0) for source in SOURCES},
    )


def ledger(
    *,
    user,
    program: Program | int | None = None,
    partner: Organization | int | None = None,
    year: int | None = None,
) -> Ledger:
    """Funds by source per program and partner firm: committed, allocated, agreed and
    completed. A partner member gets their own firm's rows only, whatever `partner` says.
    Four queries in all."""
    scope = ledger_partner_scope(user)
    program_id = getattr(program, "pk", program)
    partner_id = getattr(partner, "pk", partner)
    if scope is not None:
        if partner_id is not None and partner_id != scope:
            return Ledger([], [], [], LedgerLine())
        partner_id = scope

    projects = Project.objects.visible_to(user)
    commitments = PartnerCommitment.objects.visible_to(user)
    if year is not None:
        projects = projects.filter(program__year=year)
        commitments = commitments.filter(program__year=year)
    if program_id is not None:
        projects = projects.filter(program_id=program_id)
        commitments = commitments.filter(program_id=program_id)
    if partner_id is not None:
        projects = projects.filter(partner_id=partner_id)
        commitments = commitments.filter(partner_id=partner_id)

    lines: dict[tuple[int, int | None], LedgerLine] = {}
    for program_pk, partner_pk, committed in commitments.values_list(
        "program_id", "partner_id", "committed"
    ):
        lines[(program_pk, partner_pk)] = LedgerLine(committed=committed, has_commitment=True)
    aggregated = (
        projects.order_by()
        .values("program_id", "partner_id")
        .annotate(
            **_bucket_sums("allocated", FUNDED_STATUSES),
            **_bucket_sums("agreed", AGREED_STATUSES),
            **_bucket_sums("completed", (ProjectStatus.COMPLETED,)),
            dropped=Count("pk", filter=Q(status=ProjectStatus.DROPPED)),
        )
    )
    for row in aggregated:
        line = lines.setdefault((row["program_id"], row["partner_id"]), LedgerLine())
        line.allocated = _funds(row, "allocated")
        line.agreed = _funds(row, "agreed")
        line.completed = _funds(row, "completed")
        line.dropped = row["dropped"]

    programs = Program.objects.select_related("agency").in_bulk({k[0] for k in lines})
    partners = Organization.objects.in_bulk({k[1] for k in lines if k[1] is not None})
    for (program_pk, partner_pk), line in lines.items():
        line.program = programs[program_pk]
        line.partner = partners.get(partner_pk)

    def line_order(line: LedgerLine):
        return (-line.program.year, line.program.name_ko, line.partner is None, _name(line))

    ordered = sorted(lines.values(), key=line_order)
    by_program: dict[int, LedgerLine] = {}
    by_partner: dict[int | None, LedgerLine] = {}
    total = LedgerLine()
    for line in ordered:
        by_program.setdefault(line.program.pk, LedgerLine(program=line.program)).add(line)
        partner_key = line.partner.pk if line.partner else None
        by_partner.setdefault(partner_key, LedgerLine(partner=line.partner)).add(line)
        total.add(line)
    return Ledger(
        lines=ordered,
        by_program=list(by_program.values()),
        by_partner=sorted(by_partner.values(), key=lambda x: (x.partner is None, _name(x))),
        total=total,
    )


def _name(line: LedgerLine) -> str:
    return line.partner.name if line.partner else ""


def ledger_years(user) -> list[int]:
    """Program years the user may filter the ledger by, newest first."""
    return list(
        Program.objects.visible_to(user).order_by("-year").values_list("year", flat=True).distinct()
    )


# --- partner portfolio -----------------------------------------------------------------------


@dataclass
class PortfolioPlant:
    plant: Plant
    support_since: datetime.date | None  # first co-funded project applied (else mentored)
    baseline_level: int | None  # latest confirmed level on or before support_since
    projects: int

    @property
    def current_level(self) -> int | None:
        return self.plant.current_level

    @property
    def level_change(self) -> int | None:
        if self.baseline_level is None or self.current_level is None:
            return None
        return self.current_level - self.baseline_level


@dataclass
class CommitmentUse:
    program: Program
    committed: Decimal
    allocated: Decimal  # partner share of live projects
    completed: Decimal  # partner share of completed projects
    projects: int

    @property
    def remaining(self) -> Decimal:
        return self.committed - self.allocated

    @property
    def used_pct(self) -> float | None:
        return float(self.allocated / self.committed * 100) if self.committed else None


@dataclass
class KPIComparison:
    indicator: Indicator
    partner_avg: float | None
    partner_n: int
    hub_avg: float | None
    hub_n: int
    national: float | None


@dataclass
class Portfolio:
    partner: Organization
    plants: list[PortfolioPlant]
    status_counts: dict[str, int]  # every ProjectStatus, zero when none
    status_costs: dict[str, Decimal]
    recent_projects: list[Project]
    commitments: list[CommitmentUse]
    kpis: list[KPIComparison]

    @property
    def project_count(self) -> int:
        return sum(self.status_counts.values())

    @property
    def committed_total(self) -> Decimal:
        return sum((c.committed for c in self.commitments), ZERO)

    @property
    def allocated_total(self) -> Decimal:
        return sum((c.allocated for c in self.commitments), ZERO)

    @property
    def completed_total(self) -> Decimal:
        return sum((c.completed for c in self.commitments), ZERO)

    @property
    def level_summary(self) -> dict[str, int]:
        """How many plants rose, stayed, fell since support, or have no baseline."""
        summary = {"up": 0, "same": 0, "down": 0, "no_baseline": 0}
        for p in self.plants:
            change = p.level_change
            if change is None:
                summary["no_baseline"] += 1
            elif change > 0:
                summary["up"] += 1
            elif change < 0:
                summary["down"] += 1
            else:
                summary["same"] += 1
        return summary

    @property
    def average_level_change(self) -> float | None:
        changes = [p.level_change for p in self.plants if p.level_change is not None]
        return sum(changes) / len(changes) if changes else None


RECENT_PROJECTS = 25


def partner_plants(partner: Organization | int) -> list[PortfolioPlant]:
    """The plants the firm mentors, each with the day its support began (the firm's first
    live co-funded project, else the first mentorship start) and the confirmed level the
    plant had then. One query."""
    partner_id = getattr(partner, "pk", partner)
    own_projects = Project.objects.filter(plant_id=OuterRef("pk"), partner_id=partner_id).exclude(
        status=ProjectStatus.DROPPED
    )
    first_project = own_projects.order_by("applied_on").values("applied_on")[:1]
    project_count = (
        own_projects.order_by().values("plant_id").annotate(n=Count("pk")).values("n")[:1]
    )
    first_mentored = (
        Mentorship.objects.filter(plant_id=OuterRef("pk"), partner_id=partner_id)
        .order_by("start_date")
        .values("start_date")[:1]
    )
    baseline = (
        Assessment.objects.filter(
            plant_id=OuterRef("pk"), assessed_on__lte=OuterRef("support_since")
        )
        .latest_confirmed_first()
        .values("final_level")[:1]
    )
    plants = (
        Plant.objects.filter(
            pk__in=Mentorship.objects.filter(partner_id=partner_id).values("plant_id")
        )
        .select_related("company")
        .annotate(
            support_since=Coalesce(
                Subquery(first_project, output_field=DateField()),
                Subquery(first_mentored, output_field=DateField()),
            ),
        )
        .annotate(
            baseline_level=Subquery(baseline, output_field=IntegerField()),
            own_projects=Coalesce(Subquery(project_count, output_field=IntegerField()), Value(0)),
        )
        .order_by("name", "pk")
    )
    return [
        PortfolioPlant(
            plant=p,
            support_since=p.support_since,
            baseline_level=p.baseline_level,
            projects=p.own_projects,
        )
        for p in plants
    ]


def kpi_comparison(partner: Organization | int | None = None) -> list[KPIComparison]:
    """Average improvement per indicator over the firm's completed projects, next to the
    hub-wide average over every completed project and the national average. Two queries."""

    def averages(qs) -> dict[str, tuple[float | None, int]]:
        rows = (
            qs.filter(project__status=ProjectStatus.COMPLETED, improvement_pct__isnull=False)
            .order_by()
            .values("indicator")
            .annotate(avg=Avg("improvement_pct"), n=Count("pk"))
        )
        return {r["indicator"]: (float(r["avg"]), r["n"]) for r in rows}

    hub = averages(KPI.objects.all())
    own = averages(KPI.objects.filter(project__partner=partner)) if partner is not None else {}
    result = []
    for indicator in Indicator:
        national = NATIONAL_AVERAGE_IMPROVEMENT.get(indicator)
        own_avg, own_n = own.get(indicator, (None, 0))
        hub_avg, hub_n = hub.get(indicator, (None, 0))
        if national is None and not own_n and not hub_n:
            continue
        result.append(KPIComparison(indicator, own_avg, own_n, hub_avg, hub_n, national))
    return result


def partner_portfolio(partner: Organization) -> Portfolio:
    """Everything the firm's portfolio page shows, and nothing of another firm: its mentored
    plants with their level change since support, its co-funded projects by status, its
    commitments against what its projects use, and its plants' KPI improvements against the
    hub and the national averages. Seven queries."""
    projects = Project.objects.filter(partner=partner)
    status_counts = {s.value: 0 for s in ProjectStatus}
    status_costs = {s.value: ZERO for s in ProjectStatus}
    for row in projects.order_by().values("status").annotate(n=Count("pk"), cost=Sum("total_cost")):
        status_counts[row["status"]] = row["n"]
        status_costs[row["status"]] = row["cost"] or ZERO
    recent = list(
        projects.select_related("program", "plant").order_by("-applied_on", "-pk")[:RECENT_PROJECTS]
    )
    used = {
        row["program_id"]: row
        for row in projects.order_by()
        .values("program_id")
        .annotate(
            allocated=Sum("partner_share", filter=Q(status__in=FUNDED_STATUSES), default=ZERO),
            completed=Sum("partner_share", filter=Q(status=ProjectStatus.COMPLETED), default=ZERO),
            n=Count("pk"),
        )
    }
    commitments = [
        CommitmentUse(
            program=c.program,
            committed=c.committed,
            allocated=used.get(c.program_id, {}).get("allocated", ZERO),
            completed=used.get(c.program_id, {}).get("completed", ZERO),
            projects=used.get(c.program_id, {}).get("n", 0),
        )
        for c in PartnerCommitment.objects.filter(partner=partner)
        .select_related("program")
        .order_by("-program__year", "program__name_ko")
    ]
    return Portfolio(
        partner=partner,
        plants=partner_plants(partner),
        status_counts=status_counts,
        status_costs=status_costs,
        recent_projects=recent,
        commitments=commitments,
        kpis=kpi_comparison(partner),
    )
