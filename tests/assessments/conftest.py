"""Assessment fixtures on top of the registry personas (`world`)."""

import json
from pathlib import Path

import pytest
from django.conf import settings

from assessments import services
from assessments.models import Item, ItemRating

SEED = Path(settings.BASE_DIR) / "assessments" / "frameworks" / "sf-l5-v1.json"


def seed_definition() -> dict:
    return json.loads(SEED.read_text(encoding="utf-8"))


@pytest.fixture
def framework(db):
    framework, _ = services.framework_load(data=seed_definition())
    return framework


@pytest.fixture
def assessment(world, framework):
    """A draft assessment of plant_a, opened by agency staff, assigned to the consultant."""
    return services.assessment_open(
        plant=world.plant_a, consultant=world.consultant, user=world.agency
    )


def rate_all(assessment, rating=3, overrides=None):
    """Rate every item (fast path for tests): `overrides` maps item code -> rating or "na"."""
    overrides = overrides or {}
    rows = list(ItemRating.objects.filter(assessment=assessment).select_related("item"))
    for row in rows:
        value = overrides.get(row.item.code, rating)
        if value == "na":
            row.rating, row.not_applicable, row.na_reason = None, True, "No such process here"
        else:
            row.rating, row.not_applicable, row.na_reason = value, False, ""
    ItemRating.objects.bulk_update(rows, ["rating", "not_applicable", "na_reason"])
    return assessment


def items_by_code(framework) -> dict:
    return {i.code: i for i in Item.objects.filter(category__area__framework=framework)}


def confirmed(world, assessment, rating=3, overrides=None, assessed_on=None):
    """Fill, submit and confirm through the services; returns the refreshed assessment."""
    rate_all(assessment, rating, overrides)
    services.assessment_submit(
        assessment=assessment, user=world.consultant, assessed_on=assessed_on
    )
    services.assessment_confirm(assessment=assessment, user=world.agency)
    assessment.refresh_from_db()
    return assessment
