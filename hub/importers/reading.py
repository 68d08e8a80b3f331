"""Reading an uploaded file into a header and rows of cell values. No ORM.

Accepts CSV as Korean offices actually produce it (UTF-8 with or without BOM, or CP949 as
Korean Excel saves "CSV (쉼표로 분리)") and XLSX workbooks. The format is decided by the
content, not the name: a workbook renamed to .csv still reads, and anything else is one
clear error rather than a page of garbled rows.
"""

import csv
import datetime
import decimal
import io
import warnings
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the pre-2007 binary .xls
UTF8_BOM = b"\xef\xbb\xbf"
DELIMITERS = (",", "\t", ";")

Cell = str | int | float | decimal.Decimal


class ImportFileError(Exception):
    """The file cannot be read at all. The message is meant for the person who uploaded it."""


@dataclass
class Table:
    """The first row as header, then the non-blank data rows with their spreadsheet row
    numbers (the header is row 1), so reports point where the user looks."""

    header: list[str]
    rows: list[tuple[int, list[Cell]]] = field(default_factory=list)
    format: str = "csv"
    encoding: str = ""


def read_table(content: bytes, filename: str = "", *, max_rows: int) -> Table:
    name = (filename or "").lower()
    if content.startswith(ZIP_MAGIC):
        return _read_xlsx(content, max_rows=max_rows)
    if content.startswith(OLE_MAGIC) or name.endswith(".xls"):
        raise ImportFileError(
            _("Old Excel 97-2003 (.xls) files are not supported: save the sheet as .xlsx or CSV.")
        )
    if name.endswith((".xlsx", ".xlsm")):
        raise ImportFileError(_("The file is not a valid Excel workbook (.xlsx)."))
    text, encoding = decode_text(content)
    return _read_csv(text, encoding=encoding, max_rows=max_rows)


def decode_text(content: bytes) -> tuple[str, str]:
    """UTF-8 (a leading BOM is dropped), else CP949; anything else is refused. A NUL byte
    means UTF-16/32 or binary data, which CP949 would otherwise "decode" into nonsense."""
    neither = ImportFileError(
        _(
            "The file is neither UTF-8 nor CP949 text. Save it from Excel as "
            "“CSV UTF-8” or as an Excel workbook (.xlsx)."
        )
    )
    if b"\x00" in content:
        raise neither
    if content.startswith(UTF8_BOM):
        try:
            return content[len(UTF8_BOM) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise neither from None
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp949"), "cp949"
    except UnicodeDecodeError:
        raise neither from None


def _delimiter(text: str) -> str:
    """Comma unless the header line clearly uses tabs or semicolons instead. Decided on the
    header alone: csv.Sniffer guesses badly on Korean text and commas inside addresses."""
    first_line = text.split("\n", 1)[0]
    if "," in first_line:
        return ","
    counts = {d: first_line.count(d) for d in DELIMITERS[1:]}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _too_many_rows(max_rows: int) -> ImportFileError:
    return ImportFileError(
        _("The file has more than %(max)s data rows; split it into smaller files.")
        % {"max": f"{max_rows:,}"}
    )


def _read_csv(text: str, *, encoding: str, max_rows: int) -> Table:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    table = Table(header=[], format="csv", encoding=encoding)
    try:
        for number, record in enumerate(reader, start=1):
            cells = [cell.strip() for cell in record]
            if number == 1:
                table.header = cells
                continue
            if any(cells):
                if len(table.rows) >= max_rows:
                    raise _too_many_rows(max_rows)
                table.rows.append((number, cells))
    except csv.Error as exc:
        raise ImportFileError(_("The CSV file is malformed: %(reason)s") % {"reason": exc}) from exc
    return _finish(table)


def _xlsx_cell(value) -> Cell:
    """Cell values as the importer wants them: text stripped, whole floats (42.0) as int."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, int | decimal.Decimal):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value).strip()


def _read_xlsx(content: bytes, *, max_rows: int) -> Table:
    import openpyxl

    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and data validation it does not read; irrelevant here.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors all mean "not a workbook"
        raise ImportFileError(_("The file is not a valid Excel workbook (.xlsx).")) from exc
    table = Table(header=[], format="xlsx")
    try:
        sheet = workbook.worksheets[0]
        # Files written by some tools carry a wrong <dimension>; read what is really there.
        sheet.reset_dimensions()
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_xlsx_cell(v) for v in values]
            if number == 1:
                table.header = [str(c) for c in cells]
                continue
            if any(c != "" for c in cells):
                if len(table.rows) >= max_rows:
                    raise _too_many_rows(max_rows)
                table.rows.append((number, cells))
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError(_("The file is not a valid Excel workbook (.xlsx).")) from exc
    finally:
        workbook.close()
    return _finish(table)


def _finish(table: Table) -> Table:
    while table.header and table.header[-1] == "":
        table.header.pop()
    if not table.header:
        raise ImportFileError(_("The first row must hold the column names; it is empty."))
    if not table.rows:
        raise ImportFileError(_("The file has a header row but no data rows."))
    return table
