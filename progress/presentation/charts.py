"""The progress charts as SVG strings (hub.charts), labelled with the same formatted figures as
the tables; the dashboard shows them as they are, the PDF with its embedded font named
first."""

from __future__ import annotations

from django.utils.translation import gettext as _

from hub import charts
from hub.formats import number, percent, percent_of
from progress.figures import Summary
from progress.presentation.tables import distribution_keys, targets_of


def progress_charts(summary: Summary, headline: dict) -> dict[str, str]:
    """`headline` is `tables.headline(summary)`: the meters write its figures."""
    targets = targets_of(summary)
    supported_target, share_target = targets["supported_plants"], targets["level3_share"]
    connected_target = targets["connected_plants"]
    yearly = summary.yearly
    dist = summary.distribution
    keys = distribution_keys()
    total = sum(dist.get(key) or 0 for key, _label in keys)
    dist_max = max([dist.get(key) or 0 for key, _label in keys] or [0]) or 1
    share_axis = charts.fit_axis([r["share"] for r in yearly], share_target.value)
    return {
        "supported_meter": charts.progress_meter(
            summary.supported,
            supported_target.value,
            title=_("Supported plants against the target"),
            value_label=_("%(n)s supported plants") % {"n": headline["supported"]},
            target_label=_("Target %(n)s by %(year)s")
            % {"n": headline["supported_target"], "year": headline["supported_due"]},
            ratio_label=headline["supported_of_target"],
            chart_id="meter-supported",
        ),
        "share_meter": charts.progress_meter(
            summary.level3_share or 0,
            share_target.value,
            title=_("Level 3+ share against the target"),
            value_label=_("%(share)s at Level 3 or higher") % {"share": headline["level3_share"]},
            target_label=_("Target %(share)s by %(year)s")
            % {"share": headline["share_target"], "year": headline["share_due"]},
            ratio_label=headline["share_of_target"],
            chart_id="meter-share",
        ),
        "connected_meter": charts.progress_meter(
            summary.connected,
            connected_target.value,
            title=_("Connected plants against the target"),
            value_label=_("%(n)s connected plants") % {"n": headline["connected"]},
            target_label=_("Target %(n)s by %(year)s")
            % {"n": headline["connected_target"], "year": headline["connected_due"]},
            ratio_label=headline["connected_of_target"],
            chart_id="meter-connected",
        ),
        "yearly": charts.column_chart(
            [charts.Column(str(r["year"]), r["supported"], number(r["supported"])) for r in yearly],
            title=_("Cumulative supported plants per year"),
            desc=_("Bars: supported plants at the end of each year; dashed line: the target."),
            target=(
                supported_target.value,
                _("Target %(n)s") % {"n": headline["supported_target"]},
            ),
            target_note=_("Target %(n)s, above this scale") % {"n": headline["supported_target"]},
            series_label=_("Supported plants (cumulative)"),
            chart_id="chart-yearly",
        ),
        "share": charts.line_chart(
            [charts.Column(str(r["year"]), r["share"], percent(r["share"])) for r in yearly],
            title=_("Level 3+ share per year"),
            desc=_("Share of supported plants at Level 3 or higher at the end of each year."),
            y_max=0,
            target=(
                share_target.value,
                _("Target %(share)s") % {"share": headline["share_target"]},
            ),
            target_note=_("Target %(share)s, above this scale")
            % {"share": headline["share_target"]},
            y_ticks=[
                (v, percent(v, 0 if all(t == int(t) for t in share_axis.ticks) else 1))
                for v in share_axis.ticks
            ],
            series_label=_("Level 3+ share"),
            chart_id="chart-share",
        ),
        "distribution": charts.hbar_chart(
            [
                charts.Bar(
                    label,
                    dist.get(key) or 0,
                    f"{number(dist.get(key) or 0)} ({percent_of(dist.get(key) or 0, total)})",
                )
                for key, label in keys
            ],
            title=_("Supported plants by level"),
            desc=_(
                "Latest valid confirmed level as of the date; expired and never assessed apart."
            ),
            max_value=dist_max,
            chart_id="chart-distribution",
        ),
    }


def target_notes(summary: Summary) -> list[str]:
    """A sentence for each target whose due year ended before the as-of date: the target year
    has passed, and what was reached by the end of it (the yearly figures), so figures read
    against a past target are not taken for a shortfall without saying so."""
    targets = targets_of(summary)
    by_year = {r["year"]: r for r in summary.yearly}
    notes = []
    supported = targets["supported_plants"]
    if supported.due_year < summary.as_of.year:
        reached = (by_year.get(supported.due_year) or {}).get("supported") or 0
        notes.append(
            _(
                "The target year %(year)s has passed: by the end of %(year)s, %(n)s plants "
                "were supported (%(share)s of the target of %(target)s). The figures above "
                "run on to the as-of date."
            )
            % {
                "year": supported.due_year,
                "n": number(reached),
                "share": percent_of(reached, supported.value),
                "target": number(supported.value),
            }
        )
    share = targets["level3_share"]
    if share.due_year < summary.as_of.year:
        row = by_year.get(share.due_year) or {}
        notes.append(
            _(
                "The target year %(year)s for the Level 3+ share has passed: at the end of "
                "%(year)s the share was %(share)s (target %(target)s)."
            )
            % {
                "year": share.due_year,
                "share": percent(row.get("share")),
                "target": percent(share.value),
            }
        )
    return notes
