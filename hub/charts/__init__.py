"""Server-side SVG charts: pure functions from plain data to an SVG string.

No ORM, no templates, no JavaScript: the same markup works inline in a page, in an e-mail and
in a WeasyPrint PDF. Every style is a presentation attribute (no style attributes, which a
Content Security Policy blocks; the root's one class, chart-svg, lets a page's stylesheet
shrink it to the page) so the chart looks the same wherever it is embedded, and every text
element carries a font-family that includes Korean fonts, so Hangul labels never fall back to
tofu boxes.

Callers pass translated labels; this module only lays them out and escapes them.
"""

from hub.charts.columns import Column, column_chart, line_chart, progress_meter
from hub.charts.groups import grouped_hbar_chart
from hub.charts.svg import FONT_FAMILY, PALETTE, Axis, fit_axis, nice_ticks, text_width
from hub.charts.timeline import Bar, TimelinePoint, hbar_chart, timeline_chart

__all__ = [
    "FONT_FAMILY",
    "PALETTE",
    "Axis",
    "Bar",
    "Column",
    "TimelinePoint",
    "column_chart",
    "fit_axis",
    "grouped_hbar_chart",
    "hbar_chart",
    "line_chart",
    "nice_ticks",
    "progress_meter",
    "text_width",
    "timeline_chart",
]
