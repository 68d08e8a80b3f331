"""Server-side SVG charts: pure functions from plain data to an SVG string.

No ORM, no templates, no JavaScript: the same markup works inline in a page, in an e-mail and
in a WeasyPrint PDF. Every style is a presentation attribute (no style attributes, which a
Content Security Policy blocks; the root's one class, chart-svg, lets a page's stylesheet
shrink it to the page) so the chart looks the same wherever it is embedded, and every text
element carries a font-family that includes Korean fonts, so Hangul labels never fall back to
tofu boxes.

Callers pass translated labels; this module only lays them out and escapes them.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

# Korean-capable fonts first (matching static/css/app.css), then generic fallbacks.
FONT_FAMILY = (
    "'NanumGothic', 'Nanum Gothic', 'Noto Sans KR', 'Noto Sans CJK KR', 'Apple SD Gothic Neo', "
    "'Malgun Gothic', system-ui, sans-serif"
)
INK = "#1c2430"
INK_SOFT = "#4d5969"
MUTED = "#687384"
LINE = "#d8dee6"
BRAND = "#0b5cab"
BRAND_DARK = "#084785"
BAND_FILLS = ("#f6f8fb", "#eef2f6")


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


def _num(value: float) -> str:
    """Coordinates with at most one decimal, no trailing zeros."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def text_width(text: str, size: float) -> float:
    """A width estimate for layout: Hangul and other wide characters take about one em, Latin
    letters and digits about 0.6 em."""
    width = 0.0
    for char in text:
        if ord(char) >= 0x1100:
            width += 1.0
        elif char in " .,:;|!'il":
            width += 0.32
        else:
            width += 0.6
    return width * size


def _text(x, y, content, *, size=12, fill=INK, anchor="start", weight=None, extra="") -> str:
    attrs = [
        f'x="{_num(x)}"',
        f'y="{_num(y)}"',
        f'font-size="{_num(size)}"',
        f'fill="{fill}"',
        f'text-anchor="{anchor}"',
        f'font-family="{escape(FONT_FAMILY)}"',
    ]
    if weight:
        attrs.append(f'font-weight="{weight}"')
    if extra:
        attrs.append(extra)
    return f"<text {' '.join(attrs)}>{escape(str(content))}</text>"


