"""A small calibration world on top of the registry personas (`world`): three consultancies,
confirmed assessments of similar plants by four consultants, and helpers to file more."""

import datetime
from types import SimpleNamespace

import pytest

from assessments import services
from assessments.models import ItemRating, SpotCheckRating
from hub.choices import Industry, SizeClass
from tests.assessments.conftest import rate_all
from tests.factories import CompanyFactory, ConsultancyFactory, PlantFactory, Role, member

DAY = datetime.date(2026, 3, 2)


def file_confirmed(w, plant, consultant, rating=3, overrides=None, assessed_on=DAY):
    """Open, fill, submit and confirm an assessment through the services."""
    assessment = services.assessment_open(plant=plant, consultant=consultant, user=w.agency)
    rate_all(assessment, rating, overrides)
    services.assessment_submit(assessment=assessment, user=consultant, assessed_on=assessed_on)
    services.assessment_confirm(assessment=assessment, user=w.agency)
    assessment.refresh_from_db()
    return assessment


def rate_sheet(spot_check, rating=3, overrides=None):
    """Rate every item of a spot-check (fast path, like `rate_all`)."""
    overrides = overrides or {}
    rows = list(SpotCheckRating.objects.filter(sheet=spot_check).select_related("item"))
    for row in rows:
        value = overrides.get(row.item.code, rating)
        if value == "na":
            row.rating, row.not_applicable, row.na_reason = None, True, "해당 공정 없음"
        else:
            row.rating, row.not_applicable, row.na_reason = value, False, ""
    SpotCheckRating.objects.bulk_update(rows, ["rating", "not_applicable", "na_reason"])
    return spot_check


def item_codes(assessment) -> list[str]:
    return list(
        ItemRating.objects.filter(assessment=assessment)
        .order_by("item__order")
        .values_list("item__code", flat=True)
    )


@pytest.fixture(name="cal_world")
def cal_world_fixture(world, framework):
    """Consultancies: the world's consultant's own (home), "north" (kim, lee) and "south"
    (park). Plants in one cell (fabricated metals, small): kim rates them 5, lee 2, the
    world's consultant 3; one plant in another cell rated by park."""
    w = world
    w.framework = framework
    w.home = w.consultant.membership.organization
    w.north = ConsultancyFactory(name="북부컨설팅", name_en="North Consulting")
    w.south = ConsultancyFactory(name="남부컨설팅", name_en="South Consulting")
    w.kim = member(Role.CONSULTANT, w.north, "kim")
    w.lee = member(Role.CONSULTANT, w.north, "lee")
    w.park = member(Role.CONSULTANT, w.south, "park")
    small = {"industry": Industry.FABRICATED_METALS}
    w.plants = [PlantFactory(name=f"보정 공장 {i}", **small) for i in range(6)]
    other_company = CompanyFactory(size_class=SizeClass.MEDIUM)
    w.plant_other = PlantFactory(name="다른 셀 공장", company=other_company, industry="29")
    w.by_kim = [file_confirmed(w, p, w.kim, 5) for p in w.plants[:2]]
    w.by_lee = [file_confirmed(w, p, w.lee, 2) for p in w.plants[2:4]]
    w.by_con = [file_confirmed(w, p, w.consultant, 3) for p in w.plants[4:6]]
    w.by_park = file_confirmed(w, w.plant_other, w.park, 3)
    return w


__all__ = ["DAY", "SimpleNamespace", "file_confirmed", "item_codes", "rate_sheet"]
