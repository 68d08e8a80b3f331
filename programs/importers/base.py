"""What the project and KPI imports share beyond hub.importers.tabular (reading, header,
cells, plants): finding programs in bulk and checking the user may import into them."""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

from hub import roles
from hub.importers.report import Counts, ImportReport
from hub.importers.tabular import Row as TableRow
from hub.importers.tabular import TableImport, chunks, read_upload
from programs.models import Program
from programs.services import can_manage_program

from .columns import PARSERS

__all__ = ["BaseImport", "ProgramImportReport", "Row", "chunks", "run_import"]


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
class Row(TableRow):
    program: Program | None = None
    steps: list = field(default_factory=list)  # project import: the steps after applied


def run_import(
    importer_class, *, user, content: bytes, filename: str, dry_run: bool, counted, progress=None
):
    if not roles.is_agency_staff_or_admin(user):
        raise PermissionDenied(_("Only agency staff may import projects and KPIs."))
    report = ProgramImportReport(filename=filename, dry_run=dry_run, counted=counted)
    table = read_upload(report, content, filename)
    if table is None:
        return report
    importer_class(user=user, table=table, report=report, progress=progress).run()
    if report.errors:
        report.counts = Counts()  # with errors, nothing was (or would be) written
        report.written = False
    report.sort()
    return report


class BaseImport(TableImport):
    PARSERS = PARSERS
    row_class = Row

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._may_manage: dict[int, bool] = {}

    def may_manage(self, program: Program) -> bool:
        """can_manage_program, asked once per program of the file."""
        if program.pk not in self._may_manage:
            self._may_manage[program.pk] = can_manage_program(self.user, program)
        return self._may_manage[program.pk]

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
