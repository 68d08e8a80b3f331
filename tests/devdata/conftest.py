"""The dev-data tests stand on the registry, assessment and program fixtures.

`seeded`: the demo (`seed_demo`, DEMO_PLANTS of the module or 30 plants) built once per
module inside a transaction rolled back after it, each test in a savepoint of its own (rolled
back after the test). Not pytest-django's `db` per test: its TestCase would end the module's
transaction with the first test. A test using `seeded` must not also ask for `db`."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test.utils import override_settings

from tests.assessments.conftest import assessment, framework  # noqa: F401
from tests.programs.conftest import dataset, project_a, supplier, winwin  # noqa: F401

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo_once(request, django_db_setup, django_db_blocker):
    plants = getattr(request.module, "DEMO_PLANTS", 30)
    with override_settings(PASSWORD_HASHERS=FAST_HASHER), django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("seed_demo", plants=plants, force=True, stdout=io.StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def seeded(demo_once, django_db_blocker):
    with django_db_blocker.unblock():
        savepoint = transaction.savepoint()
        try:
            yield
        finally:
            transaction.savepoint_rollback(savepoint)
