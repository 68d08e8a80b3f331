"""What an import tells its user: errors and warnings by row and column, and the counts."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class ImportIssue:
    """One problem. `row` is the spreadsheet row (header = 1) or None for the whole file;
    `column` is the header as written in the file (or the column's name if it is missing)."""

    row: int | None
    column: str
    message: str

    def __str__(self):
        where = []
        if self.row is not None:
            where.append(_("row %(row)s") % {"row": self.row})
        if self.column:
            where.append(self.column)
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class ImportReport:
    filename: str
    dry_run: bool = False
    format: str = ""
    rows: int = 0
    errors: list[ImportIssue] = field(default_factory=list)
    warnings: list[ImportIssue] = field(default_factory=list)
    companies: Counts = field(default_factory=Counts)
    plants: Counts = field(default_factory=Counts)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, row: int | None, column: str, message: str) -> None:
        self.errors.append(ImportIssue(row, str(column), str(message)))

    def warn(self, row: int | None, column: str, message: str) -> None:
        self.warnings.append(ImportIssue(row, str(column), str(message)))

    def sort(self) -> None:
        self.errors.sort(key=lambda issue: issue.row or 0)

    @property
    def summary(self) -> str:
        return _(
            "companies: %(cc)s created, %(cu)s updated, %(cn)s unchanged; "
            "plants: %(pc)s created, %(pu)s updated, %(pn)s unchanged"
        ) % {
            "cc": self.companies.created,
            "cu": self.companies.updated,
            "cn": self.companies.unchanged,
            "pc": self.plants.created,
            "pu": self.plants.updated,
            "pn": self.plants.unchanged,
        }
