"""Demo telemetry: a year of plausible production data for a few demo plants, so the demo
shows data flowing into the hub (run by `manage.py seed_telemetry`, a step of seed_demo).

Which plants: the demo `sme` login's company's plants with a completed project first (the
newcomer's own plants), then other plants with a completed project, the most recently
completed first (so the year shows the project's effect). The first `hourly` of them get
hourly rows, the next `daily` daily rows: a full hourly year for every plant would make
`make run` slow on SQLite.

What: per plant six series (the plant's own where it has them, such as the `sme` company's
demo source; otherwise on a demo source "데모 MES"): OEE with its parts (availability,
performance, quality rate, all in %) and the produced and good quantities. Each row is
consistent: quality = good / produced, OEE = availability × performance × quality. Plants
run two shifts (08:00–24:00 Asia/Seoul) on weekdays and one on Saturdays; idle hours send
nothing (a gap, not a zero). OEE sits roughly between 45 and 85 %: each plant has its own
level, and from its latest completed project's completion on it runs better by about the
productivity gain that project reported (programs KPI rows). Seeded random: the same plant
gets the same rows every time.

Rows are written in bulk through the ingest's write path (datahub.storage: COPY on
PostgreSQL), their hours marked, and the rollups built once at the end
(datahub.services.rollups). Each of these plants also gives the research consent, so an
`official` can build a research dataset from them in the demo (datahub.services.datasets).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, replace

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max

from datahub import followup_rules as rules
from datahub import partitions, storage
from datahub.buckets import ZONE, months_back
from datahub.choices import Purpose
from datahub.ingest.rules import Point
from datahub.models import DataSource, Observation, Series
from datahub.services import consents, rollups, sources
from hub.choices import Role
from hub.models import Membership, Plant
from programs.choices import Indicator, ProjectStatus
from programs.models import KPI, Project

SOURCE_NAME = "데모 MES"
MAX_OEE = 0.83
# Plants whose project was completed this many days ago or less (but not in the last month)
# are picked first: their year shows the before and the after.
SHOWS_EFFECT = (30, 330)
KPIS = ("oee", "availability", "performance", "quality_rate", "produced_quantity", "good_quantity")


@dataclass(frozen=True)
class Profile:
    """How one plant runs: its level before the project, the project's completion and gain,
    and how many units an hour it makes at full speed."""

    seed: str
    availability: float
    performance: float
    quality: float
    rate: int
    completed_on: dt.date | None
    gain: float  # productivity improvement of the project, 0.3 = +30 %
    # Earlier completed projects (completion, gain) when the rows reach back before them.
    earlier: tuple[tuple[dt.date, float], ...] = ()

    @property
    def lift(self) -> float:
        """What availability and performance are multiplied by after the project: OEE
        grows by about the gain, up to about 83 % on average."""
        before = self.availability * self.performance * (self.quality + 0.02)
        return min(math.sqrt(1 + self.gain), math.sqrt(MAX_OEE / before))

    def lift_on(self, day: dt.date) -> float:
        """The lift on `day`: the gains of every project completed before it, compounded,
        with the same ceiling (1.0 before the first)."""
        growth = 1.0
        for completed_on, gain in (*self.earlier, (self.completed_on, self.gain)):
            if completed_on is not None and day > completed_on:
                growth *= 1 + max(0.0, min(gain, 0.6))
        if growth == 1.0:
            return 1.0
        before = self.availability * self.performance * (self.quality + 0.02)
        return min(math.sqrt(growth), math.sqrt(MAX_OEE / before))


def profile_for(plant, completed_on: dt.date | None, gain: float) -> Profile:
    rng = random.Random(f"profile:{plant.company.business_number}:{plant.name}")  # noqa: S311 - demo data  # nosec B311
    return Profile(
        seed=f"rows:{plant.company.business_number}:{plant.name}",
        availability=rng.uniform(0.68, 0.82),
        performance=rng.uniform(0.68, 0.82),
        quality=rng.uniform(0.92, 0.97),
        rate=rng.randrange(60, 400, 10),
        completed_on=completed_on,
        gain=max(0.0, min(gain, 0.6)),
    )


def _working(local: dt.datetime) -> bool:
    weekday = local.weekday()
    if weekday == 6:
        return False
    return 8 <= local.hour < (16 if weekday == 5 else 24)


def _clip(value, low, high):
    return max(low, min(high, value))


def rows(profile: Profile, start: dt.datetime, end: dt.datetime, *, daily: bool = False):
    """{kpi code: [(time, value)]} for [start, end): hourly rows of working hours, or one
    row a day (at 00:00 Asia/Seoul) summing the day's hours."""
    rng = random.Random(profile.seed)  # noqa: S311 - demo data  # nosec B311
    out: dict[str, list] = {code: [] for code in KPIS}
    day_key, day = None, None
    hour = start.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    while hour < end:
        local = hour.astimezone(ZONE)
        if daily and local.date() != day_key:
            _flush_day(out, day)
            day_key, day = local.date(), {"at": local.replace(hour=0), "time": 0.0}
        if _working(local):
            lift = profile.lift_on(local.date())
            after = lift > 1.0 or (
                profile.completed_on is not None and local.date() > profile.completed_on
            )
            a = _clip(rng.gauss(profile.availability * lift, 0.05), 0.35, 0.97)
            p = _clip(rng.gauss(profile.performance * lift, 0.04), 0.4, 0.96)
            q = _clip(rng.gauss(profile.quality + (0.02 if after else 0), 0.012), 0.8, 0.995)
            produced = max(1, round(profile.rate * a * p))
            good = min(produced, round(produced * q))
            if daily:
                day["time"] += 1
                for key, value in (("a", a), ("p", p), ("prod", produced), ("good", good)):
                    day[key] = day.get(key, 0) + value
            else:
                _append(out, hour, a, p, produced, good)
        hour += dt.timedelta(hours=1)
    if daily:
        _flush_day(out, day)
    return out


