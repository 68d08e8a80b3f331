"""National progress figures as of a date (DESIGN.md §1, §3; issue 5).

Definitions, applied identically everywhere (dashboard, API, PDF):
- a **supported plant** has at least one project completed on or before the as-of date (in
  scope: a program/partner/agency filter limits which projects count, a region/industry/size
  filter which plants);
- its **cohort** is the year of its first such completed project;
- its **level as of** the date is the final level of its latest confirmed assessment that was
  assessed and confirmed on or before the date (by assessment date, then confirmation time),
  counted only while still valid on that date; a plant whose latest such assessment has
  expired is "expired", one with none "never assessed";
- the **Level 3+ share** is the share of supported plants whose level as of the date is ≥ 3.
Anything confirmed or completed after the as-of date is ignored, so the same date and filters
always give the same figures. Every figure comes from aggregate queries (a fixed number per
call, whatever the number of plants).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Context, Decimal

from django.db import connections, transaction
from django.db.models import (
    DateField,
    F,
    Min,
    Window,
)
from django.db.models.expressions import RowRange
from django.db.models.functions import ExtractYear, Greatest, TruncDate
from django.utils import timezone

from assessments.choices import AssessmentStatus
from assessments.models import Assessment
from hub.models import Plant
from programs.choices import NATIONAL_AVERAGE_IMPROVEMENT, Indicator, ProjectStatus
from programs.models import KPI, Project

LEVELS = range(6)


@dataclass(frozen=True)
class Scope:
    """Which plants and projects count. Empty fields mean no restriction."""

    region: str = ""
    industry: str = ""
    size: str = ""
    program: int | None = None
    partner: int | None = None
    agency: int | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in ("", None)}


def end_of(day: datetime.date) -> datetime.datetime:
    """The last instant of the as-of day in the hub's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))


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


def share(part: int, whole: int) -> float | None:
    return None if not whole else round(100 * part / whole, 2)


# --- the summary -----------------------------------------------------------------------------


@dataclass
class Target:
    code: str
    value: float
    due_year: int


@dataclass
class Summary:
    as_of: datetime.date
    scope: Scope
    supported: int
    level3: int
    level3_share: float | None
    distribution: dict
    yearly: list
    cohorts: list
    breakdowns: dict
    kpis: dict
    projection: dict
    digest: str = ""
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "scope": self.scope.as_dict(),
            "supported": self.supported,
            "level3": self.level3,
            "level3_share": self.level3_share,
            "distribution": self.distribution,
            "yearly": self.yearly,
            "cohorts": self.cohorts,
            "breakdowns": self.breakdowns,
            "kpis": self.kpis,
            "projection": self.projection,
        }


def _f(value) -> float | None:
    return None if value is None else round(float(value), 2)


# --- projection ------------------------------------------------------------------------------


def least_squares_slope(points: list[tuple[float, float]]) -> float | None:
    """Slope of the least-squares line through (x, y) points; None for fewer than 2 x's."""
    n = len(points)
    if n < 2:
        return None
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in points) / sxx


