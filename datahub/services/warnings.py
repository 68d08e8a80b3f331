"""Early warning: the daily run of the rules, the agency's acknowledgement and resolution, and
the weekly digest mail.

The rules are a registry (`RULES`): one function per kind, `(today) -> iterable of Finding`
(datahub.warning_rules.Finding). Adding a rule is adding one function with `@rule(kind)`.
`run_early_warning` applies each rule's findings to the stored warnings of its kind: a new
finding opens a warning, a finding already open (or acknowledged) moves its `last_detected`
(and detail) on, and an unresolved warning whose finding is gone is resolved automatically
with an audit entry. A warning that agency staff resolved by hand is not reopened by the same
finding (same plant, kind and key, a condition starting within `SAME_FINDING_DAYS`).

Every rule reads in a fixed number of batched queries, whatever the number of plants: the
cheap ones one query each; the KPI rule one query for the series and one streamed read of
their day rollups (docs/datahub/early-warning.md has the timings).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments.models import LATEST_CONFIRMED_FIRST, Assessment
from datahub import warning_rules
from datahub.buckets import ZONE
from datahub.choices import Aggregation, Better, Purpose, QuantityKind, Rollup
from datahub.models import (
    Consent,
    DataSource,
    EarlyWarning,
    RollupBucket,
    Series,
    WarningKind,
    WarningStatus,
)
from datahub.models.warnings import UNRESOLVED
from datahub.services import consents, followups
from datahub.warning_rules import Finding
from hub import roles
from hub.audit import audit_entry, audit_record, snapshot
from hub.choices import AuditAction, PlantStatus, Role
from hub.models import AuditEntry, Membership, Plant
from programs.models import Project

Rule = Callable[[dt.date], Iterable[Finding]]
RULES: dict[str, Rule] = {}

# A finding whose condition began within this many days of a hand-resolved warning's is the
# same finding (a shift's estimated date may move by a few days as data comes in).
SAME_FINDING_DAYS = 14
# Day rollups are read this many series at a time (bounded memory on the national dataset).
SERIES_BATCH = 2_000


def rule(kind: str) -> Callable[[Rule], Rule]:
    """Register `function(today) -> iterable of Finding` as the rule of `kind`."""

    def register(function: Rule) -> Rule:
        RULES[kind] = function
        return function

    return register


# --- the rules -------------------------------------------------------------------------------


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=ZONE)


@rule(WarningKind.PLANT_CLOSED)
def plants_closed(today: dt.date) -> Iterable[Finding]:
    """Plants agency staff marked closed (Plant.status)."""
    for pk in Plant.objects.filter(status=PlantStatus.CLOSED).values_list("pk", flat=True):
        yield Finding(pk, WarningKind.PLANT_CLOSED)


@rule(WarningKind.LEVEL_EXPIRED)
def levels_expired(today: dt.date) -> Iterable[Finding]:
    """Plants whose confirmed level's validity ended (closed plants aside)."""
    rows = (
        Plant.objects.exclude(status=PlantStatus.CLOSED)
        .filter(level_valid_until__lt=today)
        .values_list("pk", "level_valid_until", "current_level")
    )
    for pk, valid_until, level in rows:
        if warning_rules.level_expired(valid_until, today):
            yield Finding(
                pk,
                WarningKind.LEVEL_EXPIRED,
                since=valid_until + dt.timedelta(days=1),
                detail={"level": level, "valid_until": valid_until.isoformat()},
            )


@rule(WarningKind.LEVEL_DROPPED)
def levels_dropped(today: dt.date) -> Iterable[Finding]:
    """Plants whose latest confirmed assessment's level is below the one confirmed before it
    (the two latest per plant, in one query with a window function)."""
    rows = (
        Assessment.objects.confirmed()
        .filter(plant__in=Plant.objects.exclude(status=PlantStatus.CLOSED))
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("plant_id")],
                order_by=[
                    F(name[1:]).desc() if name.startswith("-") else F(name).asc()
                    for name in LATEST_CONFIRMED_FIRST
                ],
            )
        )
        .filter(rank__lte=2)
        .order_by("plant_id", "rank")
        .values_list("plant_id", "rank", "pk", "final_level", "assessed_on")
    )
    latest: dict[int, tuple] = {}
    for plant_id, rank, pk, level, assessed_on in rows:
        if rank == 1:
            latest[plant_id] = (pk, level, assessed_on)
            continue
        if plant_id not in latest:
            continue
        new_pk, new_level, new_on = latest[plant_id]
        if warning_rules.level_dropped(new_level, level):
            yield Finding(
                plant_id,
                WarningKind.LEVEL_DROPPED,
                key=str(new_pk),
                since=new_on,
                detail={
                    "level": new_level,
                    "previous_level": level,
                    "assessment": new_pk,
                    "previous_assessment": pk,
                },
            )


