"""Spreadsheets of plants without any system: the template (a CSV, or an Excel workbook with
an explanation sheet) whose header is `timestamp,<series key>,…` (the IDTA 02008 time-series
record shape the ingest API reads as CSV), and reading a filled one back into ingest records.

Pure: no ORM (messages through gettext). Cells stay where the plant put them, so every
problem names a row and a column of the sheet (row 1 is the header)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass, field
from itertools import islice
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

TIMESTAMP = "timestamp"
MAX_ROWS = 10_000


@dataclass(frozen=True)
class Column:
    key: str
    name_ko: str
    name_en: str
    unit: str
    granularity: str


@dataclass
class Parsed:
    """Records for the ingest service, where each came from, and what could not be read."""

    records: list[dict] = field(default_factory=list)
    origins: list[tuple[int, str]] = field(default_factory=list)  # (sheet row, column)
    errors: list[dict] = field(default_factory=list)  # {"row", "column", "reason"}
    rows: int = 0
    columns: list[str] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    preview: list[list[str]] = field(default_factory=list)


class SheetError(ValueError):
    """The file cannot be read at all (wrong format, no header, no timestamp column)."""


def template_csv(columns: list[Column]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([TIMESTAMP, *[c.key for c in columns]])
    writer.writerow(["2026-12-01T09:00:00+09:00", *["" for _c in columns]])
    return "\ufeff" + out.getvalue()  # with a BOM, so Excel opens it as UTF-8


def template_xlsx(columns: list[Column], *, plant_name: str = "") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    data = book.active
    data.title = "data"
    data.append([TIMESTAMP, *[c.key for c in columns]])
    for cell in data[1]:
        cell.font = Font(bold=True)
    data.column_dimensions["A"].width = 28
    help_sheet = book.create_sheet("설명 (help)")
    help_sheet.append(["열 / column", "이름", "name", "단위 / unit (UCUM)", "주기 / granularity"])
    help_sheet.append(
        [
            TIMESTAMP,
            "측정 시각 (예: 2026-12-01T09:00:00+09:00; 시간대가 없으면 한국 시간)",
            "Time of the value (e.g. 2026-12-01T09:00:00+09:00; without an offset: Korea time)",
            "",
            "",
        ]
    )
    for c in columns:
        help_sheet.append([c.key, c.name_ko, c.name_en, c.unit, c.granularity])
    help_sheet.append([])
    help_sheet.append(
        [
            "",
            "한 행에 한 시각, 한 열에 한 시리즈. 빈 칸은 건너뜁니다.",
            "One row per time, one column per series. Empty cells are skipped.",
        ]
    )
    if plant_name:
        help_sheet.append(["", plant_name, plant_name])
    for cell in help_sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDE", (24, 48, 48, 20, 16), strict=True):
        help_sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_table(filename: str, content: bytes) -> list[list[object]]:
    """The cells of the first sheet of an .xlsx, or of a CSV (UTF-8, or CP949 as Korean Excel
    writes it)."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several types for a broken file
            raise SheetError(_("The file is not an Excel workbook (.xlsx).")) from exc
        sheet = book.worksheets[0]
        rows = [list(row) for row in islice(sheet.iter_rows(values_only=True), MAX_ROWS + 2)]
        book.close()
        return rows
    if name.endswith(".csv") or name.endswith(".txt"):
        for encoding in ("utf-8-sig", "cp949"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise SheetError(_("The CSV file is neither UTF-8 nor CP949 text."))
        return list(islice(csv.reader(io.StringIO(text)), MAX_ROWS + 2))
    raise SheetError(_("Upload an .xlsx or .csv file."))


def _timestamp(value, zone: ZoneInfo) -> str:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    else:
        text = str(value).strip()
        if not text:
            raise ValueError("empty")
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.isoformat()


def _number(value) -> float:
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, int | float):
        number = float(value)
    else:
        number = float(str(value).strip().replace(",", ""))
    if math.isnan(number) or math.isinf(number):
        raise ValueError("not a number")
    return number


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def to_records(
    table: list[list[object]], known: set[str], *, zone: str = "Asia/Seoul", preview_rows: int = 5
) -> Parsed:
    """Read a sheet: the header names `timestamp` and series keys; each non-empty cell of a
    known column becomes a record. Unknown columns are reported, not read."""
    if not table or not any(not _blank(cell) for cell in table[0]):
        raise SheetError(_("The first row must name the columns."))
    header = ["" if _blank(cell) else str(cell).strip() for cell in table[0]]
    lowered = [name.lower() for name in header]
    if TIMESTAMP not in lowered:
        raise SheetError(_('The header has no "timestamp" column.'))
    ts_at = lowered.index(TIMESTAMP)
    parsed = Parsed()
    columns = [(i, name) for i, name in enumerate(header) if i != ts_at and name]
    parsed.columns = [name for _i, name in columns if name in known]
    parsed.unknown_columns = [name for _i, name in columns if name not in known]
    tz = ZoneInfo(zone)
    for offset, row in enumerate(table[1:], start=2):
        if all(_blank(cell) for cell in row):
            continue
        parsed.rows += 1
        if len(parsed.preview) < preview_rows:
            parsed.preview.append(["" if _blank(c) else str(c) for c in row[: len(header)]])
        if parsed.rows > MAX_ROWS:
            parsed.errors.append(
                {
                    "row": offset,
                    "column": "",
                    "reason": _("more than %(max)d rows") % {"max": MAX_ROWS},
                }
            )
            break
        try:
            ts = _timestamp(row[ts_at] if ts_at < len(row) else None, tz)
        except (TypeError, ValueError):
            parsed.errors.append(
                {"row": offset, "column": TIMESTAMP, "reason": _("not a date and time")}
            )
            continue
        for i, name in columns:
            if name not in known or i >= len(row) or _blank(row[i]):
                continue
            try:
                value = _number(row[i])
            except (TypeError, ValueError):
                parsed.errors.append({"row": offset, "column": name, "reason": _("not a number")})
                continue
            parsed.records.append({"series": name, "ts": ts, "value": value})
            parsed.origins.append((offset, name))
    return parsed
