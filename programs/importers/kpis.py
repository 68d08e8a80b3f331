"""Bulk import of project KPIs, upserted by (project, indicator) inside one transaction
(nothing written on any error or a dry run). Each row goes through the service's own KPI
rules (`fill_kpi`: no KPIs for a dropped project, results only once building, values that fit)
against projects and KPIs loaded once per file; the KPIs are then written with bulk_create /
bulk_update and audited as `kpi_record` audits them, plus one 'import' entry. A row names its
project by the agency's reference (with the program when references repeat across programs), or
by program + business number + plant name. A row equal to the recorded KPI changes nothing, so
importing the same file twice writes nothing the second time."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hub import signals
from hub.audit import audit_entry, snapshot
from hub.choices import AuditAction
from hub.importers.writing import WRITE_BATCH, bulk_update
from hub.models import AuditEntry
from programs import services
from programs.choices import DEFAULT_UNITS, Indicator, ProjectStatus
from programs.models import KPI, Project

from .base import BaseImport, Row, chunks, run_import
from .columns import KPI_COLUMNS

DATA_KEYS = services.KPI_FIELDS  # unit, baseline, result and the four period dates


def kpis_import(*, user, content: bytes, filename: str, dry_run: bool = False, progress=None):
    return run_import(
        _KPIImport,
        user=user,
        content=content,
        filename=filename,
        dry_run=dry_run,
        counted="kpis",
        progress=progress,
    )


class _KPIImport(BaseImport):
    COLUMNS = KPI_COLUMNS

    def run(self) -> None:
        self.map_header(
            alternatives=(
                ("reference",),
                ("program_id", "business_number", "plant_name"),
                ("program", "year", "business_number", "plant_name"),
            )
        )
        if self.report.errors:
            return
        self.parse_rows()
        self.resolve_projects()
        self.check_duplicates()
        with transaction.atomic():
            existing = self.load_existing()
            self.plans: list[tuple[int, KPI, dict | None]] = []
            total = len(self.rows)
            for done, row in enumerate(self.rows):
                self.progress("checking", done, total)
                if row.ok:
                    self.plan_row(row, existing.get((row.project.pk, row.values["indicator"])))
            if self.report.errors or self.report.dry_run:
                transaction.set_rollback(True)
                return
            self.progress("writing", total, total)
            self.write()
            self.report.written = True

    def resolve_projects(self) -> None:
        has_program = [r for r in self.rows if {"program_id", "program"} & r.values.keys()]
        if has_program:
            self.resolve_programs()
        if any("business_number" in r.values for r in self.rows):
            self.resolve_plants(required=False)
        references = sorted({r.values["reference"] for r in self.rows if "reference" in r.values})
        by_reference: dict[str, list[Project]] = {}
        for chunk in chunks(references):
            projects = Project.objects.filter(reference__in=chunk)
            for project in projects.select_related("program", "plant"):
                by_reference.setdefault(project.reference, []).append(project)
        plants = {r.plant.pk for r in self.rows if r.plant is not None}
        by_plant: dict[tuple[int, int], list[Project]] = {}
        for chunk in chunks(sorted(plants)):
            for project in (
                Project.objects.filter(plant_id__in=chunk)
                .active()
                .select_related("program", "plant")
            ):
                by_plant.setdefault((project.program_id, project.plant_id), []).append(project)

        for row in self.rows:
            row.project = None
            if not row.ok:
                continue
            reference = row.values.get("reference")
            if reference:
                found = by_reference.get(reference, [])
                if row.program is not None:
                    found = [p for p in found if p.program_id == row.program.pk]
                if not found:
                    self.error(
                        row,
                        "reference",
                        _("No project has the reference “%(ref)s”.") % {"ref": reference},
                    )
                    continue
                if len(found) > 1:
                    self.error(
                        row,
                        "reference",
                        _("Several programs have a project “%(ref)s”; add the program.")
                        % {"ref": reference},
                    )
                    continue
                project = found[0]
            elif row.program is not None and row.plant is not None:
                found = by_plant.get((row.program.pk, row.plant.pk), [])
                if len(found) != 1:
                    self.error(
                        row,
                        "plant_name",
                        _("The plant has no project in this program.")
                        if not found
                        else _(
                            "The plant has several projects in this program; give the reference."
                        ),
                    )
                    continue
                project = found[0]
            else:
                self.error(
                    row, "reference", _("Give the project reference, or the program and the plant.")
                )
                continue
            if not self.may_manage(project.program):
                self.error(
                    row, "reference", _("This project's program is operated by another agency.")
                )
                continue
            row.project = project

    def check_duplicates(self) -> None:
        seen: dict[tuple, int] = {}
        for row in self.rows:
            if getattr(row, "project", None) is None or "indicator" not in row.values:
                continue
            first = seen.setdefault((row.project.pk, row.values["indicator"]), row.number)
            if first != row.number:
                self.error(
                    row,
                    "indicator",
                    _("Rows %(first)s and %(row)s give the same indicator of the same project.")
                    % {"first": first, "row": row.number},
                )

    def load_existing(self) -> dict:
        projects = sorted({r.project.pk for r in self.rows if getattr(r, "project", None)})
        existing = {}
        for chunk in chunks(projects):
            for kpi in KPI.objects.filter(project_id__in=chunk):
                existing[(kpi.project_id, kpi.indicator)] = kpi
        return existing

    def plan_row(self, row: Row, kpi: KPI | None) -> None:
        data = {k: row.values[k] for k in DATA_KEYS if k in row.values}
        if kpi is not None and all(getattr(kpi, k) == v for k, v in data.items()):
            self.report.counts.unchanged += 1
            return
        indicator = Indicator(row.values["indicator"])
        if kpi is None:
            before = None
            kpi = KPI(project=row.project, indicator=indicator, unit=DEFAULT_UNITS[indicator])
        else:
            before = snapshot(kpi)
            kpi.project = row.project
        try:
            services.fill_kpi(kpi, project=row.project, data=data)
            # fill_kpi checked every field but the improvement, which it bounded and rounded
            # to its column; uniqueness is the import's own key: the model's clean() is left.
            kpi.clean()
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                for message in exc.messages:
                    self.error(row, "", message)
                return
            for name, messages in exc.message_dict.items():
                key = name if name in self.by_key else ""
                for message in messages:
                    self.error(row, key, message)
            return
        if before is not None and snapshot(kpi) == before:
            self.report.counts.unchanged += 1
            return
        self.plans.append((row.number, kpi, before))
        if before is None:
            self.report.counts.created += 1
        else:
            self.report.counts.updated += 1

    def write(self) -> None:
        KPI.objects.bulk_create([k for _n, k, b in self.plans if b is None], batch_size=WRITE_BATCH)
        changed = [k for _n, k, b in self.plans if b is not None]
        now = timezone.now()
        for kpi in changed:
            kpi.updated_at = now  # bulk updates skip auto_now
        bulk_update(KPI, changed, [*DATA_KEYS, "improvement_pct", "updated_at"])
        entries = [
            audit_entry(
                user=self.user,
                action=AuditAction.UPDATE if before else AuditAction.CREATE,
                obj=kpi.project,
                before=before,
                after=snapshot(kpi),
                message=_("KPI %(indicator)s recorded.")
                % {"indicator": Indicator(kpi.indicator).label},
            )
            for _number, kpi, before in self.plans
        ]
        entries.append(
            audit_entry(
                user=self.user,
                action=AuditAction.IMPORT,
                after={
                    "file": self.report.filename,
                    "rows": self.report.rows,
                    "kpis": dict(vars(self.report.counts)),
                },
                message=f"{self.report.filename}: {self.report.summary}",
            )
        )
        AuditEntry.objects.bulk_create(entries, batch_size=WRITE_BATCH)
        completed = {
            kpi.project.plant_id
            for _number, kpi, _before in self.plans
            if kpi.project.status == ProjectStatus.COMPLETED
        }
        signals.bulk_written.send(sender=KPI, plant_ids=sorted(completed))
