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

from programs.selectors.ledger import (
    AGREED_STATUSES,
    SOURCES,
    ZERO,
    Funds,
    Ledger,
    LedgerLine,
    ledger,
    ledger_partner_scope,
    ledger_years,
    portfolio_partner_for,
)
from programs.selectors.portfolio import (
    RECENT_PROJECTS,
    CommitmentUse,
    KPIComparison,
    Portfolio,
    PortfolioPlant,
    kpi_comparison,
    partner_plants,
    partner_portfolio,
)

__all__ = [
    "AGREED_STATUSES",
    "CommitmentUse",
    "Funds",
    "KPIComparison",
    "Ledger",
    "LedgerLine",
    "Portfolio",
    "PortfolioPlant",
    "RECENT_PROJECTS",
    "SOURCES",
    "ZERO",
    "kpi_comparison",
    "ledger",
    "ledger_partner_scope",
    "ledger_years",
    "partner_plants",
    "partner_portfolio",
    "portfolio_partner_for",
]
