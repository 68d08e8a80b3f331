"""Named personas shared by every test: each has exactly the access DESIGN.md §4 gives.

- ``agency``: agency staff (reads and edits the whole registry)
- ``consultant``: a consultant (sees only plants assigned to them; none yet)
- ``partner_a`` / ``partner_b``: members of two partner firms, each mentoring one plant
- ``official``: ministry official (reads everything, changes nothing)
- ``sme``: a member of plant A's company (sees that company's plants and their data)
- ``outsider``: a logged-in user with no membership (sees nothing)
- ``admin_user``: superuser
"""

from types import SimpleNamespace

import pytest
from django.test import Client

from tests.factories import (
    AgencyFactory,
    ConsultancyFactory,
    MentorshipFactory,
    MinistryFactory,
    PartnerFactory,
    PlantFactory,
    Role,
    UserFactory,
    member,
)


def _empties_the_database(item) -> bool:
    """pytest-django's rule for a test it runs after the others: transactional tests flush
    the database when they end, rows of data migrations (KPI catalogue, cost-share rules,
    targets) included."""
    marker = item.get_closest_marker("django_db")
    if marker is not None and (
        marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")
    ):
        return True
    fixtures = getattr(item, "fixturenames", ())
    return "transactional_db" in fixtures or "live_server" in fixtures


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """The demo tests seeded once per module (tests/devdata/conftest.py `seeded`) use the
    database without pytest-django's `db`, so its ordering would put them after the tests that
    empty the database. They run with the other database tests, before those."""
    seeded = [item for item in items if "demo_once" in getattr(item, "fixturenames", ())]
    if not seeded:
        return
    others = [item for item in items if "demo_once" not in getattr(item, "fixturenames", ())]
    first = next((n for n, item in enumerate(others) if _empties_the_database(item)), len(others))
    items[:] = others[:first] + seeded + others[first:]


@pytest.fixture
def world(db):
    """Two partner firms, each mentoring one plant, and a plant nobody mentors."""
    agency_org = AgencyFactory(name="스마트제조혁신추진단", name_en="Smart Manufacturing Office")
    firm_a = PartnerFactory(name="대한전자", name_en="Daehan Electronics")
    firm_b = PartnerFactory(name="민국자동차", name_en="Minguk Motors")
    plant_a = PlantFactory(name="A사 멘토링 공장")
    plant_b = PlantFactory(name="B사 멘토링 공장")
    plant_free = PlantFactory(name="멘토 없는 공장")
    mentorship_a = MentorshipFactory(partner=firm_a, plant=plant_a)
    mentorship_b = MentorshipFactory(partner=firm_b, plant=plant_b)
    return SimpleNamespace(
        agency_org=agency_org,
        firm_a=firm_a,
        firm_b=firm_b,
        plant_a=plant_a,
        plant_b=plant_b,
        plant_free=plant_free,
        mentorship_a=mentorship_a,
        mentorship_b=mentorship_b,
        agency=member(Role.AGENCY_STAFF, agency_org, "agency"),
        consultant=member(Role.CONSULTANT, ConsultancyFactory(), "consultant"),
        partner_a=member(Role.PARTNER_MEMBER, firm_a, "partner_a"),
        partner_b=member(Role.PARTNER_MEMBER, firm_b, "partner_b"),
        official=member(Role.OFFICIAL, MinistryFactory(), "official"),
        sme=member(Role.SME_MEMBER, plant_a.company, "sme"),
        outsider=UserFactory(username="outsider"),
        admin_user=UserFactory(username="root", is_superuser=True, is_staff=True),
    )


@pytest.fixture
def client_for(client):
    """client_for(user) -> a Django test client logged in as that user (None: anonymous)."""

    def make(user):
        c = Client()
        if user is not None:
            c.force_login(user)
        return c

    return make


@pytest.fixture
def browse(client_for):
    """browse(user) -> a logged-in client that asks for English pages."""
    from django.conf import settings

    def make(user):
        client = client_for(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


@pytest.fixture(autouse=True, scope="session")
def _own_cache_and_media(tmp_path_factory):
    """Each test process (the suite runs in several) has its own cache and media folder.

    With Redis, `cache.clear()` empties the whole Redis database, so each process takes its
    own database number (`…/0` for the first, `…/1` for the next, …); files written by code
    under test go to a temporary folder, never into the working tree.
    """
    import os
    from urllib.parse import urlsplit

    from django.conf import settings
    from django.test.utils import override_settings

    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    number = int(worker.removeprefix("gw") or 0)
    caches = {alias: dict(config) for alias, config in settings.CACHES.items()}
    default = caches["default"]
    if default["BACKEND"].endswith("RedisCache"):
        default["LOCATION"] = urlsplit(default["LOCATION"])._replace(path=f"/{number}").geturl()
    with override_settings(CACHES=caches, MEDIA_ROOT=str(tmp_path_factory.mktemp("media"))):
        yield


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the hub's default language, whatever the test before it (in the
    same process) left active: a test of English wording says so (`browse`, or
    `translation.override("en")`)."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (cached progress figures of an earlier test's
    rolled-back data must not answer this one's requests)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _two_step_sign_in_off(settings):
    # The suite signs users in with force_login; two-step sign-in (on by default whenever
    # DEBUG is off) is tested on its own in tests/hub/test_mfa.py and on the production path.
    settings.MFA_REQUIRED = False


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hashing with PBKDF2 dominates persona set-up; tests do not measure password strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True, scope="session")
def _celery_runs_tasks_in_process():
    """Tasks run in the test's own process even when REDIS_URL points at a real broker, so a
    test sees the task's effect when it returns. The production path (a real worker on Redis)
    is exercised by its own pytest invocation, never mixed with eager tests."""
    from hub.celery import app

    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


@pytest.fixture(autouse=True)
def _reports_build_in_the_test(settings):
    """A requested PDF report is built by the eager task itself, not in a background thread
    (tests/progress/test_report_background.py turns the thread on where it tests it)."""
    settings.REPORT_BUILD_IN_BACKGROUND = False


@pytest.fixture(autouse=True)
def _fresh_partitions():
    """The observation partitions a test creates on PostgreSQL go with its rolled-back
    transaction: the process forgets which months it has seen, before and after each test."""
    from datahub import partitions

    partitions.forget()
    yield
    partitions.forget()
