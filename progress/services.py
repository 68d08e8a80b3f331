"""PDF progress reports: request, build, retry, sweep. The document itself (its
HTML and the PDF rendering) is `progress.document`.

A request becomes a `ProgressReport` row (pending) and a Celery task enqueued on commit; the
task calls `report_build`, which moves the row through running (10 → 40 → 80 %) to done (100 %)
with the figures, their SHA-256 digest and the PDF, or to failed with the error text — never
leaving it running. The figures come from `progress_summary` with the report's as-of date and
scope, so the same inputs always give the same figures and digest (only the PDF's "generated
at" time differs between two builds).

A worker can die mid-build (killed, out of memory, machine lost). The task is acknowledged
only after it returns (acks_late), so the broker delivers it again; `report_build` then
restarts a report its own task left running, and leaves alone a report that is done, failed
or being built by another live task. Every step stamps `heartbeat_at`; `report_sweep` (a
periodic task and the `sweep_reports` command) marks a pending or running report silent for
longer than REPORT_STALE_AFTER seconds as failed, so it can be built again.
"""

from __future__ import annotations

import datetime
import json
import logging
import threading
from decimal import Decimal

from celery import current_app
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connections, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hub import roles
from hub.audit import audit_record, snapshot
from hub.choices import AuditAction, OrganizationKind, Region
from hub.models import Mentorship, Organization, Plant
from programs.models import Program
from progress.choices import ReportScope, ReportStatus
from progress.document import render_pdf, report_html
from progress.figures import Scope, Summary
from progress.models import ProgressReport, Target, TargetChange
from progress.selectors import progress_summary

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
logger = logging.getLogger(__name__)


# --- who may ask for what ---------------------------------------------------------------------


def can_request_reports(user) -> bool:
    """Officials, agency staff and administrators (any scope); partner members (own firm)."""
    return roles.sees_everything(user) or roles.is_partner_member(user)


def _check_permission(user, scope: str, scope_value: str) -> None:
    if roles.sees_everything(user):
        return
    firm = roles.partner_firm_of(user)
    if firm is not None:
        if scope == ReportScope.PARTNER and scope_value == str(firm.pk):
            return
        raise PermissionDenied(_("Partner firms may request reports on their own firm only."))
    raise PermissionDenied(_("You may not request progress reports."))


def _clean_inputs(scope, scope_value, language, as_of) -> tuple[str, str]:
    errors: dict[str, list[str]] = {}
    scope_value = str(scope_value or "").strip()
    if scope not in ReportScope.values:
        errors["scope"] = [_("Choose national, region, program or partner firm.")]
    elif scope == ReportScope.NATIONAL:
        scope_value = ""
    elif scope == ReportScope.REGION:
        if scope_value not in Region.values:
            errors["scope_value"] = [_("Choose one of the regions.")]
    else:
        exists = scope_value.isdigit() and (
            Program.objects.filter(pk=int(scope_value)).exists()
            if scope == ReportScope.PROGRAM
            else Organization.objects.filter(
                pk=int(scope_value), kind=OrganizationKind.PARTNER
            ).exists()
        )
        if not exists:
            errors["scope_value"] = [
                _("No such program.")
                if scope == ReportScope.PROGRAM
                else _("No such partner firm.")
            ]
    if language not in LANGUAGE_CODES:
        errors["language"] = [_("Choose Korean or English.")]
    if not isinstance(as_of, datetime.date):
        errors["as_of"] = [_("Enter a date.")]
    elif as_of > timezone.localdate():
        errors["as_of"] = [_("The as-of date cannot be in the future.")]
    if errors:
        raise ValidationError(errors)
    return scope, scope_value


BUILD_TASK = "progress.tasks.build_progress_report"


def _enqueue(report: ProgressReport) -> None:
    # By its registered name: the task module calls this one, so importing it here would
    # make the two import each other. The signature resolves to the registered task, so it
    # runs in-process when tasks are eager, as any `.delay()` does.
    signature = current_app.signature(BUILD_TASK, args=(report.pk,))
    # Eager or not as the task's own app says: that is what `.delay()` goes by.
    eager = signature.type.app.conf.task_always_eager
    if eager and settings.REPORT_BUILD_IN_BACKGROUND:
        # The embedded mode (no broker): the eager build would hold the request for the
        # seconds a PDF takes, so it runs in a thread once the request has committed and the
        # page polls the report's row, as it does for a worker's build.
        transaction.on_commit(lambda: _build_in_thread(signature, report.pk))
    else:
        transaction.on_commit(signature.delay)