def _append(out, ts, a, p, produced, good) -> None:
    q = good / produced
    out["availability"].append((ts, round(100 * a, 2)))
    out["performance"].append((ts, round(100 * p, 2)))
    out["quality_rate"].append((ts, round(100 * q, 2)))
    out["oee"].append((ts, round(100 * a * p * q, 2)))
    out["produced_quantity"].append((ts, float(produced)))
    out["good_quantity"].append((ts, float(good)))


def _flush_day(out, day) -> None:
    if not day or not day["time"]:
        return
    hours = day["time"]
    _append(out, day["at"], day["a"] / hours, day["p"] / hours, day["prod"], day["good"])


def chosen_plants(hourly: int, daily: int) -> list[tuple[Plant, bool]]:
    """(plant, hourly?) for the plants that get telemetry, in order (see the module doc)."""
    picked: list[Plant] = []
    sme = Membership.objects.filter(user__username="sme", role=Role.SME_MEMBER).first()
    if sme is not None:
        picked += list(
            Plant.objects.filter(
                company_id=sme.organization_id,
                pk__in=Project.objects.filter(status=ProjectStatus.COMPLETED).values("plant_id"),
            )
            .select_related("company")
            .order_by("pk")
        )
    latest = (
        Project.objects.filter(status=ProjectStatus.COMPLETED)
        .exclude(completed_on=None)
        .exclude(plant__in=[p.pk for p in picked])
        .values_list("plant_id")
        .annotate(last=Max("completed_on"))
    )
    today = dt.date.today()

    def preference(row):
        age = (today - row[1]).days
        return (not SHOWS_EFFECT[0] <= age <= SHOWS_EFFECT[1], -row[1].toordinal(), row[0])

    wanted = max(hourly + daily - len(picked), 0)
    ids = [plant_id for plant_id, _last in sorted(latest, key=preference)[:wanted]]
    by_id = Plant.objects.select_related("company").in_bulk(ids)
    picked += [by_id[pk] for pk in ids]
    picked = picked[: hourly + daily]
    return [(plant, index < hourly) for index, plant in enumerate(picked)]


