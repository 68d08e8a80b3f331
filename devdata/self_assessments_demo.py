"""Demo self-diagnoses (manage.py seed_self_assessments, run by seed_demo last).

- The `sme` login's first plant: a finished self-diagnosis filed two weeks before the plant's
  latest confirmed assessment and shared with it while it was in progress, so the login can
  open the side-by-side comparison. Started, rated and finished through the services as the
  `sme` login; the sharing is back-dated onto the assessment, confirmed since.
- A few dozen other plants with a confirmed assessment: a finished self-diagnosis a few weeks
  before it, the plant rating itself like the consultant did, one step higher on about half
  the items (now and then one lower): the usual over-rating of about half a level. Written in
  bulk (their companies have no demo login), scored by the framework's own rules.

Idempotent: a plant that has any self-diagnosis gets no new one. Seeded: the same plants and
ratings on every run."""

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from assessments.choices import AssessmentOrigin, AssessmentStatus, SelfAssessmentStatus
from assessments.models import Assessment, ItemRating, SelfAssessment, SelfRating
from assessments.services import self_assessments as self_services
from assessments.services.sheets import sheet_finish_score
from hub import roles
from hub.audit import audit_entry
from hub.choices import AuditAction
from hub.models import AuditEntry, Plant

SEED = 16
OTHER_PLANTS = 40


def _self_ratings(confirmed: dict[int, tuple], rng: random.Random) -> dict[int, tuple]:
    """item id -> (rating, not_applicable, na_reason): the consultant's, self-rated a step
    higher on about half the items, a step lower on one in twelve."""
    own = {}
    for item_id, (rating, na, reason) in confirmed.items():
        if na or rating is None:
            own[item_id] = (None, True, reason or "해당 공정 없음")
            continue
        draw = rng.random()
        step = 1 if draw < 0.5 else (-1 if draw > 11 / 12 else 0)
        own[item_id] = (min(5, max(0, rating + step)), False, "")
    return own


def _confirmed_ratings(assessment: Assessment) -> dict[int, tuple]:
    return {
        item_id: (rating, na, reason)
        for item_id, rating, na, reason in ItemRating.objects.filter(
            assessment=assessment
        ).values_list("item_id", "rating", "not_applicable", "na_reason")
    }


def _latest_confirmed(plant_ids) -> dict[int, Assessment]:
    found = {}
    rows = (
        Assessment.objects.filter(
            plant_id__in=plant_ids,
            status=AssessmentStatus.CONFIRMED,
            origin=AssessmentOrigin.HUB,
            outcome_only=False,
        )
        .select_related("framework")
        .order_by("plant_id", "-assessed_on", "-pk")
    )
    for a in rows:
        found.setdefault(a.plant_id, a)
    return found


def _sme_plant(sme_user):
    company = roles.sme_company_of(sme_user)
    if company is None:
        return None
    return Plant.objects.filter(company=company).order_by("name", "pk").first()


def _rng(*key) -> random.Random:
    """One generator per use, so that what one plant draws never shifts another's."""
    return random.Random(":".join(str(k) for k in (SEED, *key)))  # noqa: S311 - demo data, not secrets  # nosec B311


def _seed_sme(sme_user, plant, assessment, rng) -> SelfAssessment:
    """Through the services as the `sme` login; shared with the assessment, confirmed since."""
    today = timezone.localdate()
    rated_on = min(assessment.assessed_on - dt.timedelta(days=14), today)
    sheet = self_services.self_assessment_start(plant=plant, user=sme_user)
    codes = dict(SelfRating.objects.filter(sheet=sheet).values_list("item_id", "item__code"))
    own = _self_ratings(_confirmed_ratings(assessment), rng)
    entries = []
    for item_id, (rating, na, reason) in own.items():
        if item_id not in codes:
            continue
        entry = {"item": codes[item_id], "not_applicable": na}
        entry.update({"na_reason": reason} if na else {"rating": rating})
        entries.append(entry)
    self_services.self_assessment_rate(self_assessment=sheet, user=sme_user, entries=entries)
    sheet = self_services.self_assessment_finish(
        self_assessment=sheet, user=sme_user, rated_on=rated_on
    )
    shared_at = assessment.opened_at or timezone.now()
    SelfAssessment.objects.filter(pk=sheet.pk).update(shared_with=assessment, shared_at=shared_at)
    return sheet


def _seed_bulk(plant, assessment, actor, rng) -> SelfAssessment:
    rated_on = assessment.assessed_on - dt.timedelta(days=rng.randint(10, 60))
    sheet = SelfAssessment.objects.create(
        plant=plant, framework=assessment.framework, created_by=actor
    )
    own = _self_ratings(_confirmed_ratings(assessment), rng)
    SelfRating.objects.bulk_create(
        SelfRating(sheet=sheet, item_id=item_id, rating=r, not_applicable=na, na_reason=reason)
        for item_id, (r, na, reason) in own.items()
    )
    sheet_finish_score(sheet)
    finished = timezone.make_aware(dt.datetime.combine(rated_on, dt.time(15)))
    sheet.status = SelfAssessmentStatus.FINISHED
    sheet.rated_on, sheet.finished_at, sheet.revision = rated_on, finished, 1
    sheet.save()
    return sheet


@transaction.atomic
def seed(*, sme_user, actor) -> dict:
    summary = {"sme": None, "others": 0, "skipped": 0}
    has_self = set(SelfAssessment.objects.values_list("plant_id", flat=True).distinct())
    plant = _sme_plant(sme_user) if sme_user is not None else None
    if plant is not None and plant.pk not in has_self:
        latest = _latest_confirmed([plant.pk]).get(plant.pk)
        if latest is not None:
            summary["sme"] = _seed_sme(sme_user, plant, latest, _rng("sme", plant.pk)).pk
        has_self.add(plant.pk)
    elif plant is not None:
        summary["skipped"] += 1
    candidates = list(
        Plant.objects.filter(
            assessments__status=AssessmentStatus.CONFIRMED,
            assessments__origin=AssessmentOrigin.HUB,
        )
        .exclude(pk=getattr(plant, "pk", None))
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    chosen = sorted(_rng("plants").sample(candidates, min(OTHER_PLANTS, len(candidates))))
    latest = _latest_confirmed(chosen)
    entries = []
    for plant_id in chosen:
        if plant_id in has_self:
            summary["skipped"] += 1
            continue
        assessment = latest.get(plant_id)
        if assessment is None:
            continue
        sheet = _seed_bulk(assessment.plant, assessment, actor, _rng("plant", plant_id))
        entries.append(
            audit_entry(
                user=actor,
                action=AuditAction.CREATE,
                obj=sheet,
                after={"status": sheet.status, "final_level": sheet.final_level},
            )
        )
        summary["others"] += 1
    AuditEntry.objects.bulk_create(entries)
    return summary
