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
from dataclasses import dataclass, field
from decimal import Context, Decimal

from django.db import connections
from django.db.models import (
    DateField,
    F,
    IntegerField,
    Min,
    Value,
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


_CURRENT = "iv.pid = sp.pid AND iv.av <= {d} AND (iv.nx IS NULL OR iv.nx > {d})"


def _fold_plants(as_of: datetime.date, scope: Scope, base=None) -> dict:
    """Headline, distribution, cohorts and the region/industry/size breakdowns from one
    grouped query (a few hundred rows folded here)."""
    sp_sql, sp_params = _compiled(_supported_rows(as_of, scope, base))
    iv_sql, iv_params = _compiled(_assessment_intervals(as_of, scope, base))
    d = _day(as_of)
    # Fragments are compiled ORM SQL or constants; every value is a parameter.
    sql = (
        "SELECT sp.reg, sp.ind, sp.siz, sp.cohort, iv.lvl, "  # noqa: S608
        "CASE WHEN iv.vu >= %s THEN 1 WHEN iv.vu < %s THEN 0 END AS v, COUNT(*) "
        f"FROM ({sp_sql}) sp LEFT JOIN ({iv_sql}) iv ON {_CURRENT.format(d='%s')} "
        "GROUP BY sp.reg, sp.ind, sp.siz, sp.cohort, iv.lvl, "
        "CASE WHEN iv.vu >= %s THEN 1 WHEN iv.vu < %s THEN 0 END"
    )
    params = [d, d, *sp_params, *iv_params, d, d, d, d]
    with connections["default"].cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    dist = {f"level_{lvl}": 0 for lvl in LEVELS}
    dist["expired"] = 0
    dist["never"] = 0
    groups = {"region": {}, "industry": {}, "size": {}, "cohort": {}}
    total = level3 = 0
    for reg, ind, siz, cohort, lvl, valid, n in rows:
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


def _series(as_of: datetime.date, days: list[datetime.date], scope: Scope, base=None) -> list:
    """(supported, level3) on each of `days` (all on or before `as_of`), in one query."""
    if not days:
        return []
    sp_sql, sp_params = _compiled(_supported_rows(as_of, scope, base))
    iv_sql, iv_params = _compiled(_assessment_intervals(as_of, scope, base))
    dates = " UNION ALL ".join(["SELECT %s AS i, %s AS day"] * len(days))
    date_params = [x for i, day in enumerate(days) for x in (i, _day(day))]
    # Fragments are compiled ORM SQL or constants; every value is a parameter.
    sql = (
        "SELECT d.i, COUNT(*), "  # noqa: S608
        "SUM(CASE WHEN iv.lvl >= 3 AND iv.vu >= d.day THEN 1 ELSE 0 END) "
        f"FROM ({dates}) d JOIN ({sp_sql}) sp ON sp.first <= d.day "
        f"LEFT JOIN ({iv_sql}) iv ON {_CURRENT.format(d='d.day')} "
        "GROUP BY d.i"
    )
    with connections["default"].cursor() as cur:
        cur.execute(sql, [*date_params, *sp_params, *iv_params])
        found = {int(i): (int(s), int(l3 or 0)) for i, s, l3 in cur.fetchall()}
    return [found.get(i, (0, 0)) for i in range(len(days))]


def _project_breakdowns(as_of: datetime.date, scope: Scope, base=None) -> dict:
    """Program, partner and agency tables (a plant counts once in each group that completed a
    project with it), in one query."""
    fields = {"program": "program_id", "partner": "partner_id", "agency": "program__agency_id"}
    parts, params = [], []
    for n, field_name in enumerate(fields.values()):
        qs = (
            completed_projects(as_of, scope, scoped_plants(scope, base))
            .exclude(**{f"{field_name}__isnull": True})
            .order_by()
            .values(f=Value(n, output_field=IntegerField()), k=F(field_name), pid=F("plant_id"))
            .distinct()
        )
        sql, p = _compiled(qs)
        parts.append(f"SELECT * FROM ({sql}) g{n}")  # noqa: S608
        params += p
    iv_sql, iv_params = _compiled(_assessment_intervals(as_of, scope, base))
    d = _day(as_of)
    # Fragments are compiled ORM SQL or constants; every value is a parameter.
    sql = (
        "SELECT sp.f, sp.k, COUNT(*), "  # noqa: S608
        "SUM(CASE WHEN iv.lvl >= 3 AND iv.vu >= %s THEN 1 ELSE 0 END) "
        f"FROM ({' UNION ALL '.join(parts)}) sp "
        f"LEFT JOIN ({iv_sql}) iv ON {_CURRENT.format(d='%s')} "
        "GROUP BY sp.f, sp.k"
    )
    with connections["default"].cursor() as cur:
        cur.execute(sql, [d, *params, *iv_params, d, d])
        rows = cur.fetchall()
    out = {name: [] for name in fields}
    names = list(fields)
    for f, k, s, l3 in sorted(rows, key=lambda r: (r[0], r[1])):
        s, l3 = int(s), int(l3 or 0)
        out[names[int(f)]].append({"key": k, "supported": s, "level3": l3, "share": share(l3, s)})
    return out


def _kpis(as_of: datetime.date, scope: Scope, base=None) -> dict:
    """KPI averages overall, by cohort and by level as of the date, in one query."""
    kpis = (
        KPI.objects.filter(
            project__in=completed_projects(as_of, scope, scoped_plants(scope, base)),
            improvement_pct__isnull=False,
        )
        .order_by()
        .values(ind=F("indicator"), v=F("improvement_pct"), pid=F("project__plant_id"))
    )
    k_sql, k_params = _compiled(kpis)
    sp_sql, sp_params = _compiled(_supported_rows(as_of, scope, base))
    iv_sql, iv_params = _compiled(_assessment_intervals(as_of, scope, base))
    d = _day(as_of)
    # Fragments are compiled ORM SQL or constants; every value is a parameter.
    sql = (
        "WITH k AS (SELECT kp.ind, kp.v, sp.cohort, "  # noqa: S608
        "CASE WHEN iv.lvl IS NOT NULL AND iv.vu >= %s THEN iv.lvl END AS lv "
        f"FROM ({k_sql}) kp JOIN ({sp_sql}) sp ON sp.pid = kp.pid "
        f"LEFT JOIN ({iv_sql}) iv ON {_CURRENT.format(d='%s')}) "
        "SELECT 0, ind, NULL, AVG(v) FROM k GROUP BY ind "
        "UNION ALL SELECT 1, ind, cohort, AVG(v) FROM k GROUP BY ind, cohort "
        "UNION ALL SELECT 2, ind, lv, AVG(v) FROM k GROUP BY ind, lv"
    )
    with connections["default"].cursor() as cur:
        cur.execute(sql, [d, *k_params, *sp_params, *iv_params, d, d])
        rows = cur.fetchall()
    overall, by_cohort, by_level = {}, {}, {}
    nulls_last = connections["default"].features.nulls_order_largest

    def order(r):
        kind, ind, key = r[0], r[1], r[2]
        if key is None:
            return (kind, 1 if nulls_last else -1, 0, ind)
        return (kind, 0, int(key), ind)

    for kind, ind, key, avg in sorted(rows, key=order):
        value = _f(_avg(avg))
        if kind == 0:
            overall[ind] = value
        elif kind == 1:
            by_cohort.setdefault(str(int(key)), {})[ind] = value
        else:
            by_level.setdefault("none" if key is None else str(int(key)), {})[ind] = value
    return {
        "overall": overall,
        "by_cohort": by_cohort,
        "by_level": by_level,
        "national": {str(k): v for k, v in NATIONAL_AVERAGE_IMPROVEMENT.items()},
        "indicators": [i.value for i in Indicator],
    }


def _avg(value):
    """What Django's Avg over a DecimalField gives for a raw AVG (SQLite returns a float that
    the ORM turns into a 15-digit Decimal)."""
    if value is None:
        return None
    if isinstance(value, float):
        return Decimal(Context(prec=15).create_decimal_from_float(value))
    return Decimal(value)


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
    plants = _fold_plants(as_of, scope, base)
    head = plants["head"]
    first = completed_projects(as_of, scope).aggregate(d=Min("completed_on"))["d"]
    years = [] if first is None else list(range(first.year, as_of.year + 1))
    year_days = [min(datetime.date(y, 12, 31), as_of) for y in years]
    proj_days = [same_day_years_before(as_of, n) for n in (3, 2, 1)]
    counts = _series(as_of, year_days + proj_days, scope, base)
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
        **_project_breakdowns(as_of, scope, base),
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
        kpis=_kpis(as_of, scope, base),
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