def projection(
    as_of: datetime.date,
    series: list[tuple[datetime.date, int, int]],
    supported_target: int,
    share_target: float,
    due_year: int,
    share_due_year: int,
) -> dict:
    """Run-rate projection (documented method): fit a least-squares line to the cumulative
    supported plants and to the Level 3+ count at the as-of date and the same day 1, 2 and 3
    years earlier (4 points over 3 years). Then:
    - supported target: reached already, else the date the line reaches it; and the plants per
      month needed from the as-of date to reach it by 31 Dec of the due year;
    - Level 3+ share target: with both lines, the date L3(t) / S(t) reaches the share, and the
      Level 3+ lifts needed by the due date for the supported count projected then.
    `series` holds (date, supported, level3) for those 4 dates (oldest first)."""
    t0 = as_of
    pts_s = [((d - t0).days, s) for d, s, _ in series]
    pts_l = [((d - t0).days, l3) for d, _, l3 in series]
    s_rate = least_squares_slope(pts_s)  # plants per day
    l_rate = least_squares_slope(pts_l)
    supported_now = series[-1][1]
    level3_now = series[-1][2]
    per_month = 365.25 / 12

    def date_after(days: float) -> str | None:
        if days is None or not math.isfinite(days) or days > 365.25 * 200:
            return None
        return (t0 + datetime.timedelta(days=math.ceil(days))).isoformat()

    due = datetime.date(due_year, 12, 31)
    months_left = max((due - t0).days / per_month, 0)
    out_s = {
        "target": supported_target,
        "current": supported_now,
        "rate_per_month": None if s_rate is None else round(s_rate * per_month, 1),
        "reached": supported_now >= supported_target,
        "reached_on": None,
        "needed_per_month": None,
        "due": due.isoformat(),
    }
    if not out_s["reached"] and s_rate and s_rate > 0:
        out_s["reached_on"] = date_after((supported_target - supported_now) / s_rate)
    if not out_s["reached"] and months_left > 0:
        out_s["needed_per_month"] = round((supported_target - supported_now) / months_left, 1)

    p = share_target / 100
    share_due = datetime.date(share_due_year, 12, 31)
    now_share = share(level3_now, supported_now)
    out_l = {
        "target": share_target,
        "current": now_share,
        "rate_per_month": None if l_rate is None else round(l_rate * per_month, 1),
        "reached": now_share is not None and now_share >= share_target,
        "reached_on": None,
        "lifts_needed": None,
        "due": share_due.isoformat(),
    }
    if not out_l["reached"] and l_rate is not None and s_rate is not None:
        gain = l_rate - p * s_rate  # how fast L3 - p*S closes per day
        gap = p * supported_now - level3_now
        if gain > 0:
            out_l["reached_on"] = date_after(gap / gain)
    if not out_l["reached"]:
        days_left = max((share_due - t0).days, 0)
        projected_supported = supported_now + (s_rate or 0) * days_left
        out_l["lifts_needed"] = max(math.ceil(p * projected_supported - level3_now), 0)
    return {
        "supported": out_s,
        "level3_share": out_l,
        "method": "least squares over the as-of date and the same day 1-3 years earlier",
    }


def same_day_years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


# --- the set-based engine (issue 6) ----------------------------------------------------------
#
# The figures above are defined per plant ("level as of D" = latest qualifying assessment).
# Evaluating that as two correlated subqueries inside every aggregate, once per as-of date,
# cost ~10 s at 35,000 plants. The engine below computes the same definitions with a handful
# of set-based queries, portable to SQLite and PostgreSQL (window functions, no vendor SQL):
#
# - every confirmed assessment A becomes usable on avail(A) = max(assessed_on, local date of
#   confirmed_at): `assessed_on <= D and confirmed_at <= end_of(D)` ⟺ `avail(A) <= D`;
# - A is the plant's latest usable assessment on D iff avail(A) <= D and every assessment
#   ranked above it (assessed_on, confirmed_at, pk descending) becomes usable only after D,
#   i.e. D < next(A) = min(avail) over the higher-ranked ones (one window function). So each
#   assessment is "current" on the half-open interval [avail, next), and for any D the join
#   `avail <= D < next` picks exactly the assessment the per-plant definition picks;
# - supported on D ⟺ the plant's first completed project (in scope, up to the as-of date) is
#   on or before D.
# The pieces are compiled from ORM querysets (so scope filters, `base` and date/time-zone
# handling stay Django's) and joined in a few parameterised statements.


def _compiled(qs) -> tuple[str, list]:
    sql, params = qs.query.get_compiler(using=qs.db).as_sql()
    return sql, list(params)


def _day(value: datetime.date, using: str = "default"):
    return connections[using].ops.adapt_datefield_value(value)


def _supported_rows(as_of: datetime.date, scope: Scope, base=None):
    """One row per supported plant in scope: pid, reg, ind, siz, first, cohort."""
    first = Min("completed_on")
    return (
        completed_projects(as_of, scope, scoped_plants(scope, base))
        .order_by()
        .values(
            pid=F("plant_id"),
            reg=F("plant__region"),
            ind=F("plant__industry"),
            siz=F("plant__company__size_class"),
        )
        .annotate(first=first, cohort=ExtractYear(first))
    )


