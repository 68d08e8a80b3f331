"""Bulk import of projects with their historical status.

Approach: every row is checked with the same rules as the pages and the API — the services'
own pure checks (`take_step` for the order and dates of steps, `change_fields` for what an
agreed project may no longer change, `project_errors` for cost shares and caps, the win-win
partner, the partner's remaining commitment and overlapping projects) — applied to data
loaded once per file: the programs' projects (locked), the partners' commitments and
mentorships. Rows of the same file count against each other exactly as if written one by
one: a row is applied in memory (partner shares promised, periods taken) before the next is
checked, and a failing row is undone before the next. Then everything is written with
bulk_create / bulk_update and audited as the plant import audits: one entry per project
written (created with its final, dated state, or updated with its state before and after the
row, naming file and row), one per win-win mentorship created, and one 'import' entry — a
handful of queries whatever the length of the file, inside one transaction: a file is
written completely or not at all (nothing on a dry run or with any error).

Rows are applied in order of application date (the report keeps the file's row numbers) so a
plant's completed project is closed before its next one is checked for overlap.

Idempotency: a project is found again by (program, reference), or without a reference by
(program, plant, applied on). A row equal to the registered project changes nothing; a row
further along the pipeline advances it; changed shares are refused once agreed, like
everywhere else; a row behind the registered status is an error.
"""

import copy
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hub import signals
from hub.audit import audit_entry, import_note, snapshot
from hub.choices import AuditAction, OrganizationKind
from hub.importers.writing import WRITE_BATCH, bulk_update
from hub.models import AuditEntry, Mentorship, Organization
from programs import services
from programs.choices import FUNDED_STATUSES, STATUS_DATE_FIELDS, ProjectStatus
from programs.models import PartnerCommitment, Project

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
# What a row may change on a registered project.
WRITTEN = (*EDITABLE, "status", *STATUS_DATE_FIELDS.values(), "drop_reason", "revision")
FOREIGN_KEYS = ("program", "plant", "supplier", "partner")  # resolved once per file
# Service error keys -> file columns.
FIELD_COLUMNS = {"plant": "plant_name", "program": "program", "reason": "drop_reason"}


