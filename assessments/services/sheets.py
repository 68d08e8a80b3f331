"""Rating sheets kept apart from the assessment workflow (self-diagnoses, spot-checks): blank
ratings for every item, saving a batch of ratings all or nothing, and scoring by the
assessment's own rules. Callers check who may act and in which state, then call these
inside their own transaction and audit entry."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessments import scoring
from assessments.models import Item, RatingSheet
from assessments.services.workflow import rating_problems, store_result

SHEET_RATING_FIELDS = ("rating", "not_applicable", "na_reason", "note")


def sheet_add_items(sheet: RatingSheet) -> None:
    """One blank rating per item of the sheet's framework (1 query + 1 insert)."""
    rating_model = sheet.ratings.model
    items = Item.objects.filter(category__area__framework=sheet.framework_id)
    rating_model.objects.bulk_create([rating_model(sheet=sheet, item=i) for i in items])


def sheet_items(sheet: RatingSheet) -> dict[str, Item]:
    return {i.code: i for i in Item.objects.filter(category__area__framework=sheet.framework_id)}


@transaction.atomic
def sheet_rate(*, sheet: RatingSheet, entries: list[dict[str, Any]]) -> dict[str, dict]:
    """Save several items of a sheet: each entry {"item": code, and any of rating (0–5),
    not_applicable, na_reason, note}; a rating clears the N/A mark, N/A clears the rating.
    All or nothing: a ValidationError keyed by entry index ({index: {field: [messages]}})
    saves nothing. Returns {code: {"before": …, "after": …}} of the items that changed."""
    items = sheet_items(sheet)
    rows = {r.item.code: r for r in sheet.ratings.select_for_update().select_related("item")}
    errors: dict[int, dict] = {}
    changed: dict[str, dict] = {}
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        code = entry.get("item")
        if code not in items:
            errors[index] = {"item": [_("No item %(code)s in this framework.") % {"code": code}]}
            continue
        if code in seen:
            errors[index] = {"item": [_("Item %(code)s appears twice.") % {"code": code}]}
            continue
        seen.add(code)
        row = rows.get(code) or sheet.ratings.model(sheet=sheet, item=items[code])
        before = {f: getattr(row, f) for f in SHEET_RATING_FIELDS}
        for name in SHEET_RATING_FIELDS:
            if name in entry:
                value = entry[name]
                if value is None and name in ("na_reason", "note"):
                    value = ""
                setattr(row, name, value)
        if entry.get("rating") is not None and "not_applicable" not in entry:
            row.not_applicable = False
        if row.not_applicable:
            row.rating = None
        else:
            row.na_reason = ""
        try:
            row.full_clean(exclude=["sheet", "item"])
        except ValidationError as exc:
            errors[index] = exc.message_dict
            continue
        after = {f: getattr(row, f) for f in SHEET_RATING_FIELDS}
        if after != before or row.pk is None:
            row.save()
            changed[code] = {"before": before, "after": after}
    if errors:
        raise SheetRatingErrors(errors)  # leaves the atomic block: nothing is kept
    if changed:
        sheet.revision += 1
        sheet.save(update_fields=["revision"])
    return changed


class SheetRatingErrors(ValidationError):
    """Entry errors of `sheet_rate`, keyed by entry index as DRF's list serializers give
    them: `by_entry` = {index: {field: [messages]}}."""

    def __init__(self, by_entry: dict[int, dict]):
        self.by_entry = by_entry
        messages = [
            f"{index + 1}: {field} — {' '.join(str(m) for m in msgs)}"
            for index, fields in sorted(by_entry.items())
            for field, msgs in fields.items()
        ]
        super().__init__(messages, code="invalid_entries")


def sheet_problems(sheet: RatingSheet) -> list[dict]:
    """What stops finishing the sheet (the assessment's own rule, `rating_problems`)."""
    return rating_problems(sheet.ratings.select_related("item"))


def sheet_finish_score(sheet: RatingSheet) -> scoring.ScoreResult:
    """Score a complete sheet and keep the result on it (not saved: the caller saves with its
    status change). Raises ValidationError listing what is missing."""
    problems = sheet_problems(sheet)
    if problems:
        raise ValidationError(
            [
                ValidationError(p["message"], code="incomplete", params={"item": p["item"]})
                for p in problems
            ]
        )
    values = {r.item.code: r.value for r in sheet.ratings.select_related("item")}
    result = scoring.score(sheet.framework.spec(), values)
    store_result(sheet, result)
    return result