def _assessment_intervals(as_of: datetime.date, scope: Scope, base=None):
    """Each confirmed assessment of a supported plant with the half-open interval of days on
    which it is the plant's latest usable one: pid, lvl, vu (valid_until), av, nx (None: no
    end)."""
    avail = Greatest("assessed_on", TruncDate("confirmed_at"), output_field=DateField())
    qs = Assessment.objects.filter(
        status=AssessmentStatus.CONFIRMED,
        assessed_on__isnull=False,
        confirmed_at__isnull=False,
        assessed_on__lte=as_of,
    )
    if scope.as_dict() or base is not None:
        # Only worth a semi-join when the scope narrows the plants (the result is joined to
        # the supported plants in scope anyway).
        plants = completed_projects(as_of, scope, scoped_plants(scope, base))
        qs = qs.filter(plant__in=plants.values("plant_id"))
    return qs.order_by().values(
        pid=F("plant_id"),
        lvl=F("final_level"),
        vu=F("valid_until"),
        av=avail,
        nx=Window(
            Min(avail),
            partition_by=[F("plant_id")],
            order_by=[F("assessed_on").desc(), F("confirmed_at").desc(), F("pk").desc()],
            frame=RowRange(start=None, end=-1),
        ),
    )


_CURRENT = "iv.pid = {p} AND iv.av <= {d} AND (iv.nx IS NULL OR iv.nx > {d})"

# One statement answers everything: its branches share the derived tables (on PostgreSQL a
# CTE referenced more than once is computed once), and each output row is tagged with the
# figure it feeds. Columns: tag, three text keys, three integer keys, two counts, an average.
_NULL = {
    "t": "CAST(NULL AS TEXT)",
    "i": "CAST(NULL AS INTEGER)",
    "n": "CAST(NULL AS BIGINT)",
    "x": "CAST(NULL AS NUMERIC)",
}
_FOLD, _SERIES, _GROUPS, _KPI = range(4)


def _row(tag: int, t=(), i=(), n=(), x=None) -> str:
    """One SELECT list of the tagged shape; missing columns are typed NULLs."""
    cols = [str(tag)]
    cols += [f"CAST({e} AS TEXT)" for e in t] + [_NULL["t"]] * (3 - len(t))
    cols += [f"CAST({e} AS INTEGER)" for e in i] + [_NULL["i"]] * (3 - len(i))
    cols += [f"CAST({e} AS BIGINT)" for e in n] + [_NULL["n"]] * (2 - len(n))
    cols.append(x or _NULL["x"])
    return ", ".join(cols)


