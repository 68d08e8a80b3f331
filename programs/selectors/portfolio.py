"""A partner firm's portfolio: its plants, their levels and projects, its commitments, and
their KPIs against the national averages."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
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

from assessments.models import Assessment
from hub.models import Mentorship, Organization, Plant
from programs.choices import (
    FUNDED_STATUSES,
    NATIONAL_AVERAGE_IMPROVEMENT,
    Indicator,
    ProjectStatus,
)
from programs.models import KPI, PartnerCommitment, Program, Project
from programs.selectors.ledger import ZERO


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