def _build_in_thread(signature, report_id: int) -> threading.Thread:
    def run():
        try:
            signature.apply()
        finally:
            connections.close_all()  # the thread's own database connection

    thread = threading.Thread(target=run, name=f"progress-report-{report_id}", daemon=True)
    thread.start()
    return thread


@transaction.atomic
def report_request(
    *, user, scope: str, scope_value: str = "", language: str, as_of: datetime.date
) -> ProgressReport:
    """Record a report request (pending) and enqueue its build once the request commits.
    PermissionDenied for a scope the user may not ask for; ValidationError for bad inputs."""
    if scope in ReportScope.values and scope != ReportScope.NATIONAL:
        _check_permission(user, scope, str(scope_value or "").strip())
    else:
        _check_permission(user, scope, "")
    scope, scope_value = _clean_inputs(scope, scope_value, language, as_of)
    report = ProgressReport(
        scope=scope,
        scope_value=scope_value,
        language=language,
        as_of=as_of,
        requested_by=user if user.is_authenticated else None,
        heartbeat_at=timezone.now(),
    )
    report.full_clean()
    report.save()
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=report,
        after={
            "scope": scope,
            "scope_value": scope_value,
            "language": language,
            "as_of": as_of.isoformat(),
        },
        message="progress report requested",
    )
    _enqueue(report)
    return report


@transaction.atomic
def report_retry(*, user, report: ProgressReport) -> ProgressReport:
    """Build a failed report again (same inputs)."""
    _check_permission(user, report.scope, report.scope_value)
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    if report.status != ReportStatus.FAILED:
        raise ValidationError(_("Only a failed report can be built again."))
    report.status = ReportStatus.PENDING
    report.progress = 0
    report.error = ""
    report.heartbeat_at = timezone.now()
    report.task_id = ""
    report.save(update_fields=["status", "progress", "error", "heartbeat_at", "task_id"])
    audit_record(
        user=user,
        action=AuditAction.TRANSITION,
        obj=report,
        before={"status": ReportStatus.FAILED},
        after={"status": ReportStatus.PENDING},
        message="progress report retried",
    )
    _enqueue(report)
    return report


# --- building --------------------------------------------------------------------------------


def report_scope(report: ProgressReport) -> tuple[Scope, object]:
    """The selector scope and plant base of a report. A partner report counts the firm's own
    projects on the plants it mentors."""
    if report.scope == ReportScope.REGION:
        return Scope(region=report.scope_value), None
    if report.scope == ReportScope.PROGRAM:
        return Scope(program=int(report.scope_value)), None
    if report.scope == ReportScope.PARTNER:
        partner_id = int(report.scope_value)
        mentored = Mentorship.objects.filter(partner_id=partner_id).values("plant_id")
        return Scope(partner=partner_id), Plant.objects.filter(pk__in=mentored)
    return Scope(), None


def report_figures(report: ProgressReport) -> Summary:
    scope, base = report_scope(report)
    return progress_summary(as_of=report.as_of, scope=scope, base=base)


def _set(report: ProgressReport, **fields) -> None:
    """Save the given fields, stamping the heartbeat (each build step is a sign of life)."""
    fields.setdefault("heartbeat_at", timezone.now())
    for name, value in fields.items():
        setattr(report, name, value)
    report.save(update_fields=list(fields))


def stale_after() -> datetime.timedelta:
    """How long a pending or running report may stay silent before it counts as abandoned."""
    return datetime.timedelta(seconds=settings.REPORT_STALE_AFTER)


def _last_seen():
    # Rows written before heartbeats existed fall back to their start or request time.
    return Coalesce("heartbeat_at", "started_at", "requested_at")


def _build_decision(report: ProgressReport, task_id: str, now) -> str | None:
    """Why this delivery builds the report ("new", "redelivered", "stale"), or None to leave
    it alone."""
    if report.status == ReportStatus.PENDING:
        return "new"
    if report.status != ReportStatus.RUNNING:
        return None  # done: a duplicate delivery; failed: built again only through a retry
    if task_id and report.task_id == task_id:
        return "redelivered"  # this task's earlier run died (worker lost, killed, restarted)
    last_seen = report.heartbeat_at or report.started_at or report.requested_at
    if last_seen is None or now - last_seen > stale_after():
        return "stale"  # another task left it running and has been silent too long
    return None  # another task is building it right now


