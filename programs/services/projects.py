"""Projects: applying, updating and advancing through the pipeline, with the cost-share,
funds and overlap checks."""

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.audit import audit_record, snapshot
from hub.choices import AuditAction, OrganizationKind, PlantStatus
from programs import rules
from programs.choices import (
    FUNDED_STATUSES,
    PROJECT_TRANSITIONS,
    STATUS_DATE_FIELDS,
    ProgramKind,
    ProjectStatus,
    TargetLevel,
)
from programs.models import PartnerCommitment, Project
from programs.services.programs import krw, partner_allocated, require_program_manager

BREACH_MESSAGES = {
    "negative": lambda b: _("A share cannot be negative."),
    "total_positive": lambda b: _("The total cost must be more than zero."),
    "shares_sum": lambda b: _(
        "The three shares add up to %(actual)s, not the total cost %(limit)s (off by %(excess)s)."
    ),
    "government_max_pct": lambda b: _(
        "The government share %(actual)s is above the rule's maximum of %(pct)s %% "
        "(%(limit)s) by %(excess)s."
    ),
    "government_cap": lambda b: _(
        "The government share %(actual)s is above the cap of %(limit)s for %(level)s projects "
        "by %(excess)s."
    ),
    "partner_min_pct": lambda b: _(
        "The partner share %(actual)s is below the rule's minimum of %(pct)s %% (%(limit)s) "
        "by %(excess)s."
    ),
    "sme_max_pct": lambda b: _(
        "The SME share %(actual)s is above the rule's maximum of %(pct)s %% (%(limit)s) by "
        "%(excess)s."
    ),
}


def _share_errors(project: Project) -> dict[str, list[str]]:
    rule = project.program.cost_share_rule
    breaches = rules.check_shares(
        rule.as_rule(),
        target_level=project.target_level,
        total=Decimal(project.total_cost),
        government=Decimal(project.government_share),
        partner=Decimal(project.partner_share),
        sme=Decimal(project.sme_share),
    )
    pcts = {
        "government_max_pct": rule.government_max_pct,
        "partner_min_pct": rule.partner_min_pct,
        "sme_max_pct": rule.sme_max_pct,
    }
    errors: dict[str, list[str]] = {}
    for b in breaches:
        text = BREACH_MESSAGES[b.code](b) % {
            "actual": krw(b.actual),
            "limit": krw(b.limit),
            "excess": krw(b.excess),
            "pct": format(Decimal(pcts.get(b.code, 0)).normalize(), "f"),
            "level": TargetLevel(project.target_level).label,
        }
        errors.setdefault(b.field, []).append(f"{rule.name}: {text}")
    return errors


def _check_project(project: Project) -> None:
    """Every rule a project must satisfy, as one ValidationError with field errors."""

    def commitment():
        return (
            PartnerCommitment.objects.select_for_update()
            .filter(program=project.program, partner_id=project.partner_id)
            .first()
        )

    errors = project_errors(
        project,
        commitment=commitment,
        used=lambda: partner_allocated(project.program_id, project.partner_id, project.pk),
        overlapping=lambda: _overlapping(project),
    )
    if errors:
        raise ValidationError(errors)


def project_errors(project: Project, *, commitment, used, overlapping) -> dict[str, list]:
    """The rules of `_check_project` with what they need from the database passed in as
    callables (called only when the rule applies), so the bulk import applies the same rules
    to preloaded data: `commitment()` the partner's commitment to the program or None,
    `used()` the partner share already promised to the program's other projects,
    `overlapping()` another active project of the plant in the program over the same period."""
    errors: dict[str, list] = {}
    program = project.program
    plant = project.plant
    if plant.status == PlantStatus.CLOSED:
        errors.setdefault("plant", []).append(_("A closed plant cannot join a program."))
    if program.kind == ProgramKind.WINWIN and project.partner_id is None:
        errors.setdefault("partner", []).append(_("A win-win project needs a partner firm."))
    if project.supplier_id and project.supplier.kind != OrganizationKind.SUPPLIER:
        errors.setdefault("supplier", []).append(_("Choose a supplier."))
    for field, messages in _share_errors(project).items():
        errors.setdefault(field, []).extend(messages)

    if project.partner_id is not None:
        found = commitment()
        if found is None:
            errors.setdefault("partner", []).append(
                _("%(partner)s does not take part in this program.") % {"partner": project.partner}
            )
        elif project.status in FUNDED_STATUSES:
            remaining = found.committed - used()
            if project.partner_share > remaining:
                errors.setdefault("partner_share", []).append(
                    _(
                        "%(partner)s has %(remaining)s left of its %(committed)s commitment; this "
                        "project needs %(excess)s more."
                    )
                    % {
                        "partner": project.partner,
                        "remaining": krw(remaining),
                        "committed": krw(found.committed),
                        "excess": krw(project.partner_share - remaining),
                    }
                )

    if project.is_active:
        other = overlapping()
        if other is not None:
            errors.setdefault("plant", []).append(
                _(
                    "This plant already has an active project in this program (%(project)s, "
                    "%(status)s) over the same period."
                )
                % {"project": other, "status": other.get_status_display()}
            )
    return errors


def periods_meet(project: Project, other: Project) -> bool:
    """Whether two projects' periods [applied_on, completed_on or dropped_on or open] meet."""
    end, other_end = project.period_end(), other.period_end()
    return (end is None or other.applied_on <= end) and (
        other_end is None or project.applied_on <= other_end
    )


