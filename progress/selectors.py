"""National progress figures as of a date (DESIGN.md §1, §3).

Definitions, applied identically everywhere (dashboard, API, PDF):
- a **supported plant** has at least one project completed on or before the as-of date (in
  scope: a program/partner/agency filter limits which projects count, a region/industry/size
  filter which plants);
- its **cohort** is the year of its first such completed project;
- its **level as of** the date is the final level of its latest confirmed assessment that was
  assessed and confirmed on or before the date (by assessment date, then confirmation time),
  counted only while still valid on that date; a plant whose latest such assessment has
  expired is "expired", one with none "never assessed";
- the **Level 3+ share** is the share of supported plants whose level as of the date is ≥ 3;
- a **connected plant** is a supported plant connected to the data hub as of the date
  (`datahub.selectors.connected_plants`): on today, an active source that received data in
  the last 30 days (the plant list's rule, `connected_filter`); on a past date, an active
  source with data for a day among the 30 days ending that date (the day rollups).
Anything confirmed or completed after the as-of date is ignored, so the same date and filters
always give the same figures (the connected count on today moves with the data as it comes).
Every figure comes from aggregate queries (a fixed number per
call, whatever the number of plants).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.http import Http404

from datahub.services.followups import follow_up_compliance_by
from hub import roles
from hub.models import Organization, Plant
from progress import statement
from progress.figures import Scope, Summary, Target, digest, share
from progress.projection import projection
from progress.statement.scope import completed_projects, scoped_plants

# --- entry point -----------------------------------------------------------------------------


# The 2018 strategy's figures, and the connected plants' (progress migration 0002).
DEFAULT_TARGETS = {
    "supported_plants": Target("supported_plants", 30000, 2022),
    "level3_share": Target("level3_share", 25, 2022),
    "connected_plants": Target("connected_plants", 7500, 2028),
}


def current_targets() -> dict:
    """The national targets as stored (agency staff edit them); the 2018 strategy's figures
    when none are stored."""
    from progress.models import Target as TargetRow

    targets = dict(DEFAULT_TARGETS)
    for row in TargetRow.objects.all():
        targets[row.code] = Target(row.code, float(row.value), row.due_year)
    return targets


def progress_summary(
    *, as_of: datetime.date, scope: Scope = Scope(), targets: dict | None = None, base=None
) -> Summary:
    """Every figure of the progress dashboard and report, as of a date, in scope. `base`
    restricts the plants further (a partner's own plants). `targets` maps "supported_plants",
    "level3_share" and "connected_plants" to Target; by default the stored targets (a missing
    connected target is the default one)."""
    targets = {**DEFAULT_TARGETS, **targets} if targets else current_targets()
    year_days, projection_days = statement.summary_days(as_of, scope)
    found = statement.figures(
        as_of, scope, base, year_days=year_days, projection_days=projection_days
    )
    yearly = [
        {
            "year": row.day.year,
            "as_of": row.day.isoformat(),
            "supported": row.supported,
            "level3": row.level3,
            "share": share(row.level3, row.supported),
        }
        for row in found.yearly
    ]
    series = [(row.day, row.supported, row.level3) for row in found.projection_series]
    series.append((as_of, found.supported, found.level3))
    summary = Summary(
        as_of=as_of,
        scope=scope,
        supported=found.supported,
        level3=found.level3,
        level3_share=found.level3_share,
        connected=found.connected,
        follow_up=follow_up_figures(as_of, scope, base),
        distribution=found.distribution,
        yearly=yearly,
        cohorts=found.cohorts,
        breakdowns=found.breakdowns,
        kpis=found.kpis,
        projection=projection(
            as_of,
            series,
            supported_target=int(targets["supported_plants"].value),
            share_target=float(targets["level3_share"].value),
            due_year=targets["supported_plants"].due_year,
            share_due_year=targets["level3_share"].due_year,
            connected=(
                found.connected,
                int(targets["connected_plants"].value),
                targets["connected_plants"].due_year,
            ),
        ),
    )
    summary.digest = digest(summary.as_dict())
    return summary


def follow_up_figures(as_of: datetime.date, scope: Scope = Scope(), base=None) -> dict:
    """The share of completed projects in scope meeting their follow-up (사후관리) as of the
    date: among those with a report due before it, the ones that sent every report due (late
    ones count), overall and by breakdown ({"key", "met", "due", "share"} rows in key order).
    Computed by datahub.services.followups from the materialised follow-up periods."""
    projects = completed_projects(as_of, scope, scoped_plants(scope, base)).values("pk")
    found = follow_up_compliance_by(projects, as_of)
    return {
        "met": found["met"],
        "due": found["due"],
        "share": share(found["met"], found["due"]),
        "by": {
            group: [
                {"key": key, "met": met, "due": due, "share": share(met, due)}
                for key, (met, due) in sorted(cells.items(), key=lambda kv: str(kv[0]))
            ]
            for group, cells in found["by"].items()
        },
    }


# --- who sees what ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """What a user's progress figures are limited to: `base` plants (None: all) and, for a
    partner member, their own firm."""

    base: object = None
    own_firm: Organization | None = None

    @property
    def base_key(self) -> str:
        """Names `base` for the figures cache."""
        return "" if self.own_firm is None else f"partner:{self.own_firm.pk}"


def progress_access(user) -> Access:
    """Agency staff, officials, admins: everything; partner members: the plants they may see
    (those their firm mentors); anyone else: Http404."""
    if roles.sees_everything(user):
        return Access()
    firm = roles.partner_firm_of(user)
    if firm is None:
        raise Http404
    return Access(base=Plant.objects.visible_to(user), own_firm=firm)
