"""The progress figures computed by the database: the few statements behind
`progress.selectors.progress_summary`, their rows folded into the figures."""

from __future__ import annotations

import datetime
from contextlib import contextmanager
from decimal import Context, Decimal

from django.db import connections, transaction
from django.db.models import DateField, F, Min, Window
from django.db.models.expressions import RowRange
from django.db.models.functions import ExtractYear, Greatest, TruncDate

from assessments.choices import AssessmentStatus
from assessments.models import Assessment
from hub.models import Plant
from programs.choices import NATIONAL_AVERAGE_IMPROVEMENT, Indicator, ProjectStatus
from programs.models import KPI, Project
from progress.figures import LEVELS, Scope, round2, share
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
    with analytics_cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


@contextmanager
def analytics_cursor():
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
        value = round2(total / count) if count else None
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


def summary_days(as_of: datetime.date, scope: Scope = Scope()) -> tuple[list, list]:
    """The year-ends of the series (from the first completion in scope) and the 3 projection
    dates."""
    first = completed_projects(as_of, scope).aggregate(d=Min("completed_on"))["d"]
    years = [] if first is None else list(range(first.year, as_of.year + 1))
    year_days = [min(datetime.date(y, 12, 31), as_of) for y in years]
    proj_days = [same_day_years_before(as_of, n) for n in (3, 2, 1)]
    return year_days, proj_days


def figures(as_of: datetime.date, days: list[datetime.date], scope: Scope, base=None) -> dict:
    """Every figure as of the date, and supported / Level 3+ counts on each of `days`."""
    tagged = {tag: [] for tag in (_FOLD, _SERIES, _GROUPS, _KPI)}
    for row in _figures(as_of, days, scope, base):
        tagged[row[0]].append(row[1:])
    return {
        "plants": _fold_plants(tagged[_FOLD]),
        "series": _series(tagged[_SERIES], len(days)),
        "groups": _project_breakdowns(tagged[_GROUPS]),
        "kpis": _kpis(tagged[_KPI]),
    }
