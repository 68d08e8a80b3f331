"""The drawing primitives of the charts: colours, fonts, text, the SVG frame, axis ticks."""

from __future__ import annotations

import math
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
# Okabe-Ito: told apart with every common colour-vision deficiency; series take them in order.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00")
TARGET_STROKE = "#c2410c"
# On a phone the 640-unit drawing is shown about 330 px wide; app.css then draws chart text
# this large (in drawing units, about 11 px on screen), and margins leave room for it.
PHONE_TEXT = 22
# A target further above the data than this factor is drawn at the top of the plot, marked as
# above the scale, instead of stretching the axis until the bars vanish.
TARGET_REACH = 2.0


def num(value: float) -> str:
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


def txt(x, y, content, *, size=12, fill=INK, anchor="start", weight=None, extra="", cls="") -> str:
    """A text element. `cls` names its role (chart-tick, chart-tick--minor, chart-value,
    chart-label, chart-target, chart-legend): app.css enlarges these on a phone, where the
    drawing is scaled down, and hides minor ticks there."""
    attrs = [
        f'x="{num(x)}"',
        f'y="{num(y)}"',
        f'font-size="{num(size)}"',
        f'fill="{fill}"',
        f'text-anchor="{anchor}"',
        f'font-family="{escape(FONT_FAMILY)}"',
    ]
    if weight:
        attrs.append(f'font-weight="{weight}"')
    if cls:
        attrs.append(f'class="{cls}"')
    if extra:
        attrs.append(extra)
    return f"<text {' '.join(attrs)}>{escape(str(content))}</text>"


def open_svg(width, height, title: str, desc: str, chart_id: str) -> list[str]:
    cid = escape(chart_id)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{num(width)}" '
        f'height="{num(height)}" viewBox="0 0 {num(width)} {num(height)}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" font-family="{escape(FONT_FAMILY)}" '
        f'preserveAspectRatio="xMinYMin meet" class="chart-svg">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(desc)}</desc>',
    ]


def fmt_tick(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return num(value)


def nice_step(raw: float) -> float:
    """The smallest of 1, 2, 2.5 and 5 times a power of ten that is at least `raw`."""
    if raw <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        step = magnitude * factor
        if step >= raw * (1 - 1e-9):
            return step
    return magnitude * 10  # pragma: no cover - the loop always returns


def nice_ticks(max_value: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to at least max_value (about `count` steps)."""
    if max_value <= 0:
        return [0.0, 1.0]
    step = nice_step(max_value / count)
    ticks, index = [0.0], 0
    while ticks[-1] < max_value - 1e-9:
        index += 1
        ticks.append(round(step * index, 6))
    return ticks


@dataclass(frozen=True)
class Axis:
    """A value axis fitted to the data: its ticks (0 to `top`) and whether the target lies on
    it (`target_on_scale`; False: the target is far above the data and is drawn at the top
    edge, marked as above the scale)."""

    ticks: tuple[float, ...]
    top: float
    target_on_scale: bool


def fit_axis(
    values: Sequence[float | None],
    target: float | None = None,
    *,
    count: int = 4,
    floor: float = 0,
    reach: float = TARGET_REACH,
) -> Axis:
    """Nice ticks from 0 to the data's largest value (at least `floor`); the target joins the
    scale only when it is within `reach` times that value, so a 30,000-plant target does not
    flatten a few hundred plants to nothing."""
    data_top = max([v for v in values if v is not None] + [floor, 0])
    on_scale = target is not None and (data_top <= 0 or target <= data_top * reach)
    top = max(data_top, target if on_scale and target is not None else 0)
    ticks = nice_ticks(top, count) if top > 0 else [0.0, 1.0]
    return Axis(tuple(ticks), ticks[-1], on_scale)


def span_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Ticks in one round step from at or below min(low, 0) to at or above max(high, 0)
    (for values on both sides of zero)."""
    low, high = min(low, 0), max(high, 0)
    if high - low <= 0:
        return [0.0, 1.0]
    step = nice_step((high - low) / count)
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    return [round(step * i, 6) + 0.0 for i in range(first, last + 1)]


def thin_every(count: int, limit: int) -> int:
    """Label every n-th of `count` categories so that at most `limit` labels are written."""
    return 1 if count <= limit else math.ceil(count / limit)


def grid_and_axis(out, ticks, y_of, left, top, plot_w, plot_h, y_title) -> float:
    """Horizontal gridlines with their value labels, the rotated y-axis title and the x axis
    line; returns the axis's y position."""
    for value, label in ticks:
        y = y_of(value)
        out.append(
            f'<line x1="{num(left)}" y1="{num(y)}" x2="{num(left + plot_w)}" y2="{num(y)}" '
            f'stroke="{LINE}" stroke-width="1"/>'
        )
        out.append(
            txt(left - 8, y + 4, label, size=12, fill=INK_SOFT, anchor="end", cls="chart-tick")
        )
    if y_title:
        cy = top + plot_h / 2
        out.append(
            txt(
                12,
                cy,
                y_title,
                size=12,
                fill=INK_SOFT,
                anchor="middle",
                extra=f'transform="rotate(-90 12 {num(cy)})"',
            )
        )
    axis_y = top + plot_h
    out.append(
        f'<line x1="{num(left)}" y1="{num(axis_y)}" x2="{num(left + plot_w)}" '
        f'y2="{num(axis_y)}" stroke="{INK_SOFT}" stroke-width="1"/>'
    )
    return axis_y


def legend(out, items, *, x: float, y: float, width: float) -> float:
    """A row of legend entries (wrapping onto further rows when it runs out of width) from
    (kind, colour, label) items, kind "box" (bars), "line" (a series line) or "dash" (a
    target); returns the y below the legend."""
    cx, cy = x, y
    for kind, colour, label in items:
        entry = 22 + text_width(label, PHONE_TEXT) + 16  # room for the phone's larger text
        if cx > x and cx + entry > x + width:
            cx, cy = x, cy + 22
        if kind == "box":
            out.append(
                f'<rect x="{num(cx)}" y="{num(cy - 10)}" width="14" height="12" rx="2" '
                f'fill="{colour}" class="chart-legend-key"/>'
            )
        else:
            dash = ' stroke-dasharray="6 4"' if kind == "dash" else ""
            out.append(
                f'<line x1="{num(cx)}" y1="{num(cy - 4)}" x2="{num(cx + 16)}" y2="{num(cy - 4)}" '
                f'stroke="{colour}" stroke-width="2.5"{dash} class="chart-legend-key"/>'
            )
        out.append(txt(cx + 20, cy, label, size=12, fill=INK, cls="chart-legend"))
        cx += entry
    return cy + 12
