"""The read-replica rules (hub/replica.py, hub/db_router.py), without a real replica: a
"replica" alias is added for the test, pointing at the test database itself (as settings do
with TEST MIRROR) or at a server that is not there. The real streaming replica is in
tests/production/test_replica.py."""

import copy
import datetime
import time

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connections, router
from django.test import RequestFactory

from datahub.models import Consent, Observation
from hub import replica
from hub.models import Membership, Plant
from tests.factories import PlantFactory

# A replica configured for the whole run (DATABASE_REPLICA_URL): kept aside while a test puts
# its own alias in place, then restored.
CONFIGURED = connections.settings.get(replica.ALIAS)


def _add_alias(settings_dict):
    if replica.ALIAS in connections.settings:
        connections[replica.ALIAS].close()
        del connections[replica.ALIAS]
    connections.settings[replica.ALIAS] = settings_dict
    replica.mark_up()


def _remove_alias():
    if replica.ALIAS in connections.settings:
        connections[replica.ALIAS].close()
        del connections[replica.ALIAS]
        del connections.settings[replica.ALIAS]
    if CONFIGURED is not None:
        connections.settings[replica.ALIAS] = CONFIGURED
    replica.mark_up()


def _mirror() -> dict:
    """The test database under a second alias, as DATABASES["replica"] with TEST MIRROR."""
    mirror = copy.deepcopy(connections["default"].settings_dict)
    mirror["TEST"] = {**mirror["TEST"], "MIRROR": "default"}
    mirror["CONN_HEALTH_CHECKS"] = True
    return mirror


def _unreachable() -> dict:
    """A replica that is down: nothing listens on port 1; SQLite cannot open a file in a
    folder that does not exist."""
    down = _mirror()
    if down["ENGINE"].endswith("sqlite3"):
        down["NAME"] = "/nonexistent-folder/replica.sqlite3"
        down["OPTIONS"] = {}
    else:
        down.update(HOST="127.0.0.1", PORT="1")
        down["OPTIONS"] = {**down.get("OPTIONS", {}), "connect_timeout": 1}
    return down


@pytest.fixture
def with_replica(django_db_blocker):
    _add_alias(_mirror())
    with django_db_blocker.unblock():
        yield
    _remove_alias()


@pytest.fixture
def replica_up(monkeypatch):
    """The alias exists and counts as answering (rules that need no connection)."""
    _add_alias(_mirror())
    monkeypatch.setattr(replica, "available", lambda: True)
    yield
    _remove_alias()


@pytest.fixture
def replica_down(django_db_blocker):
    """Outside a test transaction (the router would not try the replica inside one), and
    allowed to connect: the connection is refused."""
    _add_alias(_unreachable())
    with django_db_blocker.unblock():
        yield
    _remove_alias()


# --- without a replica: as before ----------------------------------------------------------


without_replica = pytest.mark.skipif(CONFIGURED is not None, reason="a replica is configured")


@without_replica
def test_without_a_replica_the_router_leaves_every_choice_to_django():
    assert not replica.configured()
    with replica.replica_reads():
        assert router.db_for_read(Observation) == "default"
    assert router.db_for_write(Observation) == "default"


@without_replica
def test_without_a_replica_a_write_sets_no_cookie(db, client_for):
    user = get_user_model().objects.create_user("writer", password="a-long-password-1")
    response = client_for(user).post("/i18n/setlang/", {"language": "en"})
    assert replica.COOKIE not in response.cookies


# --- the rules (no database needed beyond connecting) --------------------------------------


def test_replica_reads_go_to_the_replica_and_everything_else_to_the_primary(replica_up):
    assert router.db_for_read(Plant) == "default"  # an ordinary read
    with replica.replica_reads():
        assert router.db_for_read(Plant) == "replica"
        assert router.db_for_read(Observation) == "replica"
        assert router.db_for_write(Observation) == "default"
    assert router.db_for_write(Plant) == "default"


def test_identity_and_consent_are_always_read_from_the_primary(replica_up):
    with replica.replica_reads():
        for model in (Consent, Membership, get_user_model()):
            assert router.db_for_read(model) == "default", model


def test_a_read_inside_a_transaction_on_the_primary_reads_the_primary(replica_up, monkeypatch):
    # (The test database wraps every `db` test in a transaction: the flag is set by hand.)
    with replica.replica_reads():
        monkeypatch.setattr(connections["default"], "in_atomic_block", True)
        assert router.db_for_read(Plant) == "default"
        monkeypatch.setattr(connections["default"], "in_atomic_block", False)
        assert router.db_for_read(Plant) == "replica"


def test_pinned_reads_go_to_the_primary(replica_up):
    with replica.replica_reads(), replica.primary_reads():
        assert router.db_for_read(Plant) == "default"


