"""The level timeline (`LevelTimeline`): rebuilt per plant by every path that moves a level
(confirmation, spot-check replacement, history import, seeding), inside its transaction."""

from __future__ import annotations

from django.db import connections, router
from django.db.models import DateField, F, Min, Window
from django.db.models.expressions import RowRange
from django.db.models.functions import Greatest, TruncDate
from django.utils import timezone

from assessments.choices import AssessmentStatus
from assessments.models import Assessment, LevelTimeline
from hub.importers.tabular import chunks
from hub.models import Plant

_COLUMNS = ("plant_id", "assessment_id", "level", "valid_from", "valid_to", "expires_on")


def timeline_spans(assessments):
    """The timeline's rows of the confirmed ones among `assessments` (an Assessment queryset
    holding every assessment of the plants it holds) as a values() queryset: each confirmed
    assessment is its plant's latest usable one on [valid_from, valid_to), where valid_from =
    max(assessed_on, the hub-time-zone date of confirmed_at) and valid_to = the earliest
    valid_from of the assessments ranked above it (assessed_on, confirmed_at, pk descending).
    Rows with valid_to <= valid_from (superseded before usable) are left for the caller to
    drop."""
    valid_from = Greatest(
        "assessed_on",
        TruncDate("confirmed_at", tzinfo=timezone.get_default_timezone()),
        output_field=DateField(),
    )
    return (
        assessments.filter(
            status=AssessmentStatus.CONFIRMED,
            assessed_on__isnull=False,
            confirmed_at__isnull=False,
        )
        .order_by()
        .values(
            "plant_id",
            assessment_id=F("pk"),
            level=F("final_level"),
            valid_from=valid_from,
            valid_to=Window(
                Min(valid_from),
                partition_by=[F("plant_id")],
                order_by=[F("assessed_on").desc(), F("confirmed_at").desc(), F("pk").desc()],
                frame=RowRange(start=None, end=-1),
            ),
            expires_on=F("valid_until"),
        )
    )


def level_timeline_rebuild(*, plant_ids=None) -> int:
    """Rebuilds the level timeline of the plants (every plant when None) from their
    confirmed assessments: one DELETE and one INSERT ... SELECT per chunk of plants. Call
    inside the transaction that moved the level. Returns the rows written."""
    if plant_ids is None:
        LevelTimeline.objects.all().delete()  # one DELETE: nothing refers to the rows
        return _insert(Assessment.objects.all())
    written = 0
    for chunk in chunks(sorted(set(plant_ids))):
        # The plants locked first (in key order, as plants_refresh_level locks them): two
        # confirmations for one plant rebuild its timeline one after the other, the second
        # seeing the first's rows once it commits.
        list(Plant.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values("pk"))
        LevelTimeline.objects.filter(plant_id__in=chunk).delete()
        written += _insert(Assessment.objects.filter(plant_id__in=chunk))
    return written


def _insert(assessments) -> int:
    spans = timeline_spans(assessments)
    sql, params = spans.query.get_compiler(using=spans.db).as_sql()
    columns = ", ".join(_COLUMNS)
    table = LevelTimeline._meta.db_table
    spans_columns = ", ".join(f"spans.{c}" for c in _COLUMNS)
    # Every value is a parameter of the compiled queryset; names are this module's own.
    statement = (
        f"INSERT INTO {table} ({columns}) SELECT {spans_columns} "  # noqa: S608  # nosec B608
        f"FROM ({sql}) spans WHERE spans.valid_to IS NULL OR spans.valid_to > spans.valid_from"
    )
    with connections[router.db_for_write(LevelTimeline)].cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount
