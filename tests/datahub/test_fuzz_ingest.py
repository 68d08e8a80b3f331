"""Hostile clients of `POST /api/v1/ingest/` (docs/datahub/faults.md): never a server error,
every answer as the OpenAPI schema documents it, and nothing partly stored.

- 2,000 requests schemathesis generates from the schema (/api/schema/, drf-spectacular),
  valid and invalid: bodies, media types, query strings, headers;
- hostile bodies built with hypothesis: wrong types, huge numbers, NaN and Infinity (as JSON
  literals too), dates out of range, duplicate rows, deep nesting, bad UTF-8, wrong or
  missing content types, sent as raw bytes;
- a body of 5 MB (accepted or refused whole) and one over the size limit.

After every request the observations are counted: a refused request (4xx) stored nothing, an
answered one stored exactly what its receipt says it accepted, and one with ``atomic=true``
stored either every valid row or none (``rejected`` non-empty ⇒ nothing stored)."""

import datetime as dt
import json
import time

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from datahub.models import IngestRequest, Observation
from tests.datahub.conftest import feed  # noqa: F401
from tests.datahub.ingest_client import URL, fresh_partitions, hours_ago  # noqa: F401
from tests.fuzz.test_api_schema import wsgi_app  # noqa: F401
from tests.fuzz.test_ingest_schema import Checker

pytestmark = pytest.mark.django_db

# With the 400 hostile bodies and the 120 hostile uploads below, 1,500 schema cases make 2,020
# fuzzed requests on the embedded SQLite (about 90 s here, a case being a request and its
# checks); PostgreSQL runs 200 of the same schema cases (CI runs the suite on both engines).
SCHEMA_CASES = 1_500 if connection.vendor == "sqlite" else 200
HOSTILE_CASES = 400
DOCUMENTED = {200, 201, 400, 401, 413, 415, 422, 429}


def fuzz_settings(examples):
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


class Ledger:
    """Counts the observations around each request and checks nothing was partly stored."""

    def __init__(self):
        self.cases, self.statuses, self.atomic_refusals = 0, {}, 0

    def check(self, response, *, atomic: bool, before: int):
        self.cases += 1
        status = response.status_code
        self.statuses[status] = self.statuses.get(status, 0) + 1
        after = Observation.objects.count()
        assert status in DOCUMENTED, (status, response.content[:300])
        if status >= 400:
            assert after == before, (status, response.content[:300])
            return
        receipt = response.json()
        if response.headers.get("Idempotent-Replayed") == "true":
            assert after == before
            return
        assert after == before + receipt["accepted"], receipt
        if atomic and receipt["rejected"]:
            assert after == before and not receipt["stored"], receipt
            self.atomic_refusals += 1


@pytest.fixture
def unthrottled(settings):
    settings.DATAHUB_TOKEN_RATE = "1000000/min"


@pytest.fixture
def operation(feed, wsgi_app, unthrottled):  # noqa: F811
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)
    return schema[URL]["POST"]


def test_schema_generated_requests(feed, operation, record_property):  # noqa: F811
    """schemathesis' cases, positive and negative: no 5xx, documented status, content type
    and body (the checks of tests/fuzz), and the observation count moves only as receipts say."""
    check, ledger = Checker(feed.token), Ledger()

    @fuzz_settings(SCHEMA_CASES)
    @given(
        case=operation.as_strategy()
        | operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
    )
    def fuzz(case):
        before = Observation.objects.count()
        response = check(case)
        atomic = str((case.query or {}).get("atomic", "")).strip().lower() in ("true", "1", "yes")
        ledger.check(response, atomic=atomic, before=before)

    started = time.monotonic()
    fuzz()
    elapsed = time.monotonic() - started
    check.report()
    record_property("cases", ledger.cases)
    record_property("seconds", round(elapsed, 1))
    print(
        f"schema fuzz: {ledger.cases} cases in {elapsed:.1f} s, statuses {ledger.statuses}, "
        f"{ledger.atomic_refusals} atomic requests refused whole"
    )
    assert ledger.cases >= SCHEMA_CASES * 0.95


# --- hostile bodies as raw bytes -------------------------------------------------------------


