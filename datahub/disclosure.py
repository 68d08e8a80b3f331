"""Disclosure control for peer benchmarks and statistical tables (pure: no ORM, no settings).

Every figure the hub releases about other companies' data passes these rules:

1. **Threshold.** A cell (a peer group, a table cell, a total) is released only when at least
   `MIN_COMPANIES` (5) distinct companies contribute to it. A company with several plants
   counts once. This is a constant, not a setting: a deployment cannot weaken it.
2. **Dominance.** No company may contribute more than `MAX_SHARE` (50 %) of the cell's sum
   (the sum of the absolute values its figure is computed from): otherwise the company's
   value could be estimated from the cell. Applied to every cell, whatever statistic it shows.
3. **Complementary suppression.** In a table released with its row and column totals, a
   suppressed cell must not be recomputable from the totals and the released cells. Seen as
   equations, every row and every column (totals included) is "cells − total = 0"; the cells
   left unknown form a bipartite graph (rows and columns are the vertices, suppressed cells
   the edges) and an unknown is determined exactly when its edge is a *bridge* (lies on no
   cycle). So further cells are suppressed — the cheapest path around each bridge, preferring
   cells with few companies — until no suppressed cell is a bridge. This is stronger than
   "two suppressed cells in each row and column" (which a bridge between two cycles passes).
4. **Age.** Only data of months at least one full month old counts: on any day of month M,
   the latest month that counts is M − 2 (its last day is more than a month ago).

Statistics on ranked data (a median, a percentile) are not additive; the table still applies
rule 3 to the pattern of cells, so the companies counts it shows cannot be recomputed either.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

MIN_COMPANIES = 5
MAX_SHARE = 0.5
TOTAL = "total"  # the row or column key of the margins


class Reason(StrEnum):
    """Why a cell is not released."""

    FEW_COMPANIES = "few_companies"  # fewer than MIN_COMPANIES companies
    DOMINANT = "dominant_company"  # one company above MAX_SHARE of the sum
    COMPLEMENTARY = "complementary"  # hidden so that another hidden cell stays hidden


# --- the month cut-off ------------------------------------------------------------------------


def add_months(month: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after (or before) the month of `month`."""
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def latest_month(today: dt.date) -> dt.date:
    """The first day of the latest month whose data counts on `today`: two months before
    today's month (the month before ended less than a month ago)."""
    return add_months(today.replace(day=1), -2)


def month_counts(month: dt.date, today: dt.date) -> bool:
    """Whether data of the month starting `month` is at least one full month old."""
    return add_months(month.replace(day=1), 2) <= today


def window(today: dt.date, months: int = 12) -> tuple[dt.date, dt.date]:
    """[first month, end) of the `months` latest complete months that count on `today`."""
    end = add_months(latest_month(today), 1)
    return add_months(end, -months), end


# --- primary suppression --------------------------------------------------------------------


def company_totals(contributions: Iterable[tuple[Hashable, float]]) -> dict[Hashable, float]:
    """Each company's share of a cell's sum: the absolute values of its contributions."""
    totals: dict[Hashable, float] = defaultdict(float)
    for company, value in contributions:
        totals[company] += abs(value)
    return dict(totals)


def primary_reason(contributions: Iterable[tuple[Hashable, float]]) -> Reason | None:
    """Why a cell made of these (company, value) contributions may not be released, or None.
    An empty cell is FEW_COMPANIES."""
    return reason_of_totals(company_totals(contributions))


def reason_of_totals(totals: Mapping[Hashable, float]) -> Reason | None:
    """`primary_reason` from each company's share of the cell's sum (`company_totals`)."""
    if len(totals) < MIN_COMPANIES:
        return Reason.FEW_COMPANIES
    whole = sum(totals.values())
    if whole > 0 and max(totals.values()) > MAX_SHARE * whole:
        return Reason.DOMINANT
    return None


# --- tables with margins --------------------------------------------------------------------

Key = tuple[Hashable, Hashable]


