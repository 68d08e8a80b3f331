"""The assessment workflow: open, rate, submit, confirm, return; the plant's current level."""

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import scoring
from assessments.choices import (
    EDITABLE_STATUSES,
    AssessmentStatus,
)
from assessments.models import (
    Assessment,
    Framework,
    Item,
    ItemRating,
)
from assessments.services.frameworks import framework_current
from assessments.services.timeline import level_timeline_rebuild
from hub import roles
from hub.audit import audit_entry, audit_record, snapshot
from hub.choices import AuditAction, PlantStatus
from hub.formats import person_name
from hub.importers.tabular import chunks
from hub.importers.writing import WRITE_BATCH, bulk_update
from hub.models import AuditEntry, Plant


def _require_agency(user) -> None:
    if not roles.is_agency_staff_or_admin(user):
        raise PermissionDenied(_("Only agency staff may do this."))


def _require_assigned_consultant(assessment: Assessment, user) -> None:
    if user is None or assessment.consultant_id != user.pk:
        raise PermissionDenied(_("Only the assigned consultant may change this assessment."))


def _require_status(assessment: Assessment, allowed, action: str) -> None:
    if assessment.status not in allowed:
        raise ValidationError(
            _("A %(status)s assessment cannot be %(action)s.")
            % {"status": assessment.get_status_display().lower(), "action": action},
            code="wrong_state",
        )


def _locked(assessment: Assessment) -> Assessment:
    """Re-read the assessment under a row lock: concurrent transitions see each other."""
    return (
        Assessment.objects.select_for_update()
        .select_related("plant", "framework")
        .get(pk=assessment.pk)
    )


def _transition(assessment, *, user, before_status, message="") -> None:
    assessment.revision += 1
    assessment.save()
    audit_record(
        user=user,
        action=AuditAction.TRANSITION,
        obj=assessment,
        before={"status": before_status},
        after={"status": assessment.status},
        message=message,
    )


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a non-leap year
        return day.replace(year=day.year + years, day=28)


# --- workflow --------------------------------------------------------------------------------


@transaction.atomic
def assessment_open(
    *,
    plant: Plant,
    consultant,
    user,
    due_on: datetime.date | None = None,
    framework: Framework | None = None,
) -> Assessment:
    """Agency staff open an assessment of a plant against the active framework and assign a
    consultant. A plant has at most one assessment in progress."""
    _require_agency(user)
    if not roles.is_consultant(consultant):
        raise ValidationError({"consultant": _("Choose a user with the consultant role.")})
    plant = Plant.objects.select_for_update().get(pk=plant.pk)
    if plant.status == PlantStatus.CLOSED:
        raise ValidationError({"plant": _("A closed plant cannot be assessed.")})
    in_progress = Assessment.objects.filter(plant=plant).exclude(status=AssessmentStatus.CONFIRMED)
    if in_progress.exists():
        raise ValidationError(
            {
                "plant": _("This plant already has an assessment in progress (#%(id)s).")
                % {"id": in_progress.first().pk}
            }
        )
    framework = framework or framework_current()
    assessment = Assessment(
        plant=plant, framework=framework, consultant=consultant, opened_by=user, due_on=due_on
    )
    assessment.full_clean()
    assessment.save()
    items = Item.objects.filter(category__area__framework=framework)
    ItemRating.objects.bulk_create([ItemRating(assessment=assessment, item=i) for i in items])
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=assessment,
        after=snapshot(assessment),
        message=_("Assessment opened and assigned to %(consultant)s.")
        % {"consultant": person_name(consultant)},
    )
    return assessment


RATING_FIELDS = ("rating", "not_applicable", "na_reason", "evidence_note")


