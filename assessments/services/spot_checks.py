"""Spot-checks: agency staff draw confirmed assessments (a random share plus outliers,
reproducible by seed), assign each to a consultant of another consultancy, who rates the
plant blind and submits; the agency then keeps the confirmed assessment (the spot-check stays
a calibration record) or replaces it by a new confirmed assessment built from the
spot-check. Every function checks who may act and in which state, runs atomically and leaves
an audit entry."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import calibration as cal
from assessments.calibration_figures import Filters, draw_candidates
from assessments.choices import (
    AssessmentOrigin,
    AssessmentStatus,
    SpotCheckDecision,
    SpotCheckReason,
    SpotCheckStatus,
)
from assessments.models import Assessment, ItemRating, SpotCheck, SpotCheckDraw
from assessments.services.sheets import sheet_add_items, sheet_finish_score, sheet_rate
from assessments.services.workflow import add_years, plant_refresh_level
from hub import roles
from hub.audit import audit_entry, audit_record, snapshot
from hub.choices import AuditAction
from hub.formats import person_name
from hub.models import AuditEntry

MAX_SEED = 2**53  # fits a JSON number and a BigIntegerField


def _require_agency(user) -> None:
    if not roles.is_agency_staff_or_admin(user):
        raise PermissionDenied(_("Only agency staff may do this."))


def _require_second_consultant(spot_check: SpotCheck, user) -> None:
    if user is None or spot_check.consultant_id is None or spot_check.consultant_id != user.pk:
        raise PermissionDenied(_("Only the consultant assigned to this spot-check may rate it."))


def _require_status(spot_check: SpotCheck, allowed, action: str) -> None:
    if spot_check.status not in allowed:
        raise ValidationError(
            _("A spot-check that is %(status)s cannot be %(action)s.")
            % {"status": spot_check.get_status_display().lower(), "action": action},
            code="wrong_state",
        )


def _locked(spot_check: SpotCheck) -> SpotCheck:
    return (
        SpotCheck.objects.select_for_update(of=("self",))
        .select_related("assessment", "assessment__consultant", "framework", "plant")
        .get(pk=spot_check.pk)
    )


def _save(spot_check: SpotCheck, *, user, action, before, message="", fields=None) -> None:
    spot_check.revision += 1
    spot_check.save()
    audit_record(
        user=user,
        action=action,
        obj=spot_check,
        before=before,
        after=snapshot(spot_check, fields) if fields else None,
        message=message,
    )


# --- the draw ----------------------------------------------------------------------------------


@transaction.atomic
def spot_check_draw(
    *,
    user,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    region: str = "",
    industry: str = "",
    share: float = 0.1,
    outlier_consultants: int = 0,
    levels_above: int | None = None,
    limit: int = 50,
    seed: int | None = None,
    due_on: datetime.date | None = None,
) -> SpotCheckDraw:
    """Draw confirmed assessments filed in the hub (confirmed between `start` and `end`, in
    the region and industry) for spot-checks: the outliers the settings ask for, then a
    random share of the rest. The same seed, settings and data give the same sample; without
    a seed one is chosen and stored. Each drawn assessment gets a draft spot-check with a
    blank sheet, not yet assigned."""
    _require_agency(user)
    errors = {}
    if not 0 <= share <= 1:
        errors["share"] = _("The share is between 0 and 100 %.")
    if outlier_consultants < 0:
        errors["outlier_consultants"] = _("Give zero or more consultants.")
    if levels_above is not None and not 1 <= levels_above <= 5:
        errors["levels_above"] = _("Give a number of levels between 1 and 5.")
    if not 1 <= limit <= 500:
        errors["limit"] = _("Draw between 1 and 500 assessments.")
    if start and end and start > end:
        errors["end"] = _("The end of the period comes before its start.")
    if seed is not None and not 0 <= seed < MAX_SEED:
        errors["seed"] = _("The seed is a whole number from 0 to 2⁵³.")
    if errors:
        raise ValidationError(errors)
    if seed is None:
        seed = secrets.randbelow(MAX_SEED)
    settings = cal.DrawSettings(
        share=float(share),
        outlier_consultants=outlier_consultants,
        levels_above=levels_above,
        limit=limit,
    )
    filters = Filters(start=start, end=end, region=region or "", industry=industry or "")
    sample = cal.draw_sample(draw_candidates(filters=filters), settings, seed)
    draw = SpotCheckDraw.objects.create(
        drawn_by=user,
        seed=seed,
        settings={
            **settings.as_dict(),
            "start": start.isoformat() if start else None,
            "end": end.isoformat() if end else None,
            "region": filters.region,
            "industry": filters.industry,
            "due_on": due_on.isoformat() if due_on else None,
            "drawn": [aid for aid, _reason in sample],
        },
    )
    assessments = Assessment.objects.in_bulk([aid for aid, _reason in sample])
    for aid, reason in sample:
        assessment = assessments[aid]
        spot_check = SpotCheck.objects.create(
            plant_id=assessment.plant_id,
            framework_id=assessment.framework_id,
            assessment=assessment,
            draw=draw,
            reason=reason,
            due_on=due_on,
        )
        sheet_add_items(spot_check)
    # The settings stay on the draw itself; the entry names the seed and the count.
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=draw,
        after={"seed": seed},
        message=_("%(count)s assessments drawn for spot-checks.") % {"count": len(sample)},
    )
    return draw


@transaction.atomic
def spot_check_choose(
    *, assessment: Assessment, user, due_on: datetime.date | None = None
) -> SpotCheck:
    """Agency staff pick one confirmed assessment for a spot-check themselves (reason
    "chosen", outside any draw)."""
    _require_agency(user)
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.status != AssessmentStatus.CONFIRMED or assessment.outcome_only:
        raise ValidationError(
            {"assessment": _("Only a confirmed assessment with item ratings can be checked.")}
        )
    open_checks = SpotCheck.objects.filter(assessment=assessment).exclude(
        status=SpotCheckStatus.CANCELLED
    )
    if open_checks.exists():
        raise ValidationError({"assessment": _("This assessment has a spot-check already.")})
    spot_check = SpotCheck.objects.create(
        plant_id=assessment.plant_id,
        framework_id=assessment.framework_id,
        assessment=assessment,
        reason=SpotCheckReason.CHOSEN,
        due_on=due_on,
    )
    sheet_add_items(spot_check)
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=spot_check,
        after=snapshot(spot_check, ["assessment", "reason", "due_on"]),
        message=_("Assessment chosen for a spot-check."),
    )
    return spot_check


# --- assignment --------------------------------------------------------------------------------


def assignment_problem(spot_check: SpotCheck, consultant) -> str | None:
    """Why `consultant` may not check this assessment (None when they may): a consultant of
    another consultancy than the original consultant's, never the original consultant."""
    if consultant is None or not roles.is_consultant(consultant):
        return _("Choose a user with the consultant role.")
    original = spot_check.assessment.consultant
    if original is not None and original.pk == consultant.pk:
        return _("The consultant of the checked assessment cannot check it.")
    theirs = roles.membership_of(original) if original is not None else None
    mine = roles.membership_of(consultant)
    if theirs is not None and mine is not None and theirs.organization_id == mine.organization_id:
        return _("Choose a consultant of another consultancy than the checked assessment's.")
    return None


