"""The drawing primitives of the charts: colours, fonts, text, the SVG frame, axis ticks."""

from __future__ import annotations

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


def txt(x, y, content, *, size=12, fill=INK, anchor="start", weight=None, extra="") -> str:
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


def grid_and_axis(out, ticks, y_of, left, top, plot_w, plot_h, y_title) -> float:
    """Horizontal gridlines with their value labels, the rotated y-axis title and the x axis
    line; returns the axis's y position."""
    for value, label in ticks:
        y = y_of(value)
        out.append(
            f'<line x1="{num(left)}" y1="{num(y)}" x2="{num(left + plot_w)}" y2="{num(y)}" '
            f'stroke="{LINE}" stroke-width="1"/>'
        )
        out.append(txt(left - 8, y + 4, label, size=12, fill=INK_SOFT, anchor="end"))
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
