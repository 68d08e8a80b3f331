"""Downloads of lists that open cleanly in a spreadsheet and cannot carry formulas.

- CSV: UTF-8 with a BOM, so Excel reads Hangul without asking for the encoding; streamed row
  by row, so a list of 35,000 plants never sits in memory.
- XLSX: an openpyxl write-only workbook (rows go to a temporary file, not to memory).
- Formula injection neutralised (OWASP): in CSV a text cell starting with = + - @, a tab or a
  carriage return gets a leading single quote, so a plant named "=HYPERLINK(…)" stays text.
  The full-width ＝ ＋ － ＠ count too: with East Asian input settings a spreadsheet may read
  them as formulas. In XLSX every text cell is written as a string, never as a formula.
  Numbers are written as numbers (a negative amount is not a formula).
"""

import csv
import tempfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_FORMATS = ("csv", "xlsx")


def safe_cell(value) -> str | int | float | Decimal:
    """A value ready for a CSV cell: None as empty, dates in ISO form, numbers untouched,
    text that a spreadsheet would run as a formula prefixed with a single quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, date | datetime):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_response(filename: str, header: Sequence, rows: Iterable[Sequence]) -> HttpResponse:
    """An attachment response built in memory (small tables): BOM, header row, then every
    row through safe_cell."""
    response = HttpResponse(content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write(BOM)
    writer = csv.writer(response, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return response


class _Echo:
    def write(self, value):
        return value


def csv_stream(filename: str, header: Sequence, rows: Iterable[Sequence]):
    """The same file as csv_response, streamed: rows are read as the client downloads."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")

    def stream():
        yield BOM + writer.writerow([safe_cell(h) for h in header])
        for row in rows:
            yield writer.writerow([safe_cell(v) for v in row])

    response = StreamingHttpResponse(stream(), content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _xlsx_value(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return value
    return str(value)


def xlsx_response(filename: str, header: Sequence, rows: Iterable[Sequence], *, title=""):
    """An XLSX attachment: one sheet, a bold header row frozen at the top, every text cell a
    string (openpyxl would otherwise store text starting with "=" as a formula)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(str(title) or "export")[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    head = []
    for label in header:
        cell = WriteOnlyCell(sheet, value=str(label))
        cell.data_type = "s"
        cell.font = bold
        head.append(cell)
    sheet.append(head)
    for row in rows:
        cells = []
        for value in row:
            value = _xlsx_value(value)
            if isinstance(value, str) and value.startswith("="):
                # openpyxl stores text starting with "=" as a formula: keep it text.
                value = WriteOnlyCell(sheet, value=value)
                value.data_type = "s"
            cells.append(value)
        sheet.append(cells)
    # The workbook is assembled in a temporary file (spooled to disk past 8 MB).
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    workbook.save(out)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


def export_response(fmt: str, stem: str, header: Sequence, rows: Iterable[Sequence], *, title=""):
    """CSV (streamed) or XLSX of `rows`, named `<stem>-<today>.<fmt>`."""
    filename = f"{stem}-{timezone.localdate().isoformat()}.{fmt}"
    if fmt == "xlsx":
        return xlsx_response(filename, header, rows, title=title)
    return csv_stream(filename, header, rows)
