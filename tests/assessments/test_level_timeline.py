"""The level timeline is kept in step by every path that moves a level: confirmation,
spot-check replacement and history import, each inside its own transaction; the migration
builds the same rows from the assessments already there."""

import datetime
import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from assessments import services
from assessments.importers import history_import
from assessments.models import Assessment, LevelTimeline
from assessments.services import spot_checks as sc
from tests.assessments.calibration_fixtures import cal_world_fixture, rate_sheet  # noqa: F401
from tests.assessments.conftest import confirmed
from tests.assessments.history_helpers import history_file, item_codes, row

pytestmark = pytest.mark.django_db
D = datetime.date
COLUMNS = ("plant_id", "assessment_id", "level", "valid_from", "valid_to", "expires_on")


def stored(plant) -> list[tuple]:
    return list(
        LevelTimeline.objects.filter(plant=plant)
        .order_by("valid_from", "assessment_id")
        .values_list("level", "valid_from", "valid_to", "expires_on")
    )


def everything() -> set[tuple]:
    return set(LevelTimeline.objects.values_list(*COLUMNS))


def rebuilt() -> set[tuple]:
    """What a rebuild of every plant writes (left in place)."""
    services.level_timeline_rebuild()
    return everything()


def confirm_on(world, plant, level_rating, assessed_on):
    a = services.assessment_open(plant=plant, consultant=world.consultant, user=world.agency)
    return confirmed(world, a, level_rating, assessed_on=assessed_on)


def test_confirmation_opens_a_span_and_closes_the_one_before(world, framework):
    today = timezone.localdate()
    first = confirm_on(world, world.plant_a, 3, today - datetime.timedelta(days=40))
    assert stored(world.plant_a) == [(first.final_level, today, None, first.valid_until)]
    # A later visit confirmed the same day supersedes it from that day: the earlier one's
    # span is empty and gets no row.
    second = confirm_on(world, world.plant_a, 1, today - datetime.timedelta(days=10))
    assert stored(world.plant_a) == [(second.final_level, today, None, second.valid_until)]
    # An older visit confirmed now ranks below the latest one: no row for it either.
    confirm_on(world, world.plant_a, 4, today - datetime.timedelta(days=200))
    assert stored(world.plant_a) == [(second.final_level, today, None, second.valid_until)]
    assert not LevelTimeline.objects.filter(plant=world.plant_b).exists()
    before = everything()
    assert rebuilt() == before


def test_back_dated_confirmations_give_consecutive_spans(world, framework):
    """Confirmations of the past (as the seed and history import write them)."""
    at = timezone.make_aware
    visits = [(D(2020, 3, 2), at(datetime.datetime(2020, 3, 20, 0, 30))),
              (D(2022, 5, 9), at(datetime.datetime(2022, 5, 9, 23, 59)))]  # fmt: skip
    made = []
    for visit, confirmed_at in visits:
        a = confirm_on(world, world.plant_a, 3, visit)
        Assessment.objects.filter(pk=a.pk).update(confirmed_at=confirmed_at)
        services.plant_refresh_level(plant=world.plant_a)
        a.refresh_from_db()
        made.append(a)
    assert stored(world.plant_a) == [
        (made[0].final_level, D(2020, 3, 20), D(2022, 5, 9), made[0].valid_until),
        (made[1].final_level, D(2022, 5, 9), None, made[1].valid_until),
    ]


def _replaced(w):
    check = sc.spot_check_draw(user=w.agency, share=1.0, seed=42).spot_checks.get(
        assessment=w.by_kim[0]
    )
    check = sc.spot_check_assign(spot_check=check, consultant=w.park, user=w.agency)
    rate_sheet(check, 1)
    check = sc.spot_check_submit(spot_check=check, user=w.park, rated_on=D(2026, 4, 1))
    return sc.spot_check_decide(
        spot_check=check, user=w.agency, decision="replaced", note="현장 재확인 결과 반영"
    )


def test_spot_check_replacement_moves_the_timeline(cal_world):
    w = cal_world
    original = w.by_kim[0]
    decided = _replaced(w)
    new = decided.replacement
    rows = stored(original.plant)
    assert rows[-1] == (new.final_level, timezone.localdate(), None, new.valid_until)
    assert all(valid_to is not None for _, _, valid_to, _ in rows[:-1])
    before = everything()
    assert rebuilt() == before


def test_history_import_builds_the_timeline_of_the_plants_it_touches(world, framework):
    codes = item_codes(framework)
    rows = [
        row(world.plant_a, "OLD-1", "2019-05-02", "2019.05.20", consultant="consultant",
            ratings=3, codes=codes),
        row(world.plant_a, "OLD-2", "2021-06-01", "2021-06-30", consultant="consultant",
            ratings=1, codes=codes),
        row(world.plant_b, "OLD-3", "2020-03-10", "2020-04-01", consultant="홍길동",
            score="612.5", level="2", codes=codes),
    ]  # fmt: skip
    report = history_import(
        user=world.agency, content=history_file(framework, rows), filename="h.csv"
    )
    assert report.ok, report.errors
    old_a, new_a = Assessment.objects.filter(plant=world.plant_a).order_by("assessed_on")
    assert stored(world.plant_a) == [
        (old_a.final_level, D(2019, 5, 20), D(2021, 6, 30), old_a.valid_until),
        (new_a.final_level, D(2021, 6, 30), None, new_a.valid_until),
    ]
    assert stored(world.plant_b) == [(2, D(2020, 4, 1), None, D(2023, 3, 10))]
    before = everything()
    assert rebuilt() == before


def test_the_migration_builds_what_the_services_keep(world, framework):
    today = timezone.localdate()
    confirm_on(world, world.plant_a, 3, today - datetime.timedelta(days=40))
    confirm_on(world, world.plant_b, 4, today - datetime.timedelta(days=5))
    kept = everything()
    assert len(kept) == 2
    LevelTimeline.objects.all().delete()
    migration = importlib.import_module("assessments.migrations.0004_level_timeline")
    # It reads the connection only from its schema editor.
    migration.build_timeline(apps, SimpleNamespace(connection=connection))
    assert everything() == kept