def _figures(as_of: datetime.date, days: list[datetime.date], scope: Scope, base=None) -> list:
    """Every figure as of the date (plus supported / Level 3+ on each of `days`) in one
    statement; returns its tagged rows."""
    plants = scoped_plants(scope, base)
    cp_sql, cp_params = _compiled(
        completed_projects(as_of, scope, plants)
        .order_by()
        .values(
            "id",
            pid=F("plant_id"),
            prg=F("program_id"),
            prt=F("partner_id"),
            agc=F("program__agency_id"),
        )
    )
    sp_sql, sp_params = _compiled(_supported_rows(as_of, scope, base))
    iv_sql, iv_params = _compiled(_assessment_intervals(as_of, scope, base))
    kp_sql, kp_params = _compiled(
        KPI.objects.filter(improvement_pct__isnull=False)
        .order_by()
        .values(prj=F("project_id"), ind=F("indicator"), v=F("improvement_pct"))
    )
    d = _day(as_of)
    days = days or [as_of]
    dates = " UNION ALL ".join(["SELECT CAST(%s AS INTEGER) AS i, %s AS day"] * len(days))
    date_params = [x for i, day in enumerate(days) for x in (i, _day(day))]
    fold_keys = "sp.reg, sp.ind, sp.siz, sp.cohort, iv.lvl"
    valid = "CASE WHEN iv.vu >= %s THEN 1 WHEN iv.vu < %s THEN 0 END"
    l3_plants = "COUNT(DISTINCT CASE WHEN l3 = 1 THEN pid END)"
    groups = " UNION ALL ".join(
        f"SELECT {_row(_GROUPS, i=(str(n), col), n=('COUNT(DISTINCT pid)', l3_plants))} "  # noqa: S608 - fixed column names, values as parameters  # nosec B608
        f"FROM pc WHERE {col} IS NOT NULL GROUP BY {col}"
        for n, col in enumerate(("prg", "prt", "agc"))
    )
    kpi_keys = ("pc.cohort", "pc.lvl", "pc.v")
    # Fragments are compiled ORM SQL or constants; every value is a parameter.
    sql = (
        f"WITH cp AS ({cp_sql}), sp AS ({sp_sql}), iv AS ({iv_sql}), "  # noqa: S608 - fixed SQL fragments, values as parameters  # nosec B608
        # each supported plant with its level as of the date
        f"st AS (SELECT {fold_keys}, {valid} AS v, sp.pid, "
        "CASE WHEN iv.lvl >= 3 AND iv.vu >= %s THEN 1 ELSE 0 END AS l3 "
        f"FROM sp LEFT JOIN iv ON {_CURRENT.format(p='sp.pid', d='%s')}), "
        # each completed project with its plant's state
        "pc AS (SELECT cp.id, cp.prg, cp.prt, cp.agc, st.pid, st.l3, st.cohort, st.lvl, st.v "
        "FROM cp JOIN st ON st.pid = cp.pid), "
        f"kp AS ({kp_sql}), d AS ({dates}), "
        # supported plants by day of first completion; Level 3+ spans from the later of
        # "usable" and "supported" until superseded or expired
        "h AS (SELECT first, COUNT(*) AS n FROM sp GROUP BY first), "
        "l AS MATERIALIZED (SELECT CASE WHEN iv.av > sp.first THEN iv.av ELSE sp.first END AS s, "
        "iv.nx, iv.vu FROM iv JOIN sp ON sp.pid = iv.pid WHERE iv.lvl >= 3) "
        # headline, distribution, cohorts, region / industry / size
        f"SELECT {_row(_FOLD, t=('reg', 'ind', 'siz'), i=('cohort', 'lvl', 'v'), n=('COUNT(*)',))} "
        "FROM st GROUP BY reg, ind, siz, cohort, lvl, v "
        # supported plants on each day of the series, then those at Level 3+ then
        f"UNION ALL SELECT {_row(_SERIES, i=('d.i', '0'), n=('SUM(h.n)',))} "
        "FROM d JOIN h ON h.first <= d.day GROUP BY d.i "
        f"UNION ALL SELECT {_row(_SERIES, i=('d.i', '1'), n=('COUNT(*)',))} "
        "FROM d JOIN l ON l.s <= d.day AND (l.nx IS NULL OR l.nx > d.day) AND l.vu >= d.day "
        "GROUP BY d.i "
        # program / partner / agency (a plant counts once per group)
        f"UNION ALL {groups} "
        # KPI sums and counts by indicator, cohort and level (averaged in Python)
        f"UNION ALL SELECT {_row(_KPI, t=('kp.ind',), i=kpi_keys, n=('COUNT(kp.v)',), x='SUM(kp.v)')} "  # noqa: E501
        "FROM kp JOIN pc ON pc.id = kp.prj GROUP BY kp.ind, pc.cohort, pc.lvl, pc.v"
    )
    params = [*cp_params, *sp_params, *iv_params, d, d, d, d, d, *kp_params, *date_params]
    with _analytics_cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


@contextmanager
def _analytics_cursor():
    """A cursor in a transaction whose joins and groupings may hash ~200,000 rows in memory
    (PostgreSQL's default 4 MB work_mem spills them to disk); local to the transaction."""
    connection = connections["default"]
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET LOCAL work_mem = '64MB'")
        yield cur


def _fold_plants(rows) -> dict:
    """Headline, distribution, cohorts and the region/industry/size breakdowns from the
    grouped rows (a few hundred, folded here)."""
    dist = {f"level_{lvl}": 0 for lvl in LEVELS}
    dist["expired"] = 0
    dist["never"] = 0
    groups = {"region": {}, "industry": {}, "size": {}, "cohort": {}}
    total = level3 = 0
    for reg, ind, siz, cohort, lvl, valid, n, _, _ in rows:
        is3 = lvl is not None and valid == 1 and lvl >= 3
        total += n
        level3 += n if is3 else 0
        if lvl is None:
            dist["never"] += n
        elif valid == 1 and lvl in LEVELS:
            dist[f"level_{lvl}"] += n
        elif valid == 0:
            dist["expired"] += n
        for name, key in (("region", reg), ("industry", ind), ("size", siz)):
            g = groups[name].setdefault(key, [0, 0])
            g[0] += n
            g[1] += n if is3 else 0
        g = groups["cohort"].setdefault(int(cohort), [0, 0])
        g[0] += n
        g[1] += n if is3 else 0

    def table(name):
        return [
            {"key": k, "supported": s, "level3": l3, "share": share(l3, s)}
            for k, (s, l3) in sorted(groups[name].items(), key=lambda kv: _sort_key(kv[0]))
        ]

    return {
        "head": {"supported": total, "level3": level3, "share": share(level3, total)},
        "distribution": dist,
        "cohorts": [
            {"cohort": c, "supported": s, "level3": l3, "share": share(l3, s)}
            for c, (s, l3) in sorted(groups["cohort"].items())
        ],
        "region": table("region"),
        "industry": table("industry"),
        "size": table("size"),
    }


