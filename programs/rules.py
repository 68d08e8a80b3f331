"""Cost-share rules and KPI improvement: pure functions on plain numbers, no ORM.

A cost-share rule bounds each funder's share of a project's total cost (government at most
X %, partner at least Y %, SME at most Z %) and caps the government's amount by the
project's target system level. Amounts are whole won (Decimal), percentages Decimal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class ShareRule:
    government_max_pct: Decimal
    partner_min_pct: Decimal
    sme_max_pct: Decimal
    # Target system level -> the government's cap in won (absent: no cap).
    government_caps: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Breach:
    """One rule a set of shares breaks: which field, which rule, by how much (won)."""

    field: str
    code: str
    limit: Decimal  # the allowed amount in won
    actual: Decimal
    excess: Decimal  # how far past the limit, always positive


def pct_of(total: Decimal, pct: Decimal) -> Decimal:
    """pct % of total, exact (won may have fractions here; comparisons stay exact)."""
    return total * pct / HUNDRED


def check_shares(
    rule: ShareRule,
    *,
    target_level: str,
    total: Decimal,
    government: Decimal,
    partner: Decimal,
    sme: Decimal,
) -> list[Breach]:
    """Every way the shares break the rule (empty when they comply). Boundaries comply:
    government exactly at its maximum or cap, partner exactly at its minimum."""
    breaches = []
    for name, amount in (
        ("government_share", government),
        ("partner_share", partner),
        ("sme_share", sme),
    ):
        if amount < 0:
            breaches.append(Breach(name, "negative", Decimal(0), amount, -amount))
    if total <= 0:
        breaches.append(Breach("total_cost", "total_positive", Decimal(1), total, 1 - total))
        return breaches
    parts = government + partner + sme
    if parts != total:
        breaches.append(Breach("total_cost", "shares_sum", total, parts, abs(parts - total)))
    gov_max = pct_of(total, rule.government_max_pct)
    if government > gov_max:
        breaches.append(
            Breach(
                "government_share", "government_max_pct", gov_max, government, government - gov_max
            )
        )
    cap = rule.government_caps.get(target_level)
    if cap is not None and government > cap:
        breaches.append(
            Breach("government_share", "government_cap", cap, government, government - cap)
        )
    partner_min = pct_of(total, rule.partner_min_pct)
    if partner < partner_min:
        breaches.append(
            Breach("partner_share", "partner_min_pct", partner_min, partner, partner_min - partner)
        )
    sme_max = pct_of(total, rule.sme_max_pct)
    if sme > sme_max:
        breaches.append(Breach("sme_share", "sme_max_pct", sme_max, sme, sme - sme_max))
    return breaches


def improvement_pct(baseline: Decimal, result: Decimal, higher_is_better: bool) -> Decimal | None:
    """Improvement in percent of the baseline, positive when the indicator got better
    (a defect rate falling from 200 to 100 ppm is +50 %). None when the baseline is zero."""
    if baseline == 0:
        return None
    change = (result - baseline) / abs(baseline) * HUNDRED
    return change if higher_is_better else -change