def hostile_time():
    recent = st.integers(1, 24 * 30).map(lambda h: hours_ago(h).isoformat())
    odd = st.sampled_from(
        [
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59+14:00",
            "10000-01-01T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "1970-01-01T00:00:00-25:00",
            "-2026-01-01T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:00:00.9999999999Z",
            "1e400",
            "",
            " ",
            "now",
        ]
    )
    return recent | recent | odd | st.integers() | st.floats() | st.none() | st.text(max_size=12)


def hostile_value():
    return st.one_of(
        st.floats(0, 100),
        st.floats(allow_nan=False, allow_infinity=False),
        st.integers(-(10**30), 10**30),
        st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "-0", "0x10", "١٢"]),
        st.text(max_size=10),
        st.booleans(),
        st.none(),
        st.lists(st.integers(), max_size=2),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    )


def hostile_rows(keys):
    key = st.sampled_from(keys) | st.integers() | st.text(max_size=8) | st.none()
    row = st.fixed_dictionaries(
        {"series": key, "ts": hostile_time(), "value": hostile_value()},
        optional={"unit": st.text(max_size=4) | st.integers(), "extra": st.integers()},
    )
    good = st.fixed_dictionaries(
        {
            "series": st.sampled_from(keys[:2]),
            "ts": st.integers(1, 24 * 30).map(lambda h: hours_ago(h).isoformat()),
            "value": st.floats(0, 100),
        }
    )
    # Duplicate rows: the same row twice, or the same series and time with another value.
    twice = good.map(lambda r: [r, r]) | good.map(lambda r: [r, {**r, "value": r["value"] + 1}])
    one = good.map(lambda r: [r])
    parts = st.lists(one | one | one | row.map(lambda r: [r]) | twice, max_size=12)
    return parts.map(lambda blocks: [r for block in blocks for r in block])


NAN_LITERALS = (b"NaN", b"Infinity", b"-Infinity", b"1e999", b"-1e999")


def encode(rows, literal) -> bytes:
    """JSON of `rows`, non-finite floats written as JSON's forbidden literals."""
    text = json.dumps(rows, allow_nan=True, default=str)
    if literal is not None:
        text = text.replace('"NaN"', literal.decode())
    return text.encode()


def nested(depth) -> bytes:
    return b"[" * depth + b"]" * depth


def bodies(keys):
    rows = hostile_rows(keys)
    json_body = st.tuples(rows, st.sampled_from((None, *NAN_LITERALS))).map(lambda t: encode(*t))
    shapes = st.sampled_from(
        [
            b"",
            b"null",
            b"{}",
            b"[]",
            b'"rows"',
            b"42",
            b'{"dataArray": 5}',
            b'[{"series": "oee"}]',
            b'{"Datastream": {}, "components": [], "dataArray": [[]]}',
            b"[" * 20 + b"]" * 19,
            b'[{"series": "oee", "ts": "2026-01-01T00:00:00Z", "value": 1e400}]',
            b'[{"series": "oee", "ts": "2026-01-01T00:00:00Z", "value": NaN}]',
            b"\xef\xbb\xbf[]",
            b"\xff\xfe[\x00]\x00",
        ]
    )
    deep = st.integers(100, 100_000).map(nested)
    deep_dict = st.integers(50, 5_000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n)
    bad_utf8 = st.tuples(json_body, st.binary(min_size=1, max_size=4)).map(
        lambda t: t[0][: len(t[0]) // 2] + b"\xc3\x28\xa0\xa1" + t[1] + t[0][len(t[0]) // 2 :]
    )
    csv = st.lists(
        st.lists(st.text(max_size=8) | hostile_time().map(str), max_size=4), max_size=6
    ).map(lambda lines: "\n".join(",".join(c) for c in lines).encode("utf-8", "surrogatepass"))
    return json_body | json_body | shapes | deep | deep_dict | bad_utf8 | csv | st.binary()


CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "application/json",
        "text/csv",
        "application/json; charset=latin-1",
        "text/csv; charset=utf-16",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "text/plain",
        "application/xml",
        "",
        "application/json; charset=utf-8; boundary=",
        "*/*",
    ]
)
QUERIES = st.sampled_from(
    ["", "atomic=true", "atomic=true", "atomic=1&on_conflict=replace", "on_conflict=replace",
     "atomic=maybe", "on_conflict=%00", "atomic=true&atomic=false"]
)  # fmt: skip


_client = None


def client() -> Client:
    """One client for every request (a new one loads the middleware again: 0.15 s)."""
    global _client
    if _client is None:
        _client = Client(raise_request_exception=False)
    return _client


