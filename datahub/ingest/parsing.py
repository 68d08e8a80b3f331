"""The three body forms of `POST /api/v1/ingest/`, read into flat rows (pure, no ORM).

- JSON records: ``[{"series": key, "ts": iso8601, "value": n, "unit"?: ucum}]`` or
  ``{"records": [...]}``; a row's index is its position in the list (from 0).
- OGC SensorThings ``dataArray``: ``[{"Datastream": {"@iot.id": key or id},
  "components": ["phenomenonTime", "result", ...], "dataArray": [[t, v], ...]}]`` (or one such
  object); components in any order, others (``resultTime``…) ignored, an interval
  ``start/end`` as phenomenon time stands for its start. A row's index runs over every
  ``dataArray`` row of the body in order (from 0); ``datastream`` says which block it is in.
- CSV (IDTA 02008 time-series record): header ``timestamp,<series>,<series>…``, one line per
  time, one column per series, an empty cell is no value. A row's index is the data line number
  (1 = the first line after the header) and its field the column name.

A body that cannot be read as one of these is a `BodyError` (the whole request is refused);
a row that is read but malformed carries its `problem` and is rejected on its own.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from django.utils.translation import gettext as _

JSON = "application/json"
CSV = "text/csv"
MEDIA_TYPES = (JSON, CSV)
TIME_COLUMNS = ("timestamp",)


class BodyError(Exception):
    """The body as a whole cannot be read (400), or is too big (413)."""

    status = 400
    code = "unparsable"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TooManyRows(BodyError):
    status = 413
    code = "too_many_rows"


@dataclass(slots=True)
class RawRow:
    """One value of one series at one time, as sent (nothing checked yet)."""

    index: int
    series: object = None
    ts: object = None
    value: object = None
    unit: object = None
    # The names the rejections use for this row's parts (they differ between body forms).
    fields: dict | None = None
    datastream: int | None = None
    problem: tuple[str, str, str] | None = None  # (field, code, reason) found while reading

    def field_name(self, part: str) -> str:
        return self.fields.get(part, part) if self.fields else part


class _Counter:
    def __init__(self, max_rows: int):
        self.max_rows = max_rows
        self.count = 0

    def add(self, n: int = 1) -> None:
        self.count += n
        if self.count > self.max_rows:
            raise TooManyRows(
                _("A request may carry at most %(max)d rows; send the rest in another request.")
                % {"max": self.max_rows}
            )


def media_type(content_type: str) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def parse_body(body: bytes, content_type: str, *, max_rows: int) -> list[RawRow]:
    kind = media_type(content_type)
    counter = _Counter(max_rows)
    if kind == CSV:
        return _parse_csv(body, counter)
    if kind == JSON:
        return _parse_json(body, counter)
    raise BodyError(_("Send application/json or text/csv."))


# --- JSON ------------------------------------------------------------------------------------


def _load_json(body: bytes):
    try:
        return json.loads(body)
    except (ValueError, RecursionError, UnicodeDecodeError) as exc:
        raise BodyError(_("The body is not valid JSON: %(error)s") % {"error": exc}) from None


def _parse_json(body: bytes, counter: _Counter) -> list[RawRow]:
    data = _load_json(body)
    if isinstance(data, dict):
        if "records" in data:
            data = data["records"]
            if not isinstance(data, list):
                raise BodyError(_('"records" must be a list of records.'))
            return _records(data, counter)
        if "dataArray" in data:
            return _sensorthings([data], counter)
        raise BodyError(
            _('Send a list of records, {"records": [...]}, or SensorThings dataArray blocks.')
        )
    if not isinstance(data, list):
        raise BodyError(_("Send a list of records or of SensorThings dataArray blocks."))
    if any(isinstance(item, dict) and "dataArray" in item for item in data):
        return _sensorthings(data, counter)
    return _records(data, counter)


def record_row(index: int, item) -> RawRow:
    """One JSON record (also used for rows given already parsed, e.g. from a spreadsheet)."""
    if not isinstance(item, dict):
        return RawRow(index, problem=("", "invalid", _("A record must be an object.")))
    row = RawRow(
        index,
        series=item.get("series"),
        ts=item.get("ts"),
        value=item.get("value"),
        unit=item.get("unit"),
    )
    for part in ("series", "ts", "value"):
        if item.get(part) is None:
            row.problem = (part, "missing", _("This field is required."))
            break
    return row


def _records(items: list, counter: _Counter) -> list[RawRow]:
    counter.add(len(items))
    return [record_row(index, item) for index, item in enumerate(items)]


def _sensorthings(blocks: list, counter: _Counter) -> list[RawRow]:
    rows: list[RawRow] = []
    fields = {"series": "Datastream", "ts": "phenomenonTime", "value": "result"}
    for position, block in enumerate(blocks):
        where = {"n": position}
        if not isinstance(block, dict) or not isinstance(block.get("dataArray"), list):
            raise BodyError(_("Block %(n)d: a SensorThings block needs a dataArray list.") % where)
        datastream = block.get("Datastream")
        if not isinstance(datastream, dict) or datastream.get("@iot.id") in (None, ""):
            raise BodyError(
                _('Block %(n)d: give the series as "Datastream": {"@iot.id": …}.') % where
            )
        components = block.get("components")
        if (
            not isinstance(components, list)
            or "phenomenonTime" not in components
            or "result" not in components
        ):
            raise BodyError(
                _('Block %(n)d: "components" must list "phenomenonTime" and "result".') % where
            )
        at, value_at = components.index("phenomenonTime"), components.index("result")
        series = datastream["@iot.id"]
        if isinstance(series, dict | list | bool):
            raise BodyError(_("Block %(n)d: @iot.id must be a series key or id.") % where)
        counter.add(len(block["dataArray"]))
        for entry in block["dataArray"]:
            row = RawRow(len(rows), series=series, fields=fields, datastream=position)
            if not isinstance(entry, list) or len(entry) != len(components):
                row.problem = (
                    "dataArray",
                    "invalid",
                    _("Each dataArray row must have one value per component."),
                )
            else:
                row.ts, row.value = _interval_start(entry[at]), entry[value_at]
                if row.ts is None or row.value is None:
                    part = "ts" if row.ts is None else "value"
                    row.problem = (fields[part], "missing", _("This field is required."))
            rows.append(row)
    return rows


def _interval_start(value):
    if isinstance(value, str) and "/" in value:
        return value.split("/", 1)[0]
    return value


# --- CSV -------------------------------------------------------------------------------------


def _parse_csv(body: bytes, counter: _Counter) -> list[RawRow]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BodyError(_("The CSV must be encoded in UTF-8.")) from None
    try:
        lines = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise BodyError(_("The CSV cannot be read: %(error)s") % {"error": exc}) from None
    if not lines or not lines[0]:
        raise BodyError(_("The CSV needs a header: timestamp,<series key>,…"))
    header = [name.strip() for name in lines[0]]
    if header[0].lower() not in TIME_COLUMNS:
        raise BodyError(_('The first column of the header must be "timestamp".'))
    columns = header[1:]
    if not columns or any(not name for name in columns):
        raise BodyError(_("Every column after timestamp must name a series."))
    if len(set(columns)) != len(columns):
        raise BodyError(_("A series appears twice in the header."))
    rows: list[RawRow] = []
    for number, cells in enumerate(lines[1:], start=1):
        if not any(cell.strip() for cell in cells):
            continue
        stamp = cells[0].strip()
        if len(cells) > len(header):
            rows.append(
                RawRow(number, problem=("", "invalid", _("This line has more cells than columns.")))
            )
            counter.add()
            continue
        for name, cell in zip(columns, cells[1:], strict=False):
            if not cell.strip():
                continue
            counter.add()
            rows.append(
                RawRow(
                    number,
                    series=name,
                    ts=stamp or None,
                    value=cell.strip(),
                    fields={"series": name, "ts": header[0], "value": name, "unit": name},
                )
            )
            if not stamp:
                rows[-1].problem = (header[0], "missing", _("This field is required."))
    return rows
