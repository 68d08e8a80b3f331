"""Bulk import of projects with their historical status.

Approach: every row goes through the same services as the pages and the API — project_apply,
then project_advance once per step with the file's dates (and project_update for a changed
existing project) — inside one transaction. So every rule is enforced exactly as elsewhere:
cost shares and caps, win-win partner, the partner's remaining commitment (rows of the same
file count, because earlier rows are already applied in the transaction), overlapping
projects, step order and dates. Service ValidationErrors become row errors; after the last
row the transaction is rolled back if there was any error (or on a dry run), so a file is
written completely or not at all.

Rows are applied in order of application date (the report keeps the file's row numbers) so a
plant's completed project is closed before its next one is checked for overlap.

This costs about ten queries per row: an agency's list of a few thousand projects imports in
seconds, not milliseconds. Bulk creating after checking the pure rules with preloaded sums
would be faster but would re-implement every service rule a second time; we chose one set.

Idempotency: a project is found again by (program, reference), or without a reference by
(program, plant, applied on). A row equal to the registered project changes nothing; a row
further along the pipeline advances it; changed shares go through project_update (refused
once agreed, like everywhere else); a row behind the registered status is an error.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from hub.audit import audit_record
from hub.choices import AuditAction, OrganizationKind
from hub.models import Organization
from programs import services
from programs.choices import STATUS_DATE_FIELDS, ProjectStatus
from programs.models import Project

from .base import BaseImport, Row, run_import
from .columns import PROJECT_COLUMNS

PIPELINE = (
    ProjectStatus.SELECTED,
    ProjectStatus.AGREED,
    ProjectStatus.BUILDING,
    ProjectStatus.COMPLETED,
)
MONEY = ("total_cost", "government_share", "partner_share", "sme_share")
EDITABLE = ("title", "supplier", "partner", "target_level", *MONEY)
# Service error keys -> file columns.
FIELD_COLUMNS = {"plant": "plant_name", "program": "program", "reason": "drop_reason"}


def projects_import(*, user, content: bytes, filename: str, dry_run: bool = False):
    """Validate `content` (CSV or XLSX) and, unless it has errors or `dry_run` is set, write
    its projects. Returns the report (row/column/reason errors, counts)."""
    return run_import(
        _ProjectImport,
        user=user,
        content=content,
        filename=filename,
        dry_run=dry_run,
        counted="projects",
    )


class _ProjectImport(BaseImport):
    COLUMNS = PROJECT_COLUMNS

    def run(self) -> None:
        self.map_header(alternatives=(("program_id",), ("program", "year")))
        if self.report.errors:
            return
        self.parse_rows()
        self.resolve_programs()
        self.resolve_plants()
        self.resolve_organizations()
        for row in self.rows:
            self.check_steps(row)
        self.check_duplicates()
        with transaction.atomic():
            self.existing = self.load_existing()
            rows = sorted(
                (r for r in self.rows if r.ok),
                key=lambda r: (r.values["applied_on"], r.number),
            )
            for row in rows:
                self.write_row(row)
            if self.report.errors or self.report.dry_run:
                transaction.set_rollback(True)
                return
            audit_record(
                user=self.user,
                action=AuditAction.IMPORT,
                after={
                    "file": self.report.filename,
                    "rows": self.report.rows,
                    "projects": dict(vars(self.report.counts)),
                },
                message=f"{self.report.filename}: {self.report.summary}",
            )
            self.report.written = True

    # --- checks before writing ------------------------------------------------------------

    def resolve_organizations(self) -> None:
        wanted = {
            "partner": OrganizationKind.PARTNER,
            "supplier": OrganizationKind.SUPPLIER,
        }
        for key, kind in wanted.items():
            orgs = list(Organization.objects.filter(kind=kind))
            by_number = {o.business_number: o for o in orgs if o.business_number}
            by_name: dict[str, list] = {}
            for org in orgs:
                for name in {org.name, org.name_en} - {""}:
                    by_name.setdefault(name, []).append(org)
            for row in self.rows:
                if key not in row.values:
                    continue
                value = row.values[key]
                how, text = value if key == "partner" else ("name", value)
                found = (
                    [by_number[text]]
                    if how == "business_number" and text in by_number
                    else (by_name.get(text, []) if how == "name" else [])
                )
                if len(found) == 1:
                    row.values[key] = found[0]
                elif found:
                    self.error(
                        row,
                        key,
                        _("Several organisations are called “%(name)s”; use the business number.")
                        % {"name": text},
                    )
                elif key == "partner":
                    self.error(
                        row,
                        key,
                        _("“%(value)s” is not a registered partner firm.") % {"value": text},
                    )
                else:
                    self.error(
                        row, key, _("“%(value)s” is not a registered supplier.") % {"value": text}
                    )

    def check_steps(self, row: Row) -> None:
        """The status and the step dates agree: every step up to the status is dated, none
        after it. A blank status is read from the dates."""
        values = row.values
        dated = [s for s in PIPELINE if STATUS_DATE_FIELDS[s] in values]
        status = values.get("status")
        if status is None and "status" not in row.bad:
            status = (
                ProjectStatus.DROPPED
                if "dropped_on" in values
                else (dated[-1] if dated else ProjectStatus.APPLIED)
            )
            values["status"] = status
        if status is None:
            return
        status = ProjectStatus(status)
        if status == ProjectStatus.DROPPED:
            steps = list(PIPELINE[: len(dated)])
            for key in ("dropped_on", "drop_reason"):
                if key not in values and key not in row.bad:
                    self.error(row, key, _("A dropped project needs this value."))
        else:
            steps = list(PIPELINE[: PIPELINE.index(status) + 1]) if status in PIPELINE else []
            for key in ("dropped_on", "drop_reason"):
                if key in values:
                    self.error(row, key, _("Only a dropped project has this value."))
        for step in PIPELINE:
            key = STATUS_DATE_FIELDS[step]
            if key in row.bad:
                continue
            if step in steps and key not in values:
                self.error(
                    row,
                    key,
                    _("A %(status)s project needs this date.") % {"status": status.label.lower()},
                )
            elif step not in steps and key in values:
                self.error(
                    row,
                    key,
                    _("The status is %(status)s; this step's date must be empty.")
                    % {"status": status.label.lower()},
                )
        row.steps = steps + ([ProjectStatus.DROPPED] if status == ProjectStatus.DROPPED else [])

    def key_of(self, row: Row):
        reference = row.values.get("reference", "")
        if reference:
            return (row.program.pk, "ref", reference)
        return (row.program.pk, "plant", row.plant.pk, row.values.get("applied_on"))

    def check_duplicates(self) -> None:
        seen: dict[tuple, int] = {}
        for row in self.rows:
            if row.program is None or row.plant is None:
                continue
            first = seen.setdefault(self.key_of(row), row.number)
            if first != row.number:
                column = "reference" if row.values.get("reference") else "applied_on"
                self.error(
                    row,
                    column,
                    _("Rows %(first)s and %(row)s are the same project.")
                    % {"first": first, "row": row.number},
                )

    def load_existing(self) -> dict:
        programs = {r.program.pk for r in self.rows if r.program is not None}
        existing = {}
        for project in Project.objects.filter(program_id__in=programs).select_for_update():
            if project.reference:
                existing[(project.program_id, "ref", project.reference)] = project
            existing.setdefault(
                (project.program_id, "plant", project.plant_id, project.applied_on), project
            )
        return existing

    # --- writing through the services -----------------------------------------------------

    def write_row(self, row: Row) -> None:
        project = self.existing.get(self.key_of(row))
        try:
            with transaction.atomic():  # a failing row leaves nothing behind for later rows
                changes, pending, created = self._write(row, project)
        except ValidationError as exc:
            self.service_errors(row, exc, self._step)
            return
        except PermissionDenied as exc:
            self.error(row, "program", str(exc))
            return
        if pending is None:
            return
        counts = self.report.counts
        if created:
            counts.created += 1
        elif changes or pending:
            counts.updated += 1
        else:
            counts.unchanged += 1

    def _write(self, row: Row, project: Project | None):
        self._step = None
        changes = {}
        if project is None:
            project = services.project_apply(user=self.user, data=self.data(row))
            created = True
            pending = row.steps
        else:
            created = False
            pending = self.pending_steps(row, project)
            if pending is None:
                return changes, None, False
            changes = {
                k: v
                for k, v in self.data(row).items()
                if k in EDITABLE and getattr(project, k) != v
            }
            if changes:
                project = services.project_update(project=project, user=self.user, data=changes)
        for step in pending:
            self._step = step
            project = services.project_advance(
                project=project,
                to=step,
                user=self.user,
                on=row.values[STATUS_DATE_FIELDS[step]],
                reason=row.values.get("drop_reason", ""),
            )
        return changes, pending, created

    def data(self, row: Row) -> dict:
        values = row.values
        data = {
            "program": row.program,
            "plant": row.plant,
            "target_level": values.get("target_level"),
            "total_cost": values.get("total_cost"),
            "government_share": values.get("government_share"),
            "partner_share": values.get("partner_share", 0),
            "sme_share": values.get("sme_share"),
            "applied_on": values["applied_on"],
            "partner": values.get("partner"),
            "reference": values.get("reference", ""),
        }
        for key in ("title", "supplier"):
            if key in values:
                data[key] = values[key]
        return data

    def pending_steps(self, row: Row, project: Project):
        """The steps the registered project still has to take to match the row, or None
        (with an error) when it is further along or dated differently."""
        taken = [
            s
            for s in (*PIPELINE, ProjectStatus.DROPPED)
            if getattr(project, STATUS_DATE_FIELDS[s]) is not None
        ]
        if row.steps[: len(taken)] != taken:
            self.error(
                row,
                "status",
                _("The registered project is already %(status)s; an import does not undo steps.")
                % {"status": project.get_status_display().lower()},
            )
            return None
        for step in taken:
            key = STATUS_DATE_FIELDS[step]
            if getattr(project, key) != row.values[key]:
                self.error(
                    row,
                    key,
                    _("The registered project has %(date)s for this step.")
                    % {"date": getattr(project, key).isoformat()},
                )
                return None
        if project.applied_on != row.values["applied_on"]:
            self.error(
                row,
                "applied_on",
                _("The registered project was applied on %(date)s.")
                % {"date": project.applied_on.isoformat()},
            )
            return None
        return row.steps[len(taken) :]

    def service_errors(self, row: Row, exc: ValidationError, step) -> None:
        if not hasattr(exc, "error_dict"):
            for message in exc.messages:
                self.error(row, "", message)
            return
        for name, messages in exc.message_dict.items():
            if name == "on":
                key = STATUS_DATE_FIELDS[step] if step else "applied_on"
            elif name == "status":
                key = "status"
            else:
                key = FIELD_COLUMNS.get(name, name)
            if key not in self.by_key:
                key = ""
            for message in messages:
                self.error(row, key, message)
