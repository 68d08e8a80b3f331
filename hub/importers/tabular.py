"""What every table import shares once its columns are declared: reading the upload into a
report (hub.importers.reading), mapping the header to column keys, parsing each cell with the
column's parser, finding plants in bulk, and reporting by row and column. No import writes
here: each importer (programs.importers, assessments.importers) plans and writes its rows."""

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from hub.models import Plant

from .columns import CellError, Column, header_map, is_blank
from .plants import file_too_large_message, max_rows
from .reading import ImportFileError, Table, read_table
from .report import ImportReport

FETCH_CHUNK = 2_000


@dataclass
class Row:
    number: int
    values: dict[str, Any]
    bad: set[str] = field(default_factory=set)
    plant: Plant | None = None

    @property
    def ok(self) -> bool:
        return not self.bad


def chunks(items: list, size: int = FETCH_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _silent(*args, **kwargs) -> None:
    pass


def read_upload(report: ImportReport, content: bytes, filename: str) -> Table | None:
    """The file's table, or None with the reason as a file-level error of the report."""
    limit = settings.IMPORT_MAX_BYTES
    if len(content) > limit:
        report.error(None, "", file_too_large_message(len(content), limit))
        return None
    try:
        table = read_table(content, filename, max_rows=max_rows())
    except ImportFileError as exc:
        report.error(None, "", str(exc))
        return None
    report.format, report.rows = table.format, len(table.rows)
    return table


class TableImport:
    """An import of `COLUMNS` (their keys parsed by `PARSERS`) from one table."""

    COLUMNS: tuple[Column, ...] = ()
    PARSERS: dict = {}
    row_class = Row

    def __init__(self, *, user, table: Table, report: ImportReport, progress=None):
        self.progress = progress or _silent
        self.user = user
        self.table = table
        self.report = report
        self.columns: dict[str, tuple[int, str]] = {}  # key -> (index, header as written)
        self.by_key = {c.key: c for c in self.COLUMNS}
        self.rows: list = []

    def header(self, key: str) -> str:
        if key in self.columns:
            return self.columns[key][1]
        return str(self.by_key[key].label) if key in self.by_key else ""

    def error(self, row: Row, key: str, message) -> None:
        row.bad.add(key or "_")
        self.report.error(row.number, self.header(key), message)

    def _name(self, column: Column) -> str:
        korean = (translation.get_language() or "").startswith("ko")
        return (
            column.korean_header if korean else f"{column.english_header} ({column.korean_header})"
        )

    def column_for_header(self, text: str) -> str | None:
        if not hasattr(self, "_column_for_header"):
            self._column_for_header = header_map(self.COLUMNS)
        return self._column_for_header(text)

    def unknown_column(self, index: int, text: str) -> None:
        """A header no column claims (an import with open-ended columns overrides this)."""
        self.report.warn(1, text, _("Unknown column; its values are ignored."))

    def map_header(self, *, alternatives=()) -> None:
        """`alternatives`: groups of column keys of which one group must be present, e.g.
        a program id, or program name and year."""
        for index, text in enumerate(self.table.header):
            if not text:
                continue
            key = self.column_for_header(text)
            if key is None:
                self.unknown_column(index, text)
            elif key in self.columns:
                self.report.error(
                    1,
                    text,
                    _("This column repeats the column “%(other)s” (%(label)s).")
                    % {"other": self.columns[key][1], "label": self.by_key[key].label},
                )
            else:
                self.columns[key] = (index, text)
        missing = [self._name(c) for c in self.COLUMNS if c.required and c.key not in self.columns]
        if alternatives and not any(set(g) <= self.columns.keys() for g in alternatives):
            missing.append(
                _(" or ").join(
                    " + ".join(self._name(self.by_key[k]) for k in group) for group in alternatives
                )
            )
        if missing:
            self.report.error(
                1,
                "",
                _("Required columns are missing: %(columns)s.") % {"columns": ", ".join(missing)},
            )

    def parse_row(self, number: int, cells: list):
        required = {c.key for c in self.COLUMNS if c.required}
        row = self.row_class(number=number, values={})
        for key, (index, _header) in self.columns.items():
            raw = cells[index] if index < len(cells) else ""
            if is_blank(raw):
                if key in required:
                    self.error(row, key, _("A value is required."))
                continue
            try:
                row.values[key] = self.PARSERS[key](raw)
            except CellError as exc:
                self.error(row, key, str(exc))
        return row

    def parse_rows(self) -> None:
        for number, cells in self.table.rows:
            self.rows.append(self.parse_row(number, cells))

    def plant_queryset(self):
        """Where rows find their plants (an import limited to visible plants narrows it)."""
        return Plant.objects.all()

    def resolve_plants(self, *, required: bool = True) -> None:
        """Each row's plant by its company's business number and the plant's name."""
        numbers = sorted(
            {r.values["business_number"] for r in self.rows if "business_number" in r.values}
        )
        plants: dict[tuple[str, str], Plant] = {}
        for chunk in chunks(numbers):
            found = self.plant_queryset().filter(company__business_number__in=chunk)
            for plant in found.select_related("company"):
                plants[(plant.company.business_number, plant.name)] = plant
        for row in self.rows:
            values = row.values
            if "business_number" not in values or "plant_name" not in values:
                if required and not {"business_number", "plant_name"} & row.bad:
                    self.error(row, "plant_name", _("A value is required."))
                continue
            plant = plants.get((values["business_number"], values["plant_name"]))
            if plant is None:
                self.error(
                    row,
                    "plant_name",
                    _(
                        "No plant “%(plant)s” is registered for business number %(number)s; "
                        "import or register the plant first."
                    )
                    % {"plant": values["plant_name"], "number": values["business_number"]},
                )
                continue
            row.plant = plant