def post(token, body: bytes, content_type: str, query: str = "", key: str | None = None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client().generic(
        "POST", f"{URL}?{query}" if query else URL, body, content_type=content_type, **headers
    )


def atomic_in(query: str) -> bool:
    # The view reads the last value of a repeated parameter, as Django's QueryDict does.
    values = [p.split("=", 1)[1] for p in query.split("&") if p.startswith("atomic=")]
    return bool(values) and values[-1] in ("true", "1", "yes")


def test_hostile_bodies_never_fail_and_never_store_part_of_an_atomic_request(
    feed,  # noqa: F811
    unthrottled,
    record_property,
):
    keys = [feed.oee.key, feed.produced.key, feed.series_b.key, "nope"]
    ledger = Ledger()

    @fuzz_settings(HOSTILE_CASES)
    @given(
        body=bodies(keys),
        content_type=CONTENT_TYPES,
        query=QUERIES,
        key=st.none() | st.sampled_from(["k1", "k2", "x" * 201, "ключ", "\x00"]),
    )
    def fuzz(body, content_type, query, key):
        before = Observation.objects.count()
        response = post(feed.token, body, content_type, query, key)
        ledger.check(response, atomic=atomic_in(query), before=before)

    started = time.monotonic()
    fuzz()
    elapsed = time.monotonic() - started
    record_property("cases", ledger.cases)
    print(
        f"hostile fuzz: {ledger.cases} cases in {elapsed:.1f} s, statuses {ledger.statuses}, "
        f"{ledger.atomic_refusals} atomic requests refused whole"
    )
    assert ledger.statuses.get(201) and ledger.statuses.get(400) and ledger.atomic_refusals


def test_an_atomic_batch_with_one_bad_row_stores_nothing_and_names_the_row(feed, unthrottled):  # noqa: F811
    rows = [
        {"series": feed.oee.key, "ts": hours_ago(h).isoformat(), "value": 50.0 + h}
        for h in range(1, 50)
    ]
    bad = [*rows[:20], {"series": feed.oee.key, "ts": "2026-02-30T00:00:00Z", "value": 1}]
    bad += rows[20:]
    response = post(feed.token, json.dumps(bad).encode(), "application/json", "atomic=true")
    assert response.status_code == 200
    receipt = response.json()
    assert (receipt["stored"], receipt["accepted"]) == (False, 0)
    assert [(r["index"], r["code"]) for r in receipt["rejected"]] == [(20, "bad_timestamp")]
    assert not Observation.objects.exists()
    # The same rows without the bad one: all stored.
    response = post(feed.token, json.dumps(rows).encode(), "application/json", "atomic=true")
    assert response.status_code == 201 and response.json()["accepted"] == 49


@pytest.mark.parametrize("literal", NAN_LITERALS)
def test_non_finite_json_literals_are_row_errors(feed, unthrottled, literal):  # noqa: F811
    body = b'[{"series": "oee", "ts": "%s", "value": %s}]' % (
        hours_ago(1).isoformat().encode(),
        literal,
    )
    response = post(feed.token, body, "application/json", "atomic=true")
    assert response.status_code in (200, 400), response.content
    assert not Observation.objects.exists()


def test_a_five_megabyte_body_is_stored_whole_or_refused_whole(feed, unthrottled, settings):  # noqa: F811
    """5 MB of records: more rows than a request may carry is refused whole (413); with the
    row limit raised, every row is checked and the batch stored at once."""
    start = hours_ago(24 * 300)
    rows = [
        {
            "series": feed.oee.key,
            "ts": (start + dt.timedelta(minutes=i)).isoformat(),
            "value": i % 97,
        }
        for i in range(60_000)
    ]
    body = json.dumps(rows).encode()
    body += b" " * (5 * 1024 * 1024 - len(body))
    assert len(body) == 5 * 1024 * 1024
    refused = post(feed.token, body, "application/json", "atomic=true")
    assert refused.status_code == 413 and refused.json()["code"] == "too_many_rows"
    assert not Observation.objects.exists() and not IngestRequest.objects.exists()
    settings.DATAHUB_MAX_ROWS = 100_000
    started = time.monotonic()
    stored = post(feed.token, body, "application/json", "atomic=true")
    elapsed = time.monotonic() - started
    assert stored.status_code == 201, stored.content[:300]
    assert stored.json()["accepted"] == 60_000 == Observation.objects.count()
    print(f"5 MB body: 60,000 rows checked and stored in {elapsed:.1f} s")


def test_a_body_over_the_limit_is_refused_unread(feed, unthrottled, settings):  # noqa: F811
    settings.DATAHUB_MAX_BYTES = 1024 * 1024
    body = b"[" + b" " * (2 * 1024 * 1024) + b"]"
    assert post(feed.token, body, "application/json").status_code == 413
    # A lying Content-Length does not help: the view reads at most the limit plus one byte.
    response = client().generic(
        "POST",
        URL,
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {feed.token}",
        CONTENT_LENGTH="10",
    )
    assert response.status_code in (400, 413)
    assert not Observation.objects.exists()


def test_deep_nesting_and_bad_utf8_are_refused_as_unparsable(feed, unthrottled):  # noqa: F811
    for body in (nested(200_000), b'{"a":' * 100_000 + b"1" + b"}" * 100_000, b"[\xc3\x28]"):
        response = post(feed.token, body, "application/json", "atomic=true")
        assert response.status_code == 400, response.content[:200]
        assert response.json()["code"] == "unparsable"


# --- the spreadsheet upload page (plants with no system) -------------------------------------

UPLOAD_CASES = 120


def hostile_files(keys):
    header = st.lists(st.sampled_from(["timestamp", *keys, "x", ""]), min_size=1, max_size=4)
    cell = hostile_time().map(str) | hostile_value().map(str)
    csv = st.tuples(header, st.lists(st.lists(cell, max_size=4), max_size=8)).map(
        lambda t: "\r\n".join(",".join(row) for row in [t[0], *t[1]])
    )
    recent = st.integers(1, 24 * 60).map(lambda h: hours_ago(h).isoformat())
    good_row = st.tuples(recent, st.floats(0, 100).map(str))
    good = st.tuples(st.lists(good_row, min_size=1, max_size=6), st.lists(cell, max_size=2)).map(
        lambda t: (
            "timestamp,oee\r\n"
            + "\r\n".join(f"{ts},{v}" for ts, v in t[0])
            + "".join(f"\r\n{c},{c}" for c in t[1])
        )
    )
    text = good | good | csv | st.text(max_size=200)
    encoded = st.tuples(text, st.sampled_from(["utf-8", "cp949", "utf-16", "latin-1"])).map(
        lambda t: t[0].encode(t[1], "replace")
    )
    xlsx_like = st.binary(max_size=200).map(lambda b: b"PK\x03\x04" + b)
    content = encoded | encoded | st.binary(max_size=300) | xlsx_like
    name = st.sampled_from(["data.csv", "data.xlsx", "data.CSV", "data.xls", "data", "데이터.csv"])
    return st.tuples(name, content)


def test_hostile_spreadsheet_uploads_never_fail_and_store_only_confirmed_rows(
    world,
    feed,  # noqa: F811
    browse,
    settings,
    tmp_path,
):
    """Any file through the upload page: a form error or a preview, never a 500; nothing is
    stored before the preview is confirmed, and a confirmation stores what its receipt says."""
    settings.MEDIA_ROOT = tmp_path
    settings.DATAHUB_TOKEN_RATE = "1000000/min"
    page = browse(world.sme)
    url = f"/datahub/plants/{world.plant_a.pk}/upload/"
    outcomes = {}

    @fuzz_settings(UPLOAD_CASES)
    @given(file=hostile_files([feed.oee.key, feed.produced.key]))
    def fuzz(file):
        name, content = file
        before = Observation.objects.count()
        response = page.post(url, {"file": SimpleUploadedFile(name, content)})
        assert response.status_code in (200, 302), response.status_code
        assert Observation.objects.count() == before
        if response.status_code == 200:
            outcomes["form error"] = outcomes.get("form error", 0) + 1
            return
        preview = page.get(response["Location"])
        assert preview.status_code in (200, 302)
        confirmed = page.post(response["Location"])
        assert confirmed.status_code in (200, 302)
        key = "upload-" + response["Location"].rstrip("/").rsplit("/", 1)[1]
        request = IngestRequest.objects.filter(idempotency_key=key).first()
        accepted = request.accepted if request else 0
        assert Observation.objects.count() == before + accepted
        outcome = "stored" if accepted else "confirmed, nothing stored"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1

    fuzz()
    print(f"hostile uploads: {outcomes}")
    assert outcomes.get("form error") and outcomes.get("stored")
