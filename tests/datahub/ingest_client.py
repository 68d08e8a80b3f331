"""Helpers of the ingest tests: send a body with a source token, times relative to now."""

import datetime as dt
import json

import pytest
from django.conf import settings
from django.utils import timezone, translation
from rest_framework.test import APIClient

from datahub import partitions

URL = "/api/v1/ingest/"


@pytest.fixture(autouse=True)
def fresh_partitions():
    # Each test's transaction is rolled back, partitions it created with it.
    partitions.forget()
    yield
    partitions.forget()


def hours_ago(n: float) -> dt.datetime:
    base = timezone.now().astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    return base - dt.timedelta(hours=n)


def iso(moment: dt.datetime) -> str:
    return moment.isoformat()


def send(token, body, *, content_type="application/json", query="", headers=None):
    client = APIClient()
    # Reasons and messages are asserted in English (the program's default language is Korean).
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    for name, value in (headers or {}).items():
        extra["HTTP_" + name.upper().replace("-", "_")] = value
    return client.post(
        URL + (f"?{query}" if query else ""), data, content_type=content_type, **extra
    )


@pytest.fixture
def english():
    with translation.override("en"):
        yield
