"""Demo spot-checks (run by `manage.py seed_calibration` after seed_assessments): one draw over
the demo's confirmed assessments with a fixed seed; most spot-checks rated near the original
(seeded noise) and submitted by a consultant of the other consultancy, one decided "kept",
and one left to rate by the `consultant` login when its original comes from another
consultancy. Written through the spot-check services; a second run changes nothing."""

import datetime
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from assessments.choices import AssessmentOrigin
from assessments.models import Assessment, ItemRating, SpotCheck, SpotCheckDraw
from assessments.services import spot_checks
from hub import roles

SEED = 20261207
CHECKS = 6
# Of a rating, the chance the second consultant gives the same, one less, one more.
NOISE = ((0, 0.7), (-1, 0.15), (1, 0.15))


def _noisy(rng: random.Random, rating: int) -> int:
    roll, step = rng.random(), 0
    for delta, chance in NOISE:
        if roll < chance:
            step = delta
            break
        roll -= chance
    return min(5, max(0, rating + step))


def _entries(check: SpotCheck, rng: random.Random) -> list[dict]:
    originals = ItemRating.objects.filter(assessment_id=check.assessment_id).select_related("item")
    entries = []
    for r in sorted(originals, key=lambda r: r.item.order):
        if r.not_applicable:
            entries.append(
                {"item": r.item.code, "not_applicable": True, "na_reason": r.na_reason or "-"}
            )
        elif r.rating is not None:
            entries.append({"item": r.item.code, "rating": _noisy(rng, r.rating)})
    return entries


def _chosen_for(login, agency):
    """A spot-check of the latest confirmed hub assessment the `consultant` login may check."""
    mine = roles.membership_of(login)
    candidates = (
        Assessment.objects.confirmed()
        .filter(origin=AssessmentOrigin.HUB, outcome_only=False, spot_checks__isnull=True)
        .exclude(consultant=login)
        .exclude(consultant__membership__organization_id=mine.organization_id if mine else None)
        .order_by("-confirmed_at", "-pk")
    )
    assessment = candidates.first()
    if assessment is None:
        return None
    return spot_checks.spot_check_choose(
        assessment=assessment,
        user=agency,
        due_on=timezone.localdate() + datetime.timedelta(days=30),
    )


def seed(*, agency) -> dict:
    if SpotCheckDraw.objects.filter(seed=SEED).exists():
        return {"created": 0, "draw": None}
    draw = spot_checks.spot_check_draw(
        user=agency,
        share=0.05,
        outlier_consultants=1,
        limit=CHECKS,
        seed=SEED,
        due_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    users = get_user_model().objects.filter(membership__role="consultant").order_by("username")
    consultants = list(users.select_related("membership__organization"))
    login = next((u for u in consultants if u.username == "consultant"), None)
    rng = random.Random(SEED)  # noqa: S311  # nosec B311 - demo noise
    checks = list(draw.spot_checks.select_related("assessment__consultant").order_by("pk"))
    draft = None
    if login is not None:
        draft = next((c for c in checks if spot_checks.assignment_problem(c, login) is None), None)
    summary = {"created": len(checks), "draw": draw.pk, "submitted": 0, "draft": None}
    for index, check in enumerate(checks):
        if check is draft:
            spot_checks.spot_check_assign(spot_check=check, consultant=login, user=agency)
            summary["draft"] = check.pk
            continue
        second = next(
            (
                u
                for u in consultants
                if u != login and spot_checks.assignment_problem(check, u) is None
            ),
            None,
        )
        if second is None:
            continue
        check = spot_checks.spot_check_assign(spot_check=check, consultant=second, user=agency)
        spot_checks.spot_check_rate(spot_check=check, user=second, entries=_entries(check, rng))
        check = spot_checks.spot_check_submit(
            spot_check=check,
            user=second,
            rated_on=timezone.localdate() - datetime.timedelta(days=3 + index),
        )
        summary["submitted"] += 1
        if summary["submitted"] == 1:
            spot_checks.spot_check_decide(
                spot_check=check,
                user=agency,
                decision="kept",
                note="표본 점검 결과 기존 평가와 일치하여 유지",
            )
    return summary
