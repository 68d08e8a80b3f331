"""Follow-up (사후관리) obligations through the public surface: the refresh service and its
hooks, the reads for other parts, the consent period, the API, the pages."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from datahub import followup_rules as rules
from datahub.choices import Granularity, SourceKind
from datahub.models import EarlyWarning, FollowUpPeriod, Series, WarningKind, WarningStatus
from datahub.services import consents, followups, ingest, rollups, sources, warnings
from datahub.templatetags.datahub_warnings import warning_summary
from programs import services as program_services
from programs.choices import FollowUpFrequency
from tests.datahub.ingest_client import fresh_partitions  # noqa: F401 (autouse)
from tests.programs.conftest import complete, project_data, supplier, winwin  # noqa: F401

pytestmark = pytest.mark.django_db


def months_back(day: dt.date, n: int) -> dt.date:
    return rules.add_months(day.replace(day=1), -n)


def at_noon(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


@pytest.fixture
def done(world, winwin, supplier, settings, django_capture_on_commit_callbacks):  # noqa: F811
    """plant_a's win-win project, completed on the 1st nine months ago; the program asks for
    monthly reports for one year (12 periods), due 45 days after each month."""
    settings.DATAHUB_FOLLOW_UP_GRACE_DAYS = 45
    program_services.program_update(
        program=winwin,
        user=world.agency,
        data={"follow_up_years": 1, "follow_up_frequency": FollowUpFrequency.MONTHLY},
    )
    today = timezone.localdate()
    completed_on = months_back(today, 9)
    project = program_services.project_apply(
        user=world.agency,
        data=project_data(
            winwin,
            world.plant_a,
            world.firm_a,
            supplier=supplier,
            applied_on=completed_on - dt.timedelta(days=60),
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        project = complete(world, project, start=completed_on - dt.timedelta(days=28))
    assert project.completed_on == completed_on
    return project


@pytest.fixture
def sender(world):
    """plant_a's spreadsheet source with the raw quantities of throughput and quality rate."""
    source, _ = sources.source_create(user=world.sme, plant=world.plant_a, name="엑셀")
    keys = [
        sources.series_create(user=world.sme, source=source, kpi=code).key
        for code in ("produced_quantity", "actual_production_time", "good_quantity")
    ]
    return source, keys


def send_month(source, keys, month: dt.date):
    rows = [
        {"series": key, "ts": at_noon(month + dt.timedelta(days=3)), "value": 10} for key in keys
    ]
    receipt = ingest.ingest_rows(source=source, rows=rows)
    assert receipt.accepted == len(keys), receipt.as_dict()
    rollups.refresh_dirty()


def by_sequence(project):
    return {p.sequence: p for p in FollowUpPeriod.objects.filter(project=project)}


# --- the service -----------------------------------------------------------------------------


def test_a_completed_project_gets_its_periods_when_it_completes(done, world):
    periods = by_sequence(done)
    assert sorted(periods) == list(range(1, 13))
    first = periods[1]
    assert first.period_start == done.completed_on
    assert first.period_end == rules.add_months(done.completed_on, 1) - dt.timedelta(days=1)
    assert first.due_date == first.period_end + dt.timedelta(days=45)
    assert (first.plant, first.program, first.agency) == (
        world.plant_a,
        done.program,
        world.agency_org,
    )
    assert first.required_kpis == list(rules.DEFAULT_KPIS)  # no indicator recorded


def expected(project, today, grace=45):
    """sequence -> the period's status on `today` without any report (the pure rule)."""
    periods = rules.schedule(project.completed_on, years=1, months=1, grace_days=grace)
    return {p.sequence: rules.status(end=p.end, due=p.due, today=today) for p in periods}


def test_reports_received_late_missing_and_upcoming(
    done, world, sender, django_capture_on_commit_callbacks
):
    source, keys = sender
    today = timezone.localdate()
    want = expected(done, today)
    assert want[1] == want[3] == rules.LATE and want[10] == rules.UPCOMING
    assert want[9] == rules.DUE  # last month, 45 days of grace
    # Month 1 comes in now, long after its due date: received late, stamped by the ingest.
    with django_capture_on_commit_callbacks(execute=True):
        send_month(source, keys, done.completed_on)
    periods = by_sequence(done)
    assert periods[1].status == rules.RECEIVED_LATE
    assert periods[1].received_at >= timezone.now() - dt.timedelta(minutes=5)
    assert {s: p.current_status(today) for s, p in periods.items() if s > 1} == {
        s: v for s, v in want.items() if s > 1
    }
    # Last month's report, sent within its grace: received in time.
    with django_capture_on_commit_callbacks(execute=True):
        send_month(source, keys, rules.add_months(done.completed_on, 8))
    assert by_sequence(done)[9].status == rules.RECEIVED
    # This month's data does not make the running period received before it ends.
    send_month(source, keys, rules.add_months(done.completed_on, 9))
    followups.refresh_followups()
    assert by_sequence(done)[10].status == rules.UPCOMING
    # Nothing left to do: a second run writes nothing.
    assert followups.refresh_followups() == 0
    assert followups.refresh_followups(plant_ids=[world.plant_a.pk]) == 0