@transaction.atomic
def assessment_rate_item(
    *, assessment: Assessment, item: Item, user, data: dict[str, Any]
) -> ItemRating:
    """The assigned consultant saves one item of a draft: rating 0–5 or not applicable (the
    reason may follow later; submit requires it), and an evidence note."""
    assessment = _locked(assessment)
    _require_assigned_consultant(assessment, user)
    _require_status(assessment, EDITABLE_STATUSES, _("edited"))
    rating = ItemRating.objects.select_for_update().get(assessment=assessment, item=item)
    before = {f: getattr(rating, f) for f in RATING_FIELDS}
    for name in RATING_FIELDS:
        if name in data:
            setattr(rating, name, data[name])
    if rating.not_applicable:
        rating.rating = None
    else:
        rating.na_reason = ""
    rating.updated_by = user
    rating.full_clean(exclude=["assessment", "item"])
    after = {f: getattr(rating, f) for f in RATING_FIELDS}
    if after != before:
        rating.save()
        audit_record(
            user=user,
            action=AuditAction.UPDATE,
            obj=assessment,
            before=before,
            after=after,
            message=_("Item %(code)s saved.") % {"code": item.code},
        )
    return rating


def rating_problems(ratings) -> list[dict]:
    """What stops a submit of a sheet of ratings (ItemRating or a self-diagnosis' or
    spot-check's, each with `item`): unrated items, N/A items without a reason, nothing
    applicable. Each problem: {"item": code or None, "message": text}."""
    ratings = sorted(ratings, key=lambda r: r.item.order)
    problems = []
    for r in ratings:
        if r.not_applicable and not r.na_reason.strip():
            problems.append(
                {
                    "item": r.item.code,
                    "message": _("%(code)s is marked not applicable without a reason.")
                    % {"code": r.item.code},
                }
            )
        elif not r.not_applicable and r.rating is None:
            problems.append(
                {
                    "item": r.item.code,
                    "message": _("%(code)s is not rated.") % {"code": r.item.code},
                }
            )
    if ratings and all(r.not_applicable for r in ratings):
        problems.append({"item": None, "message": _("At least one item must apply and be rated.")})
    return problems


def assessment_problems(assessment: Assessment) -> list[dict]:
    """What stops the assessment's submit (`rating_problems`)."""
    return rating_problems(assessment.ratings.select_related("item"))


def assessment_score(assessment: Assessment) -> scoring.ScoreResult:
    values = {r.item.code: r.value for r in assessment.ratings.select_related("item")}
    return scoring.score(assessment.framework.spec(), values)


def store_result(assessment, result: scoring.ScoreResult) -> None:
    """Keep a scoring result on an assessment or a rating sheet (same fields)."""
    assessment.total_score = scoring.to_decimal(result.total)
    assessment.band_level = result.band_level
    assessment.final_level = result.final_level
    assessment.capping_rule = result.capping_rule or ""
    assessment.result = result.as_dict()


@transaction.atomic
def assessment_submit(
    *, assessment: Assessment, user, assessed_on: datetime.date | None = None
) -> Assessment:
    """The consultant submits a complete draft; the score is computed and stored."""
    assessment = _locked(assessment)
    _require_assigned_consultant(assessment, user)
    _require_status(assessment, EDITABLE_STATUSES, _("submitted"))
    problems = assessment_problems(assessment)
    if problems:
        raise ValidationError(
            [
                ValidationError(p["message"], code="incomplete", params={"item": p["item"]})
                for p in problems
            ]
        )
    before = assessment.status
    assessment.assessed_on = assessed_on or assessment.assessed_on or timezone.localdate()
    if assessment.assessed_on > timezone.localdate():
        raise ValidationError({"assessed_on": _("The assessment date cannot be in the future.")})
    store_result(assessment, assessment_score(assessment))
    assessment.status = AssessmentStatus.SUBMITTED
    assessment.submitted_at = timezone.now()
    _transition(assessment, user=user, before_status=before)
    return assessment


@transaction.atomic
def assessment_confirm(*, assessment: Assessment, user) -> Assessment:
    """Agency staff confirm a submitted assessment: it freezes, its level becomes valid for
    the framework's validity period, and the plant's current level follows its latest
    confirmed assessment."""
    _require_agency(user)
    assessment = _locked(assessment)
    _require_status(assessment, [AssessmentStatus.SUBMITTED], _("confirmed"))
    before = assessment.status
    store_result(assessment, assessment_score(assessment))
    assessment.valid_until = add_years(assessment.assessed_on, assessment.framework.validity_years)
    assessment.status = AssessmentStatus.CONFIRMED
    assessment.confirmed_at = timezone.now()
    assessment.confirmed_by = user
    _transition(assessment, user=user, before_status=before)
    plant_refresh_level(plant=assessment.plant, user=user)
    return assessment


