"""CSV downloads that open cleanly in Excel and cannot carry spreadsheet formulas.

- UTF-8 with a BOM, so Excel reads Hangul without asking for the encoding;
- formula injection neutralised (OWASP): a text cell starting with = + - @, a tab or a
  carriage return gets a leading single quote, so a plant named "=HYPERLINK(…)" stays text.
  The full-width ＝ ＋ － ＠ count too: with East Asian input settings a spreadsheet may read
  them as formulas.
  Numbers are written as numbers (a negative amount is not a formula).
"""

import csv
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


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
    """An attachment response: BOM, header row, then every row through safe_cell."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write(BOM)
    writer = csv.writer(response, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return response
