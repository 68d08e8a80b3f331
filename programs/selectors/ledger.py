"""The ledger: funds by program and partner, what is committed, agreed and spent."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Count,
    Q,
    Sum,
)
from django.http import Http404

from hub import roles
from hub.choices import OrganizationKind
from hub.models import Organization
from programs.choices import (
    FUNDED_STATUSES,
    ProjectStatus,
)
from programs.models import PartnerCommitment, Program, Project

ZERO = Decimal(0)
AGREED_STATUSES = (ProjectStatus.AGREED, ProjectStatus.BUILDING, ProjectStatus.COMPLETED)
SOURCES = ("government", "partner", "sme")


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