@rule(WarningKind.SOURCE_SILENT)
def sources_silent(today: dt.date) -> Iterable[Finding]:
    """Active sources of open plants that sent data once but nothing for DATAHUB_SILENT_DAYS
    days or more (a source that never sent anything is not started, not silent)."""
    threshold = settings.DATAHUB_SILENT_DAYS
    cutoff = _day_start(today - dt.timedelta(days=threshold - 1))
    rows = (
        DataSource.objects.filter(is_active=True, last_data_at__lt=cutoff)
        .exclude(plant__status=PlantStatus.CLOSED)
        .values_list("pk", "plant_id", "name", "last_data_at")
    )
    for pk, plant_id, name, last_data_at in rows:
        last_day = last_data_at.astimezone(ZONE).date()
        if warning_rules.is_silent(last_day, today, threshold):
            yield Finding(
                plant_id,
                WarningKind.SOURCE_SILENT,
                key=str(pk),
                since=last_day,
                detail={
                    "source": pk,
                    "source_name": name,
                    "last_data_at": last_data_at.isoformat(),
                    "days_silent": warning_rules.days_silent(last_day, today),
                },
            )


@rule(WarningKind.FOLLOW_UP_OVERDUE)
def follow_ups_overdue(today: dt.date) -> Iterable[Finding]:
    """Completed projects with a follow-up report past its due date and not received
    (datahub.services.followups): one warning a project, since its oldest overdue report."""
    rows = (
        followups.overdue_periods(today)
        .exclude(plant__status=PlantStatus.CLOSED)
        .order_by("project_id", "due_date")
        .values_list(
            "plant_id",
            "project_id",
            "program__name_ko",
            "program__name_en",
            "period_start",
            "due_date",
        )
    )
    found: dict[int, dict] = {}
    for plant_id, project_id, program, program_en, period_start, due_date in rows:
        entry = found.setdefault(
            project_id,
            {
                "plant_id": plant_id,
                "since": due_date,
                "detail": {
                    "project": project_id,
                    "program": program,  # both names: the summary is worded per reader
                    "program_en": program_en,
                    "oldest_period_start": period_start.isoformat(),
                    "oldest_due": due_date.isoformat(),
                    "overdue": 0,
                },
            },
        )
        entry["detail"]["overdue"] += 1
    for project_id, entry in found.items():
        yield Finding(
            entry["plant_id"],
            WarningKind.FOLLOW_UP_OVERDUE,
            key=str(project_id),
            since=entry["since"],
            detail=entry["detail"],
        )


def plants_in_follow_up(today: dt.date):
    """Plants whose data the operating agency may use for program follow-up: an active
    follow-up consent, or a completed project's follow-up period (datahub.services.access)."""
    completed = consents.plants_in_follow_up(today)  # each program's follow-up years
    consented = Consent.objects.active().filter(purpose=Purpose.FOLLOW_UP).values("plant_id")
    return Q(plant_id__in=completed) | Q(plant_id__in=consented)


def _daily_value(aggregation: str, count: int, total: float, last: float) -> float:
    if aggregation == Aggregation.SUM:
        return total
    if aggregation == Aggregation.LAST:
        return last
    return total / count