def _sort_key(key):
    """ORDER BY of the database for a breakdown key: NULL last on PostgreSQL, first on
    SQLite; strings by code point (the hub's databases use C / binary collation)."""
    nulls_last = connections["default"].features.nulls_order_largest
    if key is None:
        return (1 if nulls_last else -1, "")
    return (0, key)


def _series(rows, n: int) -> list:
    """(supported, level3) on each of the n dates."""
    found = {(int(r[3]), int(r[4])): int(r[6]) for r in rows}
    return [(found.get((i, 0), 0), found.get((i, 1), 0)) for i in range(n)]


def _project_breakdowns(rows) -> dict:
    """Program, partner and agency tables (a plant counts once in each group that completed a
    project with it)."""
    names = ["program", "partner", "agency"]
    out = {name: [] for name in names}
    for r in sorted(rows, key=lambda r: (r[3], r[4])):
        s, l3 = int(r[6]), int(r[7] or 0)
        out[names[r[3]]].append({"key": r[4], "supported": s, "level3": l3, "share": share(l3, s)})
    return out


def _kpis(rows) -> dict:
    """KPI averages overall, by cohort and by level (the level only while valid), from the
    sums and counts per indicator, cohort and level."""
    sums = {}  # (kind, key, indicator) -> [sum, count]
    for ind, _, _, cohort, lvl, valid, count, _, total in rows:
        level = lvl if valid == 1 else None
        for key in ((0, None), (1, int(cohort)), (2, level)):
            acc = sums.setdefault((*key, ind), [Decimal(0), 0])
            acc[0] += _decimal(total)
            acc[1] += int(count)
    nulls_last = connections["default"].features.nulls_order_largest

    def order(item):
        (kind, key, ind), _ = item
        if key is None:
            return (kind, 1 if nulls_last else -1, 0, ind)
        return (kind, 0, key, ind)

    overall, by_cohort, by_level = {}, {}, {}
    for (kind, key, ind), (total, count) in sorted(sums.items(), key=order):
        value = _f(total / count) if count else None
        if kind == 0:
            overall[ind] = value
        elif kind == 1:
            by_cohort.setdefault(str(key), {})[ind] = value
        else:
            by_level.setdefault("none" if key is None else str(key), {})[ind] = value
    return {
        "overall": overall,
        "by_cohort": by_cohort,
        "by_level": by_level,
        "national": {str(k): v for k, v in NATIONAL_AVERAGE_IMPROVEMENT.items()},
        "indicators": [i.value for i in Indicator],
    }


def _decimal(value) -> Decimal:
    """A SUM from the database as a Decimal (SQLite returns floats for decimal columns; 15
    significant digits is what Django reads back from them)."""
    if value is None:
        return Decimal(0)
    if isinstance(value, float):
        return Context(prec=15).create_decimal_from_float(value)
    return Decimal(value)


