"""POST /api/v1/ingest/ through HTTP with a real source token: the three body forms, times,
each rejection with its index and field, duplicates, conflicts, atomic requests."""

import datetime as dt

import pytest
from django.db import connection

from datahub import partitions
from datahub.models import Correction, DirtyBucket, IngestRequest, Observation, Series
from tests.datahub.ingest_client import fresh_partitions, hours_ago, iso, send  # noqa: F401


def stored(series):
    return dict(Observation.objects.filter(series=series).values_list("ts", "value"))


def test_json_records_are_stored_with_a_receipt(feed):
    t = hours_ago(3)
    body = [
        {"series": "oee", "ts": iso(t), "value": 71.5},
        {"series": "produced_quantity-line-1", "ts": iso(t), "value": 480, "unit": "{unit}"},
    ]
    response = send(feed.token, body)
    assert response.status_code == 201, response.content
    receipt = response.json()
    assert receipt | {"request": None} == {
        "request": None,
        "accepted": 2,
        "duplicates": 0,
        "conflicts": 0,
        "replaced": 0,
        "rejected": [],
        "stored": True,
    }
    assert stored(feed.oee) == {t: 71.5}
    assert stored(feed.produced) == {t: 480.0}
    request = IngestRequest.objects.get(pk=receipt["request"])
    assert (request.source, request.accepted, request.channel) == (feed.source, 2, "api")
    assert Observation.objects.get(series=feed.oee).plant_id == feed.source.plant_id


def test_sensorthings_data_array_with_components_in_any_order(feed):
    t1, t2 = hours_ago(2), hours_ago(1)
    body = [
        {
            "Datastream": {"@iot.id": "oee"},
            "components": ["result", "resultTime", "phenomenonTime"],
            "dataArray": [[70.1, iso(t1), iso(t1)], [72.4, iso(t2), iso(t2)]],
        },
        {
            "Datastream": {"@iot.id": feed.produced.pk},
            "components": ["phenomenonTime", "result"],
            "dataArray": [[iso(t1), 480], ["yesterday", 3], [iso(t2), "NaN"]],
        },
    ]
    response = send(feed.token, body)
    assert response.status_code == 201, response.content
    receipt = response.json()
    assert receipt["accepted"] == 3
    # The index runs over every dataArray row of the body; datastream names the block.
    assert [(r["index"], r["datastream"], r["field"], r["code"]) for r in receipt["rejected"]] == [
        (3, 1, "phenomenonTime", "bad_timestamp"),
        (4, 1, "result", "not_a_number"),
    ]
    assert stored(feed.oee) == {t1: 70.1, t2: 72.4}
    assert stored(feed.produced) == {t1: 480.0}


def test_csv_time_series_record_one_column_per_series(feed):
    t1, t2, t3 = hours_ago(3), hours_ago(2), hours_ago(1)
    body = (
        "timestamp,oee,produced_quantity-line-1,nope\n"
        f"{iso(t1)},71.5,480,\n"
        f"{iso(t2)},,502,\n"
        f"{iso(t3)},abc,510,9\n"
    )
    response = send(feed.token, body, content_type="text/csv")
    assert response.status_code == 201, response.content
    receipt = response.json()
    assert receipt["accepted"] == 4
    # Index: data line (1 = first line after the header); field: the column.
    assert [(r["index"], r["field"], r["code"]) for r in receipt["rejected"]] == [
        (3, "oee", "not_a_number"),
        (3, "nope", "unknown_series"),
    ]
    assert stored(feed.oee) == {t1: 71.5}
    assert stored(feed.produced) == {t1: 480.0, t2: 502.0, t3: 510.0}


def test_naive_times_are_seoul_and_offsets_are_kept(feed):
    seoul = hours_ago(5).astimezone(dt.timezone(dt.timedelta(hours=9)))
    naive = seoul.replace(tzinfo=None).isoformat()
    other = hours_ago(4).astimezone(dt.timezone(dt.timedelta(hours=-5))).isoformat()
    zulu = hours_ago(3).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = [
        {"series": "oee", "ts": naive, "value": 1},
        {"series": "oee", "ts": other, "value": 2},
        {"series": "oee", "ts": zulu, "value": 3},
    ]
    assert send(feed.token, body).status_code == 201
    assert stored(feed.oee) == {hours_ago(5): 1.0, hours_ago(4): 2.0, hours_ago(3): 3.0}