@transaction.atomic
def spot_check_assign(
    *, spot_check: SpotCheck, consultant, user, due_on: datetime.date | None = None
) -> SpotCheck:
    """Agency staff assign (or re-assign) a draft spot-check to a consultant of another
    consultancy than the original's."""
    _require_agency(user)
    spot_check = _locked(spot_check)
    _require_status(spot_check, [SpotCheckStatus.DRAFT], _("assigned"))
    problem = assignment_problem(spot_check, consultant)
    if problem:
        raise ValidationError({"consultant": problem})
    before = snapshot(spot_check, ["consultant", "due_on"])
    spot_check.consultant = consultant
    if due_on is not None:
        spot_check.due_on = due_on
    _save(
        spot_check,
        user=user,
        action=AuditAction.UPDATE,
        before=before,
        fields=["consultant", "due_on"],
        message=_("Spot-check assigned to %(consultant)s.")
        % {"consultant": person_name(consultant)},
    )
    return spot_check


# --- rating and submitting (the second consultant) -------------------------------------------


@transaction.atomic
def spot_check_rate(*, spot_check: SpotCheck, user, entries: list[dict[str, Any]]) -> dict:
    """The assigned consultant saves items of a draft spot-check (all or nothing, the
    shape of `sheet_rate`). Returns the items that changed."""
    spot_check = _locked(spot_check)
    _require_second_consultant(spot_check, user)
    _require_status(spot_check, [SpotCheckStatus.DRAFT], _("edited"))
    changed = sheet_rate(sheet=spot_check, entries=entries)
    # One entry per item, as the assessment's own items are audited (one insert).
    AuditEntry.objects.bulk_create(
        [
            audit_entry(
                user=user,
                action=AuditAction.UPDATE,
                obj=spot_check,
                before=change["before"],
                after=change["after"],
                message=_("Item %(code)s saved.") % {"code": code},
            )
            for code, change in sorted(changed.items())
        ]
    )
    return changed