_FLOOR_SQL = """
WITH sp AS (                       -- supported plants and the day of their first completion
    SELECT plant_id AS pid, MIN(completed_on) AS first
    FROM programs_project WHERE status = %(completed)s AND completed_on <= %(d)s
    GROUP BY plant_id
), days AS (SELECT * FROM unnest(%(days)s::date[]) WITH ORDINALITY AS t(day, i)),
lv AS (                            -- each supported plant's latest usable assessment per day
    SELECT days.i, days.day, sp.pid, a.final_level, a.valid_until
    FROM days JOIN sp ON sp.first <= days.day
    LEFT JOIN LATERAL (
        SELECT final_level, valid_until FROM assessments_assessment
        WHERE plant_id = sp.pid AND status = %(confirmed)s AND assessed_on <= days.day
          AND confirmed_at < (days.day + 1)::timestamp AT TIME ZONE %(tz)s
        ORDER BY assessed_on DESC, confirmed_at DESC, id DESC LIMIT 1
    ) a ON TRUE
), st AS (                         -- as of the date, with the plant's attributes
    SELECT lv.pid, pl.region, pl.industry, o.size_class,
           EXTRACT(YEAR FROM sp.first)::int AS cohort,
           CASE WHEN lv.final_level IS NULL THEN 'never'
                WHEN lv.valid_until < %(d)s THEN 'expired'
                ELSE 'level_' || lv.final_level END AS bucket,
           COALESCE(lv.final_level >= 3 AND lv.valid_until >= %(d)s, FALSE) AS l3,
           CASE WHEN lv.valid_until >= %(d)s THEN lv.final_level END AS lvl
    FROM lv JOIN sp ON sp.pid = lv.pid
    JOIN hub_plant pl ON pl.id = lv.pid JOIN hub_organization o ON o.id = pl.company_id
    WHERE lv.day = %(d)s
), pc AS (                         -- completed projects with their plant's state
    SELECT p.id, p.program_id, p.partner_id, g.agency_id, st.*
    FROM programs_project p JOIN programs_program g ON g.id = p.program_id
    JOIN st ON st.pid = p.plant_id
    WHERE p.status = %(completed)s AND p.completed_on <= %(d)s
)
SELECT 'plants' AS part, GROUPING(region, industry, size_class, cohort, bucket) AS g,
       COALESCE(region, industry, size_class, cohort::text, bucket) AS k,
       COUNT(*) AS n, COUNT(*) FILTER (WHERE l3) AS l3, NULL::numeric AS avg
FROM st GROUP BY GROUPING SETS ((), (region), (industry), (size_class), (cohort), (bucket))
UNION ALL
SELECT 'series', i, NULL, COUNT(*), COUNT(*) FILTER (WHERE final_level >= 3
       AND valid_until >= day), NULL FROM lv GROUP BY i
UNION ALL
SELECT 'groups', GROUPING(program_id, partner_id, agency_id),
       COALESCE(program_id, partner_id, agency_id)::text,
       COUNT(DISTINCT pid), COUNT(DISTINCT pid) FILTER (WHERE l3), NULL
FROM pc GROUP BY GROUPING SETS ((program_id), (partner_id), (agency_id))
UNION ALL
SELECT 'kpis', GROUPING(cohort, lvl), k.indicator || ':' || COALESCE(cohort::text, lvl::text, ''),
       COUNT(*), NULL, AVG(k.improvement_pct)
FROM programs_kpi k JOIN pc ON pc.id = k.project_id
WHERE k.improvement_pct IS NOT NULL
GROUP BY GROUPING SETS ((k.indicator), (k.indicator, cohort), (k.indicator, lvl))
"""


def floor_summary(as_of: datetime.date, days: list[datetime.date]) -> list[tuple]:
    """The "SQL floor" of issue 6: the national figures of `progress_summary` — headline,
    distribution, cohorts, region / industry / size / program / partner / agency tables, the
    supported and Level 3+ counts on each of `days` (the last one must be `as_of`) and the KPI
    averages overall, by cohort and by level — in one hand-written PostgreSQL statement, the
    obvious way (a LATERAL "latest assessment" lookup per plant and day, GROUPING SETS).
    Returns its rows (part, grouping, key, count, Level 3+, average). PostgreSQL only."""
    with _analytics_cursor() as cur:
        cur.execute(
            _FLOOR_SQL,
            {
                "d": as_of,
                "days": list(days),
                "tz": timezone.get_current_timezone_name(),
                "completed": ProjectStatus.COMPLETED,
                "confirmed": AssessmentStatus.CONFIRMED,
            },
        )
        return cur.fetchall()