def test_each_rejection_names_its_row_field_and_reason(world, feed):
    world.plant_a.operating_since = dt.date.today() - dt.timedelta(days=30)
    world.plant_a.save()
    t = hours_ago(2)
    body = [
        {"series": "oee", "ts": iso(t), "value": 50},  # 0 fine
        {"series": "nope", "ts": iso(t), "value": 50},  # 1 unknown series
        {"series": "oee", "ts": iso(t - dt.timedelta(hours=1)), "value": 50, "unit": "h"},  # 2
        {"series": "oee", "ts": iso(t), "value": "fifty"},  # 3 not a number
        {"series": "oee", "ts": iso(t), "value": float("inf")},  # 4 infinity
        {"series": "oee", "ts": iso(t), "value": 140},  # 5 out of the KPI's range (0–100)
        {"series": "oee", "ts": "01/03/2025", "value": 50},  # 6 unreadable time
        {"series": "oee", "ts": iso(hours_ago(-3)), "value": 50},  # 7 in the future
        {"series": "oee", "ts": iso(hours_ago(24 * 40)), "value": 50},  # 8 before the plant
        {"series": "oee", "value": 50},  # 9 missing time
        "not a record",  # 10
        {"series": "oee", "ts": iso(t), "value": True},  # 11 a boolean is no number
    ]
    response = send(feed.token, body)
    assert response.status_code == 201
    rejected = response.json()["rejected"]
    assert [(r["index"], r["field"], r["code"]) for r in rejected] == [
        (1, "series", "unknown_series"),
        (2, "unit", "unit"),
        (3, "value", "not_a_number"),
        (4, "value", "not_a_number"),
        (5, "value", "out_of_range"),
        (6, "ts", "bad_timestamp"),
        (7, "ts", "future"),
        (8, "ts", "before_plant"),
        (9, "ts", "missing"),
        (10, "", "invalid"),
        (11, "value", "not_a_number"),
    ]
    reasons = {r["code"]: r["reason"] for r in rejected}
    assert reasons["unknown_series"] == "unknown series"
    assert reasons["future"] == "in the future"
    assert reasons["before_plant"] == "before the plant existed"
    assert "%" in reasons["unit"] and "100" in reasons["out_of_range"]
    assert stored(feed.oee) == {t: 50.0}


def test_duplicates_are_counted_not_errors(feed):
    t = hours_ago(2)
    body = [
        {"series": "oee", "ts": iso(t), "value": 60},
        {"series": "oee", "ts": iso(t), "value": 60},
    ]
    first = send(feed.token, body).json()
    assert (first["accepted"], first["duplicates"], first["rejected"]) == (1, 1, [])
    again = send(feed.token, body)
    assert again.status_code == 200  # nothing new stored
    assert again.json() | {"request": 0} == {
        "request": 0,
        "accepted": 0,
        "duplicates": 2,
        "conflicts": 0,
        "replaced": 0,
        "rejected": [],
        "stored": False,
    }
    assert Observation.objects.filter(series=feed.oee).count() == 1


def test_a_conflict_is_refused_by_default(feed):
    t = hours_ago(2)
    send(feed.token, [{"series": "oee", "ts": iso(t), "value": 60}])
    response = send(feed.token, [{"series": "oee", "ts": iso(t), "value": 61}])
    assert response.status_code == 200
    receipt = response.json()
    assert (receipt["accepted"], receipt["conflicts"], receipt["replaced"]) == (0, 1, 0)
    [rejection] = receipt["rejected"]
    assert (rejection["index"], rejection["field"], rejection["code"]) == (0, "value", "conflict")
    assert rejection["reason"].startswith("conflict")
    assert stored(feed.oee) == {t: 60.0}
    assert not Correction.objects.exists()


def test_a_conflict_in_the_same_body_is_refused(feed):
    t = hours_ago(2)
    body = [
        {"series": "oee", "ts": iso(t), "value": 60},
        {"series": "oee", "ts": iso(t), "value": 61},
    ]
    receipt = send(feed.token, body).json()
    assert (receipt["accepted"], receipt["conflicts"]) == (1, 1)
    assert [(r["index"], r["code"]) for r in receipt["rejected"]] == [(1, "conflict")]
    assert stored(feed.oee) == {t: 60.0}


def test_replace_keeps_the_old_value_as_a_correction(feed):
    t1, t2 = hours_ago(3), hours_ago(2)
    send(feed.token, [{"series": "oee", "ts": iso(t1), "value": 60}])
    DirtyBucket.objects.all().delete()
    body = [
        {"series": "oee", "ts": iso(t1), "value": 65},
        {"series": "oee", "ts": iso(t2), "value": 66},
    ]
    response = send(feed.token, body, query="on_conflict=replace")
    assert response.status_code == 201
    receipt = response.json()
    assert (receipt["accepted"], receipt["replaced"], receipt["conflicts"]) == (1, 1, 0)
    assert stored(feed.oee) == {t1: 65.0, t2: 66.0}
    correction = Correction.objects.get()
    assert (correction.series, correction.ts, correction.old_value, correction.new_value) == (
        feed.oee,
        t1,
        60.0,
        65.0,
    )
    assert correction.request_id == receipt["request"]
    assert correction.plant_id == feed.oee.plant_id
    assert set(DirtyBucket.objects.values_list("series_id", "hour")) == {
        (feed.oee.pk, t1),
        (feed.oee.pk, t2),
    }