@transaction.atomic
def assessment_return(*, assessment: Assessment, user, reason: str) -> Assessment:
    """Agency staff send a submitted assessment back to the consultant with a reason."""
    _require_agency(user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the assessment goes back.")})
    assessment = _locked(assessment)
    _require_status(assessment, [AssessmentStatus.SUBMITTED], _("returned"))
    before = assessment.status
    assessment.status = AssessmentStatus.RETURNED
    assessment.returned_at = timezone.now()
    assessment.return_reason = reason
    _transition(assessment, user=user, before_status=before, message=reason)
    return assessment


LEVEL_FIELDS = ("current_level", "current_score", "level_confirmed_on", "level_valid_until")


def plant_level_fields(latest: Assessment | None) -> dict:
    """The plant's denormalised level fields as its latest confirmed assessment sets them
    (all None for a plant never assessed); the score as shown, to one decimal."""
    if latest is None:
        return dict.fromkeys(LEVEL_FIELDS)
    return {
        "current_level": latest.final_level,
        "current_score": latest.total_score.quantize(Decimal("0.1")),
        "level_confirmed_on": latest.assessed_on,
        "level_valid_until": latest.valid_until,
    }


def plant_refresh_level(*, plant: Plant, user=None) -> Plant:
    """Set the plant's denormalised level fields from its latest confirmed assessment, and
    rebuild its level timeline."""
    level_timeline_rebuild(plant_ids=[plant.pk])
    latest = Assessment.objects.filter(plant=plant).latest_confirmed_first().first()
    plant = Plant.objects.select_for_update().get(pk=plant.pk)
    before = snapshot(plant, list(LEVEL_FIELDS))
    for field, value in plant_level_fields(latest).items():
        setattr(plant, field, value)
    after = snapshot(plant, list(before))
    if after != before:
        plant.save(update_fields=[*before, "updated_at"])
        audit_record(
            user=user,
            action=AuditAction.UPDATE,
            obj=plant,
            before=before,
            after=after,
            message=_("Level updated from a confirmed assessment."),
        )
    return plant


def plants_refresh_level(*, plant_ids, user=None) -> int:
    """`plant_refresh_level` for many plants at once (a bulk import): one read of their
    confirmed assessments, bulk updates and audit entries for the plants whose level fields
    change, and their level timelines rebuilt. Returns how many changed. Call inside the
    import's transaction."""
    level_timeline_rebuild(plant_ids=plant_ids)
    changed, entries = [], []
    now = timezone.now()
    for chunk in chunks(sorted(set(plant_ids))):
        latest: dict[int, Assessment] = {}
        for assessment in (
            Assessment.objects.filter(plant_id__in=chunk)
            .latest_confirmed_first()
            .only("plant_id", "final_level", "total_score", "assessed_on", "valid_until")
        ):
            latest.setdefault(assessment.plant_id, assessment)
        for plant in Plant.objects.select_for_update().filter(pk__in=chunk).order_by("pk"):
            before = snapshot(plant, list(LEVEL_FIELDS))
            for name, value in plant_level_fields(latest.get(plant.pk)).items():
                setattr(plant, name, value)
            after = snapshot(plant, list(before))
            if after == before:
                continue
            plant.updated_at = now  # bulk updates skip auto_now
            changed.append(plant)
            entries.append(
                audit_entry(
                    user=user,
                    action=AuditAction.UPDATE,
                    obj=plant,
                    before=before,
                    after=after,
                    message=_("Level updated from a confirmed assessment."),
                )
            )
    bulk_update(Plant, changed, [*LEVEL_FIELDS, "updated_at"])
    AuditEntry.objects.bulk_create(entries, batch_size=WRITE_BATCH)
    return len(changed)
