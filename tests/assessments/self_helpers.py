"""Helpers of the self-diagnosis tests: start, rate every item and finish through the
services; a confirmed assessment with chosen ratings."""

import datetime

from assessments.models import SelfRating
from assessments.services import self_assessments as self_services
from tests.assessments.conftest import confirmed


def rate_sheet(sheet, rating=3, overrides=None):
    """Every item of a self-diagnosis rated (fast path): `overrides` maps code -> rating or
    "na"."""
    overrides = overrides or {}
    rows = list(SelfRating.objects.filter(sheet=sheet).select_related("item"))
    for row in rows:
        value = overrides.get(row.item.code, rating)
        if value == "na":
            row.rating, row.not_applicable, row.na_reason = None, True, "이 공정은 없음"
        else:
            row.rating, row.not_applicable, row.na_reason = value, False, ""
    SelfRating.objects.bulk_update(rows, ["rating", "not_applicable", "na_reason"])
    return sheet


def finished_self(user, plant, rating=3, overrides=None, rated_on=None):
    sheet = self_services.self_assessment_start(plant=plant, user=user)
    rate_sheet(sheet, rating, overrides)
    return self_services.self_assessment_finish(
        self_assessment=sheet, user=user, rated_on=rated_on or datetime.date.today()
    )


def confirmed_assessment(world, plant, rating=3, overrides=None, assessed_on=None):
    from assessments import services

    draft = services.assessment_open(plant=plant, consultant=world.consultant, user=world.agency)
    return confirmed(world, draft, rating, overrides, assessed_on=assessed_on)
