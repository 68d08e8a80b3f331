"""Assessment write paths: loading frameworks, the workflow transitions, ratings and
evidence. Every function checks who may do it and in which state, runs atomically and
leaves an audit entry."""

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import scoring
from assessments.choices import (
    EDITABLE_STATUSES,
    EVIDENCE_CONTENT_TYPES,
    AssessmentStatus,
    FrameworkStatus,
)
from assessments.models import (
    Area,
    Assessment,
    Category,
    Evidence,
    Framework,
    FrozenError,
    Item,
    ItemRating,
)
from hub import roles
from hub.audit import audit_record, snapshot
from hub.choices import AuditAction, PlantStatus
from hub.models import Plant

# --- frameworks ------------------------------------------------------------------------------


def _check_framework_definition(data: dict) -> list[str]:
    """Structural problems of a framework definition (empty when it is sound)."""
    problems = []
    for key in ("code", "version", "name", "level_thresholds", "areas"):
        if key not in data:
            problems.append(_("The definition has no “%(key)s”.") % {"key": key})
    if problems:
        return problems
    total = Decimal(str(data.get("total_points", 1000)))
    area_sum, codes = Decimal(0), set()
    for area in data["areas"]:
        area_points, cat_sum = Decimal(str(area["points"])), Decimal(0)
        area_sum += area_points
        for category in area.get("categories", []):
            cat_points = Decimal(str(category["points"]))
            cat_sum += cat_points
            item_sum = sum(Decimal(str(i["points"])) for i in category.get("items", []))
            if item_sum != cat_points:
                problems.append(
                    _("Category %(code)s has %(points)s points but its items add up to %(sum)s.")
                    % {"code": category["code"], "points": cat_points, "sum": item_sum}
                )
            for item in category.get("items", []):
                if item["code"] in codes:
                    problems.append(_("Item code %(code)s repeats.") % {"code": item["code"]})
                codes.add(item["code"])
        if cat_sum != area_points:
            problems.append(
                _("Area %(code)s has %(points)s points but its categories add up to %(sum)s.")
                % {"code": area["code"], "points": area_points, "sum": cat_sum}
            )
    if area_sum != total:
        problems.append(
            _("The areas add up to %(sum)s points, not %(total)s.")
            % {"sum": area_sum, "total": total}
        )
    thresholds = [data["level_thresholds"].get(str(lvl)) for lvl in range(1, 6)]
    if None in thresholds or thresholds != sorted(thresholds):
        problems.append(_("Level thresholds for Levels 1–5 must all be given, in rising order."))
    return problems


@transaction.atomic
def framework_load(*, data: dict, user=None) -> tuple[Framework, str]:
    """Load a framework version from its JSON definition. Idempotent: the same definition
    again changes nothing ("unchanged"); a changed definition of a version in use is refused
    (load it as a new version); a new version supersedes the active one of the same code.
    Returns (framework, "created" | "updated" | "unchanged")."""
    problems = _check_framework_definition(data)
    if problems:
        raise ValidationError(problems)
    existing = Framework.objects.filter(code=data["code"], version=data["version"]).first()
    if existing is not None:
        if existing.definition == data:
            return existing, "unchanged"
        if existing.in_use:
            raise FrozenError(
                _("Framework %(framework)s is in use: load a new version instead of editing.")
                % {"framework": existing}
            )
        existing.areas.all().delete()
        existing.delete()
        outcome = "updated"
    else:
        outcome = "created"
    newer = Framework.objects.filter(code=data["code"], version__gt=data["version"]).exists()
    if not newer:
        Framework.objects.filter(code=data["code"], status=FrameworkStatus.ACTIVE).update(
            status=FrameworkStatus.SUPERSEDED
        )
    framework = Framework.objects.create(
        code=data["code"],
        version=data["version"],
        name_ko=data["name"]["ko"],
        name_en=data["name"]["en"],
        source=data.get("source", ""),
        total_points=data.get("total_points", 1000),
        thresholds=data["level_thresholds"],
        floor_rules=data.get("floor_rules", []),
        levels=data.get("levels", []),
        validity_years=data.get("validity_years", 3),
        status=FrameworkStatus.SUPERSEDED if newer else FrameworkStatus.ACTIVE,
        definition=data,
    )
    order = 0
    for a_index, area_data in enumerate(data["areas"]):
        area = Area.objects.create(
            framework=framework,
            code=area_data["code"],
            name_ko=area_data["name"]["ko"],
            name_en=area_data["name"]["en"],
            points=area_data["points"],
            order=a_index,
        )
        for c_index, cat_data in enumerate(area_data["categories"]):
            category = Category.objects.create(
                area=area,
                code=cat_data["code"],
                name_ko=cat_data["name"]["ko"],
                name_en=cat_data["name"]["en"],
                points=cat_data["points"],
                order=c_index,
            )
            items = []
            for item_data in cat_data["items"]:
                items.append(
                    Item(
                        category=category,
                        code=item_data["code"],
                        name_ko=item_data["name"]["ko"],
                        name_en=item_data["name"]["en"],
                        points=item_data["points"],
                        order=order,
                        descriptors=item_data.get("descriptors", {}),
                    )
                )
                order += 1
            Item.objects.bulk_create(items)
    audit_record(
        user=user,
        action=AuditAction.CREATE if outcome == "created" else AuditAction.UPDATE,
        obj=framework,
        after={"code": framework.code, "version": framework.version, "items": order},
        message=_("Framework loaded."),
    )
    return framework, outcome


