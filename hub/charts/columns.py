"""Progress meters, column charts and line charts (the progress dashboard and PDF)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from hub.charts.svg import (
    BAND_FILLS,
    BRAND,
    INK,
    INK_SOFT,
    LINE,
    PALETTE,
    PHONE_TEXT,
    TARGET_STROKE,
    fit_axis,
    fmt_tick,
    grid_and_axis,
    legend,
    num,
    open_svg,
    text_width,
    thin_every,
    txt,
)


@dataclass(frozen=True)
class Column:
    """One category on a column or line chart: its axis label, its value (None: nothing drawn
    there) and the text written at the value."""

    label: str
    value: float | None
    value_label: str = ""


def progress_meter(
    value: float,
    target: float,
    *,
    title: str,
    value_label: str,
    target_label: str,
    desc: str = "",
    ratio_label: str | None = None,
    width: int = 640,
    chart_id: str = "meter",
) -> str:
    """A progress bar towards a target: the filled share is value / target (capped at the
    full track); `value_label` is written above its left end, `target_label` above its right
    end, and `ratio_label` (by default value / target in percent, one decimal) at the end of
    the fill: a caller that formats its figures in one place passes its own."""
    height, top, bar_h = 64, 30, 24
    left, right = 2, 2
    track_w = width - left - right
    ratio = 0 if not target else max(min(value / target, 1), 0)
    out = open_svg(width, height, title, desc, chart_id)
    out.append(txt(left, 22, value_label, size=13, fill=INK, weight=700, cls="chart-value"))
    out.append(
        txt(
            width - right,
            22,
            target_label,
            size=12,
            fill=INK_SOFT,
            anchor="end",
            cls="chart-target-label",
        )
    )
    out.append(
        f'<rect x="{num(left)}" y="{top}" width="{num(track_w)}" height="{bar_h}" rx="4" '
        f'fill="{BAND_FILLS[1]}" stroke="{LINE}"/>'
    )
    if ratio > 0:
        out.append(
            f'<rect x="{num(left)}" y="{top}" width="{num(max(track_w * ratio, 2))}" '
            f'height="{bar_h}" rx="4" fill="{BRAND}"><title>{escape(value_label)}</title></rect>'
        )
    if ratio_label is not None:
        percent = ratio_label if target else ""
    else:
        percent = f"{100 * ratio:.1f} %" if target else ""
    if percent:
        inside = track_w * ratio > text_width(percent, 12) + 12
        x = left + track_w * ratio + (-6 if inside else 6)
        out.append(
            txt(
                x,
                top + bar_h / 2 + 4.5,
                percent,
                size=12,
                fill="#fff" if inside else INK,
                anchor="end" if inside else "start",
                weight=700,
                cls="chart-ratio",
            )
        )
    out.append("</svg>")
    return "".join(out)


def _category_frame(
    columns,
    *,
    title,
    desc,
    axis,
    y_ticks,
    target,
    width,
    height,
    chart_id,
    y_title="",
    legend_items=(),
    target_note="",
):
    """Shared layout of column and line charts: legend, axes, gridlines, target line, x
    labels. Returns (svg parts, parts to draw last, x centre of column i, y of a value,
    column slot width)."""
    ticks = list(y_ticks) or [(t, fmt_tick(t)) for t in axis.ticks]
    y_max = max([axis.top] + [t for t, _label in ticks])
    left = 12 + max([text_width(label, PHONE_TEXT) for _v, label in ticks] or [0]) + 8
    if y_title:
        left += 18
    right, bottom = 16, 34
    out = open_svg(width, height, title, desc, chart_id)
    top = 22
    if legend_items:
        out.append('<g class="chart-legend-group">')
        top = legend(out, legend_items, x=left, y=16, width=width - left - right) + 14
        out.append("</g>")
    if target is not None and not axis.target_on_scale:
        top += 16  # room for the "above the scale" label over the plot
    plot_w, plot_h = width - left - right, height - top - bottom
    slot = plot_w / max(len(columns), 1)

    def x_of(index: int) -> float:
        return left + slot * (index + 0.5)

    def y_of(value: float) -> float:
        return top + plot_h * (1 - min(max(value, 0), y_max) / (y_max or 1))

    axis_y = grid_and_axis(out, ticks, y_of, left, top, plot_w, plot_h, y_title)
    labelled = [i for i, c in enumerate(columns) if c.label][:: thin_every(len(columns), 12)]
    minor = set(labelled[1::2]) if len(labelled) > 6 else set()
    for index in labelled:
        cls = "chart-tick chart-tick--minor" if index in minor else "chart-tick"
        out.append(
            txt(
                x_of(index),
                axis_y + 20,
                columns[index].label,
                size=12,
                fill=INK_SOFT,
                anchor="middle",
                cls=cls,
            )
        )
    tail = []
    if target is not None:
        value, label = target
        on_scale = axis.target_on_scale or value <= y_max
        y = y_of(value) if on_scale else top
        tail.append(
            f'<line x1="{num(left)}" y1="{num(y)}" x2="{num(left + plot_w)}" y2="{num(y)}" '
            f'stroke="{TARGET_STROKE}" stroke-width="2" stroke-dasharray="6 4" '
            f'class="chart-target-line" data-target="{"on-scale" if on_scale else "above"}">'
            f"<title>{escape(label)}</title></line>"
        )
        text = label if on_scale else (target_note or f"{label} \u2191")
        tail.append(
            txt(
                left + plot_w,
                y - 6,
                text,
                size=12,
                fill=TARGET_STROKE,
                anchor="end",
                weight=700,
                cls="chart-target",
            )
        )
    return out, tail, x_of, y_of, slot, minor


def _legend_items(series_label, colour, kind, target):
    items = []
    if series_label:
        items.append((kind, colour, series_label))
    if series_label and target is not None:
        items.append(("dash", TARGET_STROKE, target[1]))
    return items


def column_chart(
    columns: Sequence[Column],
    *,
    title: str,
    desc: str = "",
    max_value: float | None = None,
    target: tuple[float, str] | None = None,
    y_ticks: Sequence[tuple[float, str]] = (),
    y_title: str = "",
    width: int = 640,
    height: int = 260,
    chart_id: str = "columns",
    series_label: str = "",
    target_note: str = "",
    colour: str = PALETTE[0],
) -> str:
    """Vertical bars, one per category (e.g. cumulative supported plants per year), with an
    optional dashed target line labelled at its right end. The scale fits the data (nice
    ticks from 0 to the largest of `max_value` and the values); the target joins it when it
    is near the data, and otherwise is drawn along the top edge labelled `target_note` (by
    default its label and an upward arrow). With `series_label` a legend names the bars and
    the target line."""
    axis = fit_axis([c.value for c in columns], target[0] if target else None, floor=max_value or 0)
    out, tail, x_of, y_of, slot, minor = _category_frame(
        columns,
        title=title,
        desc=desc,
        axis=axis,
        y_ticks=y_ticks,
        target=target,
        width=width,
        height=height,
        chart_id=chart_id,
        y_title=y_title,
        legend_items=_legend_items(series_label, colour, "box", target),
        target_note=target_note,
    )
    bar_w = max(min(slot * 0.6, 48), 2)
    base = y_of(0)
    for index, column in enumerate(columns):
        if column.value is None:
            continue
        x, y = x_of(index), y_of(column.value)
        out.append(
            f'<rect x="{num(x - bar_w / 2)}" y="{num(y)}" width="{num(bar_w)}" '
            f'height="{num(max(base - y, 0.5))}" fill="{colour}"><title>{escape(column.label)}'
            f"{': ' + escape(column.value_label) if column.value_label else ''}</title></rect>"
        )
        if column.value_label:
            cls = "chart-value chart-tick--minor" if index in minor else "chart-value"
            out.append(
                txt(
                    x,
                    y - 5,
                    column.value_label,
                    size=11,
                    fill=INK,
                    anchor="middle",
                    weight=700,
                    cls=cls,
                )
            )
    out.extend(tail)
    out.append("</svg>")
    return "".join(out)


def line_chart(
    points: Sequence[Column],
    *,
    title: str,
    desc: str = "",
    y_max: float = 100,
    target: tuple[float, str] | None = None,
    y_ticks: Sequence[tuple[float, str]] = (),
    y_title: str = "",
    width: int = 640,
    height: int = 240,
    chart_id: str = "line",
    dots: bool = True,
    series_label: str = "",
    target_note: str = "",
    colour: str = PALETTE[0],
) -> str:
    """A value per category joined by a line (e.g. the Level 3+ share per year), each point a
    labelled dot; a None value breaks the line. Optional dashed target line (fitted as in
    `column_chart`; `y_max` is the least top of the scale). Without `dots` (long series) only
    a point with no neighbour on either side gets its dot, so a lone value between two gaps
    still shows."""
    axis = fit_axis([p.value for p in points], target[0] if target else None, floor=y_max)
    out, tail, x_of, y_of, _slot, minor = _category_frame(
        points,
        title=title,
        desc=desc,
        axis=axis,
        y_ticks=y_ticks,
        target=target,
        width=width,
        height=height,
        chart_id=chart_id,
        y_title=y_title,
        legend_items=_legend_items(series_label, colour, "line", target),
        target_note=target_note,
    )
    segments: list[list[tuple[float, float]]] = [[]]
    for index, point in enumerate(points):
        if point.value is None:
            segments.append([])
        else:
            segments[-1].append((x_of(index), y_of(point.value)))
    out.extend(tail)
    for segment in segments:
        if len(segment) > 1:
            d = " ".join(
                f"{'M' if i == 0 else 'L'}{num(x)},{num(y)}" for i, (x, y) in enumerate(segment)
            )
            out.append(
                f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="2.5" '
                f'stroke-linejoin="round"/>'
            )
    for index, point in enumerate(points):
        if point.value is None:
            continue
        if not dots and any(
            0 <= i < len(points) and points[i].value is not None for i in (index - 1, index + 1)
        ):
            continue
        x, y = x_of(index), y_of(point.value)
        out.append(
            f'<circle cx="{num(x)}" cy="{num(y)}" r="4.5" fill="{colour}" stroke="#fff" '
            f'stroke-width="2"><title>{escape(point.label)}'
            f"{': ' + escape(point.value_label) if point.value_label else ''}</title></circle>"
        )
        if point.value_label:
            cls = "chart-value chart-tick--minor" if index in minor else "chart-value"
            out.append(
                txt(
                    x,
                    y - 10,
                    point.value_label,
                    size=11,
                    fill=INK,
                    anchor="middle",
                    weight=700,
                    cls=cls,
                )
            )
    out.append("</svg>")
    return "".join(out)
