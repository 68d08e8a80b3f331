"""Self-diagnosis: an SME member rates its own plant against the current framework, gets the
score, level and roadmap at once, and may share the result with the consultant of the plant's
next assessment. Kept apart from confirmed assessments: nothing here touches a plant's level
or the program's figures. Only the SME members of the plant's company write them; every
function checks role and state, runs atomically and leaves an audit entry."""

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.choices import AssessmentStatus, SelfAssessmentStatus
from assessments.models import Assessment, SelfAssessment
from assessments.services.frameworks import framework_current
from assessments.services.sheets import sheet_add_items, sheet_finish_score, sheet_rate
from hub import roles
from hub.audit import audit_entry, audit_record
from hub.choices import AuditAction, PlantStatus
from hub.formats import person_name
from hub.models import AuditEntry, Plant


def may_write(user, plant: Plant) -> bool:
    """An SME member of the plant's company (nobody else: agency staff, consultants, partners,
    officials and administrators read self-diagnoses at most)."""
    return (
        roles.is_sme_member(user)
        and Plant.objects.visible_to(user).filter(pk=plant.pk, company=plant.company_id).exists()
    )


def _require_writer(user, plant: Plant) -> None:
    if not may_write(user, plant):
        raise PermissionDenied(_("Only the members of the plant's company may do this."))


def _require_status(sheet: SelfAssessment, status: str, action: str) -> None:
    if sheet.status != status:
        raise ValidationError(
            _("A %(status)s self-diagnosis cannot be %(action)s.")
            % {"status": sheet.get_status_display().lower(), "action": action},
            code="wrong_state",
        )


def _locked(sheet: SelfAssessment) -> SelfAssessment:
    return (
        SelfAssessment.objects.select_for_update()
        .select_related("plant", "framework")
        .get(pk=sheet.pk)
    )


def draft_of(plant: Plant) -> SelfAssessment | None:
    """The plant's self-diagnosis in progress, if any (at most one)."""
    return (
        SelfAssessment.objects.filter(plant=plant, status=SelfAssessmentStatus.DRAFT)
        .order_by("pk")
        .first()
    )


@transaction.atomic
def self_assessment_start(*, plant: Plant, user) -> SelfAssessment:
    """An SME member starts a self-diagnosis of one of its company's plants against the
    current framework, every item blank. A plant has at most one draft: starting again is
    refused with the draft's number (code "draft_exists", params["draft"])."""
    _require_writer(user, plant)
    plant = Plant.objects.select_for_update().get(pk=plant.pk)
    if plant.status == PlantStatus.CLOSED:
        raise ValidationError({"plant": _("A closed plant cannot be self-diagnosed.")})
    existing = draft_of(plant)
    if existing is not None:
        raise ValidationError(
            {
                "plant": ValidationError(
                    _(
                        "This plant already has a self-diagnosis in progress (#%(id)s): "
                        "continue it or delete it first."
                    ),
                    code="draft_exists",
                    params={"id": existing.pk, "draft": existing.pk},
                )
            }
        )
    sheet = SelfAssessment(plant=plant, framework=framework_current(), created_by=user)
    sheet.full_clean()
    sheet.save()
    sheet_add_items(sheet)
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=sheet,
        after={"plant": plant.pk, "framework": sheet.framework_id, "status": sheet.status},
        message=_("Self-diagnosis started."),
    )
    return sheet


@transaction.atomic
def self_assessment_rate(
    *, self_assessment: SelfAssessment, user, entries: list[dict[str, Any]]
) -> SelfAssessment:
    """Save several items of a draft, all or nothing (`sheet_rate`: a `SheetRatingErrors`
    keyed by entry index saves nothing)."""
    sheet = _locked(self_assessment)
    _require_writer(user, sheet.plant)
    _require_status(sheet, SelfAssessmentStatus.DRAFT, _("edited"))
    changed = sheet_rate(sheet=sheet, entries=entries)
    # One entry per item, as the assessment's own ratings are audited (one insert).
    AuditEntry.objects.bulk_create(
        audit_entry(
            user=user,
            action=AuditAction.UPDATE,
            obj=sheet,
            before=change["before"],
            after=change["after"],
            message=_("Item %(code)s saved.") % {"code": code},
        )
        for code, change in sorted(changed.items())
    )
    return sheet


