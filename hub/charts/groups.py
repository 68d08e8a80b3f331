"""Grouped horizontal bars: one group per category (e.g. a KPI), one bar per series (e.g. a
partner firm and the national average), each series in its own colour-blind-safe colour and
named in a legend. Group labels sit above their bars, so long labels never squeeze the plot
and stay readable on a phone."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from hub.charts.svg import (
    INK,
    INK_SOFT,
    LINE,
    MUTED,
    PALETTE,
    PHONE_TEXT,
    fmt_tick,
    legend,
    num,
    open_svg,
    span_ticks,
    text_width,
    txt,
)
from hub.charts.timeline import Bar


def grouped_hbar_chart(
    groups: Sequence[tuple[str, Sequence[Bar]]],
    *,
    series: Sequence[str],
    title: str,
    desc: str = "",
    width: int = 640,
    bar_height: int = 16,
    chart_id: str = "groups",
) -> str:
    """`groups` are (label, bars) with one Bar per entry of `series` (same order; a bar's own
    label is not drawn, its value_label is written at its end, a None value writes its note).
    The scale fits the values (nice ticks from 0, or from below 0 when a value is negative)."""
    values = [b.value for _label, bars in groups for b in bars if b.value is not None]
    ticks = span_ticks(min(values, default=0), max(values, default=0), count=5)
    lo, hi = ticks[0], ticks[-1]
    value_w = 8 + max(
        [text_width(b.value_label or b.note, PHONE_TEXT) for _l, bars in groups for b in bars]
        or [0]
    )
    left, right = 8, max(value_w, 40)
    plot_w = max(width - left - right, 120)
    out = open_svg(width, 10, title, desc, chart_id)  # height patched below
    out.append('<g class="chart-legend-group">')
    y = legend(
        out,
        [("box", PALETTE[i % len(PALETTE)], name) for i, name in enumerate(series)],
        x=left,
        y=16,
        width=width - left - right,
    )
    out.append("</g>")
    y += 12
    span = (hi - lo) or 1

    def x_of(value: float) -> float:
        return left + plot_w * (min(max(value, lo), hi) - lo) / span

    def name_of(index: int) -> str:
        return series[index] if index < len(series) else ""

    plot_top = y
    rows = []
    for label, bars in groups:
        y += 30
        rows.append(txt(left, y - 7, label, size=13, fill=INK, weight=700, cls="chart-label"))
        for index, bar in enumerate(bars):
            colour = PALETTE[index % len(PALETTE)]
            mid = y + bar_height / 2 + 4.5
            if bar.value is None:
                rows.append(txt(x_of(0) + 4, mid, bar.note, size=12, fill=MUTED, cls="chart-value"))
            else:
                x0, x1 = sorted((x_of(0), x_of(bar.value)))
                rows.append(
                    f'<rect x="{num(x0)}" y="{num(y)}" width="{num(max(x1 - x0, 1))}" '
                    f'height="{bar_height}" rx="2" fill="{colour}" data-series="{index}">'
                    f"<title>{escape(label)} · {escape(name_of(index))}"
                    f"{': ' + escape(bar.value_label) if bar.value_label else ''}</title></rect>"
                )
                if bar.value_label:
                    rows.append(
                        txt(
                            max(x1, x_of(0)) + 6,
                            mid,
                            bar.value_label,
                            size=12,
                            fill=INK,
                            cls="chart-value",
                        )
                    )
            y += bar_height + 4
        y += 6
    plot_bottom = y
    grid = []
    for value in ticks:
        x = x_of(value)
        grid.append(
            f'<line x1="{num(x)}" y1="{num(plot_top)}" x2="{num(x)}" y2="{num(plot_bottom)}" '
            f'stroke="{INK_SOFT if value == 0 else LINE}" stroke-width="1"/>'
        )
        grid.append(
            txt(
                x,
                plot_bottom + 20,
                fmt_tick(value),
                size=12,
                fill=INK_SOFT,
                anchor="middle",
                cls="chart-tick",
            )
        )
    height = plot_bottom + 30
    out[0] = out[0].replace(
        f'height="10" viewBox="0 0 {num(width)} 10"',
        f'height="{num(height)}" viewBox="0 0 {num(width)} {num(height)}"',
    )
    out.extend(grid)
    out.extend(rows)
    out.append("</svg>")
    return "".join(out)