def _overlapping(project: Project) -> Project | None:
    """Another active project of the same plant in the same program whose period
    [applied_on, completed_on or dropped_on or open] meets this one's."""
    others = Project.objects.active().filter(
        program_id=project.program_id, plant_id=project.plant_id
    )
    if project.pk:
        others = others.exclude(pk=project.pk)
    for other in others:
        if periods_meet(project, other):
            return other
    return None


PROJECT_FIELDS = (
    "program",
    "plant",
    "title",
    "supplier",
    "partner",
    "target_level",
    "total_cost",
    "government_share",
    "partner_share",
    "sme_share",
    "applied_on",
    "reference",
)
# Once agreed, the money is contracted: shares and target no longer change.
FROZEN_AFTER_AGREEMENT = (
    "program",
    "plant",
    "partner",
    "target_level",
    "total_cost",
    "government_share",
    "partner_share",
    "sme_share",
    "applied_on",
)


@transaction.atomic
def project_apply(*, user, data: dict[str, Any]) -> Project:
    """Enrol a plant in a program (status applied). Win-win projects need a partner firm; its
    mentorship of the plant is created if missing."""
    data = {k: v for k, v in data.items() if k in PROJECT_FIELDS}
    data.setdefault("applied_on", timezone.localdate())
    project = Project(**data)
    require_program_manager(user, project.program)
    project.status = ProjectStatus.APPLIED
    project.full_clean()
    if project.applied_on > timezone.localdate():
        raise ValidationError({"applied_on": _("The application date cannot be in the future.")})
    _check_project(project)
    project.save()
    audit_record(user=user, action=AuditAction.CREATE, obj=project, after=snapshot(project))
    mentorship = project.ensure_mentorship()
    if mentorship is not None:
        mentorship.full_clean()
        mentorship.save()
        audit_record(
            user=user,
            action=AuditAction.CREATE,
            obj=mentorship,
            after=snapshot(mentorship),
            message=_("Created with a win-win project."),
        )
    return project


def change_fields(project: Project, data: dict[str, Any]) -> None:
    """Set the changed project fields of `data` on `project` (not saved): refused for a
    dropped or completed project, and for the money once the project is agreed."""
    if not project.is_active or project.status == ProjectStatus.COMPLETED:
        raise ValidationError(
            _("A %(status)s project cannot be changed.") % {"status": project.get_status_display()}
        )
    contracted = project.status not in (ProjectStatus.APPLIED, ProjectStatus.SELECTED)
    errors = {}
    for name, value in data.items():
        if name not in PROJECT_FIELDS:
            continue
        if contracted and name in FROZEN_AFTER_AGREEMENT and getattr(project, name) != value:
            errors[name] = _(
                "Fixed by the agreement; it cannot change after the project is agreed."
            )
            continue
        setattr(project, name, value)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def project_update(*, project: Project, user, data: dict[str, Any]) -> Project:
    project = Project.objects.select_for_update().select_related("program").get(pk=project.pk)
    require_program_manager(user, project.program)
    before = snapshot(project)
    change_fields(project, data)
    require_program_manager(user, project.program)
    project.full_clean()
    _check_project(project)
    after = snapshot(project)
    if after != before:
        project.revision += 1
        project.save()
        audit_record(
            user=user,
            action=AuditAction.UPDATE,
            obj=project,
            before=before,
            after=snapshot(project),
        )
    return project


def take_step(project: Project, *, to: ProjectStatus, on: datetime.date, reason: str = "") -> str:
    """Check the step's order, date, reason and supplier, then set the status and its date on
    `project` (not saved; the project rules are the caller's). Returns the status before."""
    to = ProjectStatus(to)
    if to not in PROJECT_TRANSITIONS[ProjectStatus(project.status)]:
        allowed = ", ".join(
            str(s.label) for s in PROJECT_TRANSITIONS[ProjectStatus(project.status)]
        )
        raise ValidationError(
            {
                "status": _("A %(status)s project cannot become %(to)s (allowed: %(allowed)s).")
                % {
                    "status": project.get_status_display(),
                    "to": to.label,
                    "allowed": allowed or _("none"),
                }
            }
        )
    if on > timezone.localdate():
        raise ValidationError({"on": _("A step cannot be dated in the future.")})
    previous = [getattr(project, f) for f in STATUS_DATE_FIELDS.values() if getattr(project, f)]
    if previous and on < max(previous):
        raise ValidationError(
            {
                "on": _("The date cannot be before the previous step (%(day)s).")
                % {"day": max(previous).isoformat()}
            }
        )
    if to == ProjectStatus.DROPPED and not reason.strip():
        raise ValidationError({"reason": _("Say why the project is dropped.")})
    if to == ProjectStatus.AGREED and project.supplier_id is None:
        raise ValidationError({"supplier": _("Name the supplier before the agreement.")})
    before = project.status
    project.status = to
    setattr(project, STATUS_DATE_FIELDS[to], on)
    if to == ProjectStatus.DROPPED:
        project.drop_reason = reason.strip()
    return before


@transaction.atomic
def project_advance(
    *, project: Project, to: str, user, on: datetime.date | None = None, reason: str = ""
) -> Project:
    """Move a project one step along its pipeline (or drop it), stamping the step's date."""
    project = (
        Project.objects.select_for_update().select_related("program", "plant").get(pk=project.pk)
    )
    require_program_manager(user, project.program)
    to = ProjectStatus(to)
    on = on or timezone.localdate()
    before = take_step(project, to=to, on=on, reason=reason)
    if to != ProjectStatus.DROPPED:
        _check_project(project)
    project.revision += 1
    project.save()
    audit_record(
        user=user,
        action=AuditAction.TRANSITION,
        obj=project,
        before={"status": before},
        after={"status": to.value, "on": on.isoformat()},
        message=reason.strip(),
    )
    return project