def test_data_there_before_the_hub_first_looked_counts_as_in_time(done, world, sender):
    source, keys = sender
    FollowUpPeriod.objects.all().delete()  # as before the first run
    for n in (0, 1):
        send_month(source, keys, rules.add_months(done.completed_on, n))
    assert followups.refresh_followups(plant_ids=[world.plant_a.pk]) > 0
    periods = by_sequence(done)
    assert periods[1].status == periods[2].status == rules.RECEIVED
    assert periods[1].received_at == periods[1].ends_at
    assert periods[3].status == rules.LATE


def test_half_the_inputs_is_no_report(done, world, sender):
    source, keys = sender
    send_month(source, keys[:1], done.completed_on)  # produced quantity only
    followups.refresh_followups()
    assert by_sequence(done)[1].status == rules.LATE


def test_the_kpis_asked_follow_the_projects_indicators(
    done, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        program_services.kpi_record(
            project=done, indicator="on_time_delivery", user=world.agency, data={"baseline": 80}
        )
    assert by_sequence(done)[1].required_kpis == ["on_time_delivery"]


def test_new_program_terms_move_the_periods(done, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        program_services.program_update(
            program=done.program,
            user=world.agency,
            data={"follow_up_years": 2, "follow_up_frequency": FollowUpFrequency.HALF_YEARLY},
        )
    periods = by_sequence(done)
    assert sorted(periods) == [1, 2, 3, 4]
    assert periods[4].period_end == rules.follow_up_end(done.completed_on, 2)


def test_overdue_periods_and_compliance(done, world, sender):
    source, keys = sender
    today = timezone.localdate()
    followups.refresh_followups()
    late = followups.overdue_periods(today)
    late_ones = {s for s, v in expected(done, today).items() if v == rules.LATE}
    assert set(late.values_list("sequence", flat=True)) == late_ones
    assert followups.follow_up_compliance([done], today) == (0, 1)
    for n in range(max(late_ones)):
        send_month(source, keys, rules.add_months(done.completed_on, n))
    followups.refresh_followups()
    assert not followups.overdue_periods(today).exists()
    assert followups.follow_up_compliance(type(done).objects.all(), today) == (1, 1)
    # Before the first due date nothing is due yet: the project is not counted.
    assert followups.follow_up_compliance([done], done.completed_on) == (0, 0)


def test_the_follow_up_consent_period_is_the_programs(done, world):
    assert consents.follow_up_until(world.plant_a) == rules.follow_up_end(done.completed_on, 1)
    assert consents.follow_up_until(world.plant_b) is None


# --- API -------------------------------------------------------------------------------------


def api(client_for, user, query=""):
    return client_for(user).get("/api/v1/followups/" + query)


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_api_who_sees_which_periods(done, world, client_for):
    mine = set(FollowUpPeriod.objects.values_list("pk", flat=True))
    assert len(mine) == 12
    for user in (world.agency, world.official, world.sme, world.partner_a):
        assert ids(api(client_for, user, "?page_size=100")) == mine
    for user in (world.partner_b, world.consultant, world.outsider):
        assert ids(api(client_for, user)) == set()
    assert api(client_for, None).status_code == 401
    one = FollowUpPeriod.objects.get(project=done, sequence=1)
    assert client_for(world.partner_b).get(f"/api/v1/followups/{one.pk}/").status_code == 404
    body = client_for(world.sme).get(f"/api/v1/followups/{one.pk}/").json()
    assert body["status"] == "late" and body["plant"] == world.plant_a.pk
    assert body["days_overdue"] == (timezone.localdate() - one.due_date).days


def test_api_filters(done, world, client_for):
    today = timezone.localdate()
    late = ids(api(client_for, world.agency, "?status=late&page_size=100"))
    assert late == set(followups.overdue_periods(today).values_list("pk", flat=True))
    both = ids(api(client_for, world.agency, "?status=late&status=due&page_size=100"))
    due = [s for s, v in expected(done, today).items() if v == rules.DUE]
    assert len(both) == len(late) + len(due)
    first = FollowUpPeriod.objects.get(project=done, sequence=1)
    query = f"?due_before={first.due_date}&program={done.program_id}&plant={world.plant_a.pk}"
    assert ids(api(client_for, world.agency, query)) == {first.pk}
    assert api(client_for, world.agency, "?status=never").status_code == 400
    # A plant the caller cannot see reads like a missing one.
    assert api(client_for, world.partner_b, f"?plant={world.plant_a.pk}").status_code == 400


def test_api_query_count(done, world, client_for, django_assert_max_num_queries):
    client = client_for(world.agency)
    client.get("/api/v1/followups/")
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/followups/?page_size=100")
    assert response.json()["count"] == 12


# --- pages -----------------------------------------------------------------------------------


def test_sme_home_shows_what_is_due_with_links(done, world, browse):
    page = browse(world.sme).get(reverse("datahub:home"))
    html = page.content.decode()
    assert "Follow-up reports" in html
    assert reverse("datahub:monthly", args=[world.plant_a.pk]) in html
    assert reverse("datahub:followups_plant", args=[world.plant_a.pk]) in html
    assert "Late" in html and "Due" in html
    assert "Throughput" in html  # what to send, by name


def test_sme_home_query_count(done, world, browse, django_assert_max_num_queries):
    client = browse(world.sme)
    client.get(reverse("datahub:home"))
    with django_assert_max_num_queries(14):
        assert client.get(reverse("datahub:home")).status_code == 200


def test_plant_page_lists_every_period(done, world, browse):
    url = reverse("datahub:followups_plant", args=[world.plant_a.pk])
    page = browse(world.sme).get(url)
    assert page.status_code == 200
    assert sum(len(e["periods"]) for e in page.context["projects"]) == 12
    assert page.context["can_send"]
    agency = browse(world.agency).get(url)
    assert agency.status_code == 200 and not agency.context["can_send"]
    assert browse(world.partner_b).get(url).status_code == 404
    assert browse(world.consultant).get(url).status_code == 404  # plant not assigned


def test_agency_queue_most_overdue_first_with_filters(done, world, browse):
    client = browse(world.agency)
    page = client.get(reverse("datahub:followups"))
    assert page.status_code == 200
    rows = page.context["rows"]
    late = sum(v == rules.LATE for v in expected(done, timezone.localdate()).values())
    assert [r["project"] for r in rows] == [done]
    assert rows[0]["periods"] == late
    assert page.context["totals"] == {"periods": late, "plants": 1}
    other = client.get(reverse("datahub:followups") + f"?region=xx&agency={world.agency_org.pk}")
    assert other.status_code == 200 and other.context["rows"] == []
    due = client.get(reverse("datahub:followups") + "?status=due")
    due_ones = sum(v == rules.DUE for v in expected(done, timezone.localdate()).values())
    assert due.context["totals"]["periods"] == due_ones
    assert browse(world.official).get(reverse("datahub:followups")).status_code == 200
    for user in (world.sme, world.partner_a, world.consultant):
        assert browse(user).get(reverse("datahub:followups")).status_code == 403


def test_agency_queue_query_count(done, world, browse, django_assert_max_num_queries):
    client = browse(world.agency)
    client.get(reverse("datahub:followups"))
    with django_assert_max_num_queries(16):
        assert client.get(reverse("datahub:followups")).status_code == 200


def test_program_page_and_form_carry_the_terms(done, world, browse):
    page = browse(world.agency).get(reverse("programs:program_detail", args=[done.program_id]))
    assert "Monthly reports for 1 year after completion" in page.content.decode()
    body = browse(world.agency).get(f"/api/v1/programs/{done.program_id}/").json()
    assert (body["follow_up_years"], body["follow_up_frequency"]) == (1, "monthly")


def test_plant_page_query_count(done, world, browse, django_assert_max_num_queries):
    client = browse(world.sme)
    url = reverse("datahub:followups_plant", args=[world.plant_a.pk])
    client.get(url)
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


def test_the_daily_task_is_scheduled_and_refreshes(done, world, settings):
    from datahub import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["datahub-refresh-followups"]
    assert entry["task"] == "datahub.tasks.refresh_followups"
    FollowUpPeriod.objects.all().delete()
    tasks.refresh_followups.delay()
    assert FollowUpPeriod.objects.filter(project=done).count() == 12


def test_program_form_sets_and_keeps_the_terms(done, world, browse):
    program = done.program
    url = reverse("programs:program_update", args=[program.pk])
    form = browse(world.agency).get(url).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data.update(follow_up_years="5", follow_up_frequency="yearly")
    assert browse(world.agency).post(url, data).status_code == 302
    program.refresh_from_db()
    assert (program.follow_up_years, program.follow_up_frequency) == (5, "yearly")
    data.pop("follow_up_years"), data.pop("follow_up_frequency")
    data["name_en"] = "Renamed"
    assert browse(world.agency).post(url, data).status_code == 302
    program.refresh_from_db()
    assert (program.follow_up_years, program.follow_up_frequency) == (5, "yearly")


# --- the early warning of overdue reports ----------------------------------------------------


def test_overdue_reports_raise_one_warning_a_project_resolved_when_sent(
    done, world, sender, django_capture_on_commit_callbacks
):
    source, keys = sender
    today = timezone.localdate()
    late = sorted(s for s, v in expected(done, today).items() if v == rules.LATE)
    warnings.run_early_warning(today=today, kinds=[WarningKind.FOLLOW_UP_OVERDUE])
    warning = EarlyWarning.objects.get(kind=WarningKind.FOLLOW_UP_OVERDUE)
    assert (warning.plant, warning.key, warning.status) == (
        world.plant_a,
        str(done.pk),
        WarningStatus.OPEN,
    )
    oldest = by_sequence(done)[late[0]]
    assert warning.since == oldest.due_date
    assert warning.detail["overdue"] == len(late)
    assert warning.detail["oldest_due"] == oldest.due_date.isoformat()
    # the queue's one-line summary names the program in the reader's language
    with translation.override("en"):
        assert "of 2025 win-win smart factory support overdue" in warning_summary(warning)
    with translation.override("ko"):
        assert "2025 상생형 스마트공장 구축지원" in warning_summary(warning)
    # The plant sends every overdue month: the next run resolves the warning by itself.
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(max(late)):
            send_month(source, keys, rules.add_months(done.completed_on, n))
    followups.refresh_followups()
    warnings.run_early_warning(today=today, kinds=[WarningKind.FOLLOW_UP_OVERDUE])
    warning.refresh_from_db()
    assert warning.status == WarningStatus.RESOLVED and warning.resolved_automatically


# --- the monthly form offers the series the follow-up asks for ------------------------------


def test_monthly_form_offers_the_series_the_follow_up_asks_for(done, world, browse):
    asked = set(FollowUpPeriod.objects.filter(project=done).first().required_kpis)
    assert set(followups.kpis_without_series(world.plant_a)) == asked
    client = browse(world.sme)
    monthly = reverse("datahub:monthly", args=[world.plant_a.pk])
    page = client.get(monthly).content.decode()
    assert "Your follow-up reports ask for more" in page
    add = reverse("datahub:follow_up_series_add", args=[world.plant_a.pk])
    assert f'action="{add}"' in page

    response = client.post(add, follow=True)
    assert response.redirect_chain[-1][0] == monthly
    added = Series.objects.filter(plant=world.plant_a)
    assert {s.kpi.code for s in added} == asked
    assert {s.granularity for s in added} == {Granularity.MONTH}
    [source] = {s.source for s in added}
    assert source.kind == SourceKind.SPREADSHEET and not source.tokens.exists()
    page = response.content.decode()
    assert "Your follow-up reports ask for more" not in page
    assert all(f'name="s_{s.key}"' in page for s in added)  # the form now asks for them
    # nothing left to add: a second press adds nothing and says so
    again = client.post(add, follow=True)
    assert Series.objects.filter(plant=world.plant_a).count() == len(asked)
    assert "already cover" in again.content.decode()


def test_a_series_or_its_inputs_cover_what_is_asked(done, world, sender):
    # the sender's raw quantities are the inputs of the throughput and quality KPIs
    asked = set(FollowUpPeriod.objects.filter(project=done).first().required_kpis)
    left = set(followups.kpis_without_series(world.plant_a))
    inputs = followups.catalogue_inputs()
    covered = {
        code
        for code in asked
        if set(inputs.get(code, ()))
        <= {"produced_quantity", "actual_production_time", "good_quantity"}
        and inputs.get(code)
    }
    assert covered and left == asked - covered


@pytest.mark.parametrize(
    ("persona", "status"),
    # those who see the plant are refused (403), the others do not learn it exists (404)
    [
        ("agency", 403),
        ("partner_a", 403),
        ("official", 403),
        ("consultant", 404),
        ("outsider", 404),
    ],
)
def test_only_the_plants_members_add_series(done, world, client_for, persona, status):
    add = reverse("datahub:follow_up_series_add", args=[world.plant_a.pk])
    assert client_for(getattr(world, persona)).post(add).status_code == status
    assert not Series.objects.filter(plant=world.plant_a).exists()
