"""The progress summary read from the level timeline equals the summary computed the way it
was before the timeline existed (each confirmed assessment's interval from one window
function over the assessments, at query time), on random histories and several as-of dates.
The earlier computation lives only here."""

import datetime

import pytest
from django.db import transaction
from django.db.models import DateField, F, Min, Window
from django.db.models.expressions import RowRange
from django.db.models.functions import Greatest, TruncDate
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assessments.choices import AssessmentStatus
from assessments.models import Assessment, LevelTimeline
from assessments.services import level_timeline_rebuild
from progress.figures import Scope
from progress.selectors import progress_summary
from progress.statement import run
from progress.statement.scope import completed_projects, scoped_plants
from progress.statement.tables import Table
from tests.progress.oracle import make_world, write_history
from tests.progress.test_oracle import EDGE_CASES, SIZES, TARGETS, histories, resolve

D = datetime.date


def window_interval(as_of: datetime.date, scope: Scope, base) -> Table:
    """The statement's `assessment_interval` as computed before the level timeline: every
    confirmed assessment assessed by the date, with [available_on, next_available_on) from a
    window over the plant's assessments ranked by assessed_on, confirmed_at, pk."""
    available_on = Greatest("assessed_on", TruncDate("confirmed_at"), output_field=DateField())
    qs = Assessment.objects.filter(
        status=AssessmentStatus.CONFIRMED,
        assessed_on__isnull=False,
        confirmed_at__isnull=False,
        assessed_on__lte=as_of,
    )
    if scope.as_dict() or base is not None:
        plants = completed_projects(as_of, scope, scoped_plants(scope, base))
        qs = qs.filter(plant__in=plants.values("plant_id"))
    return Table.compiled(
        "assessment_interval",
        qs.order_by().values(
            "plant_id",
            "valid_until",
            level=F("final_level"),
            available_on=available_on,
            next_available_on=Window(
                Min(available_on),
                partition_by=[F("plant_id")],
                order_by=[F("assessed_on").desc(), F("confirmed_at").desc(), F("pk").desc()],
                frame=RowRange(start=None, end=-1),
            ),
        ),
    )


def summaries(monkeypatch, *, as_of, scope, base=None) -> tuple[dict, dict]:
    """(from the timeline, computed the earlier way)."""
    timeline = progress_summary(as_of=as_of, scope=scope, targets=TARGETS, base=base)
    with monkeypatch.context() as patched:
        patched.setattr(run, "_assessment_interval", window_interval)
        earlier = progress_summary(as_of=as_of, scope=scope, targets=TARGETS, base=base)
    return timeline.as_dict(), earlier.as_dict()


@pytest.fixture
def timeline_world(db, framework):
    return make_world(framework, SIZES)


# Dates around the history's own as-of date: the same, a day before and after, the year end
# before it, a year and a half earlier, and later than every event.
OFFSETS = [0, -1, 1, -400, -550, 900]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    history=histories,
    offsets=st.lists(st.sampled_from(OFFSETS), min_size=2, max_size=3, unique=True),
    filters=st.sampled_from([{}, {"region": "11"}, {"program": 0}, {"size": "small"}]),
    rebuild_each=st.booleans(),
)
@example(history=EDGE_CASES, offsets=[0, -1, 900], filters={}, rebuild_each=True)
def test_summary_from_the_timeline_equals_the_window_computation(
    timeline_world, monkeypatch, history, offsets, filters, rebuild_each
):
    """`rebuild_each`: the timeline kept plant by plant, in random order, as the services
    keep it, instead of one rebuild of every plant (as the migration and the seed do)."""
    as_of, specs = history
    scope = resolve(filters, timeline_world)
    with transaction.atomic():
        facts = write_history(timeline_world, specs)
        if rebuild_each:
            LevelTimeline.objects.all().delete()
            for plant in reversed(facts.plants):
                level_timeline_rebuild(plant_ids=[plant.id])
        else:
            level_timeline_rebuild()
        found = [
            summaries(monkeypatch, as_of=as_of + datetime.timedelta(days=n), scope=scope)
            for n in offsets
        ]
        transaction.set_rollback(True)
    for timeline, earlier in found:
        for key, value in earlier.items():
            assert timeline[key] == value, key
        assert timeline == earlier