def framework_current(code: str | None = None) -> Framework:
    qs = Framework.objects.filter(status=FrameworkStatus.ACTIVE)
    if code:
        qs = qs.filter(code=code)
    framework = qs.order_by("-version").first()
    if framework is None:
        raise ValidationError(_("No active maturity framework is loaded."))
    return framework


# --- helpers ---------------------------------------------------------------------------------


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
        % {"consultant": consultant.get_full_name() or consultant.get_username()},
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


def assessment_problems(assessment: Assessment) -> list[dict]:
    """What stops a submit: unrated items, N/A items without a reason, nothing applicable.
    Each problem: {"item": code or None, "message": text}."""
    ratings = list(assessment.ratings.select_related("item").order_by("item__order"))
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


def assessment_score(assessment: Assessment) -> scoring.ScoreResult:
    values = {r.item.code: r.value for r in assessment.ratings.select_related("item")}
    return scoring.score(assessment.framework.spec(), values)


def _store_result(assessment: Assessment, result: scoring.ScoreResult) -> None:
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
    _store_result(assessment, assessment_score(assessment))
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
    _store_result(assessment, assessment_score(assessment))
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


def plant_refresh_level(*, plant: Plant, user=None) -> Plant:
    """Set the plant's denormalised level fields from its latest confirmed assessment."""
    latest = Assessment.objects.filter(plant=plant).latest_confirmed_first().first()
    plant = Plant.objects.select_for_update().get(pk=plant.pk)
    before = snapshot(
        plant, ["current_level", "current_score", "level_confirmed_on", "level_valid_until"]
    )
    plant.current_level = latest.final_level if latest else None
    plant.current_score = latest.total_score.quantize(Decimal("0.1")) if latest else None
    plant.level_confirmed_on = latest.assessed_on if latest else None
    plant.level_valid_until = latest.valid_until if latest else None
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


# --- evidence --------------------------------------------------------------------------------

# Leading bytes of the accepted formats; office formats are zip (OOXML) or OLE (HWP).
_MAGIC = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".pptx": (b"PK\x03\x04",),
    ".hwpx": (b"PK\x03\x04",),
    ".hwp": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
}


def evidence_max_bytes() -> int:
    return settings.EVIDENCE_MAX_BYTES


def check_evidence_file(upload) -> str:
    """Refuse files that are too large or not one of the accepted types (by extension and by
    content); returns the content type to store."""
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in EVIDENCE_CONTENT_TYPES:
        raise ValidationError(
            {
                "file": _(
                    "Only PDF, images (PNG, JPEG, GIF, WebP) and office files (DOCX, XLSX, "
                    "PPTX, HWP, HWPX) can be attached."
                )
            }
        )
    if upload.size > evidence_max_bytes():
        raise ValidationError(
            {
                "file": _("The file is %(size).1f MB; evidence files may be at most %(max).0f MB.")
                % {"size": upload.size / 1048576, "max": evidence_max_bytes() / 1048576}
            }
        )
    if upload.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in _MAGIC[suffix]):
        raise ValidationError(
            {
                "file": _("The file's content does not match its %(suffix)s extension.")
                % {"suffix": suffix}
            }
        )
    return EVIDENCE_CONTENT_TYPES[suffix][0]


@transaction.atomic
def evidence_add(*, assessment: Assessment, item: Item, upload, user) -> Evidence:
    assessment = _locked(assessment)
    _require_assigned_consultant(assessment, user)
    _require_status(assessment, EDITABLE_STATUSES, _("edited"))
    if item.category.area.framework_id != assessment.framework_id:
        raise ValidationError({"item": _("This item is not part of the assessment's framework.")})
    content_type = check_evidence_file(upload)
    evidence = Evidence(
        assessment=assessment,
        item=item,
        original_name=Path(upload.name).name[:255],
        content_type=content_type,
        size=upload.size,
        uploaded_by=user,
    )
    evidence.file.save(upload.name, upload, save=False)
    evidence.save()
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=assessment,
        after={"evidence": evidence.original_name, "item": item.code, "size": evidence.size},
        message=_("Evidence added to %(code)s.") % {"code": item.code},
    )
    return evidence


@transaction.atomic
def evidence_delete(*, evidence: Evidence, user) -> None:
    assessment = _locked(evidence.assessment)
    _require_assigned_consultant(assessment, user)
    _require_status(assessment, EDITABLE_STATUSES, _("edited"))
    name, code = evidence.original_name, evidence.item.code
    storage, path = evidence.file.storage, evidence.file.name
    evidence.delete()
    transaction.on_commit(lambda: storage.delete(path))
    audit_record(
        user=user,
        action=AuditAction.DELETE,
        obj=assessment,
        before={"evidence": name, "item": code},
        message=_("Evidence removed from %(code)s.") % {"code": code},
    )