def projects_import(*, user, content: bytes, filename: str, dry_run: bool = False, progress=None):
    """Validate `content` (CSV or XLSX) and, unless it has errors or `dry_run` is set, write
    its projects. Returns the report (row/column/reason errors, counts). `progress(phase,
    done, total)`, if given, hears how far it is (hub.importers.jobs)."""
    return run_import(
        _ProjectImport,
        user=user,
        content=content,
        filename=filename,
        dry_run=dry_run,
        counted="projects",
        progress=progress,
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
            self.load_existing()
            rows = sorted(
                (r for r in self.rows if r.ok),
                key=lambda r: (r.values["applied_on"], r.number),
            )
            for done, row in enumerate(rows):
                self.progress("checking", done, len(rows))
                self.plan_row(row)
            if self.report.errors or self.report.dry_run:
                transaction.set_rollback(True)
                return
            self.progress("writing", len(rows), len(rows))
            self.write()
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

    # --- what the rules need, loaded once ----------------------------------------------------

    def load_existing(self) -> None:
        programs = {r.program.pk: r.program for r in self.rows if r.program is not None}
        self.existing: dict[tuple, Project] = {}
        self.by_plant: dict[tuple, list[Project]] = defaultdict(list)
        self.promised: dict[tuple, Decimal] = defaultdict(Decimal)  # funded partner shares
        self.counted: dict[int, tuple] = {}  # id(project) -> (program, partner), share counted
        self.plans: list[_Plan] = []
        projects = (
            Project.objects.filter(program_id__in=programs)
            .select_related("plant", "supplier", "partner")
            .select_for_update(of=("self",))
        )
        for project in projects:
            project.program = programs[project.program_id]
            if project.reference:
                self.existing[(project.program_id, "ref", project.reference)] = project
            self.existing.setdefault(
                (project.program_id, "plant", project.plant_id, project.applied_on), project
            )
            self.by_plant[(project.program_id, project.plant_id)].append(project)
            self.count(project)
        self.commitments = {
            (c.program_id, c.partner_id): c
            for c in PartnerCommitment.objects.filter(program_id__in=programs).select_for_update()
        }
        partners = {
            r.values["partner"].pk
            for r in self.rows
            if isinstance(r.values.get("partner"), Organization)
        }
        self.mentored = set(
            Mentorship.objects.filter(partner_id__in=partners).values_list("partner_id", "plant_id")
        )

    def count(self, project: Project) -> None:
        """Count the project's partner share as promised (FUNDED statuses), replacing what was
        counted for it before."""
        counted = self.counted.pop(id(project), None)
        if counted is not None:
            self.promised[counted[0]] -= counted[1]
        if project.partner_id is not None and project.status in FUNDED_STATUSES:
            key = (project.program_id, project.partner_id)
            self.promised[key] += project.partner_share
            self.counted[id(project)] = (key, project.partner_share)

    def check(self, project: Project, registered: Project | None) -> None:
        """The services' project rules against the file's state so far."""
        key = (project.program_id, project.partner_id)

        def used() -> Decimal:
            counted = self.counted.get(id(registered)) if registered is not None else None
            own = counted[1] if counted is not None and counted[0] == key else 0
            return self.promised[key] - own

        def overlapping() -> Project | None:
            for other in self.by_plant[(project.program_id, project.plant_id)]:
                if other is registered or other is project or not other.is_active:
                    continue
                if services.periods_meet(project, other):
                    return other
            return None

        errors = services.project_errors(
            project,
            commitment=lambda: self.commitments.get(key),
            used=used,
            overlapping=overlapping,
        )
        if errors:
            raise ValidationError(errors)

    # --- applying a row in memory -------------------------------------------------------------

    def plan_row(self, row: Row) -> None:
        registered = self.existing.get(self.key_of(row))
        saved = copy.copy(registered) if registered is not None else None
        try:
            plan = self._plan(row, registered)
        except ValidationError as exc:
            if registered is not None:  # undo the row: the next rows see the file without it
                registered.__dict__.update(saved.__dict__)
            self.service_errors(row, exc, self._step)
            return
        if plan is None:
            return
        counts = self.report.counts
        if plan.created:
            self.by_plant[(plan.project.program_id, plan.project.plant_id)].append(plan.project)
            counts.created += 1
        elif plan.events:
            counts.updated += 1
        else:
            counts.unchanged += 1
        self.count(plan.project)
        if plan.created or plan.events:
            self.plans.append(plan)

    def _plan(self, row: Row, project: Project | None):
        self._step = None
        plan = _Plan(row=row.number, project=project)
        if project is not None:
            plan.before = snapshot(project)
        if project is None:
            project = plan.project = Project(**self.data(row), status=ProjectStatus.APPLIED)
            plan.created = True
            self.full_clean(project)
            if project.applied_on > timezone.localdate():
                raise ValidationError(
                    {"applied_on": _("The application date cannot be in the future.")}
                )
            self.check(project, None)
            pending = row.steps
        else:
            pending = self.pending_steps(row, project)
            if pending is None:
                return None
            changes = {
                k: v
                for k, v in self.data(row).items()
                if k in EDITABLE and getattr(project, k) != v
            }
            if changes:
                services.change_fields(project, changes)
                self.full_clean(project)
                self.check(project, project)
                if snapshot(project) != plan.before:
                    project.revision += 1
                    plan.events.append("update")
        for step in pending:
            self._step = step
            on = row.values[STATUS_DATE_FIELDS[step]]
            reason = row.values.get("drop_reason", "")
            services.take_step(project, to=step, on=on, reason=reason)
            if step != ProjectStatus.DROPPED:
                self.check(project, None if plan.created else project)
            project.revision += 1
            plan.events.append(step)
        if plan.created and project.partner_id is not None:
            pair = (project.partner_id, project.plant_id)
            if pair not in self.mentored:
                plan.mentorship = Mentorship(
                    partner=project.partner,
                    plant=project.plant,
                    start_date=project.applied_on,
                    notes=str(_("Created for project %(project)s.") % {"project": project}),
                )
                plan.mentorship.full_clean(
                    exclude=["partner", "plant"], validate_unique=False, validate_constraints=False
                )
                self.mentored.add(pair)
        return plan

    @staticmethod
    def full_clean(project: Project) -> None:
        """The model's field checks; the related objects were found in this file's lookups
        and uniqueness is checked by the import's own keys (no query per row)."""
        project.full_clean(exclude=FOREIGN_KEYS, validate_unique=False, validate_constraints=False)

    # --- writing ------------------------------------------------------------------------------

    def write(self) -> None:
        now = timezone.now()
        Project.objects.bulk_create(
            [p.project for p in self.plans if p.created], batch_size=WRITE_BATCH
        )
        changed = [p.project for p in self.plans if not p.created]
        for project in changed:
            project.updated_at = now  # bulk updates skip auto_now
        bulk_update(Project, changed, [*WRITTEN, "updated_at"])
        mentorships = [p.mentorship for p in self.plans if p.mentorship is not None]
        Mentorship.objects.bulk_create(mentorships, batch_size=WRITE_BATCH)
        AuditEntry.objects.bulk_create(self.audit_entries(), batch_size=WRITE_BATCH)
        completed = {
            p.project.plant_id for p in self.plans if p.project.status == ProjectStatus.COMPLETED
        }
        signals.bulk_written.send(sender=Project, plant_ids=sorted(completed))

    def audit_entries(self) -> list[AuditEntry]:
        """One entry per project written, as the plant import writes them: created (its final
        state, steps dated) or updated (before and after the row), naming file and row; the
        mentorship a win-win project created; and the import's summary."""
        user = self.user
        entries = []
        for plan in self.plans:
            project = plan.project
            entries.append(
                audit_entry(
                    user=user,
                    action=AuditAction.CREATE if plan.created else AuditAction.UPDATE,
                    obj=project,
                    before=plan.before,
                    after=snapshot(project),
                    message=import_note(self.report.filename, plan.row),
                )
            )
            if plan.mentorship is not None:
                entries.append(
                    audit_entry(
                        user=user,
                        action=AuditAction.CREATE,
                        obj=plan.mentorship,
                        after=snapshot(plan.mentorship),
                        message=_("Created with a win-win project."),
                    )
                )
        entries.append(
            audit_entry(
                user=user,
                action=AuditAction.IMPORT,
                after={
                    "file": self.report.filename,
                    "rows": self.report.rows,
                    "projects": dict(vars(self.report.counts)),
                },
                message=f"{self.report.filename}: {self.report.summary}",
            )
        )
        return entries

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


@dataclass
class _Plan:
    """What one row does to one project: created, or the changes and steps of a registered
    one (`before`: its snapshot before the row)."""

    row: int
    project: Project | None
    created: bool = False
    before: dict | None = None
    events: list = field(default_factory=list)
    mentorship: Mentorship | None = None
