"""The progress figures laid out as tables of formatted cells: the headline, the level
distribution, the yearly series, the cohorts, the breakdowns, the KPI averages and the
projection. The dashboard and the PDF render these same tables, so a figure reads the same on
both."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from hub.formats import (
    DASH,
    day,
    industry_name,
    level_name,
    number,
    org_name,
    percent,
    percent_of,
    program_name,
    region_name,
    signed_percent,
    size_name,
)
from hub.models import Organization
from programs.choices import Indicator
from programs.models import Program
from progress import projection as projection_method
from progress.figures import LEVELS, Summary, Target
from progress.selectors import DEFAULT_TARGETS


@dataclass(frozen=True)
class Cell:
    text: str
    numeric: bool = True


@dataclass
class Table:
    """A titled table: header labels (numeric columns aligned right), rows of cells (the first
    cell names the row) and what to say when there is no row. A row may carry its raw
    figures in `data` (the dashboard sorts and exports breakdowns by them)."""

    code: str
    title: str
    headers: list[Cell]
    rows: list[Row] = field(default_factory=list)
    empty: str = ""


@dataclass
class Row:
    cells: list[Cell]
    data: dict = field(default_factory=dict)


def _head(first: str, *figures: str) -> list[Cell]:
    """Column labels: the first names the rows, the others head figures."""
    return [_text(str(first)), *_figures(*figures)]


def _figures(*labels: str) -> list[Cell]:
    return [Cell(str(label)) for label in labels]


def _row(name, *figures: str | Cell, data: dict | None = None) -> Row:
    cells = [f if isinstance(f, Cell) else Cell(f) for f in figures]
    return Row([Cell(str(name), numeric=False), *cells], data or {})


def _text(text: str) -> Cell:
    return Cell(str(text), numeric=False)


def _counts(row: dict) -> tuple[str, str, str]:
    """Supported plants, Level 3+ plants and their share, as shown in every count table."""
    return number(row["supported"]), number(row["level3"]), percent(row["share"])


# --- targets and headline --------------------------------------------------------------------


def targets_of(summary: Summary) -> dict[str, Target]:
    """The targets the figures were computed against (recorded in the projection, so a
    report and the page show the targets in force for these figures)."""
    p = summary.projection
    return {
        "supported_plants": Target(
            "supported_plants", p["supported"]["target"], int(p["supported"]["due"][:4])
        ),
        "level3_share": Target(
            "level3_share", p["level3_share"]["target"], int(p["level3_share"]["due"][:4])
        ),
        "connected_plants": (
            Target("connected_plants", c["target"], int(c["due"][:4]))
            if (c := p.get("connected"))
            else DEFAULT_TARGETS["connected_plants"]
        ),
    }


def target_value(code: str, value) -> str:
    """A target as the pages write it: 30,000 plants, or a share such as 25.0 %."""
    return percent(value) if code == "level3_share" else number(value)


def headline(summary: Summary) -> dict:
    targets = targets_of(summary)
    supported, level3_share = targets["supported_plants"], targets["level3_share"]
    connected = targets["connected_plants"]
    share_now = summary.level3_share or 0
    return {
        "supported": number(summary.supported),
        "supported_target": target_value(supported.code, supported.value),
        "supported_due": supported.due_year,
        "supported_of_target": percent_of(summary.supported, supported.value),
        "level3": number(summary.level3),
        "level3_count": summary.level3,  # for the plural of "plants"
        "level3_share": percent(summary.level3_share),
        "share_target": target_value(level3_share.code, level3_share.value),
        "share_due": level3_share.due_year,
        "share_of_target": percent_of(share_now, level3_share.value),
        "connected": number(summary.connected),
        "connected_share": percent(summary.connected_share),
        "connected_target": target_value(connected.code, connected.value),
        "connected_due": connected.due_year,
        "connected_of_target": percent_of(summary.connected, connected.value),
    }


# --- level distribution, yearly series, cohorts ----------------------------------------------


def distribution_keys() -> list[tuple[str, str]]:
    return [
        *((f"level_{n}", level_name(n)) for n in LEVELS),
        ("expired", _("Expired")),
        ("never", _("Never assessed")),
    ]


def distribution(summary: Summary) -> Table:
    counts = [
        (key, label, summary.distribution.get(key) or 0) for key, label in distribution_keys()
    ]
    total = sum(n for _key, _label, n in counts)
    return Table(
        "distribution",
        _("Level distribution"),
        _head(_("Level"), _("Supported plants"), _("Share of supported plants")),
        [
            _row(label, number(n), percent_of(n, total), data={"key": key, "plants": n})
            for key, label, n in counts
        ],
        _("No supported plant yet in this scope."),
    )


def yearly(summary: Summary) -> Table:
    return Table(
        "yearly",
        _("Yearly figures"),
        [
            _text(_("Year")),
            _text(_("As of")),
            *_figures(_("Supported plants"), _("Level 3+"), _("Level 3+ share")),
        ],
        [_row(r["year"], _text(day(r["as_of"])), *_counts(r), data=r) for r in summary.yearly],
        _("No completed project yet in this scope."),
    )


def cohorts(summary: Summary) -> Table:
    return Table(
        "cohorts",
        _("Cohorts (year of the first completed project)"),
        _head(_("Cohort"), _("Supported plants"), _("Level 3+"), _("Level 3+ share")),
        [_row(r["cohort"], *_counts(r), data=r) for r in summary.cohorts],
        _("No cohort yet."),
    )


# --- breakdowns ------------------------------------------------------------------------------

BREAKDOWNS = ("region", "industry", "size", "program", "partner", "agency")


def breakdown_titles() -> dict:
    return {
        "region": _("By region"),
        "industry": _("By industry"),
        "size": _("By company size"),
        "program": _("By program"),
        "partner": _("By partner firm"),
        "agency": _("By operating agency"),
    }


def breakdown_key_labels() -> dict:
    return {
        "region": _("Region"),
        "industry": _("Industry"),
        "size": _("Company size"),
        "program": _("Program"),
        "partner": _("Partner firm"),
        "agency": _("Operating agency"),
    }


def breakdown_names(breakdowns: dict) -> dict[str, dict]:
    """{table: {key: (display name, registered name)}}: choice labels without a query;
    programs, partner firms and agencies with one query per table. The registered name is
    the organisation's Korean name as in the registry (the CSV exports join on it); for
    anything else it is the display name."""
    names: dict[str, dict] = {}
    for table, label in (("region", region_name), ("industry", industry_name), ("size", size_name)):
        names[table] = {r["key"]: (label(r["key"]),) * 2 for r in breakdowns.get(table, [])}
    ids = {t: [r["key"] for r in breakdowns.get(t, [])] for t in ("program", "partner", "agency")}
    programs = (
        Program.objects.filter(pk__in=ids["program"]).only("pk", "name_ko", "name_en")
        if ids["program"]
        else []
    )
    names["program"] = {p.pk: (program_name(p),) * 2 for p in programs}
    for table in ("partner", "agency"):
        orgs = (
            Organization.objects.filter(pk__in=ids[table]).only("pk", "name", "name_en")
            if ids[table]
            else []
        )
        names[table] = {o.pk: (org_name(o), o.name) for o in orgs}
    return names


def breakdowns(summary: Summary) -> list[Table]:
    """One table per breakdown, in the selector's order; each row's `data` holds the key, the
    names and the raw counts."""
    names = breakdown_names(summary.breakdowns)
    titles, key_labels = breakdown_titles(), breakdown_key_labels()
    tables = []
    for table in BREAKDOWNS:
        rows = []
        for r in summary.breakdowns.get(table, []):
            shown, registered = names[table].get(r["key"], (str(r["key"]),) * 2)
            data = {**r, "name": shown, "registered_name": registered}
            rows.append(_row(shown, *_counts(r), number(r["connected"]), data=data))
        tables.append(
            Table(
                table,
                titles[table],
                _head(
                    key_labels[table],
                    _("Supported plants"),
                    _("Level 3+"),
                    _("Level 3+ share"),
                    _("Connected"),
                ),
                rows,
                _("Nothing in this scope."),
            )
        )
    return tables


# --- the data hub ----------------------------------------------------------------------------

# The columns of the data hub's tables after the row's name: (header, cell from a breakdown
# row). One more column (e.g. completed projects meeting their follow-up) is one more entry.
DATAHUB_BREAKDOWNS = ("region", "industry")


def datahub_columns() -> list[tuple[str, object]]:
    return [
        (_("Supported plants"), lambda r: number(r["supported"])),
        (_("Connected"), lambda r: number(r["connected"])),
        (_("Connected share"), lambda r: percent_of(r["connected"], r["supported"])),
        # Completed projects with a follow-up report due that sent every one (사후관리).
        (
            _("Follow-up met"),
            lambda r: (
                f"{percent_of(r['follow_up_met'], r['follow_up_due'])} "
                f"({number(r['follow_up_met'])}/{number(r['follow_up_due'])})"
                if r.get("follow_up_due")
                else "—"
            ),
        ),
    ]


def datahub(summary: Summary) -> list[Table]:
    """Connected plants beside supported plants, nationally and by region and industry."""
    columns = datahub_columns()
    titles, key_labels = breakdown_titles(), breakdown_key_labels()
    names = {
        "region": region_name,
        "industry": industry_name,
    }
    follow_up = summary.follow_up or {}
    total = {
        "supported": summary.supported,
        "connected": summary.connected,
        "follow_up_met": follow_up.get("met", 0),
        "follow_up_due": follow_up.get("due", 0),
    }
    by_key = {
        table: {row["key"]: row for row in follow_up.get("by", {}).get(table, [])}
        for table in DATAHUB_BREAKDOWNS
    }
    tables = [
        Table(
            "datahub",
            _("Connected plants"),
            _head("", *(label for label, _cell in columns)),
            [_row(_("All supported plants in scope"), *(cell(total) for _l, cell in columns))],
        )
    ]
    for table in DATAHUB_BREAKDOWNS:
        rows = []
        for r in summary.breakdowns.get(table, []):
            fu = by_key[table].get(r["key"], {})
            r = {**r, "follow_up_met": fu.get("met", 0), "follow_up_due": fu.get("due", 0)}
            rows.append(_row(names[table](r["key"]), *(cell(r) for _l, cell in columns), data=r))
        tables.append(
            Table(
                f"datahub-{table}",
                titles[table],
                _head(key_labels[table], *(label for label, _cell in columns)),
                rows,
                _("Nothing in this scope."),
            )
        )
    return tables


def datahub_note() -> str:
    return _(
        "A connected plant is a supported plant with an active data source that sent data in "
        "the last 30 days. For a past date the hub counts a source with data for one of the 30 "
        "days before that date, from its daily rollups. Follow-up met: among completed "
        "projects with a follow-up report due by the date, those that sent every report due "
        "(late ones count), by the project's plant."
    )


# --- KPI averages ----------------------------------------------------------------------------


def kpis(summary: Summary) -> list[Table]:
    """Average improvement per indicator next to the national published average: one table
    by cohort, one by level as of the date."""
    k = summary.kpis
    indicators = [i for i in Indicator if i.value in k.get("indicators", [])] or list(Indicator)
    cohort_keys = sorted(k["by_cohort"])
    level_keys = sorted(k["by_level"], key=lambda key: (key == "none", key))
    base = (_("Indicator"), _("National"), _("In scope"))

    def table(code, title, keys, labels, values) -> Table:
        rows = [
            _row(
                indicator.label,
                signed_percent(k["national"].get(indicator.value)),
                signed_percent(k["overall"].get(indicator.value)),
                *(signed_percent(values[key].get(indicator.value)) for key in keys),
            )
            for indicator in indicators
        ]
        return Table(code, title, _head(*base, *labels), rows)

    return [
        table(
            "kpi-cohorts",
            _("By cohort"),
            cohort_keys,
            [_("Cohort %(c)s") % {"c": c} for c in cohort_keys],
            k["by_cohort"],
        ),
        table(
            "kpi-levels",
            _("By level as of the date"),
            level_keys,
            [_("No valid level") if key == "none" else level_name(key) for key in level_keys],
            k["by_level"],
        ),
    ]


# --- projection ------------------------------------------------------------------------------

METHOD_LABELS = {
    projection_method.METHOD: gettext_lazy(
        "least squares over the as-of date and the same day 1-3 years earlier"
    ),
}


def method_label(code: str) -> str:
    """The projection method in the active language (the API keeps the stable code)."""
    return str(METHOD_LABELS.get(code, code))


def method_note(code: str) -> str:
    return _(
        "Method: %(method)s. The run-rate is the slope of a least-squares line through the "
        "supported plants and the Level 3+ plants at the as-of date and on the same day one, "
        "two and three years earlier (four points over three years). The projected date "
        "starts from the counts as of the date and adds the run-rate: the fitted line gives "
        "the pace, not the starting point. The share target is reached when the projected "
        "Level 3+ plants divided by the projected supported plants reach it. Needed per month "
        "spreads the remaining gap evenly until 31 December of the due year; the Level 3+ lifts "
        "needed assume the supported plants keep growing at their run-rate."
    ) % {"method": method_label(code)}


def _reached(part: dict) -> str:
    if part["reached"]:
        return _("reached")
    return day(part["reached_on"]) if part["reached_on"] else _("not at this rate")


def projection(summary: Summary) -> Table:
    p = summary.projection
    s, lv = p["supported"], p["level3_share"]
    s_rate = (
        DASH
        if s["rate_per_month"] is None
        else _("%(n)s plants a month") % {"n": number(s["rate_per_month"], 1)}
    )
    l_rate = (
        DASH
        if lv["rate_per_month"] is None
        else _("%(n)s Level 3+ plants a month") % {"n": number(lv["rate_per_month"], 1)}
    )
    if s["reached"]:
        s_needed = DASH
    elif s["needed_per_month"] is None:
        s_needed = _("past the due date")
    else:
        s_needed = _("%(n)s plants a month until %(due)s") % {
            "n": number(s["needed_per_month"], 1),
            "due": day(s["due"]),
        }
    if lv["reached"] or lv["lifts_needed"] is None:
        l_needed = DASH
    else:
        l_needed = ngettext(
            "%(n)s Level 3+ lift by %(due)s",
            "%(n)s Level 3+ lifts by %(due)s",
            lv["lifts_needed"],
        ) % {"n": number(lv["lifts_needed"]), "due": day(lv["due"])}
    return Table(
        "projection",
        _("Projection at the recent run-rate"),
        [
            *_head("", _("Target"), _("Now"), _("Run-rate")),
            _text(_("Reached on (projected)")),
            _text(_("Needed by the due date")),
        ],
        [
            _row(
                _("Supported plants"),
                number(s["target"]),
                number(s["current"]),
                s_rate,
                _text(_reached(s)),
                _text(s_needed),
            ),
            _row(
                _("Level 3+ share"),
                percent(lv["target"]),
                percent(lv["current"]),
                l_rate,
                _text(_reached(lv)),
                _text(l_needed),
            ),
            *_connected_projection(p.get("connected")),
        ],
    )


def _connected_projection(c: dict | None) -> list[Row]:
    """The connected plants' row: no run-rate (the hub keeps no history of connections from
    before it opened), the plants a month needed until the due date."""
    if c is None:
        return []
    if c["reached"]:
        needed = DASH
    elif c["needed_per_month"] is None:
        needed = _("past the due date")
    else:
        # The due date is the target's (the table's "Target" column says whose).
        needed = _("%(n)s plants a month") % {"n": number(c["needed_per_month"], 1)}
    return [
        _row(
            _("Connected plants"),
            number(c["target"]),
            number(c["current"]),
            DASH,
            _text(_("reached") if c["reached"] else DASH),
            _text(needed),
        )
    ]