def _open_svg(width, height, title: str, desc: str, chart_id: str) -> list[str]:
    cid = escape(chart_id)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(width)}" '
        f'height="{_num(height)}" viewBox="0 0 {_num(width)} {_num(height)}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" font-family="{escape(FONT_FAMILY)}" '
        f'preserveAspectRatio="xMinYMin meet" class="chart-svg">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(desc)}</desc>',
    ]


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
    left = 16 + max([text_width(label, 12) for _v, label in y_ticks] or [0]) + 8
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

    out = _open_svg(width, height, title, desc, chart_id)
    # horizontal gridlines, value labels, y title and the x axis
    axis_y = _grid_and_axis(out, y_ticks, y_of, left, top, plot_w, plot_h, y_title)
    for tick in _year_ticks(start, end):
        x = x_of(tick)
        out.append(
            f'<line x1="{_num(x)}" y1="{_num(axis_y)}" x2="{_num(x)}" y2="{_num(axis_y + 5)}" '
            f'stroke="{INK_SOFT}" stroke-width="1"/>'
        )
        out.append(_text(x, axis_y + 19, tick.year, size=12, fill=INK_SOFT, anchor="middle"))

    if points:
        coords = [(x_of(p.day), y_of(p.value)) for p in points]
        path = [f"M{_num(coords[0][0])},{_num(coords[0][1])}"]
        for x1, y1 in coords[1:]:
            if step:
                path.append(f"H{_num(x1)}V{_num(y1)}")
            else:
                path.append(f"L{_num(x1)},{_num(y1)}")
        if step and until is not None and until > points[-1].day:
            path.append(f"H{_num(x_of(until))}")
        out.append(
            f'<path d="{" ".join(path)}" fill="none" stroke="{BRAND}" stroke-width="2.5" '
            f'stroke-linejoin="round"/>'
        )
        for point, (x, y) in zip(points, coords, strict=True):
            out.append(
                f'<circle cx="{_num(x)}" cy="{_num(y)}" r="5" fill="{BRAND_DARK}" '
                f'stroke="#fff" stroke-width="2"><title>{escape(point.day.isoformat())}'
                f"{' · ' + escape(point.label) if point.label else ''}</title></circle>"
            )
            if point.label:
                label_y = y - 10 if y - 10 > top - 8 else y + 20
                out.append(
                    _text(x, label_y, point.label, size=12, fill=INK, anchor="middle", weight=700)
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
    label_w = 8 + max([text_width(b.label, 13) for b in bars] or [0])
    value_w = 8 + max([text_width(b.value_label, 12) for b in bars] or [0])
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

    out = _open_svg(width, height, title, desc, chart_id)
    plot_bottom = top + max(rows_h, bar_height) + 4
    # level bands: shade every other interval between markers
    edges = [min_value, *[v for v, _label in markers], max_value]
    for index, (lo, hi) in enumerate(zip(edges, edges[1:], strict=False)):
        out.append(
            f'<rect x="{_num(x_of(lo))}" y="{_num(top - 4)}" width="{_num(x_of(hi) - x_of(lo))}" '
            f'height="{_num(plot_bottom - top + 4)}" fill="{BAND_FILLS[index % 2]}"/>'
        )
    for value, label in markers:
        x = x_of(value)
        out.append(
            f'<line x1="{_num(x)}" y1="{_num(top - 4)}" x2="{_num(x)}" y2="{_num(plot_bottom)}" '
            f'stroke="{MUTED}" stroke-width="1" stroke-dasharray="3 3"/>'
        )
        out.append(_text(x, top - 9, label, size=11, fill=INK_SOFT, anchor="middle"))
    for value in axis_labels:
        out.append(
            _text(x_of(value), plot_bottom + 16, _num(value), size=11, fill=MUTED, anchor="middle")
        )
    for index, bar in enumerate(bars):
        y = top + index * (bar_height + gap)
        mid = y + bar_height / 2 + 4.5
        out.append(_text(left - 12, mid, bar.label, size=13, fill=INK, anchor="end"))
        if bar.value is None:
            out.append(_text(left + 6, mid, bar.note, size=12, fill=MUTED))
            continue
        end = x_of(bar.value)
        out.append(
            f'<rect x="{_num(left)}" y="{_num(y)}" width="{_num(max(end - left, 1))}" '
            f'height="{bar_height}" rx="3" fill="{BRAND}"><title>{escape(bar.label)}'
            f"{': ' + escape(bar.value_label) if bar.value_label else ''}</title></rect>"
        )
        if bar.value_label:
            out.append(_text(end + 6, mid, bar.value_label, size=12, fill=INK, weight=700))
    out.append("</svg>")
    return "".join(out)


# --- progress charts (dashboard and PDF report) ----------------------------------------------

TARGET_STROKE = "#c2410c"


@dataclass(frozen=True)
class Column:
    """One category on a column or line chart: its axis label, its value (None: nothing drawn
    there) and the text written at the value."""

    label: str
    value: float | None
    value_label: str = ""


def _fmt_tick(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return _num(value)


def nice_ticks(max_value: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to at least max_value (about `count` steps)."""
    if max_value <= 0:
        return [0.0, 1.0]
    raw = max_value / count
    magnitude = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 0.1
    for factor in (1, 2, 2.5, 5, 10):
        step = magnitude * factor
        if step >= raw:
            break
    ticks, value = [0.0], 0.0
    while value < max_value - 1e-9:
        value += step
        ticks.append(round(value, 6))
    return ticks


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
    height, top, bar_h = 58, 24, 22
    left, right = 2, 2
    track_w = width - left - right
    ratio = 0 if not target else max(min(value / target, 1), 0)
    out = _open_svg(width, height, title, desc, chart_id)
    out.append(_text(left, 16, value_label, size=13, fill=INK, weight=700))
    out.append(_text(width - right, 16, target_label, size=12, fill=INK_SOFT, anchor="end"))
    out.append(
        f'<rect x="{_num(left)}" y="{top}" width="{_num(track_w)}" height="{bar_h}" rx="4" '
        f'fill="{BAND_FILLS[1]}" stroke="{LINE}"/>'
    )
    if ratio > 0:
        out.append(
            f'<rect x="{_num(left)}" y="{top}" width="{_num(max(track_w * ratio, 2))}" '
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
            _text(
                x,
                top + bar_h / 2 + 4.5,
                percent,
                size=12,
                fill="#fff" if inside else INK,
                anchor="end" if inside else "start",
                weight=700,
            )
        )
    out.append("</svg>")
    return "".join(out)


def _category_frame(
    columns, *, title, desc, y_max, y_ticks, target, width, height, chart_id, y_title=""
):
    """Shared layout of column and line charts: axes, gridlines, target line, x labels.
    Returns (svg parts, x centre of column i, y of a value, column slot width)."""
    ticks = list(y_ticks) or [(t, _fmt_tick(t)) for t in nice_ticks(y_max)]
    y_max = max([y_max] + [t for t, _label in ticks])
    left = 12 + max([text_width(label, 12) for _v, label in ticks] or [0]) + 8
    if y_title:
        left += 18
    right, top, bottom = 16, 22, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    slot = plot_w / max(len(columns), 1)

    def x_of(index: int) -> float:
        return left + slot * (index + 0.5)

    def y_of(value: float) -> float:
        return top + plot_h * (1 - min(max(value, 0), y_max) / (y_max or 1))

    out = _open_svg(width, height, title, desc, chart_id)
    axis_y = _grid_and_axis(out, ticks, y_of, left, top, plot_w, plot_h, y_title)
    every = 1 if len(columns) <= 12 else (len(columns) + 11) // 12
    for index, column in enumerate(columns):
        if index % every == 0:
            out.append(
                _text(
                    x_of(index), axis_y + 19, column.label, size=12, fill=INK_SOFT, anchor="middle"
                )
            )
    tail = []
    if target is not None:
        value, label = target
        y = y_of(value)
        tail.append(
            f'<line x1="{_num(left)}" y1="{_num(y)}" x2="{_num(left + plot_w)}" y2="{_num(y)}" '
            f'stroke="{TARGET_STROKE}" stroke-width="2" stroke-dasharray="6 4"/>'
        )
        tail.append(
            _text(
                left + plot_w, y - 6, label, size=12, fill=TARGET_STROKE, anchor="end", weight=700
            )
        )
    return out, tail, x_of, y_of, slot


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
) -> str:
    """Vertical bars, one per category (e.g. cumulative supported plants per year), with an
    optional dashed target line labelled at its right end. The scale runs from 0 to the
    largest of `max_value`, the values and the target."""
    values = [c.value for c in columns if c.value is not None]
    top_value = max([max_value or 0, *values, target[0] if target else 0]) or 1
    out, tail, x_of, y_of, slot = _category_frame(
        columns,
        title=title,
        desc=desc,
        y_max=top_value,
        y_ticks=y_ticks,
        target=target,
        width=width,
        height=height,
        chart_id=chart_id,
        y_title=y_title,
    )
    bar_w = max(min(slot * 0.6, 48), 2)
    base = y_of(0)
    for index, column in enumerate(columns):
        if column.value is None:
            continue
        x, y = x_of(index), y_of(column.value)
        out.append(
            f'<rect x="{_num(x - bar_w / 2)}" y="{_num(y)}" width="{_num(bar_w)}" '
            f'height="{_num(max(base - y, 0.5))}" fill="{BRAND}"><title>{escape(column.label)}'
            f"{': ' + escape(column.value_label) if column.value_label else ''}</title></rect>"
        )
        if column.value_label:
            out.append(
                _text(x, y - 5, column.value_label, size=11, fill=INK, anchor="middle", weight=700)
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
) -> str:
    """A value per category joined by a line (e.g. the Level 3+ share per year), each point a
    labelled dot; a None value breaks the line. Optional dashed target line."""
    values = [p.value for p in points if p.value is not None]
    top_value = max([y_max, *values, target[0] if target else 0]) or 1
    out, tail, x_of, y_of, _slot = _category_frame(
        points,
        title=title,
        desc=desc,
        y_max=top_value,
        y_ticks=y_ticks,
        target=target,
        width=width,
        height=height,
        chart_id=chart_id,
        y_title=y_title,
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
                f"{'M' if i == 0 else 'L'}{_num(x)},{_num(y)}" for i, (x, y) in enumerate(segment)
            )
            out.append(
                f'<path d="{d}" fill="none" stroke="{BRAND}" stroke-width="2.5" '
                f'stroke-linejoin="round"/>'
            )
    for index, point in enumerate(points):
        if point.value is None:
            continue
        x, y = x_of(index), y_of(point.value)
        out.append(
            f'<circle cx="{_num(x)}" cy="{_num(y)}" r="4.5" fill="{BRAND_DARK}" stroke="#fff" '
            f'stroke-width="2"><title>{escape(point.label)}'
            f"{': ' + escape(point.value_label) if point.value_label else ''}</title></circle>"
        )
        if point.value_label:
            out.append(
                _text(x, y - 10, point.value_label, size=11, fill=INK, anchor="middle", weight=700)
            )
    out.append("</svg>")
    return "".join(out)


def _grid_and_axis(out, ticks, y_of, left, top, plot_w, plot_h, y_title) -> float:
    """Horizontal gridlines with their value labels, the rotated y-axis title and the x axis
    line; returns the axis's y position."""
    for value, label in ticks:
        y = y_of(value)
        out.append(
            f'<line x1="{_num(left)}" y1="{_num(y)}" x2="{_num(left + plot_w)}" y2="{_num(y)}" '
            f'stroke="{LINE}" stroke-width="1"/>'
        )
        out.append(_text(left - 8, y + 4, label, size=12, fill=INK_SOFT, anchor="end"))
    if y_title:
        cy = top + plot_h / 2
        out.append(
            _text(
                12,
                cy,
                y_title,
                size=12,
                fill=INK_SOFT,
                anchor="middle",
                extra=f'transform="rotate(-90 12 {_num(cy)})"',
            )
        )
    axis_y = top + plot_h
    out.append(
        f'<line x1="{_num(left)}" y1="{_num(axis_y)}" x2="{_num(left + plot_w)}" '
        f'y2="{_num(axis_y)}" stroke="{INK_SOFT}" stroke-width="1"/>'
    )
    return axis_y
