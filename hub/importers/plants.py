"""Bulk import of SME companies and their plants.

Every row is validated before anything is written; one error anywhere and nothing is. A clean
file is written in one transaction with a handful of queries whatever its length: existing
companies and plants are fetched in chunks, then created and updated with bulk_create /
bulk_update, and their audit entries bulk-created with one summary 'import' entry.
Companies are matched by business number, plants by (company, plant name); only changed
fields count as updates, so importing the same file twice changes nothing the second time.
"""

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from hub.audit import snapshot
from hub.choices import OrganizationKind, PlantStatus
from hub.models import Organization, Plant
from hub.services import require_registry_editor

from .columns import (
    COLUMNS,
    COLUMNS_BY_KEY,
    PARSERS,
    VOCABULARY_COLUMNS,
    CellError,
    column_for_header,
    is_blank,
)
from .reading import ImportFileError, Table, read_table
from .report import Counts, ImportReport
from .writing import write_plan

DEFAULT_MAX_ROWS = 50_000
FETCH_CHUNK = 2_000  # values per IN (...) list: well under every backend's parameter limit
WRITE_BATCH = 1_000

# File column -> model field.
COMPANY_FIELDS = {
    "company_name": "name",
    "size_class": "size_class",
    "company_employees": "employees",
    "revenue_million_krw": "revenue_million_krw",
}
PLANT_FIELDS = {
    "plant_name": "name",
    "region": "region",
    "address": "address",
    "industry": "industry",
    "employees": "employees",
    "factory_registration_number": "factory_registration_number",
    "status": "status",
}
# Without these a row cannot become (or find) a plant.
_PLANT_KEYS = ("business_number", "plant_name", "region", "industry")