@dataclass
class Cell:
    """The contributions to one cell of a table (an interior cell or a total)."""

    values: list[float] = field(default_factory=list)
    contributions: list[tuple[Hashable, float]] = field(default_factory=list)

    @property
    def companies(self) -> int:
        return len({company for company, _value in self.contributions})

    def add(self, company: Hashable, value: float) -> None:
        self.values.append(value)
        self.contributions.append((company, value))


def build_table(records: Iterable[tuple[Hashable, Hashable, Hashable, float]]) -> dict[Key, Cell]:
    """The cells of a two-way table with its margins from (row, column, company, value)
    records: (row, column), (row, TOTAL), (TOTAL, column) and (TOTAL, TOTAL). Cells without
    a record are absent (known to be empty)."""
    cells: dict[Key, Cell] = defaultdict(Cell)
    for row, col, company, value in records:
        for key in ((row, col), (row, TOTAL), (TOTAL, col), (TOTAL, TOTAL)):
            cells[key].add(company, value)
    return dict(cells)


def _vertices(key: Key) -> tuple[tuple[str, Hashable], tuple[str, Hashable]]:
    return ("r", key[0]), ("c", key[1])


def _connected(edges: Iterable[Key], start, goal) -> bool:
    graph = defaultdict(list)
    for key in edges:
        a, b = _vertices(key)
        graph[a].append(b)
        graph[b].append(a)
    seen, stack = {start}, [start]
    while stack:
        vertex = stack.pop()
        if vertex == goal:
            return True
        for other in graph[vertex]:
            if other not in seen:
                seen.add(other)
                stack.append(other)
    return False


def exposed(suppressed: Iterable[Key]) -> list[Key]:
    """The suppressed cells that the margins and the released cells determine exactly: the
    bridges of the graph of suppressed cells (sorted, so the result is reproducible)."""
    hidden = sorted(set(suppressed), key=repr)
    out = []
    for key in hidden:
        others = [k for k in hidden if k != key]
        if not _connected(others, *_vertices(key)):
            out.append(key)
    return out


def _cheapest_path(
    present: set[Key], suppressed: set[Key], weight: Mapping[Key, float], bridge: Key
) -> list[Key] | None:
    """The released cells to suppress so that `bridge` lies on a cycle: the cheapest path
    between its row and its column over the other present cells (suppressed ones are free)."""
    graph = defaultdict(list)
    for key in present:
        if key == bridge:
            continue
        a, b = _vertices(key)
        cost = 0.0 if key in suppressed else 1.0 + weight.get(key, 0.0)
        graph[a].append((b, key, cost))
        graph[b].append((a, key, cost))
    start, goal = _vertices(bridge)
    best = {start: 0.0}
    previous: dict = {}
    queue = [(0.0, 0, start)]
    counter = 1
    while queue:
        cost, _n, vertex = heapq.heappop(queue)
        if vertex == goal:
            path = []
            while vertex != start:
                vertex, key = previous[vertex]
                path.append(key)
            return [key for key in path if key not in suppressed]
        if cost > best.get(vertex, float("inf")):
            continue
        for other, key, step in sorted(graph[vertex], key=lambda e: repr(e[1])):
            total = cost + step
            if total < best.get(other, float("inf")):
                best[other] = total
                previous[other] = (vertex, key)
                heapq.heappush(queue, (total, counter, other))
                counter += 1
    return None


def protect(cells: Mapping[Key, Cell]) -> dict[Key, Reason | None]:
    """Primary and complementary suppression of a table with margins (`build_table`): for
    every present cell, None when it is released, else why not. Complementary cells are
    chosen among those with the fewest companies."""
    totals = {key: company_totals(cell.contributions) for key, cell in cells.items()}
    reasons: dict[Key, Reason | None] = {key: reason_of_totals(t) for key, t in totals.items()}
    present = set(cells)
    suppressed = {key for key, reason in reasons.items() if reason is not None}
    weight = {key: float(len(t)) for key, t in totals.items()}
    while bridges := exposed(suppressed):
        path = _cheapest_path(present, suppressed, weight, bridges[0])
        if not path:
            # No way around (a table given without its margins): hide everything.
            path = sorted(present - suppressed, key=repr)
            if not path:
                break
        for key in path:
            suppressed.add(key)
            reasons[key] = Reason.COMPLEMENTARY
    return reasons
