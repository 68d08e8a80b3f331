"""Schema-driven fuzzing of `POST /api/v1/ingest/` with a real source token (the whole-API
fuzz in test_api_schema.py only ever gets 401 there: its personas have no source token).

Three kinds of cases, all answered through the WSGI app and checked against the OpenAPI
schema (no 5xx; documented status, content type and body):
- what schemathesis generates from the schema, valid and invalid (bodies, query, headers);
- JSON records naming the plant's real series, with random times (naive, any offset, out of
  range), values (NaN, infinity, huge, text, booleans) and units, so rows get stored, found
  duplicate or conflicting;
- random CSV text and SensorThings blocks.
"""

import datetime as dt
import math

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup

from datahub.models import Observation
from tests.datahub.conftest import feed  # noqa: F401
from tests.datahub.ingest_client import fresh_partitions  # noqa: F401
from tests.fuzz.test_api_schema import CHECKS, wsgi_app  # noqa: F401

PATH = "/api/v1/ingest/"
FUZZ = settings(
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def operation(feed, wsgi_app, settings):  # noqa: F811
    settings.DATAHUB_TOKEN_RATE = "100000/min"
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)
    return schema[PATH]["POST"]


class Checker:
    def __init__(self, token):
        self.headers = {"Authorization": f"Bearer {token}"}
        self.failures = set()
        self.statuses = {}

    def __call__(self, case):
        response = case.call(headers=self.headers)
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            for failure in group.exceptions:
                self.failures.add(f"{failure.title}: {str(failure)[:300]}")
        except AssertionError as exc:
            self.failures.add(str(exc)[:300])
        return response

    def report(self):
        assert not self.failures, "\n".join(sorted(self.failures))


def times():
    moments = st.datetimes(
        min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)
    ) | st.datetimes(
        min_value=dt.datetime.now() - dt.timedelta(days=500),
        max_value=dt.datetime.now() + dt.timedelta(days=2),
    )
    zones = st.none() | st.integers(-14 * 60, 14 * 60).map(
        lambda m: dt.timezone(dt.timedelta(minutes=m))
    )
    stamped = st.tuples(moments, zones).map(lambda t: t[0].replace(tzinfo=t[1]).isoformat())
    return stamped | st.text(max_size=30) | st.integers() | st.none()


def values():
    return (
        st.floats(allow_nan=True, allow_infinity=True)
        | st.integers(min_value=-(10**400), max_value=10**400)
        | st.text(max_size=20)
        | st.booleans()
        | st.none()
        | st.sampled_from(["NaN", "inf", "-Infinity", "1e309", " 42 ", "0x1A", "5_000"])
    )


def records(keys):
    series = st.sampled_from(keys) | st.text(max_size=20) | st.integers()
    record = st.fixed_dictionaries(
        {"series": series, "ts": times(), "value": values()},
        optional={"unit": st.sampled_from(["%", "h", "", "{unit}"]) | st.integers()},
    )
    # Rows that pass every check, so the write path (duplicates, conflicts) runs too.
    recent = st.integers(1, 24 * 300).map(
        lambda h: (dt.datetime.now(dt.UTC) - dt.timedelta(hours=h)).replace(minute=0).isoformat()
    )
    good = st.fixed_dictionaries(
        {"series": st.sampled_from(keys), "ts": recent, "value": st.floats(0, 100)}
    )
    return st.lists(good | good | record | st.integers() | st.text(), max_size=40)


def plain(data):
    """The HTTP client sends strict JSON: non-finite floats go as text ("nan", "inf"), which
    the endpoint reads as numbers and refuses like the literals (see test_ingest_api)."""
    if isinstance(data, float) and not math.isfinite(data):
        return str(data)
    if isinstance(data, list):
        return [plain(item) for item in data]
    if isinstance(data, dict):
        return {key: plain(value) for key, value in data.items()}
    return data


def test_generated_requests_never_fail_the_server_nor_the_schema(feed, operation):  # noqa: F811
    check = Checker(feed.token)

    @FUZZ
    @given(
        case=operation.as_strategy()
        | operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
    )
    def fuzz(case):
        check(case)

    fuzz()
    check.report()


def test_records_with_real_series_never_fail_and_store_what_they_accept(feed, operation):  # noqa: F811
    check = Checker(feed.token)
    keys = [feed.oee.key, feed.produced.key, feed.series_b.key]
    query = st.fixed_dictionaries(
        {},
        optional={
            "on_conflict": st.sampled_from(["refuse", "replace"]),
            "atomic": st.sampled_from(["true", "false"]),
        },
    )

    @FUZZ
    @given(body=records(keys), query=query)
    def fuzz(body, query):
        before = Observation.objects.count()
        case = operation.Case(
            body=plain(body),
            media_type="application/json",
            query=query,
        )
        response = check(case)
        if response.status_code in (200, 201):
            receipt = response.json()
            assert Observation.objects.count() == before + receipt["accepted"]

    fuzz()
    check.report()
    assert check.statuses.get(201), check.statuses  # some rows were stored


def test_random_csv_and_sensorthings_bodies_never_fail(feed, operation):  # noqa: F811
    check = Checker(feed.token)
    keys = st.sampled_from([feed.oee.key, feed.produced.key, "x", ""])
    cell = st.one_of(values().map(lambda v: "" if v is None else str(v)), times().map(str))
    csv_text = st.one_of(
        st.text(max_size=200),
        st.tuples(
            st.lists(keys, max_size=4), st.lists(st.lists(cell, max_size=5), max_size=10)
        ).map(
            lambda t: "\n".join([",".join(["timestamp", *t[0]])] + [",".join(row) for row in t[1]])
        ),
    )
    block = st.fixed_dictionaries(
        {
            "Datastream": st.fixed_dictionaries({"@iot.id": keys | st.integers()}) | st.integers(),
            "components": st.permutations(["phenomenonTime", "result", "resultTime"])
            | st.lists(st.text(max_size=5), max_size=3),
            "dataArray": st.lists(st.lists(times() | values(), max_size=4), max_size=10),
        }
    )

    @FUZZ
    @given(csv=csv_text, blocks=st.lists(block, max_size=3))
    def fuzz(csv, blocks):
        check(operation.Case(body=csv, media_type="text/csv"))
        body = plain(blocks)
        check(operation.Case(body=body, media_type="application/json"))

    fuzz()
    check.report()