def max_rows() -> int:
    return getattr(settings, "IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)


def plants_import(
    *, user, content: bytes, filename: str, dry_run: bool = False, progress=None
) -> ImportReport:
    """Validate `content` (CSV or XLSX bytes) and, unless it has errors or `dry_run` is set,
    write its companies and plants. The report says what was (or would be) done.
    `progress(phase, done, total)`, if given, hears how far it is (hub.importers.jobs)."""
    require_registry_editor(user)
    report = ImportReport(filename=filename, dry_run=dry_run)
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
    _PlantImport(user=user, table=table, report=report, progress=progress).run()
    if report.errors:
        # The counts say what was (or would be) written: with errors, nothing.
        report.companies, report.plants = Counts(), Counts()
    report.sort()
    return report


def _silent(*args, **kwargs) -> None:
    pass


def file_too_large_message(size: int, limit: int) -> str:
    return _("The file is %(size)s MB; files up to %(limit)s MB can be imported.") % {
        "size": f"{size / 1_048_576:.1f}",
        "limit": f"{limit / 1_048_576:.0f}",
    }


def _chunks(items: list, size: int = FETCH_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class _Row:
    number: int
    values: dict[str, Any]
    bad: set[str] = field(default_factory=set)
    duplicate: bool = False


@dataclass
class _CompanyPlan:
    business_number: str
    row: int  # the first row naming the company
    values: dict[str, Any] = field(default_factory=dict)  # model field -> value
    sources: dict[str, int] = field(default_factory=dict)  # model field -> row giving it
    obj: Organization | None = None
    before: dict | None = None
    changed_fields: set[str] = field(default_factory=set)
    created: bool = False
    invalid: bool = False


@dataclass
class _PlantPlan:
    row: int
    obj: Plant
    company: _CompanyPlan
    before: dict | None = None
    changed_fields: set[str] = field(default_factory=set)
    created: bool = False


class _PlantImport:
    def __init__(self, *, user, table: Table, report: ImportReport, progress=None):
        self.progress = progress or _silent
        self.user = user
        self.table = table
        self.report = report
        self.columns: dict[str, tuple[int, str]] = {}  # key -> (index, header as written)
        self.rows: list[_Row] = []
        self.companies: dict[str, _CompanyPlan] = {}
        self.plants: list[_PlantPlan] = []

    def header(self, key: str) -> str:
        if key in self.columns:
            return self.columns[key][1]
        return str(COLUMNS_BY_KEY[key].label)

    # --- steps ----------------------------------------------------------------------------

    def run(self) -> None:
        self.map_header()
        if self.report.errors:
            return
        self.parse_rows()
        self.check_within_file()
        if self.report.dry_run:
            self.plan(lock=False)
            return
        try:
            with transaction.atomic():
                self.plan(lock=True)
                if not self.report.errors:
                    self.progress("writing", len(self.rows), len(self.rows))
                    write_plan(
                        user=self.user,
                        report=self.report,
                        companies=[p for p in self.companies.values() if not p.invalid],
                        plants=self.plants,
                    )
        except IntegrityError:
            # Someone registered the same company or plant between our check and our write.
            self.report.written = False
            self.report.error(
                None,
                "",
                _(
                    "The registry changed while the file was being imported, so nothing "
                    "was written. Please import the file again."
                ),
            )

    def map_header(self) -> None:
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
                    % {"other": self.columns[key][1], "label": COLUMNS_BY_KEY[key].label},
                )
            else:
                self.columns[key] = (index, text)
        missing = [c for c in COLUMNS if c.required and c.key not in self.columns]
        if missing:
            # Named by the headers a user of that language would write.
            korean = (translation.get_language() or "").startswith("ko")
            names = [
                c.korean_header if korean else f"{c.english_header} ({c.korean_header})"
                for c in missing
            ]
            self.report.error(
                1,
                "",
                _("Required columns are missing: %(columns)s.") % {"columns": ", ".join(names)},
            )

    def parse_rows(self) -> None:
        required = {c.key for c in COLUMNS if c.required}
        memo: dict[tuple[str, object], object] = {}
        total = len(self.table.rows)
        for done, (number, cells) in enumerate(self.table.rows):
            self.progress("checking", done, total)
            row = _Row(number=number, values={})
            for key, (index, header) in self.columns.items():
                raw = cells[index] if index < len(cells) else ""
                if is_blank(raw):
                    if key in required:
                        self.report.error(number, header, _("A value is required."))
                        row.bad.add(key)
                    continue
                try:
                    if key in VOCABULARY_COLUMNS:
                        memo_key = (key, raw)
                        if memo_key not in memo:
                            memo[memo_key] = PARSERS[key](raw)
                        row.values[key] = memo[memo_key]
                    else:
                        row.values[key] = PARSERS[key](raw)
                except CellError as exc:
                    self.report.error(number, header, str(exc))
                    row.bad.add(key)
            self.rows.append(row)

    def check_within_file(self) -> None:
        """Duplicate plants, companies described two ways, factory numbers given twice."""
        plants_seen: dict[tuple[str, str], int] = {}
        registrations_seen: dict[str, tuple[int, str, str]] = {}
        for row in self.rows:
            number = row.values.get("business_number")
            name = row.values.get("plant_name")
            if number:
                self._collect_company(row, number)
            if number and name:
                first = plants_seen.setdefault((number, name), row.number)
                if first != row.number:
                    row.duplicate = True
                    self.report.error(
                        row.number,
                        self.header("plant_name"),
                        _(
                            "Rows %(first)s and %(row)s are the same plant (same business "
                            "number and plant name)."
                        )
                        % {"first": first, "row": row.number},
                    )
            registration = row.values.get("factory_registration_number")
            if registration and not row.duplicate:
                first_row, *plant = registrations_seen.setdefault(
                    registration, (row.number, number, name)
                )
                if first_row != row.number and plant != [number, name]:
                    row.bad.add("factory_registration_number")
                    self.report.error(
                        row.number,
                        self.header("factory_registration_number"),
                        _(
                            "Factory registration number %(value)s is also given in row "
                            "%(first)s for another plant."
                        )
                        % {"value": registration, "first": first_row},
                    )

    def _collect_company(self, row: _Row, number: str) -> None:
        plan = self.companies.get(number)
        if plan is None:
            plan = self.companies[number] = _CompanyPlan(number, row=row.number)
        for key, model_field in COMPANY_FIELDS.items():
            if key not in row.values:
                continue
            value = row.values[key]
            if model_field not in plan.values:
                plan.values[model_field] = value
                plan.sources[model_field] = row.number
            elif plan.values[model_field] != value:
                row.bad.add(key)
                self.report.error(
                    row.number,
                    self.header(key),
                    _(
                        "“%(value)s” differs from “%(first_value)s” in row %(first)s for the "
                        "same business number."
                    )
                    % {
                        "value": value,
                        "first_value": plan.values[model_field],
                        "first": plan.sources[model_field],
                    },
                )

    def plan(self, *, lock: bool) -> None:
        self.plan_companies(lock=lock)
        self.plan_plants(lock=lock)
        report = self.report
        for counts, plans in (
            (report.companies, self.companies.values()),
            (report.plants, self.plants),
        ):
            for plan in plans:
                if getattr(plan, "invalid", False):
                    continue
                if plan.created:
                    counts.created += 1
                elif plan.changed_fields:
                    counts.updated += 1
                else:
                    counts.unchanged += 1

    def plan_companies(self, *, lock: bool) -> None:
        existing: dict[str, Organization] = {}
        for chunk in _chunks(list(self.companies)):
            qs = Organization.objects.filter(business_number__in=chunk)
            if lock:
                qs = qs.select_for_update()
            existing.update((org.business_number, org) for org in qs)
        for number, plan in self.companies.items():
            org = existing.get(number)
            if org is not None and org.kind != OrganizationKind.SME:
                plan.invalid = True
                self.report.error(
                    plan.row,
                    self.header("business_number"),
                    _(
                        "Business number %(number)s belongs to “%(name)s”, which is not an "
                        "SME company (%(kind)s)."
                    )
                    % {"number": number, "name": org.name, "kind": org.get_kind_display()},
                )
                continue
            if org is None:
                if not {"name", "size_class"} <= plan.values.keys():
                    plan.invalid = True  # its rows already carry a "required" error
                    continue
                plan.obj = Organization(
                    kind=OrganizationKind.SME, business_number=number, **plan.values
                )
                plan.created = True
            else:
                plan.obj = org
                self._apply(plan, org, plan.values)
            if plan.created or plan.changed_fields:
                self._full_clean(plan.obj, plan.sources, plan.row, COMPANY_FIELDS, [])

    def plan_plants(self, *, lock: bool) -> None:
        companies = {p.obj.pk: p.obj for p in self.companies.values() if p.obj and p.obj.pk}
        existing: dict[tuple[int, str], Plant] = {}
        for chunk in _chunks(list(companies)):
            qs = Plant.objects.filter(company_id__in=chunk)
            if lock:
                qs = qs.select_for_update()
            for plant in qs:
                plant.company = companies[plant.company_id]  # Plant.clean() reads it
                existing[(plant.company_id, plant.name)] = plant
        registrations = sorted(
            {r.values.get("factory_registration_number") for r in self.rows} - {None}
        )
        holders: dict[str, dict] = {}
        for chunk in _chunks(registrations):
            for holder in Plant.objects.filter(factory_registration_number__in=chunk).values(
                "pk", "name", "company__name", "factory_registration_number"
            ):
                holders[holder["factory_registration_number"]] = holder

        for row in self.rows:
            if row.duplicate or any(k in row.bad or k not in row.values for k in _PLANT_KEYS):
                continue
            company = self.companies[row.values["business_number"]]
            if company.invalid:
                continue
            values = {
                model_field: row.values[key]
                for key, model_field in PLANT_FIELDS.items()
                if key in row.values and key not in row.bad
            }
            plant = existing.get((company.obj.pk, values["name"])) if company.obj.pk else None
            plan = _PlantPlan(row=row.number, obj=plant, company=company)
            if plant is None:
                values.setdefault("status", PlantStatus.ACTIVE)
                plan.obj = Plant(company=company.obj, **values)
                plan.created = True
            else:
                self._apply(plan, plant, values)
            self.plants.append(plan)

            registration = values.get("factory_registration_number")
            holder = holders.get(registration) if registration else None
            if holder is not None and holder["pk"] != plan.obj.pk:
                self.report.error(
                    row.number,
                    self.header("factory_registration_number"),
                    _(
                        "Factory registration number %(value)s already belongs to plant "
                        "“%(plant)s” of “%(company)s”."
                    )
                    % {
                        "value": registration,
                        "plant": holder["name"],
                        "company": holder["company__name"],
                    },
                )
            if plan.created or plan.changed_fields:
                sources = dict.fromkeys(values, row.number)
                self._full_clean(plan.obj, sources, row.number, PLANT_FIELDS, ["company"])

    def _apply(self, plan, obj, values: dict[str, Any]) -> None:
        """Set the values that differ, remembering the state before."""
        changes = {f: v for f, v in values.items() if getattr(obj, f) != v}
        if changes:
            plan.before = snapshot(obj)
            for model_field, value in changes.items():
                setattr(obj, model_field, value)
            plan.changed_fields = set(changes)

    def _full_clean(self, obj, sources, default_row, field_columns, exclude) -> None:
        """The model's own field checks (lengths, ranges, clean()); uniqueness is checked
        above, in bulk, instead of one query per row."""
        try:
            obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            columns_by_field = {model_field: key for key, model_field in field_columns.items()}
            for model_field, messages in exc.message_dict.items():
                key = columns_by_field.get(model_field)
                row = sources.get(model_field, default_row)
                column = self.header(key) if key else ""
                for message in messages:
                    self.report.error(row, column, message)