def project_effect(plant) -> tuple[dt.date | None, float]:
    """The plant's latest completed project: its completion and its productivity gain."""
    project = (
        Project.objects.filter(plant=plant, status=ProjectStatus.COMPLETED)
        .exclude(completed_on=None)
        .order_by("-completed_on")
        .first()
    )
    if project is None:
        return None, 0.0
    kpi = (
        KPI.objects.filter(project=project, indicator__in=[Indicator.PRODUCTIVITY, Indicator.OEE])
        .exclude(improvement_pct=None)
        .order_by("indicator")  # oee before productivity: the closer measure first
        .first()
    )
    return project.completed_on, float(kpi.improvement_pct) / 100 if kpi else 0.0


def history(plant, start: dt.datetime, today: dt.date) -> tuple[dt.datetime, tuple]:
    """For the `sme` login's plants in a full-year demo: rows from a year before the building
    start of their latest project completed at least four months ago (so the dashboard shows
    that project's before and after, datahub.evidence), and the projects completed since the
    rows begin, before the latest, with their gains (Profile.earlier)."""
    projects = list(
        Project.objects.filter(plant=plant, status=ProjectStatus.COMPLETED)
        .exclude(completed_on=None)
        .order_by("completed_on")
        .prefetch_related("kpis")
    )
    shown = [
        p
        for p in projects
        if p.completed_on <= today - dt.timedelta(days=120) and (p.building_on or p.agreed_on)
    ]
    if not shown:
        return start, ()
    began = shown[-1].building_on or shown[-1].agreed_on
    first = min(start, dt.datetime.combine(months_back(began, 12), dt.time(), ZONE))
    earlier = []
    for project in projects[:-1]:
        kpis = sorted(
            (
                k
                for k in project.kpis.all()
                if k.indicator in (Indicator.PRODUCTIVITY, Indicator.OEE)
            ),
            key=lambda k: k.indicator,
        )
        gains = [float(k.improvement_pct) / 100 for k in kpis if k.improvement_pct is not None]
        if project.completed_on >= first.date() and gains:
            earlier.append((project.completed_on, gains[0]))
    return first, tuple(earlier)


def _actor(plant, admin):
    """The plant's own `sme` member when it is theirs, else the administrator."""
    sme = get_user_model().objects.filter(username="sme").first()
    return sme if sme is not None and sources.manages_data_of(sme, plant) else admin


def _series_of(plant, actor, granularity: str) -> dict[str, Series] | None:
    """The plant's series of KPIS (its own where it has them, e.g. the `sme` demo source's;
    the others created on that source, or on a demo source of their own); None when any of
    them already has data."""
    actor = _actor(plant, actor)
    existing = {
        s.key: s for s in Series.objects.filter(plant=plant, key__in=KPIS).select_related("source")
    }
    if existing and Observation.objects.filter(series__in=existing.values()).exists():
        return None
    source = next(iter(existing.values())).source if existing else None
    if source is None:
        source = DataSource.objects.filter(plant=plant, name=SOURCE_NAME).first()
    if source is None:
        source, _token = sources.source_create(
            user=actor, plant=plant, name=SOURCE_NAME, kind="mes", description="데모 데이터"
        )
    for code in KPIS:
        if code not in existing:
            existing[code] = sources.series_create(
                user=actor, source=source, kpi=code, granularity=granularity
            )
    return existing


def write_rows(series: Series, data) -> int:
    """Bulk-write (time, value) rows of one series through the ingest's write path
    (datahub.storage: COPY on PostgreSQL, executemany on SQLite) and mark their hours."""
    if not data:
        return 0
    partitions.ensure(data[0][0], data[-1][0])
    points = [
        Point(index=i, series_id=series.pk, ts=ts.astimezone(dt.UTC), value=value)
        for i, (ts, value) in enumerate(data)
    ]
    stored = storage.store_points(points, plant_id=series.plant_id)
    storage.mark_dirty(stored.hours, plant_id=series.plant_id)
    storage.touch_series(stored.last_ts, source_id=series.source_id)
    return stored.inserted