def test_atomic_stores_nothing_when_a_row_is_rejected(feed):
    t = hours_ago(2)
    body = [
        {"series": "oee", "ts": iso(t), "value": 60},
        {"series": "oee", "ts": iso(t), "value": "x"},
    ]
    response = send(feed.token, body, query="atomic=true")
    assert response.status_code == 200
    receipt = response.json()
    assert (receipt["stored"], receipt["accepted"], len(receipt["rejected"])) == (False, 0, 1)
    assert not Observation.objects.exists()
    assert not DirtyBucket.objects.exists()
    good = send(feed.token, body[:1], query="atomic=true")
    assert good.status_code == 201 and good.json()["stored"] is True


def test_atomic_stores_nothing_when_a_stored_value_conflicts(feed):
    t1, t2 = hours_ago(3), hours_ago(2)
    send(feed.token, [{"series": "oee", "ts": iso(t1), "value": 60}])
    body = [
        {"series": "oee", "ts": iso(t2), "value": 1},
        {"series": "oee", "ts": iso(t1), "value": 2},
    ]
    receipt = send(feed.token, body, query="atomic=true").json()
    assert (receipt["stored"], receipt["accepted"], receipt["conflicts"]) == (False, 0, 1)
    assert [(r["index"], r["code"]) for r in receipt["rejected"]] == [(1, "conflict")]
    assert stored(feed.oee) == {t1: 60.0}


def test_written_hours_are_marked_and_series_and_source_touched(feed):
    t1 = hours_ago(5) + dt.timedelta(minutes=10)
    t2 = hours_ago(5) + dt.timedelta(minutes=50)
    t3 = hours_ago(1)
    body = [{"series": "oee", "ts": iso(t), "value": 50} for t in (t1, t2, t3)]
    assert send(feed.token, body).status_code == 201
    assert set(DirtyBucket.objects.values_list("series_id", "hour", "plant_id")) == {
        (feed.oee.pk, hours_ago(5), feed.oee.plant_id),
        (feed.oee.pk, hours_ago(1), feed.oee.plant_id),
    }
    oee = Series.objects.get(pk=feed.oee.pk)
    assert oee.last_ts == t3 and oee.last_data_at is not None
    feed.source.refresh_from_db()
    assert feed.source.last_data_at is not None
    # An older row later does not move the latest time back.
    send(feed.token, [{"series": "oee", "ts": iso(hours_ago(9)), "value": 50}])
    assert Series.objects.get(pk=feed.oee.pk).last_ts == t3


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b"{not json", "application/json"),
        (b'{"rows": []}', "application/json"),
        (b'"text"', "application/json"),
        (b'[{"dataArray": [], "components": ["result"]}]', "application/json"),
        (b"oee,timestamp\n", "text/csv"),
        (b"", "text/csv"),
        (b"\xff\xfe", "text/csv"),
        (b"[" * 100_000, "application/json"),
    ],
)
def test_an_unreadable_body_answers_400_with_a_message(feed, body, content_type):
    response = send(feed.token, body, content_type=content_type)
    assert response.status_code == 400
    assert response.json()["detail"] and response.json()["code"] == "unparsable"
    assert not IngestRequest.objects.exists()


def test_other_media_types_and_bad_options_are_refused(feed):
    assert send(feed.token, b"x", content_type="text/plain").status_code == 415
    assert send(feed.token, [], query="on_conflict=overwrite").status_code == 400
    assert send(feed.token, [], query="atomic=maybe").status_code == 400
    empty = send(feed.token, [])
    assert empty.status_code == 200 and empty.json()["accepted"] == 0


def test_the_schema_documents_the_endpoint_with_examples(client):
    schema = client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/ingest/"]["post"]
    body = operation["requestBody"]["content"]
    assert set(body) == {"application/json", "text/csv"}
    assert len(body["application/json"]["examples"]) == 2  # records and SensorThings
    assert "timestamp," in next(iter(body["text/csv"]["examples"].values()))["value"]
    for code in ("200", "201", "400", "401", "413", "415", "422", "429"):
        assert code in operation["responses"], code
    assert operation["security"] == [{"sourceToken": []}]
    assert schema["components"]["securitySchemes"]["sourceToken"]["scheme"] == "bearer"
    names = {p["name"] for p in operation["parameters"]}
    assert names == {"on_conflict", "atomic", "Idempotency-Key"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions exist on PostgreSQL")
def test_a_missing_monthly_partition_is_created_on_demand(feed):
    old = hours_ago(24 * 200)
    name = partitions.partition_name(partitions.month_of(old))
    assert name not in partitions.existing()
    assert send(feed.token, [{"series": "oee", "ts": iso(old), "value": 1}]).status_code == 201
    assert name in partitions.existing()
    assert stored(feed.oee) == {old: 1.0}
