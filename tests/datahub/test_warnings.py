"""The early-warning run, the agency's actions and the weekly digest (datahub.services.warnings),
on both engines."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext

from datahub import tasks
from datahub.buckets import ZONE
from datahub.choices import Purpose
from datahub.models import DataSource, EarlyWarning, WarningKind, WarningStatus
from datahub.services import consents, sources, warnings
from datahub.warning_rules import Finding
from hub.models import AuditEntry, Plant
from programs import services as program_services
from tests.datahub.warning_data import TODAY, day_rollups, shift_day, step
from tests.factories import AgencyFactory, OrganizationFactory, Role, member
from tests.programs.conftest import complete, project_data, winwin_program

pytestmark = pytest.mark.django_db

KPI = WarningKind.KPI_REGRESSED


@pytest.fixture
def watched(world, feed):
    """Plant A under program follow-up (the plant's consent) with an OEE series whose day
    rollups step down from 72 to 60 on day 120 of 180."""
    consents.consent_grant(user=world.sme, plant=world.plant_a, purpose=Purpose.FOLLOW_UP)
    day_rollups(feed.oee, step(72, 60, at=120))
    return feed


def warnings_of(kind=None, **filters):
    qs = EarlyWarning.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.filter(**filters).order_by("pk"))


def test_a_kpi_step_down_opens_one_warning_with_its_size_and_date(world, watched):
    summary = warnings.run_early_warning(today=TODAY)
    assert summary["rules"][KPI]["opened"] == 1
    (warning,) = warnings_of(KPI)
    assert warning.plant == world.plant_a
    assert warning.key == str(watched.oee.pk)
    assert warning.status == WarningStatus.OPEN
    assert warning.first_detected == warning.last_detected == TODAY
    assert abs((warning.since - shift_day(120)).days) <= 2
    assert warning.detail["kpi"] == "oee"
    assert warning.detail["change"] == pytest.approx(-12, abs=1)
    assert warning.detail["relative"] == pytest.approx(-12 / 72, abs=0.02)
    assert warning.detail["noise_units"] < -3


def test_the_next_run_updates_the_same_row_and_a_recovery_resolves_it(world, watched):
    warnings.run_early_warning(today=TODAY)
    later = TODAY + dt.timedelta(days=1)
    summary = warnings.run_early_warning(today=later)
    assert summary["rules"][KPI] | {"rule_seconds": 0, "write_seconds": 0} == {
        "found": 1,
        "opened": 0,
        "updated": 1,
        "resolved": 0,
        "rule_seconds": 0,
        "write_seconds": 0,
    }
    (warning,) = warnings_of(KPI)
    assert warning.first_detected == TODAY and warning.last_detected == later

    day_rollups(watched.oee, step(72, 60, at=100)[:140] + step(72, 72, at=0, seed=3)[:40])
    summary = warnings.run_early_warning(today=later)
    assert summary["rules"][KPI]["resolved"] == 1
    warning.refresh_from_db()
    assert warning.status == WarningStatus.RESOLVED
    assert warning.resolved_automatically
    assert warning.note  # "The condition ended (checked on …)."
    entry = AuditEntry.objects.for_object(warning).latest("pk")
    assert entry.user is None and entry.after == {"status": "resolved"}


def test_noise_and_improvements_open_nothing(world, watched):
    day_rollups(watched.oee, step(60, 72, at=90))
    assert warnings.run_early_warning(today=TODAY)["rules"][KPI]["opened"] == 0
    day_rollups(watched.oee, step(70, 70, at=0, sigma=4))
    assert warnings.run_early_warning(today=TODAY)["rules"][KPI]["opened"] == 0
    assert not warnings_of(KPI)


def test_too_little_data_opens_nothing(world, watched):
    day_rollups(watched.oee, step(72, 60, at=12, n=25))
    warnings.run_early_warning(today=TODAY)
    assert not warnings_of(KPI)


def test_plants_outside_follow_up_are_not_judged(world, feed):
    """The shift's size is the plant's data: only plants under program follow-up (consent
    or a completed project's period) are judged for agency staff."""
    day_rollups(feed.series_b, step(72, 60, at=120))
    day_rollups(feed.oee, step(72, 60, at=120))
    warnings.run_early_warning(today=TODAY)
    assert not warnings_of(KPI)


def test_a_completed_project_puts_the_plant_under_follow_up(world, feed):
    program = winwin_program(world, [(world.firm_b, 100_000_000)])
    supplier = OrganizationFactory(kind="supplier", name="공급사")
    project = program_services.project_apply(
        user=world.agency,
        data=project_data(program, world.plant_b, world.firm_b, supplier=supplier),
    )
    complete(world, project, start=dt.date(2025, 3, 2))
    day_rollups(feed.series_b, step(72, 60, at=120))
    warnings.run_early_warning(today=TODAY)
    assert [w.plant_id for w in warnings_of(KPI)] == [world.plant_b.pk]


def test_a_silent_source_is_flagged_and_cleared(world, feed):
    silent = dt.datetime.combine(TODAY - dt.timedelta(days=20), dt.time(9), tzinfo=ZONE)
    DataSource.objects.filter(pk=feed.source.pk).update(last_data_at=silent)
    recent = dt.datetime.combine(TODAY - dt.timedelta(days=13), dt.time(9), tzinfo=ZONE)
    DataSource.objects.filter(pk=feed.source_b.pk).update(last_data_at=recent)
    sources.source_create(user=world.sme, plant=world.plant_a, name="never sent")

    warnings.run_early_warning(today=TODAY)
    (warning,) = warnings_of(WarningKind.SOURCE_SILENT)
    assert (warning.plant, warning.key) == (world.plant_a, str(feed.source.pk))
    assert warning.detail["days_silent"] == 20
    assert warning.since == TODAY - dt.timedelta(days=20)

    DataSource.objects.filter(pk=feed.source.pk).update(last_data_at=recent)
    summary = warnings.run_early_warning(today=TODAY)
    assert summary["rules"][WarningKind.SOURCE_SILENT]["resolved"] == 1


def test_silence_threshold_is_a_setting(world, feed, settings):
    settings.DATAHUB_SILENT_DAYS = 5
    last = dt.datetime.combine(TODAY - dt.timedelta(days=5), dt.time(23), tzinfo=ZONE)
    DataSource.objects.filter(pk=feed.source.pk).update(last_data_at=last)
    warnings.run_early_warning(today=TODAY)
    assert len(warnings_of(WarningKind.SOURCE_SILENT)) == 1


def test_expired_level_and_closed_plant(world):
    Plant.objects.filter(pk=world.plant_a.pk).update(
        current_level=3, level_valid_until=TODAY - dt.timedelta(days=1)
    )
    Plant.objects.filter(pk=world.plant_b.pk).update(
        status="closed", level_valid_until=TODAY - dt.timedelta(days=1)
    )
    Plant.objects.filter(pk=world.plant_free.pk).update(current_level=2, level_valid_until=TODAY)
    warnings.run_early_warning(today=TODAY)
    (expired,) = warnings_of(WarningKind.LEVEL_EXPIRED)
    assert expired.plant == world.plant_a and expired.detail["level"] == 3
    (closed,) = warnings_of(WarningKind.PLANT_CLOSED)
    assert closed.plant == world.plant_b


def test_a_dropped_level_is_flagged(world):
    from assessments import services as assessment_services
    from tests.assessments.conftest import confirmed, seed_definition

    assessment_services.framework_load(data=seed_definition())

    def assess(rating, on):
        opened = assessment_services.assessment_open(
            plant=world.plant_a, consultant=world.consultant, user=world.agency
        )
        return confirmed(world, opened, rating=rating, assessed_on=on)

    first = assess(4, dt.date(2025, 5, 1))
    warnings.run_early_warning(today=TODAY)
    assert not warnings_of(WarningKind.LEVEL_DROPPED)
    second = assess(1, dt.date(2026, 5, 1))
    assert second.final_level < first.final_level
    warnings.run_early_warning(today=TODAY)
    (dropped,) = warnings_of(WarningKind.LEVEL_DROPPED)
    assert dropped.key == str(second.pk)
    assert dropped.detail["previous_level"] == first.final_level
    assert dropped.since == dt.date(2026, 5, 1)
    assess(4, dt.date(2026, 9, 1))
    warnings.run_early_warning(today=TODAY)
    dropped.refresh_from_db()
    assert dropped.status == WarningStatus.RESOLVED


def test_a_rule_is_one_function_in_the_registry(world, monkeypatch):
    def overdue(today):
        yield Finding(world.plant_free.pk, WarningKind.FOLLOW_UP_OVERDUE, key="q3", detail={})

    monkeypatch.setitem(warnings.RULES, WarningKind.FOLLOW_UP_OVERDUE, overdue)
    summary = warnings.run_early_warning(today=TODAY)
    assert summary["rules"][WarningKind.FOLLOW_UP_OVERDUE]["opened"] == 1
    assert warnings_of(WarningKind.FOLLOW_UP_OVERDUE)[0].plant == world.plant_free


# --- acknowledge and resolve -----------------------------------------------------------------


def test_agency_staff_acknowledge_then_resolve_with_a_note(world, watched):
    warnings.run_early_warning(today=TODAY)
    (warning,) = warnings_of(KPI)
    warning = warnings.warning_acknowledge(user=world.agency, warning=warning, note="전화 예정")
    assert warning.status == WarningStatus.ACKNOWLEDGED and warning.acted_by == world.agency
    # An acknowledged warning is still followed by the run.
    assert warnings.run_early_warning(today=TODAY)["rules"][KPI]["updated"] == 1
    with pytest.raises(ValidationError) as exc:
        warnings.warning_resolve(user=world.agency, warning=warning, note=" ")
    assert "note" in exc.value.message_dict
    warning = warnings.warning_resolve(user=world.agency, warning=warning, note="설비 교체 확인")
    assert warning.status == WarningStatus.RESOLVED and not warning.resolved_automatically
    entries = AuditEntry.objects.for_object(warning).order_by("pk")
    assert [e.after["status"] for e in entries] == ["acknowledged", "resolved"]
    assert all(e.user == world.agency for e in entries)
    with pytest.raises(ValidationError):
        warnings.warning_acknowledge(user=world.agency, warning=warning)
    # The same finding is not reopened by the next runs.
    summary = warnings.run_early_warning(today=TODAY + dt.timedelta(days=1))
    assert summary["rules"][KPI]["opened"] == 0
    assert len(warnings_of(KPI)) == 1


@pytest.mark.parametrize("persona", ["sme", "official", "partner_a", "consultant"])
def test_only_agency_staff_act_on_warnings(world, watched, persona):
    warnings.run_early_warning(today=TODAY)
    (warning,) = warnings_of(KPI)
    user = getattr(world, persona)
    with pytest.raises(PermissionDenied):
        warnings.warning_acknowledge(user=user, warning=warning)
    with pytest.raises(PermissionDenied):
        warnings.warning_resolve(user=user, warning=warning, note="x")
    warning.refresh_from_db()
    assert warning.status == WarningStatus.OPEN


def test_visibility(world, watched):
    consents.consent_grant(
        user=world.sme, plant=world.plant_a, purpose=Purpose.PARTNER, partner=world.firm_a
    )
    Plant.objects.filter(pk=world.plant_b.pk).update(status="closed")
    warnings.run_early_warning(today=TODAY)
    everything = set(EarlyWarning.objects.values_list("pk", flat=True))
    mine = set(EarlyWarning.objects.filter(plant=world.plant_a).values_list("pk", flat=True))

    def seen(user):
        return set(EarlyWarning.objects.visible_to(user).values_list("pk", flat=True))

    assert seen(world.agency) == seen(world.official) == everything
    assert seen(world.sme) == mine
    assert seen(world.partner_a) == mine  # under the partner consent
    assert seen(world.partner_b) == set()  # plant B gave firm B no consent
    assert seen(world.consultant) == seen(world.outsider) == set()


# --- the run's cost and the tasks ------------------------------------------------------------


def test_the_run_takes_a_fixed_number_of_queries(world, feed, django_assert_max_num_queries):
    for i in range(6):
        plant = Plant.objects.create(
            company=world.plant_a.company, name=f"감시 공장 {i}", region="41", industry="29"
        )
        source, _token = sources.source_create(user=world.sme, plant=plant, name="MES")
        series = sources.series_create(user=world.sme, source=source, kpi="oee")
        consents.consent_grant(user=world.sme, plant=plant, purpose=Purpose.FOLLOW_UP)
        day_rollups(series, step(72, 60, at=120, seed=i))
        silent = dt.datetime.combine(TODAY - dt.timedelta(days=30), dt.time(9), tzinfo=ZONE)
        DataSource.objects.filter(pk=source.pk).update(last_data_at=silent)
    with django_assert_max_num_queries(40):
        summary = warnings.run_early_warning(today=TODAY)
    assert summary["rules"][KPI]["opened"] == 6
    assert summary["rules"][WarningKind.SOURCE_SILENT]["opened"] == 6


def test_the_daily_task_runs_the_rules(world, watched, settings):
    tasks.run_early_warning.delay()
    assert EarlyWarning.objects.filter(kind=KPI).exists()
    assert "datahub-early-warning" in settings.CELERY_BEAT_SCHEDULE
    assert "datahub-warning-digest" in settings.CELERY_BEAT_SCHEDULE


# --- the weekly digest -----------------------------------------------------------------------


@pytest.fixture
def digest_world(world, watched, mailoutbox):
    program = winwin_program(world, [(world.firm_a, 100_000_000)])
    program_services.project_apply(
        user=world.agency, data=project_data(program, world.plant_a, world.firm_a)
    )
    Plant.objects.filter(pk=world.plant_b.pk).update(status="closed")
    for user, email in ((world.agency, "agency@example.org"), (world.sme, "sme@example.org")):
        user.email = email
        user.save()
    other_agency = member(Role.AGENCY_STAFF, AgencyFactory(), "other_agency")
    other_agency.email = "other@example.org"
    other_agency.save()
    warnings.run_early_warning(today=TODAY)
    mail.outbox.clear()
    return world


def test_weekly_digest_goes_to_the_agency_and_the_sme(digest_world, mailoutbox):
    world = digest_world
    sent = tasks.send_warning_digest.delay().get()
    today = timezone.localdate().isoformat()
    assert sent == 2
    by_to = {m.to[0]: m for m in mailoutbox}
    assert set(by_to) == {"agency@example.org", "sme@example.org"}  # not the other agency
    agency_mail, sme_mail = by_to["agency@example.org"], by_to["sme@example.org"]
    with translation.override("ko"):
        korean_subject = gettext("Early warnings: %(n)s open") % {"n": 1}
        korean_heading = gettext("Early warnings as of %(date)s") % {"date": today}
    assert agency_mail.subject == f"{korean_subject} / Early warnings: 1 open"
    body = agency_mail.body
    assert body.startswith(korean_heading)
    assert f"Early warnings as of {today}" in body
    assert world.plant_a.name in body
    assert world.plant_b.name not in body  # closed plant B has no project of this agency
    html, mimetype = agency_mail.alternatives[0]
    assert mimetype == "text/html" and world.plant_a.name in html
    assert world.plant_b.name not in sme_mail.body
    assert f"/datahub/warnings/{EarlyWarning.objects.get(kind=KPI).pk}/" in sme_mail.body


def test_no_mail_without_warnings(world, mailoutbox):
    world.agency.email = "agency@example.org"
    world.agency.save()
    assert warnings.send_weekly_digest(today=TODAY) == 0
    assert mailoutbox == []
