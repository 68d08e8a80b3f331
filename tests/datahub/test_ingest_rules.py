"""The pure rules of ingestion, without a database: reading the body forms, checking rows."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from datahub.ingest import parsing
from datahub.ingest.rules import Limits, SeriesInfo, check_rows, parse_time, parse_value


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
OEE = SeriesInfo(id=1, key="oee", unit="%", min_value=0, max_value=100)
ENERGY = SeriesInfo(id=2, key="energy", unit="kW.h", min_value=0)
BY_KEY = {"oee": OEE, "energy": ENERGY}
BY_ID = {1: OEE, 2: ENERGY}


def check(rows, **kwargs):
    options = {"by_key": BY_KEY, "by_id": BY_ID, "now": NOW, "limits": Limits()} | kwargs
    return check_rows(rows, **options)


def records(*items):
    return parsing.parse_body(json.dumps(list(items)).encode(), "application/json", max_rows=100)


def test_json_records_and_the_records_wrapper_read_the_same():
    body = b'{"records": [{"series": "oee", "ts": "2026-06-01T09:00+09:00", "value": 5}]}'
    [row] = parsing.parse_body(body, "application/json; charset=utf-8", max_rows=10)
    assert (row.index, row.series, row.ts, row.value) == (0, "oee", "2026-06-01T09:00+09:00", 5)


def test_sensorthings_rows_run_over_blocks_and_interval_times_take_their_start():
    body = b"""[
      {"Datastream": {"@iot.id": "oee"}, "components": ["phenomenonTime", "result"],
       "dataArray": [["2026-06-01T00:00Z/2026-06-01T01:00Z", 1], ["2026-06-01T01:00Z", 2]]},
      {"Datastream": {"@iot.id": 2}, "components": ["result", "phenomenonTime"],
       "dataArray": [[3, "2026-06-01T00:00Z"], [4]]}
    ]"""
    rows = parsing.parse_body(body, "application/json", max_rows=10)
    assert [(r.index, r.datastream, r.series, r.ts, r.value) for r in rows[:3]] == [
        (0, 0, "oee", "2026-06-01T00:00Z", 1),
        (1, 0, "oee", "2026-06-01T01:00Z", 2),
        (2, 1, 2, "2026-06-01T00:00Z", 3),
    ]
    assert rows[3].problem[0] == "dataArray"
    checked = check(rows)
    assert [p.series_id for p in checked.points] == [1, 1, 2]  # id 2 found by its id


def test_csv_counts_data_lines_from_one_and_skips_empty_cells():
    body = "\ufefftimestamp,oee,energy\r\n2026-06-01T09:00,1,\r\n\r\n2026-06-01T10:00,,7\r\n"
    rows = parsing.parse_body(body.encode(), "text/csv", max_rows=10)
    assert [(r.index, r.series, r.value, r.field_name("value")) for r in rows] == [
        (1, "oee", "1", "oee"),
        (3, "energy", "7", "energy"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        b"timestamp\n2026-06-01,1\n",
        b"timestamp,oee,oee\n",
        b"timestamp,,oee\n",
        b"time,oee\n",
    ],
)
def test_a_csv_header_that_names_no_series_properly_is_refused(body):
    with pytest.raises(parsing.BodyError):
        parsing.parse_body(body, "text/csv", max_rows=10)


def test_the_row_limit_counts_values_not_lines():
    body = b"timestamp,oee,energy\n2026-06-01T09:00,1,2\n2026-06-01T10:00,3,4\n"
    with pytest.raises(parsing.TooManyRows) as error:
        parsing.parse_body(body, "text/csv", max_rows=3)
    assert error.value.status == 413 and "3" in error.value.message


def test_naive_times_are_read_in_the_configured_zone():
    assert parse_time("2026-06-01T09:00", "Asia/Seoul") == dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    assert parse_time("2026-06-01T09:00Z", "Asia/Seoul").hour == 9
    assert parse_time("2026-06-01T09:00-05:00", "Asia/Seoul").hour == 14


@given(st.one_of(st.floats(), st.integers(), st.text(), st.booleans(), st.none()))
def test_parse_value_accepts_only_finite_numbers(raw):
    try:
        value = parse_value(raw)
    except Exception as exc:  # noqa: BLE001
        assert type(exc).__name__ == "_Refused"
    else:
        assert not isinstance(raw, bool) and value == value and abs(value) != float("inf")


def test_time_rules_future_horizon_backfill_and_plant_start():
    limits = Limits(late_horizon=dt.timedelta(days=10), future_tolerance=dt.timedelta(minutes=5))
    rows = records(
        {"series": "oee", "ts": "2026-06-01T12:04Z", "value": 1},  # within the tolerance
        {"series": "oee", "ts": "2026-06-01T12:06Z", "value": 1},  # future
        {"series": "oee", "ts": "2026-05-10T00:00Z", "value": 1},  # too old
        {"series": "oee", "ts": "2026-05-05T00:00Z", "value": 1},  # covered by the backfill
        {"series": "oee", "ts": "2026-05-01T00:00Z", "value": 1},  # before the plant
    )
    checked = check(
        rows,
        limits=limits,
        backfills=[
            (dt.datetime(2026, 5, 4, tzinfo=dt.UTC), dt.datetime(2026, 5, 6, tzinfo=dt.UTC))
        ],
        plant_start=dt.datetime(2026, 5, 2, tzinfo=dt.UTC),
    )
    assert [p.index for p in checked.points] == [0, 3]
    assert [(r.index, r.code) for r in checked.rejected] == [
        (1, "future"),
        (2, "too_old"),
        (4, "before_plant"),
    ]


def test_range_unit_and_repeats_in_the_body():
    t = "2026-06-01T10:00Z"
    rows = records(
        {"series": "oee", "ts": t, "value": 100},
        {"series": "oee", "ts": t, "value": 100.0},  # the same again: duplicate
        {"series": "oee", "ts": t, "value": 99},  # another value: conflict
        {"series": "energy", "ts": t, "value": -1},  # below the range
        {"series": "energy", "ts": t, "value": 1e12, "unit": "kW.h"},  # no upper bound
        {"series": "energy", "ts": t, "value": 1, "unit": "kWh"},  # wrong unit
    )
    checked = check(rows)
    assert [p.index for p in checked.points] == [0, 4]
    assert (checked.duplicates, checked.conflicts) == (1, 1)
    assert [(r.index, r.field, r.code) for r in checked.rejected] == [
        (2, "value", "conflict"),
        (3, "value", "out_of_range"),
        (5, "unit", "unit"),
    ]


def test_another_plants_series_is_simply_unknown():
    rows = records({"series": "oee", "ts": "2026-06-01T10:00Z", "value": 1})
    checked = check(rows, by_key={}, by_id={})
    assert [(r.code, r.reason) for r in checked.rejected] == [("unknown_series", "unknown series")]


def test_rows_given_already_parsed_may_carry_decimals_and_dates():
    assert parse_value(Decimal("71.25")) == 71.25
    assert parse_time(dt.date(2026, 5, 1), "Asia/Seoul") == dt.datetime(
        2026, 4, 30, 15, tzinfo=dt.UTC
    )
