"""What the project and KPI imports share: reading the file (hub.importers.reading), mapping
the header, parsing cells, finding programs and plants in bulk, and the report."""

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from hub import roles
from hub.importers import file_too_large_message, max_rows
from hub.importers.columns import CellError, Column, is_blank
from hub.importers.reading import ImportFileError, Table, read_table
from hub.importers.report import Counts, ImportReport
from hub.models import Plant
from programs.models import Program
from programs.services import can_manage_program

from .columns import PARSERS, header_map

FETCH_CHUNK = 2_000


@dataclass
class ProgramImportReport(ImportReport):
    """The plant import's report with the counts of what this import writes."""

    counted: str = "projects"
    counts: Counts = field(default_factory=Counts)

    @property
    def summary(self) -> str:
        label = _("projects") if self.counted == "projects" else _("KPIs")
        return _("%(what)s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged") % {
            "what": label,
            "created": self.counts.created,
            "updated": self.counts.updated,
            "unchanged": self.counts.unchanged,
        }


@dataclass
class Row:
    number: int
    values: dict[str, Any]
    bad: set[str] = field(default_factory=set)
    program: Program | None = None
    plant: Plant | None = None
    steps: list = field(default_factory=list)  # project import: the steps after applied

    @property
    def ok(self) -> bool:
        return not self.bad


def chunks(items: list, size: int = FETCH_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _silent(*args, **kwargs) -> None:
    pass


def run_import(
    importer_class, *, user, content: bytes, filename: str, dry_run: bool, counted, progress=None
):
    if not roles.is_agency_staff_or_admin(user):
        raise PermissionDenied(_("Only agency staff may import projects and KPIs."))
    report = ProgramImportReport(filename=filename, dry_run=dry_run, counted=counted)
    limit = settings.IMPORT_MAX_BYTES
    if len(content) > limit:
        report.error(None, "", file_too_large_message(len(content), limit))
        return report
    try:
        table = read_table(content, filename, max_rows=max_rows())
    except ImportFileError as exc:
        report.error(None, "", str(exc))
        return report
    report.format, report.rows = table.format, len(table.rows)
    importer_class(user=user, table=table, report=report, progress=progress).run()
    if report.errors:
        report.counts = Counts()  # with errors, nothing was (or would be) written
        report.written = False
    report.sort()
    return report


class BaseImport:
    COLUMNS: tuple[Column, ...] = ()

    def __init__(self, *, user, table: Table, report: ProgramImportReport, progress=None):
        self.progress = progress or _silent
        self.user = user
        self.table = table
        self.report = report
        self.columns: dict[str, tuple[int, str]] = {}  # key -> (index, header as written)
        self.by_key = {c.key: c for c in self.COLUMNS}
        self.rows: list[Row] = []
        self._may_manage: dict[int, bool] = {}

    def may_manage(self, program: Program) -> bool:
        """can_manage_program, asked once per program of the file."""
        if program.pk not in self._may_manage:
            self._may_manage[program.pk] = can_manage_program(self.user, program)
        return self._may_manage[program.pk]

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

    def map_header(self, *, alternatives=()) -> None:
        """`alternatives`: groups of column keys of which one group must be present, e.g.
        a program id, or program name and year."""
        column_for_header = header_map(self.COLUMNS)
        for index, text in enumerate(self.table.header):
            if not text:
                continue
            key = column_for_header(text)
            if key is None:
                self.report.warn(1, text, _("Unknown column; its values are ignored."))
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

    def parse_rows(self) -> None:
        required = {c.key for c in self.COLUMNS if c.required}
        for number, cells in self.table.rows:
            row = Row(number=number, values={})
            for key, (index, _header) in self.columns.items():
                raw = cells[index] if index < len(cells) else ""
                if is_blank(raw):
                    if key in required:
                        self.error(row, key, _("A value is required."))
                    continue
                try:
                    row.values[key] = PARSERS[key](raw)
                except CellError as exc:
                    self.error(row, key, str(exc))
            self.rows.append(row)

    # --- finding programs and plants ----------------------------------------------------------

    def resolve_programs(self) -> None:
        ids = {r.values["program_id"] for r in self.rows if "program_id" in r.values}
        names = {r.values["program"] for r in self.rows if "program" in r.values}
        programs = list(
            Program.objects.filter(
                Q(pk__in=ids) | Q(name_ko__in=names) | Q(name_en__in=names)
            ).select_related("cost_share_rule")
        )
        by_id = {p.pk: p for p in programs}
        by_name: dict[tuple[str, int], list[Program]] = {}
        for program in programs:
            for name in {program.name_ko, program.name_en}:
                by_name.setdefault((name, program.year), []).append(program)
        for row in self.rows:
            values = row.values
            if "program_id" in values:
                program, key = by_id.get(values["program_id"]), "program_id"
                if program is None:
                    self.error(
                        row, key, _("There is no program %(id)s.") % {"id": values["program_id"]}
                    )
                    continue
            elif "program" in values and "year" in values:
                key = "program"
                found = by_name.get((values["program"], values["year"]), [])
                if len(found) != 1:
                    self.error(
                        row,
                        key,
                        _("There is no program “%(name)s” of %(year)s.")
                        % {"name": values["program"], "year": values["year"]}
                        if not found
                        else _("Several programs are called “%(name)s”; give the program id.")
                        % {"name": values["program"]},
                    )
                    continue
                program = found[0]
            else:
                if (
                    "program_id" not in row.bad
                    and "program" not in row.bad
                    and "year" not in row.bad
                ):
                    self.error(row, "program", _("Give the program id, or its name and year."))
                continue
            if not self.may_manage(program):
                self.error(
                    row,
                    key,
                    _("%(program)s is operated by another agency; only its staff import into it.")
                    % {"program": program},
                )
                continue
            row.program = program

    def resolve_plants(self, *, required: bool = True) -> None:
        numbers = sorted(
            {r.values["business_number"] for r in self.rows if "business_number" in r.values}
        )
        plants: dict[tuple[str, str], Plant] = {}
        for chunk in chunks(numbers):
            for plant in Plant.objects.filter(company__business_number__in=chunk).select_related(
                "company"
            ):
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
