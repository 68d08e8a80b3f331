"""Calibration figures per consultant and per consultancy, and the inter-rater agreement of
spot-checks (reads; the statistics themselves are pure, in `assessments.calibration`).

Each function runs a fixed number of queries whatever the number of assessments: the rows
are read once as plain values and combined in Python. docs/ux/calibration.md says what each
figure means.

- The **consultancy** of a consultant is the organisation of their membership.
- Back-filed assessments without a hub consultant (origin=history, consultant empty) have no
  row; they still count as "someone else" for the next-assessment comparison.
- Outcome-only assessments (back-filed with only a score and level) are left out of every
  item-level figure (items changed after a return, spot-check agreement per item).
- Filters: `start`/`end` (an assessment belongs to the period by its confirmation date, or,
  not yet confirmed, by the day it was opened), `region`, `industry` (of the plant).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q
from django.utils import timezone

from assessments import calibration as cal
from assessments.choices import (
    AssessmentOrigin,
    AssessmentStatus,
    SelfAssessmentStatus,
    SpotCheckStatus,
)
from assessments.models import (
    Assessment,
    Item,
    ItemRating,
    SelfAssessment,
    SpotCheck,
    SpotCheckRating,
)
from hub.formats import org_name, person_name
from hub.models import Organization

CONSULTANT = "consultant"
CONSULTANCY = "consultancy"
GROUPINGS = (CONSULTANT, CONSULTANCY)
QUARTER = "quarter"
YEAR = "year"


@dataclass(frozen=True)
class Filters:
    start: datetime.date | None = None
    end: datetime.date | None = None
    region: str = ""
    industry: str = ""

    def plant_q(self, prefix: str = "plant__") -> Q:
        q = Q()
        if self.region:
            q &= Q(**{f"{prefix}region": self.region})
        if self.industry:
            q &= Q(**{f"{prefix}industry": self.industry})
        return q

    def contains(self, moment: datetime.datetime | None) -> bool:
        if moment is None:
            return False
        day = timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()
        if self.start and day < self.start:
            return False
        return not (self.end and day > self.end)


@dataclass
class FigureRow:
    """One consultant's (or consultancy's) figures."""

    key: Hashable
    name: str
    consultancy: str = ""
    assessments: int = 0
    confirmed: int = 0
    submitted: int = 0
    returned: int = 0
    resubmitted: int = 0
    items_changed: int = 0
    peer: cal.PeerComparison | None = None
    self_pairs: list = field(default_factory=list, repr=False)
    next_pairs: list = field(default_factory=list, repr=False)

    @property
    def return_share(self) -> float | None:
        return self.returned / self.submitted if self.submitted else None

    @property
    def items_changed_per_return(self) -> float | None:
        return self.items_changed / self.resubmitted if self.resubmitted else None

    @property
    def self_difference(self) -> float | None:
        return cal.mean_difference(self.self_pairs)

    @property
    def next_difference(self) -> float | None:
        return cal.mean_difference(self.next_pairs)

    def as_dict(self) -> dict:
        peer = self.peer
        return {
            "key": self.key,
            "name": self.name,
            "consultancy": self.consultancy,
            "assessments": self.assessments,
            "confirmed": self.confirmed,
            "submitted": self.submitted,
            "returned": self.returned,
            "return_share": self.return_share,
            "resubmitted": self.resubmitted,
            "items_changed_after_return": self.items_changed,
            "items_changed_per_return": self.items_changed_per_return,
            "mean_level": peer.mean_level if peer else None,
            "peer_mean_level": peer.peer_mean if peer else None,
            "difference_to_peers": peer.difference if peer else None,
            "compared_with_peers": peer.compared if peer else 0,
            "peer_groups": peer.peer_groups if peer else 0,
            "levels": _str_keys(peer.histogram if peer else cal.level_distribution([])),
            "peer_levels": _str_keys(peer.peer_histogram if peer else cal.level_distribution([])),
            "self_diagnosis_pairs": len(self.self_pairs),
            "difference_to_self_diagnosis": self.self_difference,
            "next_assessment_pairs": len(self.next_pairs),
            "difference_to_next_assessment": self.next_difference,
        }


def _str_keys(d: dict) -> dict:
    return {str(k): v for k, v in d.items()}


ASSESSMENT_FIELDS = (
    "id",
    "consultant_id",
    "plant_id",
    "status",
    "final_level",
    "assessed_on",
    "opened_at",
    "submitted_at",
    "returned_at",
    "confirmed_at",
    "outcome_only",
    "origin",
)


def _assessment_rows(filters: Filters) -> list[dict]:
    """Every assessment of the plants in the region/industry (one query): whole plant
    histories, so the next assessment of a plant is found even outside the period."""
    return list(
        Assessment.objects.filter(filters.plant_q())
        .values(
            *ASSESSMENT_FIELDS,
            industry=F("plant__industry"),
            size=F("plant__company__size_class"),
            consultancy_id=F("consultant__membership__organization_id"),
        )
        .order_by()
    )


def _group_key(row: dict, by: str):
    return row["consultant_id"] if by == CONSULTANT else row["consultancy_id"]


def _in_period(row: dict, filters: Filters) -> bool:
    if row["status"] == AssessmentStatus.CONFIRMED:
        return filters.contains(row["confirmed_at"])
    return filters.contains(row["opened_at"])


def _confirmed_order(row: dict):
    return (row["assessed_on"] or datetime.date.min, row["confirmed_at"], row["id"])


def calibration_rows(
    *, by: str = CONSULTANT, filters: Filters | None = None, only=None
) -> list[FigureRow]:
    """The figure rows of every consultant (or consultancy) with assessments, ordered by
    name; `only` keeps the row of that key alone (a consultant's own page). Peers are always
    every other group, whoever asks. Six queries."""
    if by not in GROUPINGS:
        raise ValueError(by)
    filters = filters or Filters()
    rows = _assessment_rows(filters)
    changed = dict(
        ItemRating.objects.filter(
            filters.plant_q("assessment__plant__"),
            assessment__outcome_only=False,
            assessment__returned_at__isnull=False,
            assessment__submitted_at__gt=F("assessment__returned_at"),
            updated_at__gt=F("assessment__returned_at"),
        )
        .values("assessment_id")
        .annotate(n=Count("id"))
        .values_list("assessment_id", "n")
        .order_by()
    )
    figures: dict[Hashable, FigureRow] = {}

    def row_of(key) -> FigureRow:
        if key not in figures:
            figures[key] = FigureRow(key=key, name="")
        return figures[key]

    confirmed_by_plant: dict[int, list[dict]] = defaultdict(list)
    rated: list[cal.Rated] = []
    for r in rows:
        if r["status"] == AssessmentStatus.CONFIRMED:
            confirmed_by_plant[r["plant_id"]].append(r)
        key = _group_key(r, by)
        if r["consultant_id"] is None or key is None or not _in_period(r, filters):
            continue
        fig = row_of(key)
        fig.assessments += 1
        if r["submitted_at"] is not None:
            fig.submitted += 1
        if r["returned_at"] is not None:
            fig.returned += 1
            if r["submitted_at"] and r["submitted_at"] > r["returned_at"]:
                fig.resubmitted += 1
                fig.items_changed += changed.get(r["id"], 0)
        if r["status"] == AssessmentStatus.CONFIRMED:
            fig.confirmed += 1
            if r["final_level"] is not None:
                rated.append(
                    cal.Rated(r["id"], key, (r["industry"], r["size"] or ""), r["final_level"])
                )
    for key, comparison in cal.peer_comparison(rated).items():
        figures[key].peer = comparison

    # Difference to the next confirmed assessment of the same plant by someone else.
    mine = {rec.id for rec in rated}
    for plant_rows in confirmed_by_plant.values():
        plant_rows.sort(key=_confirmed_order)
        for i, r in enumerate(plant_rows):
            if r["id"] not in mine:
                continue
            later = next(
                (
                    n
                    for n in plant_rows[i + 1 :]
                    if n["consultant_id"] != r["consultant_id"] and n["final_level"] is not None
                ),
                None,
            )
            if later is not None:
                pair = (r["final_level"], later["final_level"])
                row_of(_group_key(r, by)).next_pairs.append(pair)

    # Difference to the plant's latest self-diagnosis finished before the confirmation.
    selves: dict[int, list[tuple]] = defaultdict(list)
    for s in (
        SelfAssessment.objects.filter(
            filters.plant_q(), status=SelfAssessmentStatus.FINISHED, final_level__isnull=False
        )
        .values_list("plant_id", "finished_at", "final_level")
        .order_by("finished_at", "pk")
    ):
        selves[s[0]].append(s)
    if selves:
        for plant_id, plant_rows in confirmed_by_plant.items():
            for r in plant_rows:
                if r["id"] not in mine or plant_id not in selves:
                    continue
                before = [s for s in selves[plant_id] if s[1] and s[1] < r["confirmed_at"]]
                if before:
                    row_of(_group_key(r, by)).self_pairs.append((r["final_level"], before[-1][2]))

    _name_rows(figures, by)
    result = sorted(figures.values(), key=lambda f: (f.name, str(f.key)))
    if only is not None:
        # A consultant's own view: peers stay anonymous (withheld when only one peer).
        result = [f for f in result if f.key == only]
        for f in result:
            if f.peer is not None:
                f.peer = f.peer.anonymous()
    return result


def _name_rows(figures: dict, by: str) -> None:
    keys = [k for k in figures if k is not None]
    if by == CONSULTANT:
        users = (
            get_user_model().objects.filter(pk__in=keys).select_related("membership__organization")
        )
        for user in users:
            fig = figures[user.pk]
            fig.name = person_name(user)
            membership = getattr(user, "membership", None)
            fig.consultancy = org_name(membership.organization) if membership else ""
    else:
        for org in Organization.objects.filter(pk__in=keys):
            figures[org.pk].name = org_name(org)


# --- spot-check agreement --------------------------------------------------------------------


@dataclass
class AgreementGroup:
    key: Hashable
    label: str
    checks: int
    agreement: cal.SheetAgreement


@dataclass
class SpotCheckAgreement:
    overall: AgreementGroup
    by_consultancy: list[AgreementGroup]
    by_period: list[AgreementGroup]
    items: list[dict]  # per item: code, names, Agreement


def _ratings_by_sheet(rows) -> dict[int, dict[str, int | None]]:
    sheets: dict[int, dict[str, int | None]] = defaultdict(dict)
    for sheet_id, code, rating, na in rows:
        sheets[sheet_id][code] = None if na else rating
    return sheets


def spot_check_agreement(
    *,
    filters: Filters | None = None,
    period: str = QUARTER,
    consultant=None,
) -> SpotCheckAgreement:
    """Inter-rater agreement of the submitted spot-checks with the assessments they checked:
    weighted kappa per item and overall, by the original consultant's consultancy, and per
    quarter (or year) of the spot-check. `consultant` keeps the checks of that consultant's
    assessments only. Five queries."""
    filters = filters or Filters()
    checks = SpotCheck.objects.filter(
        filters.plant_q(), status=SpotCheckStatus.SUBMITTED, assessment__outcome_only=False
    )
    if consultant is not None:
        checks = checks.filter(assessment__consultant=consultant)
    rows = [
        r
        for r in checks.values(
            "id",
            "assessment_id",
            "finished_at",
            "final_level",
            original_level=F("assessment__final_level"),
            consultancy_id=F("assessment__consultant__membership__organization_id"),
        ).order_by("finished_at", "id")
        if filters.contains(r["finished_at"])
    ]
    ids = [r["id"] for r in rows]
    second = _ratings_by_sheet(
        SpotCheckRating.objects.filter(sheet_id__in=ids)
        .values_list("sheet_id", "item__code", "rating", "not_applicable")
        .order_by()
    )
    first = _ratings_by_sheet(
        ItemRating.objects.filter(assessment_id__in=[r["assessment_id"] for r in rows])
        .values_list("assessment_id", "item__code", "rating", "not_applicable")
        .order_by()
    )
    orgs = {
        o.pk: org_name(o)
        for o in Organization.objects.filter(pk__in={r["consultancy_id"] for r in rows})
    }

    def group(key, label, members) -> AgreementGroup:
        return AgreementGroup(
            key=key,
            label=label,
            checks=len(members),
            agreement=cal.sheet_agreement(
                [(first.get(r["assessment_id"], {}), second.get(r["id"], {})) for r in members],
                levels=[(r["original_level"], r["final_level"]) for r in members],
            ),
        )

    by_org: dict = defaultdict(list)
    by_time: dict = defaultdict(list)
    for r in rows:
        by_org[r["consultancy_id"]].append(r)
        day = timezone.localdate(r["finished_at"])
        label = cal.quarter_of(day.year, day.month) if period == QUARTER else str(day.year)
        by_time[label].append(r)
    overall = group("all", "", rows)
    codes = list(overall.agreement.items)
    names = {
        i["code"]: i
        for i in Item.objects.filter(code__in=codes)
        .values("code", "name_ko", "name_en", "order")
        .order_by("code", "-id")
    }
    items = [
        {
            "code": code,
            "name_ko": names.get(code, {}).get("name_ko", ""),
            "name_en": names.get(code, {}).get("name_en", ""),
            "agreement": overall.agreement.items[code],
        }
        for code in sorted(codes, key=lambda c: (names.get(c, {}).get("order", 0), c))
    ]
    return SpotCheckAgreement(
        overall=overall,
        by_consultancy=sorted(
            (group(k, orgs.get(k, ""), v) for k, v in by_org.items()), key=lambda g: g.label
        ),
        by_period=[group(k, k, by_time[k]) for k in sorted(by_time)],
        items=items,
    )


# --- the draw's candidates ----------------------------------------------------------------


def draw_candidates(*, filters: Filters) -> list[cal.Candidate]:
    """Confirmed assessments filed in the hub by a consultant in the period, region and
    industry, each with its cell of similar plants; those with item ratings and no open or
    submitted spot-check are eligible. One query."""
    qs = Assessment.objects.filter(
        filters.plant_q(),
        status=AssessmentStatus.CONFIRMED,
        consultant__isnull=False,
        final_level__isnull=False,
    )
    if filters.start:
        qs = qs.filter(confirmed_at__date__gte=filters.start)
    if filters.end:
        qs = qs.filter(confirmed_at__date__lte=filters.end)
    checked = SpotCheck.objects.exclude(status=SpotCheckStatus.CANCELLED).values("assessment_id")
    rows = qs.annotate(industry=F("plant__industry"), size=F("plant__company__size_class")).values(
        "id", "consultant_id", "industry", "size", "final_level", "origin", "outcome_only"
    )
    already = set()
    rows = list(rows.order_by("id"))
    if rows:
        already = set(
            checked.filter(assessment_id__in=[r["id"] for r in rows]).values_list(
                "assessment_id", flat=True
            )
        )
    return [
        cal.Candidate(
            id=r["id"],
            group=r["consultant_id"],
            cell=(r["industry"], r["size"] or ""),
            level=r["final_level"],
            eligible=(
                r["origin"] == AssessmentOrigin.HUB
                and not r["outcome_only"]
                and r["id"] not in already
            ),
        )
        for r in rows
    ]