@transaction.atomic
def self_assessment_finish(
    *, self_assessment: SelfAssessment, user, rated_on: datetime.date | None = None
) -> SelfAssessment:
    """Finish a complete draft: score, level and roadmap by the framework's rules, kept on
    the self-diagnosis (never on the plant). Refused listing what is missing."""
    sheet = _locked(self_assessment)
    _require_writer(user, sheet.plant)
    _require_status(sheet, SelfAssessmentStatus.DRAFT, _("finished"))
    rated_on = rated_on or timezone.localdate()
    if rated_on > timezone.localdate():
        raise ValidationError({"rated_on": _("The date cannot be in the future.")})
    sheet_finish_score(sheet)
    sheet.status = SelfAssessmentStatus.FINISHED
    sheet.finished_at = timezone.now()
    sheet.rated_on = rated_on
    sheet.revision += 1
    sheet.save()
    audit_record(
        user=user,
        action=AuditAction.TRANSITION,
        obj=sheet,
        before={"status": SelfAssessmentStatus.DRAFT},
        after={
            "status": sheet.status,
            "total_score": str(sheet.total_score),
            "final_level": sheet.final_level,
        },
        message=_("Self-diagnosis finished: Level %(level)s.") % {"level": sheet.final_level},
    )
    return sheet


def next_assessment_of(plant: Plant) -> Assessment | None:
    """The plant's next assessment: the one in progress (opened, not confirmed yet)."""
    return (
        Assessment.objects.filter(plant=plant)
        .exclude(status=AssessmentStatus.CONFIRMED)
        .exclude(consultant__isnull=True)
        .select_related("consultant")
        .order_by("-opened_at", "-pk")
        .first()
    )


@transaction.atomic
def self_assessment_share(*, self_assessment: SelfAssessment, user) -> SelfAssessment:
    """Let the consultant assigned to the plant's next assessment read a finished
    self-diagnosis. Refused when the plant has no assessment in progress."""
    sheet = _locked(self_assessment)
    _require_writer(user, sheet.plant)
    _require_status(sheet, SelfAssessmentStatus.FINISHED, _("shared"))
    target = next_assessment_of(sheet.plant)
    if target is None:
        raise ValidationError(
            _(
                "This plant has no assessment in progress: a self-diagnosis can be shared once "
                "agency staff open the next assessment and assign a consultant."
            ),
            code="no_assessment",
        )
    before = {"shared_with": sheet.shared_with_id}
    sheet.shared_with = target
    sheet.shared_at = timezone.now()
    sheet.revision += 1
    sheet.save(update_fields=["shared_with", "shared_at", "revision"])
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=sheet,
        before=before,
        after={"shared_with": target.pk},
        message=_("Shared with %(consultant)s (assessment #%(id)s).")
        % {"consultant": person_name(target.consultant), "id": target.pk},
    )
    return sheet


@transaction.atomic
def self_assessment_unshare(*, self_assessment: SelfAssessment, user) -> SelfAssessment:
    """Take a shared self-diagnosis back: the consultant no longer reads it."""
    sheet = _locked(self_assessment)
    _require_writer(user, sheet.plant)
    if sheet.shared_with_id is None:
        return sheet
    before = {"shared_with": sheet.shared_with_id}
    sheet.shared_with = None
    sheet.shared_at = None
    sheet.revision += 1
    sheet.save(update_fields=["shared_with", "shared_at", "revision"])
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=sheet,
        before=before,
        after={"shared_with": None},
        message=_("No longer shared."),
    )
    return sheet


@transaction.atomic
def self_assessment_delete(*, self_assessment: SelfAssessment, user) -> None:
    """Delete a draft (a finished self-diagnosis is kept: it is compared later)."""
    sheet = _locked(self_assessment)
    _require_writer(user, sheet.plant)
    _require_status(sheet, SelfAssessmentStatus.DRAFT, _("deleted"))
    audit_record(
        user=user,
        action=AuditAction.DELETE,
        obj=sheet,
        before={"plant": sheet.plant_id, "status": sheet.status},
        message=_("Self-diagnosis draft deleted."),
    )
    sheet.delete()