@pytest.mark.django_db(transaction=True)
def test_rows_read_from_the_replica_are_saved_on_the_primary(with_replica):
    plant = PlantFactory()
    with replica.replica_reads():
        read = Plant.objects.get(pk=plant.pk)
    assert read._state.db == "replica"
    read.name = "고친 이름"
    read.save()
    assert read._state.db == "default"
    assert Plant.objects.using("default").get(pk=plant.pk).name == "고친 이름"
    assert router.allow_relation(read, plant)


def test_nothing_is_ever_migrated_on_the_replica():
    assert router.allow_migrate("replica", "datahub") is False
    assert router.allow_migrate("default", "datahub") is True


def test_a_replica_that_does_not_answer_falls_back_to_the_primary(replica_down, settings):
    settings.DATABASE_REPLICA_RETRY_SECONDS = 30
    started = time.monotonic()
    with replica.replica_reads():
        assert router.db_for_read(Plant) == "default"
        # Marked down: not tried again until the retry time passes.
        assert replica.is_marked_down()
        assert router.db_for_read(Plant) == "default"
    assert time.monotonic() - started < 3


def test_healthz_says_degraded_when_the_replica_is_down(client, replica_down, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"] == {"database": "ok", "broker": "not configured"}
    assert body["replica"]["state"] == "down"


def test_healthz_reports_a_replica_that_answers(client, with_replica, settings):
    settings.REDIS_URL = ""
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["replica"]["state"] == "ok"


# --- read-your-writes ----------------------------------------------------------------------


def _seen_by_view(request):
    """What the router decides inside a replica entry point for this request."""
    seen = {}

    @replica.reads_from_replica
    def view(request):
        seen["alias"] = router.db_for_read(Plant)
        from django.http import HttpResponse

        return HttpResponse("ok")

    response = replica.ReadYourWritesMiddleware(view)(request)
    return seen["alias"], response


def test_a_write_reads_the_primary_and_pins_the_browser_for_a_while(replica_up, settings):
    settings.DATABASE_REPLICA_STICKY_SECONDS = 10
    factory = RequestFactory()
    alias, response = _seen_by_view(factory.get("/"))
    assert alias == "replica"
    assert replica.COOKIE not in response.cookies

    alias, response = _seen_by_view(factory.post("/"))
    assert alias == "default"
    cookie = response.cookies[replica.COOKIE]
    assert cookie["max-age"] == 10 and cookie["httponly"]

    after = factory.get("/")
    after.COOKIES[replica.COOKIE] = cookie.value
    assert _seen_by_view(after)[0] == "default"

    forged = factory.get("/")
    forged.COOKIES[replica.COOKIE] = "1"
    assert _seen_by_view(forged)[0] == "replica"


def test_the_pin_ends_after_the_sticky_seconds(replica_up, settings):
    settings.DATABASE_REPLICA_STICKY_SECONDS = 10
    factory = RequestFactory()
    now = datetime.datetime.now(datetime.UTC)
    with time_machine.travel(now, tick=False):
        cookie = _seen_by_view(factory.post("/"))[1].cookies[replica.COOKIE]
    later = factory.get("/")
    later.COOKIES[replica.COOKIE] = cookie.value
    with time_machine.travel(now + datetime.timedelta(seconds=9), tick=False):
        assert _seen_by_view(later)[0] == "default"
    with time_machine.travel(now + datetime.timedelta(seconds=11), tick=False):
        assert _seen_by_view(later)[0] == "replica"


# --- the entry points ---------------------------------------------------------------------


def test_the_dashboards_reports_benchmarks_and_dataset_builds_read_from_the_replica():
    from datahub import tasks as datahub_tasks
    from datahub.api import benchmarks as api_benchmarks
    from datahub.api import dashboard as api_dashboard
    from datahub.views import benchmarks, dashboard
    from progress import tasks as progress_tasks
    from progress.api import progress as progress_api
    from progress.views import dashboard as progress_dashboard

    views = [
        dashboard.PlantDashboardView,
        api_dashboard.PlantDashboardView,
        benchmarks.PlantBenchmarksView,
        benchmarks.PeerTableView,
        api_benchmarks.PlantBenchmarksView,
        progress_dashboard.ProgressDashboardView,
        progress_api.ProgressViewSet,
    ]
    for view in views:
        assert getattr(view.dispatch, "reads_from_replica", False), view
    for task in (datahub_tasks.build_research_dataset, progress_tasks.build_progress_report):
        assert getattr(task.run, "reads_from_replica", False), task


def test_a_dashboard_request_reads_inside_the_replica_context(world, client_for, monkeypatch):
    """Through HTTP: the plant dashboard's reads ask the router inside the replica context
    (without a replica the answer is still the primary)."""
    contexts = []
    original = replica.alias_for_read

    def spy(model=None):
        contexts.append(replica._wanted.get())
        return original(model)

    monkeypatch.setattr(replica, "alias_for_read", spy)
    response = client_for(world.sme).get(f"/datahub/plants/{world.plant_a.pk}/dashboard/")
    assert response.status_code == 200
    assert any(contexts)
    contexts.clear()
    client_for(world.sme).get("/")
    assert not any(contexts)
