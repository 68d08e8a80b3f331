"""The progress figures as shown: every figure formatted once (`formats`), laid out once as
tables of formatted cells (`tables`) and charts (`charts`). The dashboard template and the PDF
template both render a `Presentation`, so the page and the report say the same thing in the
same words."""

from __future__ import annotations

from dataclasses import dataclass

from progress.figures import Summary
from progress.presentation import tables
from progress.presentation.charts import progress_charts, target_notes
from progress.presentation.tables import Table


@dataclass
class Presentation:
    headline: dict
    distribution: Table
    yearly: Table
    cohorts: Table
    breakdowns: list[Table]
    kpis: list[Table]
    projection: Table
    method_note: str
    datahub: list[Table]
    datahub_note: str
    charts: dict[str, str]
    target_notes: list[str]


def present(summary: Summary) -> Presentation:
    """The summary as shown in the active language (one query per named breakdown table)."""
    headline = tables.headline(summary)
    return Presentation(
        headline=headline,
        distribution=tables.distribution(summary),
        yearly=tables.yearly(summary),
        cohorts=tables.cohorts(summary),
        breakdowns=tables.breakdowns(summary),
        kpis=tables.kpis(summary),
        projection=tables.projection(summary),
        method_note=tables.method_note(summary.projection["method"]),
        datahub=tables.datahub(summary),
        datahub_note=tables.datahub_note(),
        charts=progress_charts(summary, headline),
        target_notes=target_notes(summary),
    )
