"""The assessment part of writing a national plan: confirmed assessments with every item
rating, and each plant's current level from its latest confirmed assessment."""

from __future__ import annotations

import datetime
import os
import time

from django.db import connection

from assessments import scoring
from assessments.choices import AssessmentStatus
from assessments.models import Assessment, Item, ItemRating
from assessments.services.workflow import LEVEL_FIELDS, plant_level_fields
from devdata import national
from hub.models import Plant
from programs.choices import ProjectStatus

AGENCY_USERNAME = "national-agency"
CONSULTANT_USERNAME = "national-consultant-{:02d}"
STEP_FIELDS = {
    ProjectStatus.APPLIED: "applied_on",
    ProjectStatus.SELECTED: "selected_on",
    ProjectStatus.AGREED: "agreed_on",
    ProjectStatus.BUILDING: "building_on",
    ProjectStatus.COMPLETED: "completed_on",
    ProjectStatus.DROPPED: "dropped_on",
}


class AssessmentWriting:
    """Mixed into NationalWriter: needs its `writer`, `plant_ids`, `consultant_ids`,
    `agency_user_id` and `_lap`."""

    def _assessments(self, plan: national.Plan, framework, spec: scoring.FrameworkSpec) -> None:
        w = self.writer
        items = dict(
            Item.objects.filter(category__area__framework=framework).values_list("code", "pk")
        )
        item_ids = [items[i.code] for i in spec.items]
        base = w.next_id(Assessment)
        started = time.monotonic()
        vectors = [a.ratings for a in plan.assessments]
        scored = national.score_all(spec, vectors, processes=os.cpu_count() or 1)
        self.score_seconds = time.monotonic() - started
        self.distinct_vectors = len(set(vectors))
        self._lap("scoring")
        confirmed = AssessmentStatus.CONFIRMED.value

        def rows():
            for i, a in enumerate(plan.assessments):
                total, band, final, capping, result = scored[i]
                yield (
                    base + i,
                    self.plant_ids[a.plant],
                    framework.pk,
                    self.consultant_ids[a.consultant],
                    self.agency_user_id,
                    confirmed,
                    a.opened_at,
                    a.opened_at.date() + datetime.timedelta(days=45),
                    a.assessed_on,
                    a.submitted_at,
                    a.confirmed_at,
                    self.agency_user_id,
                    total,
                    band,
                    final,
                    capping,
                    w.json(result),
                    a.valid_until,
                    2 + len(spec.items),
                )

        w.write(
            Assessment,
            [
                "id",
                "plant_id",
                "framework_id",
                "consultant_id",
                "opened_by_id",
                "status",
                "opened_at",
                "due_on",
                "assessed_on",
                "submitted_at",
                "confirmed_at",
                "confirmed_by_id",
                "total_score",
                "band_level",
                "final_level",
                "capping_rule",
                "result",
                "valid_until",
                "revision",
            ],  # fmt: skip
            rows(),
        )
        self._lap("assessments")
        na = scoring.NOT_APPLICABLE

        def ratings():
            for i, a in enumerate(plan.assessments):
                assessment_id = base + i
                user = self.consultant_ids[a.consultant]
                at = a.submitted_at
                for n, value in enumerate(a.ratings):
                    if value == na:
                        yield (assessment_id, item_ids[n], None, True, a.na_reasons[n],
                               a.notes.get(n, ""), at, user)  # fmt: skip
                    else:
                        yield (assessment_id, item_ids[n], value, False, "", a.notes.get(n, ""),
                               at, user)  # fmt: skip

        self.rating_count = w.write(
            ItemRating,
            [
                "assessment_id",
                "item_id",
                "rating",
                "not_applicable",
                "na_reason",
                "evidence_note",
                "updated_at",
                "updated_by_id",
            ],  # fmt: skip
            ratings(),
        )
        self._lap("item ratings")

    def _refresh_levels(self) -> None:
        """Each plant's current level from its latest confirmed assessment. Elsewhere through
        the assessments app's own rule (`latest_confirmed_first`, `plant_level_fields`); on
        PostgreSQL, for tens of thousands of plants, one UPDATE spelling the same rule (the
        score rounded half-even to one decimal like Decimal.quantize), which
        tests/devdata/test_national.py holds equal to plant_refresh_level."""
        if self.writer.pg:
            with connection.cursor() as cursor:
                cursor.execute(
                    """
                    UPDATE hub_plant AS p
                       SET current_level = a.final_level,
                           current_score = CASE
                               WHEN mod(a.total_score * 100, 10) = 5
                                AND mod(trunc(a.total_score * 10), 2) = 0
                               THEN trunc(a.total_score * 10) / 10
                               ELSE round(a.total_score, 1) END,
                           level_confirmed_on = a.assessed_on,
                           level_valid_until = a.valid_until
                      FROM (SELECT DISTINCT ON (plant_id)
                                   plant_id, final_level, total_score, assessed_on, valid_until
                              FROM assessments_assessment
                             WHERE status = %s
                             ORDER BY plant_id, assessed_on DESC, confirmed_at DESC, id DESC) AS a
                     WHERE p.id = a.plant_id AND p.id >= %s
                    """,
                    [AssessmentStatus.CONFIRMED.value, self.plant_ids[0] if self.plant_ids else 0],
                )
            return
        latest = {}
        for assessment in (
            Assessment.objects.filter(plant_id__gte=self.plant_ids[0])
            .latest_confirmed_first()
            .only("plant_id", "final_level", "total_score", "assessed_on", "valid_until")
        ):
            latest.setdefault(assessment.plant_id, assessment)
        plants = [
            Plant(pk=plant_id, **plant_level_fields(assessment))
            for plant_id, assessment in latest.items()
        ]
        Plant.objects.bulk_update(plants, list(LEVEL_FIELDS), batch_size=1000)