def seed(*, hourly: int = 2, daily: int = 6, days: int = 365, now=None, actor=None) -> dict:
    """Give the chosen plants `days` days of telemetry up to `now`; returns counts. Plants
    whose demo source already has data are left as they are."""
    now = (now or dt.datetime.now(dt.UTC)).replace(minute=0, second=0, microsecond=0)
    start = now - dt.timedelta(days=days)
    summary = {"plants": 0, "rows": 0, "hourly_plants": [], "daily_plants": []}
    partitions.forget()  # a one-off: check the partitions again rather than trust this process
    for plant, is_hourly in chosen_plants(hourly, daily):
        completed_on, gain = project_effect(plant)
        profile = profile_for(plant, completed_on, gain)
        first = start
        if days >= 365 and _actor(plant, None) is not None:  # the `sme` login's own plants
            first, earlier = history(plant, start, now.astimezone(ZONE).date())
            profile = replace(profile, earlier=earlier)
        if plant.operating_since:
            since = dt.datetime.combine(plant.operating_since, dt.time(), ZONE)
            first = max(first, since)
        with transaction.atomic():
            series = _series_of(plant, actor, "hour" if is_hourly else "day")
            if series is None:
                continue
            data = rows(profile, first, now, daily=not is_hourly)
            for code, values in data.items():
                summary["rows"] += write_rows(series[code], values)
            # The demo's data plants also lend it to research (the datasets page's source).
            consents.consent_grant(user=_actor(plant, actor), plant=plant, purpose=Purpose.RESEARCH)
        summary["plants"] += 1
        summary["hourly_plants" if is_hourly else "daily_plants"].append(str(plant))
    rollups.refresh_dirty()
    summary["followup_rows"] = seed_followup_reports(now=now, actor=actor)
    return summary


# --- peers for the benchmarks -----------------------------------------------------------------

PEER_SOURCE_NAME = "데모 월간 보고"
PEER_KPIS = ("oee", "availability", "performance", "quality_rate")


def monthly_rows(profile: Profile, months: list[dt.datetime]):
    """{kpi code: [(month start, value)]}: one row a month of OEE and its parts (in %)."""
    rng = random.Random(f"monthly:{profile.seed}")  # noqa: S311 - demo data  # nosec B311
    out: dict[str, list] = {code: [] for code in PEER_KPIS}
    for start in months:
        after = profile.completed_on is not None and start.date() > profile.completed_on
        lift = profile.lift if after else 1.0
        a = _clip(rng.gauss(profile.availability * lift, 0.02), 0.35, 0.97)
        p = _clip(rng.gauss(profile.performance * lift, 0.02), 0.4, 0.96)
        q = _clip(rng.gauss(profile.quality + (0.02 if after else 0), 0.005), 0.8, 0.995)
        for code, value in (
            ("availability", a),
            ("performance", p),
            ("quality_rate", q),
            ("oee", a * p * q),
        ):
            out[code].append((start, round(100 * value, 2)))
    return out


def seed_peers(*, per_division: int = 12, months: int = 15, now=None, actor=None) -> dict:
    """Peers for the `sme` login's benchmarks: up to `per_division` plants of other companies
    in each KSIC division of the `sme` company's plants get monthly OEE figures (a monthly
    report source) for `months` months, and every plant with demo data a national-statistics
    consent (without it a plant's values never enter a peer group). Plants that already have
    the monthly source's data are left as they are."""
    from datahub.choices import Purpose
    from datahub.services import consents

    now = now or dt.datetime.now(dt.UTC)
    summary = {"plants": 0, "rows": 0, "consents": 0}
    sme = Membership.objects.filter(user__username="sme", role=Role.SME_MEMBER).first()
    if sme is None or per_division < 1:
        return summary
    divisions = set(
        Plant.objects.filter(company_id=sme.organization_id).values_list("industry", flat=True)
    )
    first = bucket_month(now, -months)
    starts = [dt.datetime.combine(_add_months(first, i), dt.time(), ZONE) for i in range(months)]
    partitions.forget()
    for division in sorted(divisions):
        plants = (
            Plant.objects.filter(industry=division)
            .exclude(company_id=sme.organization_id)
            .select_related("company")
            .order_by("pk")[:per_division]
        )
        for plant in plants:
            source = DataSource.objects.filter(plant=plant, name=PEER_SOURCE_NAME).first()
            if source is not None:
                continue
            owner = _actor(plant, actor)
            with transaction.atomic():
                source, _token = sources.source_create(
                    user=owner, plant=plant, name=PEER_SOURCE_NAME, kind="spreadsheet"
                )
                completed_on, gain = project_effect(plant)
                data = monthly_rows(profile_for(plant, completed_on, gain), starts)
                for code in PEER_KPIS:
                    series = sources.series_create(
                        user=owner, source=source, kpi=code, granularity="month", key=f"m-{code}"
                    )
                    summary["rows"] += write_rows(series, data[code])
            summary["plants"] += 1
    rollups.refresh_dirty()
    from datahub.models import Consent

    fed = set(DataSource.objects.exclude(series__last_ts=None).values_list("plant_id", flat=True))
    given = Consent.objects.active().filter(purpose=Purpose.STATISTICS).values("plant_id")
    for plant in Plant.objects.filter(pk__in=fed).exclude(pk__in=given).order_by("pk"):
        consents.consent_grant(user=_actor(plant, actor), plant=plant, purpose=Purpose.STATISTICS)
        summary["consents"] += 1
    return summary


