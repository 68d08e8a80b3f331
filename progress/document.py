"""The PDF progress report as a document: the HTML of `progress/pdf/report.html` filled with
the same presentation as the dashboard (`progress.presentation`), and that HTML rendered to
an A4 PDF by WeasyPrint. Requesting, building and retrying reports stay in
`progress.services`, which calls `report_html` and `render_pdf`."""

from __future__ import annotations

from html import escape

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from hub import charts
from hub.formats import org_name, person_name, program_name, region_name
from hub.models import Organization
from programs.models import Program
from progress.choices import ReportScope
from progress.figures import Summary
from progress.models import ProgressReport
from progress.presentation import present

PDF_FONT = "NanumGothic, 'Nanum Gothic', sans-serif"


def scope_words(scope: str, scope_value: str) -> str:
    """A report's scope in words, e.g. "Region: Seoul" (report pages, API and the PDF)."""
    if scope == ReportScope.REGION:
        return _("Region: %(name)s") % {"name": region_name(scope_value)}
    if scope == ReportScope.PROGRAM:
        program = Program.objects.filter(pk=scope_value or 0).first()
        return _("Program: %(name)s") % {"name": program_name(program) if program else scope_value}
    if scope == ReportScope.PARTNER:
        firm = Organization.objects.filter(pk=scope_value or 0).first()
        return _("Partner firm: %(name)s") % {"name": org_name(firm) if firm else scope_value}
    return _("National (all plants)")


def _pdf_svg(svg: str) -> str:
    """Chart SVG with the embedded Korean font named first (fontconfig knows NanumGothic)."""
    svg = svg.replace(escape(charts.FONT_FAMILY), escape(PDF_FONT))
    # At its own size (640 px = 169 mm fits the A4 text width): no scaling, no stray height.
    svg = svg.replace(' class="chart-svg"', "")
    return mark_safe(svg)  # noqa: S308 - chart SVG built from escaped parts  # nosec B308, B703


def report_context(report: ProgressReport, summary: Summary) -> dict:
    shown = present(summary)
    return {
        "report": report,
        "summary": summary,
        "shown": shown,
        "charts": {name: _pdf_svg(svg) for name, svg in shown.charts.items()},
        "scope_words": scope_words(report.scope, report.scope_value),
        "language_name": dict(settings.LANGUAGES)[report.language],
        "requested_by": person_name(report.requested_by),
        "generated_at": timezone.localtime(),
        "scope_filter": summary.scope.as_dict(),
        "pdf_font": PDF_FONT,
    }


def report_html(report: ProgressReport, summary: Summary) -> str:
    return render_to_string("progress/pdf/report.html", report_context(report, summary))


def _refuse_fetch(url, *args, **kwargs):
    raise ValueError(f"the report does not load external resources ({url})")


def render_pdf(html: str) -> bytes:
    """HTML to A4 PDF bytes with WeasyPrint; nothing is fetched (fonts come from fontconfig)."""
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