@rule(WarningKind.KPI_REGRESSED)
def kpis_regressed(today: dt.date) -> Iterable[Finding]:
    """KPI series (with a better direction) of open plants under program follow-up whose last
    significant shift over the last LOOKBACK_DAYS went the worse way (warning_rules). Only
    plants whose data the agency may use for follow-up are judged: a warning shows the shift's
    size to agency staff."""
    start_day = today - dt.timedelta(days=warning_rules.LOOKBACK_DAYS)
    start = _day_start(start_day)
    series = list(
        Series.objects.filter(
            plants_in_follow_up(today),
            kpi__kind=QuantityKind.KPI,
            kpi__better__in=[Better.HIGHER, Better.LOWER],
            last_ts__gte=start + dt.timedelta(days=warning_rules.MIN_POINTS),
        )
        .exclude(plant__status=PlantStatus.CLOSED)
        .order_by("pk")
        .values_list("pk", "plant_id", "key", "kpi__code", "kpi__better", "kpi__aggregation")
    )
    for offset in range(0, len(series), SERIES_BATCH):
        batch = {row[0]: row for row in series[offset : offset + SERIES_BATCH]}
        for series_id, (dates, values) in _day_values(batch, start_day, today).items():
            pk, plant_id, key, code, better, _aggregation = batch[series_id]
            shift = warning_rules.regression(dates, values, better)
            if shift is not None:
                yield Finding(
                    plant_id,
                    WarningKind.KPI_REGRESSED,
                    key=str(pk),
                    since=shift.date,
                    detail={"series": pk, "series_key": key, "kpi": code, **shift.as_detail()},
                )