def bucket_month(now: dt.datetime, months: int) -> dt.date:
    local = now.astimezone(ZONE).date().replace(day=1)
    return _add_months(local, months)


def _add_months(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


# Plausible monthly figures of the follow-up KPIs the demo systems do not send.
FOLLOW_UP_FIGURES = {
    "throughput": 118.0,
    "quality_rate": 98.2,
    "on_time_delivery": 96.5,
    "lead_time": 52.0,
    "oee": 71.0,
}


def seed_followup_reports(*, now=None, actor=None) -> int:
    """The `sme` login's plants send the follow-up (사후관리) KPIs their systems lack as
    monthly figures (as the monthly form does), for the months of the telemetry year up to
    two quarters ago, as if sent at the time: their follow-up shows reports received, the
    latest ended quarter missing (due or late) and the running one upcoming. Then every
    plant's follow-up is refreshed (the daily beat task's work)."""
    from datahub.models import FollowUpPeriod
    from datahub.services import followups

    now = now or dt.datetime.now(dt.UTC)
    written = 0
    sme = Membership.objects.filter(user__username="sme", role=Role.SME_MEMBER).first()
    plants = []
    if sme is not None:
        plants = list(
            Plant.objects.filter(
                company_id=sme.organization_id,
                pk__in=Project.objects.filter(status=ProjectStatus.COMPLETED).values("plant_id"),
            )
        )
    followups.refresh_followups(plant_ids=[p.pk for p in plants])
    local = now.astimezone(ZONE)
    quarter = local.replace(month=(local.month - 1) // 3 * 3 + 1, day=1).date()
    cutoff = rules.add_months(quarter, -3)
    first = (local - dt.timedelta(days=365)).date().replace(day=1)
    for plant in plants:
        required = set()
        for codes in FollowUpPeriod.objects.filter(plant=plant).values_list(
            "required_kpis", flat=True
        ):
            required.update(codes)
        have = set(Series.objects.filter(plant=plant).values_list("kpi__code", flat=True))
        if not required - have:
            continue
        # The monthly form's source (datahub.services.sources.spreadsheet_source), named in Korean.
        source = DataSource.objects.filter(plant=plant, kind="spreadsheet").first()
        if source is None:
            source, _token = sources.source_create(
                user=_actor(plant, actor), plant=plant, name="월별 실적", kind="spreadsheet"
            )
        months = []
        month = first
        while month < cutoff:
            months.append(dt.datetime.combine(month, dt.time(), ZONE))
            month = rules.add_months(month, 1)
        with transaction.atomic():
            for code in sorted(required - have):
                series = sources.series_create(
                    user=_actor(plant, actor), source=source, kpi=code, granularity="month"
                )
                value = FOLLOW_UP_FIGURES.get(code, 1.0)
                written += write_rows(series, [(ts, value) for ts in months])
        rollups.refresh_dirty()
        # As if sent at the time: the periods are looked at afresh.
        FollowUpPeriod.objects.filter(plant=plant).delete()
    followups.refresh_followups()
    return written
