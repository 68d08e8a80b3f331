"""Level timelines and horizontal bar charts (plant pages, portfolios)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from hub.charts.svg import (
    BAND_FILLS,
    BRAND,
    BRAND_DARK,
    INK,
    INK_SOFT,
    MUTED,
    PHONE_TEXT,
    grid_and_axis,
    num,
    open_svg,
    text_width,
    txt,
)


@dataclass(frozen=True)
class TimelinePoint:
    """One observation on a timeline: a date, a value and the label written next to it."""

    day: datetime.date
    value: float
    label: str = ""


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: its row label, its value (None: no bar, `note` says why) and the
    text written at its end."""

    label: str
    value: float | None
    value_label: str = ""
    note: str = ""


def _year_ticks(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    first, last = start.year + 1, end.year
    years = list(range(first, last + 1))
    step = 1 if len(years) <= 8 else (len(years) + 7) // 8
    return [datetime.date(y, 1, 1) for y in years[::step]]


def timeline_chart(
    points: Sequence[TimelinePoint],
    *,
    title: str,
    desc: str = "",
    y_min: float = 0,
    y_max: float = 5,
    y_ticks: Sequence[tuple[float, str]] = (),
    y_title: str = "",
    until: datetime.date | None = None,
    step: bool = True,
    width: int = 640,
    height: int = 240,
    chart_id: str = "timeline",
) -> str:
    """A dated series: x is the date (to scale, with a tick every January), y the value.

    With `step` the line holds each value until the next point (a level stays until the next
    assessment replaces it) and runs on to `until` (e.g. today) after the last one. Each point
    is a dot labelled with its `label`. Points need not be sorted; an empty series draws the
    axes only.
    """
    points = sorted(points, key=lambda p: p.day)
    left = 16 + max([text_width(label, PHONE_TEXT) for _v, label in y_ticks] or [0]) + 8
    if y_title:
        left += 18
    right, top, bottom = 24, 26, 30
    plot_w, plot_h = width - left - right, height - top - bottom

    if points:
        start, end = points[0].day, max(points[-1].day, until or points[-1].day)
    else:
        start = end = until or datetime.date.today()
    if (end - start).days < 180:  # one point, or a few close together: give them room
        start -= datetime.timedelta(days=183)
        end += datetime.timedelta(days=183)
    pad = datetime.timedelta(days=max(30, (end - start).days // 20))
    start, end = start - pad, end + pad
    span = (end - start).days

    def x_of(day: datetime.date) -> float:
        return left + plot_w * (day - start).days / span

    def y_of(value: float) -> float:
        return top + plot_h * (1 - (value - y_min) / ((y_max - y_min) or 1))

    out = open_svg(width, height, title, desc, chart_id)
    # horizontal gridlines, value labels, y title and the x axis
    axis_y = grid_and_axis(out, y_ticks, y_of, left, top, plot_w, plot_h, y_title)
    for tick in _year_ticks(start, end):
        x = x_of(tick)
        out.append(
            f'<line x1="{num(x)}" y1="{num(axis_y)}" x2="{num(x)}" y2="{num(axis_y + 5)}" '
            f'stroke="{INK_SOFT}" stroke-width="1"/>'
        )
        out.append(
            txt(
                x, axis_y + 20, tick.year, size=12, fill=INK_SOFT, anchor="middle", cls="chart-tick"
            ),
        )

    if points:
        coords = [(x_of(p.day), y_of(p.value)) for p in points]
        path = [f"M{num(coords[0][0])},{num(coords[0][1])}"]
        for x1, y1 in coords[1:]:
            if step:
                path.append(f"H{num(x1)}V{num(y1)}")
            else:
                path.append(f"L{num(x1)},{num(y1)}")
        if step and until is not None and until > points[-1].day:
            path.append(f"H{num(x_of(until))}")
        out.append(
            f'<path d="{" ".join(path)}" fill="none" stroke="{BRAND}" stroke-width="2.5" '
            f'stroke-linejoin="round"/>'
        )
        for point, (x, y) in zip(points, coords, strict=True):
            out.append(
                f'<circle cx="{num(x)}" cy="{num(y)}" r="5" fill="{BRAND_DARK}" '
                f'stroke="#fff" stroke-width="2"><title>{escape(point.day.isoformat())}'
                f"{' · ' + escape(point.label) if point.label else ''}</title></circle>"
            )
            if point.label:
                label_y = y - 10 if y - 10 > top - 8 else y + 20
                out.append(
                    txt(x, label_y, point.label, size=12, fill=INK, anchor="middle", weight=700)
                )
    out.append("</svg>")
    return "".join(out)


def hbar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    desc: str = "",
    min_value: float = 0,
    max_value: float = 1000,
    markers: Sequence[tuple[float, str]] = (),
    axis_labels: Sequence[float] = (),
    width: int = 640,
    bar_height: int = 22,
    gap: int = 14,
    chart_id: str = "bars",
) -> str:
    """Horizontal bars on a fixed scale from `min_value` to `max_value`, one row per bar.

    `markers` are (value, label) thresholds drawn as dashed vertical lines labelled above the
    plot, with alternate shading between them (level bands); `axis_labels` are values written
    under the plot. A bar whose value is None is drawn as its `note` in place of a bar.
    """
    # Room for the larger text a phone shows (app.css, classes chart-label / chart-value).
    label_w = 8 + max([text_width(b.label, PHONE_TEXT) for b in bars] or [0])
    value_w = 8 + max([text_width(b.value_label, PHONE_TEXT) for b in bars] or [0])
    left, right = label_w + 12, value_w + 8
    top = 24 if markers else 8
    bottom = 24 if axis_labels else 8
    plot_w = max(width - left - right, 120)
    rows_h = len(bars) * (bar_height + gap) - (gap if bars else 0)
    height = top + max(rows_h, bar_height) + bottom + 8
    span = (max_value - min_value) or 1

    def x_of(value: float) -> float:
        clamped = min(max(value, min_value), max_value)
        return left + plot_w * (clamped - min_value) / span

    out = open_svg(width, height, title, desc, chart_id)
    plot_bottom = top + max(rows_h, bar_height) + 4
    # level bands: shade every other interval between markers
    edges = [min_value, *[v for v, _label in markers], max_value]
    for index, (lo, hi) in enumerate(zip(edges, edges[1:], strict=False)):
        out.append(
            f'<rect x="{num(x_of(lo))}" y="{num(top - 4)}" width="{num(x_of(hi) - x_of(lo))}" '
            f'height="{num(plot_bottom - top + 4)}" fill="{BAND_FILLS[index % 2]}"/>'
        )
    for value, label in markers:
        x = x_of(value)
        out.append(
            f'<line x1="{num(x)}" y1="{num(top - 4)}" x2="{num(x)}" y2="{num(plot_bottom)}" '
            f'stroke="{MUTED}" stroke-width="1" stroke-dasharray="3 3"/>'
        )
        out.append(txt(x, top - 9, label, size=11, fill=INK_SOFT, anchor="middle"))
    for value in axis_labels:
        out.append(
            txt(x_of(value), plot_bottom + 16, num(value), size=11, fill=MUTED, anchor="middle")
        )
    for index, bar in enumerate(bars):
        y = top + index * (bar_height + gap)
        mid = y + bar_height / 2 + 4.5
        out.append(txt(left - 12, mid, bar.label, size=13, fill=INK, anchor="end", cls="chart-row"))
        if bar.value is None:
            out.append(txt(left + 6, mid, bar.note, size=12, fill=MUTED))
            continue
        end = x_of(bar.value)
        out.append(
            f'<rect x="{num(left)}" y="{num(y)}" width="{num(max(end - left, 1))}" '
            f'height="{bar_height}" rx="3" fill="{BRAND}"><title>{escape(bar.label)}'
            f"{': ' + escape(bar.value_label) if bar.value_label else ''}</title></rect>"
        )
        if bar.value_label:
            out.append(
                txt(end + 6, mid, bar.value_label, size=12, fill=INK, weight=700, cls="chart-value")
            )
    out.append("</svg>")
    return "".join(out)