def _claim(report_id: int, task_id: str) -> tuple[ProgressReport | None, bool]:
    """Lock the row and mark it running for this delivery: (report, claimed)."""
    with transaction.atomic():
        report = ProgressReport.objects.select_for_update().filter(pk=report_id).first()
        if report is None:
            return None, False
        now = timezone.now()
        why = _build_decision(report, task_id, now)
        if why is None:
            logger.info(
                "progress report %s: %s, nothing to build (task %s)",
                report.pk,
                report.status,
                task_id or "-",
            )
            return report, False
        if why != "new":
            logger.warning(
                "progress report %s: restarting a build left running (%s, task %s)",
                report.pk,
                why,
                task_id or "-",
            )
        _set(
            report,
            status=ReportStatus.RUNNING,
            progress=10,
            error="",
            started_at=now,
            finished_at=None,
            attempts=report.attempts + 1,
            heartbeat_at=now,
            task_id=task_id,
        )
        return report, True


def report_build(report_id: int, *, task_id: str = "") -> ProgressReport | None:
    """Build the report's PDF; the row records every step. Never raises for a failed build:
    the row says failed with the error text. Safe to call again for the same report (a
    redelivered task): see `_build_decision`. None if the report no longer exists."""
    report, claimed = _claim(report_id, task_id)
    if not claimed:
        return report
    try:
        with translation.override(report.language):
            summary = report_figures(report)
            figures = json.loads(json.dumps(summary.as_dict(), default=str))
            _set(report, progress=40)
            html = report_html(report, summary)
            pdf = render_pdf(html)
            _set(report, progress=80)
        if report.file:
            report.file.delete(save=False)
        report.file.save(report_filename(report), ContentFile(pdf), save=False)
        _set(
            report,
            file=report.file.name,
            status=ReportStatus.DONE,
            progress=100,
            digest=summary.digest,
            figures=figures,
            finished_at=timezone.now(),
        )
    except Exception as exc:  # noqa: BLE001 - any failure ends on the row, not in a loop
        _set(
            report,
            status=ReportStatus.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:4000],
            finished_at=timezone.now(),
        )
    return report


def report_sweep(*, older_than: datetime.timedelta | None = None) -> list[int]:
    """Mark every pending or running report silent for longer than `older_than` (default
    REPORT_STALE_AFTER) as failed, with an error text saying to build it again; returns their
    ids. A report whose worker died thus never stays running: the retry builds it again."""
    older_than = stale_after() if older_than is None else older_than
    now = timezone.now()
    cutoff = now - older_than
    swept = []
    with transaction.atomic():
        stale = (
            ProgressReport.objects.select_for_update()
            .filter(status__in=[ReportStatus.PENDING, ReportStatus.RUNNING])
            .alias(last_seen=_last_seen())
            .filter(last_seen__lt=cutoff)
            .order_by("pk")
        )
        for report in stale:
            before = report.status
            with translation.override(report.language):
                error = _("The worker stopped before finishing this report. Build it again.")
            report.status = ReportStatus.FAILED
            report.error = error
            report.finished_at = now
            report.save(update_fields=["status", "error", "finished_at"])
            audit_record(
                user=None,
                action=AuditAction.TRANSITION,
                obj=report,
                before={"status": before},
                after={"status": ReportStatus.FAILED},
                message="progress report swept: its worker stopped",
            )
            swept.append(report.pk)
    if swept:
        logger.warning("progress reports marked failed after their worker stopped: %s", swept)
    return swept


def report_filename(report: ProgressReport) -> str:
    value = f"-{report.scope_value}" if report.scope_value else ""
    return (
        f"progress-report-{report.pk}-{report.scope}{value}-"
        f"{report.as_of.isoformat()}-{report.language}.pdf"
    )


# --- targets ---------------------------------------------------------------------------------


@transaction.atomic
def target_update(*, target, user, value, due_year: int, note: str = ""):
    """Agency staff change a national target; every change is kept as a TargetChange row."""
    if not roles.is_agency_staff_or_admin(user):
        raise PermissionDenied(_("Only agency staff may change the national targets."))
    target = Target.objects.select_for_update().get(pk=target.pk)
    before = snapshot(target)
    target.value = Decimal(str(value))
    target.due_year = due_year
    target.full_clean()
    if snapshot(target) == before:
        return target
    target.save()
    TargetChange.objects.create(
        target=target, value=target.value, due_year=target.due_year, changed_by=user, note=note
    )
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=target,
        before=before,
        after=snapshot(target),
        message=note,
    )
    return target