def floor_headline(as_of: datetime.date) -> dict:
    """The "SQL floor" of issue 6: the national headline (supported plants, Level 3+ plants,
    share) as of a date in one hand-written PostgreSQL statement, with the definitions of
    this module (first completed project on or before the date; latest assessment assessed
    on/before the date and confirmed by the end of that day in the hub's time zone, by
    assessed_on, confirmed_at, pk; Level 3+ only while still valid). PostgreSQL only."""
    sql = """
        SELECT COUNT(*), COUNT(*) FILTER (WHERE a.final_level >= 3 AND a.valid_until >= %(d)s)
        FROM (SELECT DISTINCT plant_id FROM programs_project
              WHERE status = %(completed)s AND completed_on <= %(d)s) s
        LEFT JOIN LATERAL (
            SELECT final_level, valid_until FROM assessments_assessment
            WHERE plant_id = s.plant_id AND status = %(confirmed)s
              AND assessed_on <= %(d)s AND confirmed_at <= %(end)s
            ORDER BY assessed_on DESC, confirmed_at DESC, id DESC LIMIT 1
        ) a ON TRUE
    """
    with connections["default"].cursor() as cur:
        cur.execute(
            sql,
            {
                "d": as_of,
                "end": end_of(as_of),
                "completed": ProjectStatus.COMPLETED,
                "confirmed": AssessmentStatus.CONFIRMED,
            },
        )
        supported, level3 = cur.fetchone()
    return {"supported": supported, "level3": level3, "share": share(level3, supported)}


def summary_days(as_of: datetime.date, scope: Scope = Scope()) -> tuple[list, list]:
    """The year-ends of the series (from the first completion in scope) and the 3 projection
    dates."""
    first = completed_projects(as_of, scope).aggregate(d=Min("completed_on"))["d"]
    years = [] if first is None else list(range(first.year, as_of.year + 1))
    year_days = [min(datetime.date(y, 12, 31), as_of) for y in years]
    proj_days = [same_day_years_before(as_of, n) for n in (3, 2, 1)]
    return year_days, proj_days


# --- entry point -----------------------------------------------------------------------------


def current_targets() -> dict:
    """The national targets as stored (agency staff edit them); the 2018 strategy's figures
    when none are stored."""
    from programs.models import Target as TargetRow

    targets = {
        "supported_plants": Target("supported_plants", 30000, 2022),
        "level3_share": Target("level3_share", 25, 2022),
    }
    for row in TargetRow.objects.all():
        targets[row.code] = Target(row.code, float(row.value), row.due_year)
    return targets


def progress_summary(
    *, as_of: datetime.date, scope: Scope = Scope(), targets: dict | None = None, base=None
) -> Summary:
    """Every figure of the progress dashboard and report, as of a date, in scope. `base`
    restricts the plants further (a partner's own plants). `targets` maps "supported_plants"
    and "level3_share" to Target; by default the stored targets."""
    targets = targets or current_targets()
    year_days, proj_days = summary_days(as_of, scope)
    years = [day.year for day in year_days]
    tagged = {tag: [] for tag in (_FOLD, _SERIES, _GROUPS, _KPI)}
    for row in _figures(as_of, year_days + proj_days, scope, base):
        tagged[row[0]].append(row[1:])
    plants = _fold_plants(tagged[_FOLD])
    head = plants["head"]
    counts = _series(tagged[_SERIES], len(year_days) + len(proj_days))
    yearly_rows = [
        {"year": y, "as_of": day.isoformat(), "supported": s, "level3": l3, "share": share(l3, s)}
        for y, day, (s, l3) in zip(years, year_days, counts[: len(year_days)], strict=True)
    ]
    series = [(day, *c) for day, c in zip(proj_days, counts[len(year_days) :], strict=True)]
    series.append((as_of, head["supported"], head["level3"]))
    breakdowns = {
        "region": plants["region"],
        "industry": plants["industry"],
        "size": plants["size"],
        **_project_breakdowns(tagged[_GROUPS]),
    }
    summary = Summary(
        as_of=as_of,
        scope=scope,
        supported=head["supported"],
        level3=head["level3"],
        level3_share=head["share"],
        distribution=plants["distribution"],
        yearly=yearly_rows,
        cohorts=plants["cohorts"],
        breakdowns=breakdowns,
        kpis=_kpis(tagged[_KPI]),
        projection=projection(
            as_of,
            series,
            supported_target=int(targets["supported_plants"].value),
            share_target=float(targets["level3_share"].value),
            due_year=targets["supported_plants"].due_year,
            share_due_year=targets["level3_share"].due_year,
        ),
    )
    summary.digest = digest(summary.as_dict())
    return summary


def digest(data: dict) -> str:
    """SHA-256 of the figures in canonical JSON: the same inputs give the same digest."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