def _day_values(batch: dict, start_day: dt.date, end_day: dt.date) -> dict:
    """series id -> (days, daily values) from the day rollups in [start_day, end_day), one
    query for the batch. On PostgreSQL one row per series with its days (as offsets from
    start_day) and values in arrays: loading 8,000 timestamps per second in the driver was
    most of the rule's time."""
    start, end = _day_start(start_day), _day_start(end_day)
    result: dict[int, tuple[list, list]] = {}
    if connection.vendor == "postgresql":
        sql = """
            SELECT b.series_id,
                   array_agg(((b.bucket AT TIME ZONE 'Asia/Seoul')::date - %s::date)
                             ORDER BY b.bucket),
                   array_agg(CASE k.aggregation WHEN 'sum' THEN b.sum WHEN 'last' THEN b.last
                                  ELSE b.sum / b.count END ORDER BY b.bucket)
            FROM datahub_rollupbucket b
            JOIN datahub_series s ON s.id = b.series_id
            JOIN datahub_kpidefinition k ON k.id = s.kpi_id
            WHERE b.series_id = ANY(%s) AND b.rollup = 'day' AND b.bucket >= %s
              AND b.bucket < %s AND b.count > 0
            GROUP BY b.series_id
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [start_day, list(batch), start, end])
            for series_id, offsets, values in cursor.fetchall():
                days = [start_day + dt.timedelta(days=n) for n in offsets]
                result[series_id] = (days, values)
        return result
    rows = (
        RollupBucket.objects.filter(
            series_id__in=list(batch), rollup=Rollup.DAY, bucket__gte=start, bucket__lt=end
        )
        .order_by("series_id", "bucket")
        .values_list("series_id", "bucket", "count", "sum", "last")
    )
    for series_id, bucket, count, total, last in rows:
        if not count:
            continue
        days, values = result.setdefault(series_id, ([], []))
        days.append(bucket.astimezone(ZONE).date())
        values.append(_daily_value(batch[series_id][5], count, total, last))
    return result


# --- the run ---------------------------------------------------------------------------------


def _same(finding: Finding, resolved_since: dt.date | None) -> bool:
    if finding.since is None or resolved_since is None:
        return finding.since == resolved_since
    return abs((finding.since - resolved_since).days) <= SAME_FINDING_DAYS


@transaction.atomic
def _apply(kind: str, findings: Iterable[Finding], today: dt.date) -> dict:
    found: dict[tuple[int, str], Finding] = {}
    for finding in findings:
        found.setdefault((finding.plant_id, finding.key), finding)
    existing = {
        (w.plant_id, w.key): w
        for w in EarlyWarning.objects.select_for_update()
        .filter(kind=kind, status__in=UNRESOLVED)
        .select_related("plant")
    }
    now = timezone.now()

    updated = []
    for key, warning in existing.items():
        finding = found.get(key)
        if finding is not None:
            warning.last_detected = today
            warning.since = finding.since
            warning.detail = finding.detail
            updated.append(warning)
    EarlyWarning.objects.bulk_update(updated, ["last_detected", "since", "detail"], 1_000)

    note = _("The condition ended (checked on %(date)s).") % {"date": today.isoformat()}
    resolved = []
    for key, warning in existing.items():
        if key not in found:
            warning.status = WarningStatus.RESOLVED
            warning.resolved_automatically = True
            warning.acted_by = None
            warning.acted_at = now
            warning.note = note
            resolved.append(warning)
    EarlyWarning.objects.bulk_update(
        resolved, ["status", "resolved_automatically", "acted_by", "acted_at", "note"], 1_000
    )
    AuditEntry.objects.bulk_create(
        [
            audit_entry(
                user=None,
                action=AuditAction.TRANSITION,
                obj=w,
                after={"status": WarningStatus.RESOLVED},
                message=note,
            )
            for w in resolved
        ],
        batch_size=1_000,
    )

    new_keys = [key for key in found if key not in existing]
    by_hand: dict[tuple[int, str], list] = defaultdict(list)
    if new_keys:
        rows = EarlyWarning.objects.filter(
            kind=kind, status=WarningStatus.RESOLVED, resolved_automatically=False
        ).values_list("plant_id", "key", "since")
        for plant_id, key, since in rows:
            by_hand[plant_id, key].append(since)
    created = [
        EarlyWarning(
            plant_id=found[key].plant_id,
            kind=kind,
            key=found[key].key,
            since=found[key].since,
            detail=found[key].detail,
            first_detected=today,
            last_detected=today,
        )
        for key in new_keys
        if not any(_same(found[key], since) for since in by_hand.get(key, ()))
    ]
    EarlyWarning.objects.bulk_create(created, batch_size=1_000)
    return {
        "found": len(found),
        "opened": len(created),
        "updated": len(updated),
        "resolved": len(resolved),
    }


def run_early_warning(*, today: dt.date | None = None, kinds: Iterable[str] | None = None) -> dict:
    """Run every registered rule (or those of `kinds`) as of `today` (Asia/Seoul) and apply
    their findings. Returns per kind how many were found, opened, updated and resolved, and
    the seconds the rule and the write took."""
    today = today or timezone.localdate()
    summary: dict = {"today": today.isoformat(), "rules": {}}
    started = time.perf_counter()
    for kind, function in RULES.items():
        if kinds is not None and kind not in kinds:
            continue
        t0 = time.perf_counter()
        findings = list(function(today))
        t1 = time.perf_counter()
        counts = _apply(kind, findings, today)
        t2 = time.perf_counter()
        summary["rules"][kind] = {
            **counts,
            "rule_seconds": round(t1 - t0, 3),
            "write_seconds": round(t2 - t1, 3),
        }
    summary["seconds"] = round(time.perf_counter() - started, 3)
    return summary


# --- the agency's actions --------------------------------------------------------------------


def may_act_on_warnings(user) -> bool:
    """Agency staff (and administrators) acknowledge and resolve warnings."""
    return roles.is_agency_staff_or_admin(user)


def _require_agency(user) -> None:
    if not may_act_on_warnings(user):
        raise PermissionDenied(_("Only agency staff acknowledge or resolve early warnings."))


ACTION_FIELDS = ["status", "note", "acted_by", "acted_at", "resolved_automatically"]


def _act(*, user, warning: EarlyWarning, status: str, note: str, message: str) -> EarlyWarning:
    warning = EarlyWarning.objects.select_for_update().select_related("plant").get(pk=warning.pk)
    before = snapshot(warning, ACTION_FIELDS)
    warning.status = status
    warning.note = note
    warning.acted_by = user
    warning.acted_at = timezone.now()
    warning.resolved_automatically = False
    warning.full_clean()
    warning.save(update_fields=ACTION_FIELDS)
    audit_record(
        user=user,
        action=AuditAction.TRANSITION,
        obj=warning,
        before=before,
        after=snapshot(warning, ACTION_FIELDS),
        message=message,
    )
    return warning


@transaction.atomic
def warning_acknowledge(*, user, warning: EarlyWarning, note: str = "") -> EarlyWarning:
    """Agency staff have seen an open warning and are on it (a note is optional)."""
    _require_agency(user)
    if warning.status != WarningStatus.OPEN:
        raise ValidationError({"status": _("Only an open warning can be acknowledged.")})
    return _act(
        user=user,
        warning=warning,
        status=WarningStatus.ACKNOWLEDGED,
        note=(note or "").strip(),
        message=_("Early warning acknowledged."),
    )


@transaction.atomic
def warning_resolve(*, user, warning: EarlyWarning, note: str) -> EarlyWarning:
    """Agency staff close a warning, saying why (a note is required). The same finding is not
    reopened by the daily run."""
    _require_agency(user)
    if warning.status == WarningStatus.RESOLVED:
        raise ValidationError({"status": _("This warning is already resolved.")})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say how the warning was resolved.")})
    return _act(
        user=user,
        warning=warning,
        status=WarningStatus.RESOLVED,
        note=note,
        message=_("Early warning resolved."),
    )


# --- the weekly digest -----------------------------------------------------------------------


def _digest_recipients() -> list[Membership]:
    """Memberships of active agency staff and SME members with an e-mail address."""
    memberships = (
        Membership.objects.filter(
            role__in=[Role.AGENCY_STAFF, Role.SME_MEMBER], user__is_active=True
        )
        .exclude(user__email="")
        .select_related("user")
        .order_by("user_id")
    )
    return list(memberships)


def digest_messages(*, today: dt.date | None = None) -> list[EmailMultiAlternatives]:
    """The weekly digest, one mail per recipient with something to read:

    - agency staff: the unresolved warnings of plants with a project in a program their
      agency operates (the agency follows up its own projects; officials read the queue);
    - SME members: those of their company's plants.

    Korean first, then English (no per-user language is stored), plain text and HTML."""
    today = today or timezone.localdate()
    warnings = list(
        EarlyWarning.objects.unresolved()
        .select_related("plant__company")
        .order_by("plant__name", "plant_id", "kind", "-first_detected", "pk")
    )
    if not warnings:
        return []
    plant_ids = {w.plant_id for w in warnings}
    agency_plants: dict[int, set[int]] = defaultdict(set)
    for plant_id, agency_id in (
        Project.objects.filter(plant_id__in=plant_ids)
        .values_list("plant_id", "program__agency_id")
        .distinct()
    ):
        agency_plants[agency_id].add(plant_id)
    messages = []
    for membership in _digest_recipients():
        if membership.role == Role.AGENCY_STAFF:
            mine = agency_plants.get(membership.organization_id, set())
            chosen = [w for w in warnings if w.plant_id in mine]
        else:
            chosen = [w for w in warnings if w.plant.company_id == membership.organization_id]
        if not chosen:
            continue
        messages.append(_digest_message(membership, chosen, today))
    return messages


def _digest_message(membership, warnings, today) -> EmailMultiAlternatives:
    context = {
        "user": membership.user,
        "warnings": warnings,
        "today": today,
        "is_agency": membership.role == Role.AGENCY_STAFF,
    }
    parts_text, parts_html, subjects = [], [], []
    for language in ("ko", "en"):
        with translation.override(language):
            subjects.append(_("Early warnings: %(n)s open") % {"n": len(warnings)})
            parts_text.append(render_to_string("datahub/email/warning_digest.txt", context))
            parts_html.append(render_to_string("datahub/email/warning_digest.html", context))
    mail = EmailMultiAlternatives(
        subject=" / ".join(subjects),
        body="\n\n".join(part.strip() for part in parts_text) + "\n",
        to=[membership.user.email],
    )
    mail.attach_alternative(
        render_to_string(
            "datahub/email/warning_digest_page.html", {"parts": parts_html, "today": today}
        ),
        "text/html",
    )
    return mail


def send_weekly_digest(*, today: dt.date | None = None) -> int:
    """Send the weekly digest; returns the number of mails sent."""
    messages = digest_messages(today=today)
    for message in messages:
        message.send(fail_silently=False)
    return len(messages)
