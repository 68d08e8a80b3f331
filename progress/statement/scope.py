"""What counts: the completed projects and plants in scope, and the days of the series."""

from __future__ import annotations

import datetime

from django.db.models import Min

from hub.models import Plant
from programs.choices import ProjectStatus
from programs.models import Project
from progress.figures import (
    Scope,
)
from progress.projection import same_day_years_before


def completed_projects(as_of: datetime.date, scope: Scope, plants=None):
    qs = Project.objects.filter(status=ProjectStatus.COMPLETED, completed_on__lte=as_of)
    if scope.program:
        qs = qs.filter(program_id=scope.program)
    if scope.partner:
        qs = qs.filter(partner_id=scope.partner)
    if scope.agency:
        qs = qs.filter(program__agency_id=scope.agency)
    if plants is not None:
        qs = qs.filter(plant__in=plants)
    return qs


def scoped_plants(scope: Scope, base=None):
    """The plants in scope, or None when every plant is (no semi-join needed)."""
    if base is None and not (scope.region or scope.industry or scope.size):
        return None
    qs = Plant.objects.all() if base is None else base
    if scope.region:
        qs = qs.filter(region=scope.region)
    if scope.industry:
        qs = qs.filter(industry=scope.industry)
    if scope.size:
        qs = qs.filter(company__size_class=scope.size)
    return qs


def summary_days(as_of: datetime.date, scope: Scope = Scope()) -> tuple[list, list]:
    """The year-ends of the series (from the first completion under the scope's program,
    partner and agency filters) and the 3 projection dates."""
    first = completed_projects(as_of, scope).aggregate(d=Min("completed_on"))["d"]
    years = [] if first is None else list(range(first.year, as_of.year + 1))
    year_days = [min(datetime.date(y, 12, 31), as_of) for y in years]
    proj_days = [same_day_years_before(as_of, n) for n in (3, 2, 1)]
    return year_days, proj_days
