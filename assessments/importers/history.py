"""Back-filing the program's history: confirmed assessments from before the hub, with their
original dates, framework version and either item ratings or only the recorded outcome.

All or nothing: every row is checked (plant visible to the importer, framework version loaded,
dates not in the future and confirmation not before assessment, ratings complete by the
framework's rules, source reference new) before anything is written; a dry run or any error
writes nothing. The assessments are created confirmed (origin "history", `confirmed_at` the
start of the original confirmation day in the local time zone, `valid_until` the framework's
validity from the assessment date) with bulk inserts, one audit entry each plus one for the
file, and then every touched plant's current level follows its latest confirmed assessment.

Recorded outcome against the ratings: when a row gives item ratings, the hub computes score
and level by the framework's rules. A recorded level that differs is an error (the level is
what the programme counts and funds; importing it silently would rewrite the published
figures): correct the ratings, or leave the item cells blank to import the recorded outcome
only. A recorded score that differs by more than 0.5 point at the same level is a warning.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connections, router, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import scoring
from assessments.choices import AssessmentOrigin, AssessmentStatus
from assessments.models import Assessment, Framework, Item, ItemRating
from assessments.services.workflow import add_years, plants_refresh_level, store_result
from hub import roles, signals
from hub.audit import audit_entry, import_note, snapshot
from hub.choices import AuditAction, Role
from hub.importers.columns import CellError, as_text, is_blank
from hub.importers.report import Counts, ImportReport
from hub.importers.tabular import Row, TableImport, chunks, read_upload
from hub.importers.writing import WRITE_BATCH
from hub.models import AuditEntry

from .columns import HISTORY_COLUMNS, PARSERS, item_column_index, parse_rating

SCORE_TOLERANCE = Decimal("0.5")


@dataclass
class HistoryImportReport(ImportReport):
    """The import report with the assessments it creates (and how many are outcome only)."""

    counts: Counts = field(default_factory=Counts)
    outcome_only: int = 0
    plants_refreshed: int = 0

    @property
    def summary(self) -> str:
        return _(
            "back-filed assessments: %(created)s created (%(outcome)s with score and level "
            "only); plants whose level was refreshed: %(plants)s"
        ) % {
            "created": self.counts.created,
            "outcome": self.outcome_only,
            "plants": self.plants_refreshed,
        }


@dataclass
class HistoryRow(Row):
    ratings: dict = field(default_factory=dict)  # item code -> 0–5 or scoring.NOT_APPLICABLE
    reasons: dict = field(default_factory=dict)  # item code -> N/A reason
    framework: Framework | None = None
    consultant: object = None


def history_import(
    *, user, content: bytes, filename: str, dry_run: bool = False, progress=None
) -> HistoryImportReport:
    """Check `content` (CSV or XLSX) and, unless it has errors or `dry_run` is set, back-file
    its confirmed assessments. Agency staff and administrators only."""
    if not roles.is_agency_staff_or_admin(user):
        raise PermissionDenied(_("Only agency staff may import the assessment history."))
    report = HistoryImportReport(filename=filename, dry_run=dry_run)
    table = read_upload(report, content, filename)
    if table is None:
        return report
    _HistoryImport(user=user, table=table, report=report, progress=progress).run()
    if report.errors:
        report.counts, report.outcome_only, report.plants_refreshed = Counts(), 0, 0
        report.written = False
    report.sort()
    return report


# The audit entry of a back-filed assessment: every field but the stored scoring result (the
# assessment keeps it; copying it into 10,000 audit rows would double the import's writes).
AUDITED_FIELDS = [
    f.name for f in Assessment._meta.concrete_fields if f.name not in ("result", "revision")
]
RATING_COLUMNS = ("assessment", "item", "rating", "not_applicable", "na_reason")
RATING_BATCH = 2_000


def insert_ratings(rows: list[tuple], *, user) -> None:
    """Insert item ratings given as (assessment id, item id, rating, not applicable, reason):
    COPY on PostgreSQL, one parametrised INSERT per batch elsewhere. Forty per back-filed
    assessment make model instances and bulk_create the slowest part of a long file. The
    evidence note is blank."""
    if not rows:
        return
    meta = ItemRating._meta
    connection = connections[router.db_for_write(ItemRating)]
    quote = connection.ops.quote_name
    fields = [meta.get_field(name) for name in RATING_COLUMNS]
    extra = [meta.get_field("evidence_note"), meta.get_field("updated_at")]
    extra.append(meta.get_field("updated_by"))
    columns = ", ".join(quote(f.column) for f in [*fields, *extra])
    stamp = meta.get_field("updated_at").get_db_prep_save(timezone.now(), connection)
    user_id = user.pk if user is not None else None
    values = [(*row, "", stamp, user_id) for row in rows]
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: binding 40 × 8 parameters per assessment costs more than the insert.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value)
            return
        placeholders = "(" + ", ".join(["%s"] * (len(fields) + len(extra))) + ")"
        for start in range(0, len(values), RATING_BATCH):
            batch = values[start : start + RATING_BATCH]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) "  # noqa: S608 - names are quoted model metadata  # nosec B608
                f"VALUES {', '.join([placeholders] * len(batch))}",
                [value for row in batch for value in row],
            )


def start_of_day(day: datetime.date) -> datetime.datetime:
    """The first instant of `day` in the local time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class _HistoryImport(TableImport):
    COLUMNS = HISTORY_COLUMNS
    PARSERS = PARSERS
    row_class = HistoryRow

    def run(self) -> None:
        self.load_frameworks()
        self.item_columns: dict[int, tuple[str, str, str]] = {}  # index -> (kind, code, header)
        self.map_header(alternatives=(("plant_id",), ("business_number", "plant_name")))
        if self.report.errors:
            return
        self.parse_rows()
        self.resolve_plants_by_id()
        self.resolve_plants(required=False)
        self.resolve_frameworks()
        self.resolve_consultants()
        self.check_references()
        self.plans: list[tuple[HistoryRow, Assessment, list[ItemRating]]] = []
        total = len(self.rows)
        for done, row in enumerate(self.rows):
            self.progress("checking", done, total)
            if row.ok:
                self.plan_row(row)
        if self.report.errors or self.report.dry_run:
            return
        self.progress("writing", total, total)
        with transaction.atomic():
            self.write()
        self.report.written = True

    # --- header and cells ----------------------------------------------------------------------

    def load_frameworks(self) -> None:
        self.frameworks = {(f.code.lower(), f.version): f for f in Framework.objects.all()}
        self.items: dict[int, dict[str, int]] = {}  # framework id -> {code: item id}
        for framework_id, code, pk in Item.objects.values_list(
            "category__area__framework_id", "code", "pk"
        ):
            self.items.setdefault(framework_id, {})[code] = pk
        self.item_codes = sorted({code for items in self.items.values() for code in items})
        self.specs: dict[int, scoring.FrameworkSpec] = {}

    def unknown_column(self, index: int, text: str) -> None:
        found = item_column_index(text, self.item_codes)
        if found is None:
            super().unknown_column(index, text)
            return
        kind, code = found
        for other_kind, other_code, other_text in self.item_columns.values():
            if (other_kind, other_code) == found:
                self.report.error(
                    1,
                    text,
                    _("This column repeats the column “%(other)s”.") % {"other": other_text},
                )
                return
        self.item_columns[index] = (kind, code, text)

    def item_error(self, row: HistoryRow, header: str, message) -> None:
        row.bad.add(header)
        self.report.error(row.number, header, message)

    def parse_row(self, number: int, cells: list) -> HistoryRow:
        row = super().parse_row(number, cells)
        for index, (kind, code, header) in self.item_columns.items():
            raw = cells[index] if index < len(cells) else ""
            if is_blank(raw):
                continue
            if kind == "reason":
                row.reasons[code] = as_text(raw)
                continue
            try:
                row.ratings[code] = parse_rating(raw)
            except CellError as exc:
                self.item_error(row, header, str(exc))
        return row

    def item_header(self, code: str, kind: str = "rating") -> str:
        for known_kind, known_code, header in self.item_columns.values():
            if (known_kind, known_code) == (kind, code):
                return header
        return code

    # --- finding plants, frameworks, consultants -------------------------------------------------

    def plant_queryset(self):
        return super().plant_queryset().visible_to(self.user)

    def resolve_plants_by_id(self) -> None:
        ids = sorted({r.values["plant_id"] for r in self.rows if "plant_id" in r.values})
        found = {}
        for chunk in chunks(ids):
            found.update({p.pk: p for p in self.plant_queryset().filter(pk__in=chunk)})
        for row in self.rows:
            if "plant_id" not in row.values:
                continue
            plant = found.get(row.values.pop("plant_id"))
            # The business number and name, if also given, are not needed any more.
            row.values.pop("business_number", None)
            row.values.pop("plant_name", None)
            if plant is None:
                self.error(row, "plant_id", _("There is no such plant."))
            else:
                row.plant = plant

    def resolve_plants(self, *, required: bool = True) -> None:
        super().resolve_plants(required=False)
        for row in self.rows:
            if row.plant is None and not row.bad & {"plant_id", "business_number", "plant_name"}:
                self.error(
                    row,
                    "plant_name",
                    _("Give the plant id, or the business number and plant name."),
                )

    def resolve_frameworks(self) -> None:
        for row in self.rows:
            values = row.values
            if "framework" not in values or "framework_version" not in values:
                continue
            framework = self.frameworks.get(
                (values["framework"].lower(), values["framework_version"])
            )
            if framework is None:
                self.error(
                    row,
                    "framework_version",
                    _("Framework %(code)s version %(version)s is not loaded in the hub.")
                    % {"code": values["framework"], "version": values["framework_version"]},
                )
                continue
            row.framework = framework

    def resolve_consultants(self) -> None:
        names = {r.values["consultant"] for r in self.rows if "consultant" in r.values}
        if not names:
            return
        lowered = {n.lower() for n in names}
        users = (
            get_user_model()
            .objects.filter(membership__role=Role.CONSULTANT, is_active=True)
            .annotate(email_lower=Lower("email"))
            .filter(Q(username__in=names) | Q(email_lower__in=lowered))
        )
        by_name: dict[str, object] = {}
        for user in users:
            by_name.setdefault(user.username, user)
            if user.email:
                by_name.setdefault(user.email_lower, user)
        for row in self.rows:
            name = row.values.get("consultant")
            if name:
                row.consultant = by_name.get(name) or by_name.get(name.lower())

    def check_references(self) -> None:
        seen: dict[str, int] = {}
        limit = Assessment._meta.get_field("source_reference").max_length
        for row in self.rows:
            reference = row.values.get("source_reference")
            if not reference:
                continue
            if len(reference) > limit:
                message = _("A source reference has at most %(limit)s characters.")
                self.error(row, "source_reference", message % {"limit": limit})
                continue
            first = seen.setdefault(reference, row.number)
            if first != row.number:
                self.error(
                    row,
                    "source_reference",
                    _("Rows %(first)s and %(row)s have the same source reference.")
                    % {"first": first, "row": row.number},
                )
        existing = {}
        for chunk in chunks(sorted(seen)):
            existing.update(
                Assessment.objects.filter(source_reference__in=chunk).values_list(
                    "source_reference", "pk"
                )
            )
        for row in self.rows:
            reference = row.values.get("source_reference")
            if reference in existing and "source_reference" not in row.bad:
                self.error(
                    row,
                    "source_reference",
                    _(
                        "The record “%(ref)s” was imported already (assessment #%(id)s); "
                        "it is not imported twice."
                    )
                    % {"ref": reference, "id": existing[reference]},
                )

    # --- checking and planning one row --------------------------------------------------------

    def spec(self, framework: Framework) -> scoring.FrameworkSpec:
        if framework.pk not in self.specs:
            self.specs[framework.pk] = framework.spec()
        return self.specs[framework.pk]

    def check_dates(self, row: HistoryRow) -> bool:
        today = timezone.localdate()
        assessed, confirmed = row.values["assessed_on"], row.values["confirmed_on"]
        ok = True
        if assessed > today:
            self.error(row, "assessed_on", _("The assessment date cannot be in the future."))
            ok = False
        if confirmed > today:
            self.error(row, "confirmed_on", _("The confirmation date cannot be in the future."))
            ok = False
        if confirmed < assessed:
            self.error(
                row,
                "confirmed_on",
                _("The assessment was confirmed before it took place (%(day)s).")
                % {"day": assessed.isoformat()},
            )
            ok = False
        return ok

    def plan_row(self, row: HistoryRow) -> None:
        if row.plant is None or row.framework is None or not self.check_dates(row):
            return
        values = row.values
        framework = row.framework
        score_level = self.outcome(row) if row.ratings else self.recorded_outcome(row)
        if score_level is None:
            return
        result, ratings = score_level
        assessed_on = values["assessed_on"]
        confirmed_at = start_of_day(values["confirmed_on"])
        assessment = Assessment(
            plant=row.plant,
            framework=framework,
            consultant=row.consultant,
            # The name as the records give it, when it is not a hub consultant's.
            recorded_consultant="" if row.consultant else values.get("consultant", "")[:200],
            opened_by=self.user,
            status=AssessmentStatus.CONFIRMED,
            assessed_on=assessed_on,
            submitted_at=confirmed_at,
            confirmed_at=confirmed_at,
            valid_until=add_years(assessed_on, framework.validity_years),
            origin=AssessmentOrigin.HISTORY,
            outcome_only=result is None,
            source_reference=values["source_reference"],
        )
        if result is None:
            assessment.total_score = values["recorded_score"]
            assessment.band_level = assessment.final_level = values["recorded_level"]
        else:
            store_result(assessment, result)
        self.plans.append((row, assessment, ratings))
        self.report.counts.created += 1
        self.report.outcome_only += result is None

    def recorded_outcome(self, row: HistoryRow):
        """(None, []) for a row with the recorded score and level but no item rating."""
        missing = [k for k in ("recorded_score", "recorded_level") if k not in row.values]
        if missing:
            for key in missing:
                if key not in row.bad:
                    self.error(
                        row,
                        key,
                        _(
                            "Give the item ratings, or (where only the outcome survives) the "
                            "recorded score and level."
                        ),
                    )
            return None
        return None, []

    def outcome(self, row: HistoryRow):
        """(the scoring result, the ItemRating rows) for a row with item ratings."""
        framework = row.framework
        codes = self.items.get(framework.pk, {})
        unknown = [c for c in row.ratings if c not in codes]
        for code in unknown:
            self.item_error(
                row,
                self.item_header(code),
                _("%(code)s is not an item of %(framework)s.")
                % {"code": code, "framework": framework},
            )
        missing = [c for c in codes if c not in row.ratings]
        if missing:
            self.error(
                row,
                "",
                _("Items without a rating: %(codes)s (rate every item, or N/A with a reason).")
                % {"codes": ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")},
            )
        note = row.values.get("note", "")
        ratings = []
        for code, value in row.ratings.items():
            if code not in codes:
                continue
            not_applicable = value == scoring.NOT_APPLICABLE
            reason = row.reasons.get(code, "") or (note if not_applicable else "")
            if not_applicable and not reason.strip():
                self.item_error(
                    row,
                    self.item_header(code),
                    _("%(code)s is not applicable: give the reason (a reason column or the note).")
                    % {"code": code},
                )
                continue
            # (item id, rating, not applicable, reason): inserted as plain rows (`write`).
            ratings.append(
                (
                    codes[code],
                    None if not_applicable else value,
                    not_applicable,
                    reason if not_applicable else "",
                )
            )
        if unknown or missing or not row.ok:
            return None
        try:
            result = scoring.score(self.spec(framework), row.ratings)
        except scoring.IncompleteRatings:
            self.error(row, "", _("At least one item must apply and be rated."))
            return None
        if not self.agrees(row, result):
            return None
        return result, ratings

    def agrees(self, row: HistoryRow, result: scoring.ScoreResult) -> bool:
        recorded_level = row.values.get("recorded_level")
        if recorded_level is not None and recorded_level != result.final_level:
            self.error(
                row,
                "recorded_level",
                _(
                    "The ratings give Level %(computed)s (score %(score)s) by the framework's "
                    "rules, not the recorded Level %(recorded)s: correct the ratings, or leave "
                    "the item cells blank to import the recorded score and level only."
                )
                % {
                    "computed": result.final_level,
                    "score": scoring.to_decimal(result.total, 1),
                    "recorded": recorded_level,
                },
            )
            return False
        recorded_score = row.values.get("recorded_score")
        computed = scoring.to_decimal(result.total)
        if recorded_score is not None and abs(recorded_score - computed) > SCORE_TOLERANCE:
            self.report.warn(
                row.number,
                self.header("recorded_score"),
                _(
                    "The ratings give a score of %(computed)s, not the recorded %(recorded)s; "
                    "the computed score is kept (the level agrees)."
                )
                % {"computed": computed.quantize(Decimal("0.1")), "recorded": recorded_score},
            )
        return True

    # --- writing -----------------------------------------------------------------------------

    def write(self) -> None:
        assessments = [assessment for _row, assessment, _ratings in self.plans]
        Assessment.objects.bulk_create(assessments, batch_size=WRITE_BATCH)
        insert_ratings(
            [
                (assessment.pk, *rating)
                for _row, assessment, ratings in self.plans
                for rating in ratings
            ],
            user=self.user,
        )
        entries = [
            audit_entry(
                user=self.user,
                action=AuditAction.CREATE,
                obj=assessment,
                after={
                    **snapshot(assessment, AUDITED_FIELDS),
                    **({"note": row.values["note"]} if row.values.get("note") else {}),
                },
                message=import_note(self.report.filename, row.number),
            )
            for row, assessment, _ratings in self.plans
        ]
        entries.append(
            audit_entry(
                user=self.user,
                action=AuditAction.IMPORT,
                after={
                    "file": self.report.filename,
                    "format": self.report.format.upper(),  # CSV, XLSX: as people name them
                    "rows": self.report.rows,
                    "assessments": self.report.counts.created,
                    "outcome_only": self.report.outcome_only,
                },
                message=f"{self.report.filename}: {self.report.summary}",
            )
        )
        AuditEntry.objects.bulk_create(entries, batch_size=WRITE_BATCH)
        plant_ids = sorted({assessment.plant_id for assessment in assessments})
        self.report.plants_refreshed = plants_refresh_level(plant_ids=plant_ids, user=self.user)
        signals.bulk_written.send(sender=Assessment)