@transaction.atomic
def spot_check_submit(
    *, spot_check: SpotCheck, user, rated_on: datetime.date | None = None
) -> SpotCheck:
    """The assigned consultant submits a complete spot-check: its score and level are
    computed by the framework's rules and kept on it."""
    spot_check = _locked(spot_check)
    _require_second_consultant(spot_check, user)
    _require_status(spot_check, [SpotCheckStatus.DRAFT], _("submitted"))
    rated_on = rated_on or spot_check.rated_on or timezone.localdate()
    if rated_on > timezone.localdate():
        raise ValidationError({"rated_on": _("The date of the visit cannot be in the future.")})
    sheet_finish_score(spot_check)
    spot_check.rated_on = rated_on
    spot_check.status = SpotCheckStatus.SUBMITTED
    spot_check.finished_at = timezone.now()
    _save(
        spot_check,
        user=user,
        action=AuditAction.TRANSITION,
        before={"status": SpotCheckStatus.DRAFT},
        fields=["status", "rated_on", "total_score", "final_level"],
    )
    return spot_check


# --- the agency's decision --------------------------------------------------------------------


@transaction.atomic
def spot_check_decide(*, spot_check: SpotCheck, user, decision: str, note: str = "") -> SpotCheck:
    """Agency staff decide on a submitted spot-check: keep the confirmed assessment (the
    spot-check stays a calibration record) or replace it — a new confirmed assessment
    (origin spot-check) built from the spot-check's ratings, which the plant's level then
    follows. Replacing needs a reason."""
    _require_agency(user)
    spot_check = _locked(spot_check)
    _require_status(spot_check, [SpotCheckStatus.SUBMITTED], _("decided"))
    if spot_check.decision != SpotCheckDecision.PENDING:
        raise ValidationError(
            _("This spot-check has been decided already."), code="already_decided"
        )
    note = (note or "").strip()
    if decision not in (SpotCheckDecision.KEPT, SpotCheckDecision.REPLACED):
        raise ValidationError({"decision": _("Keep or replace the confirmed assessment.")})
    if decision == SpotCheckDecision.REPLACED and not note:
        raise ValidationError({"note": _("Say why the confirmed assessment is replaced.")})
    before = snapshot(spot_check, ["decision", "decision_note", "replacement"])
    spot_check.decision = decision
    spot_check.decision_note = note
    spot_check.decided_at = timezone.now()
    spot_check.decided_by = user
    if decision == SpotCheckDecision.REPLACED:
        spot_check.replacement = _replacement(spot_check, user=user, note=note)
    _save(
        spot_check,
        user=user,
        action=AuditAction.TRANSITION,
        before=before,
        fields=["decision", "decision_note", "replacement"],
        message=note,
    )
    if spot_check.replacement is not None:
        plant_refresh_level(plant=spot_check.plant, user=user)
    return spot_check


def _replacement(spot_check: SpotCheck, *, user, note: str) -> Assessment:
    """The confirmed assessment built from a spot-check: its ratings, its score and level,
    assessed on the spot-check's visit, confirmed now by the deciding user."""
    now = timezone.now()
    assessment = Assessment(
        plant=spot_check.plant,
        framework=spot_check.framework,
        consultant=spot_check.consultant,
        opened_by=user,
        status=AssessmentStatus.CONFIRMED,
        origin=AssessmentOrigin.SPOT_CHECK,
        assessed_on=spot_check.rated_on,
        submitted_at=spot_check.finished_at,
        confirmed_at=now,
        confirmed_by=user,
        total_score=spot_check.total_score,
        band_level=spot_check.band_level,
        final_level=spot_check.final_level,
        capping_rule=spot_check.capping_rule,
        result=spot_check.result,
        valid_until=add_years(spot_check.rated_on, spot_check.framework.validity_years),
    )
    assessment.full_clean()
    assessment.save()
    # bulk_create: the rows of a confirmed assessment are written once, here.
    ItemRating.objects.bulk_create(
        [
            ItemRating(
                assessment=assessment,
                item_id=r.item_id,
                rating=r.rating,
                not_applicable=r.not_applicable,
                na_reason=r.na_reason,
                evidence_note=r.note,
                updated_by=spot_check.consultant,
            )
            for r in spot_check.ratings.all()
        ]
    )
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=assessment,
        after=snapshot(assessment),
        message=_("Confirmed from spot-check #%(id)s, replacing assessment #%(old)s: %(note)s")
        % {"id": spot_check.pk, "old": spot_check.assessment_id, "note": note},
    )
    return assessment


@transaction.atomic
def spot_check_cancel(*, spot_check: SpotCheck, user, reason: str = "") -> SpotCheck:
    """Agency staff cancel a spot-check still being rated."""
    _require_agency(user)
    spot_check = _locked(spot_check)
    _require_status(spot_check, [SpotCheckStatus.DRAFT], _("cancelled"))
    spot_check.status = SpotCheckStatus.CANCELLED
    _save(
        spot_check,
        user=user,
        action=AuditAction.TRANSITION,
        before={"status": SpotCheckStatus.DRAFT},
        fields=["status"],
        message=(reason or "").strip(),
    )
    return spot_check


__all__ = [
    "assignment_problem",
    "spot_check_assign",
    "spot_check_cancel",
    "spot_check_choose",
    "spot_check_decide",
    "spot_check_draw",
    "spot_check_rate",
    "spot_check_submit",
]
