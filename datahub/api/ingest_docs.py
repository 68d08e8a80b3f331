"""What the OpenAPI schema says about `POST /api/v1/ingest/`: the body forms and examples."""

from drf_spectacular.utils import OpenApiExample

DESCRIPTION = """\
Send observations of the data source that owns the token (`Authorization: Bearer sfh_…`).
Only source tokens are accepted here (not sessions nor member API tokens).

Three body forms:

* **JSON records** (`application/json`): `[{"series": key, "ts": time, "value": number}]` or
  `{"records": [...]}`; a record may carry `"unit"` (UCUM), which must be the series' unit.
  Rejection index: position in the list, from 0.
* **OGC SensorThings dataArray** (`application/json`): a list of blocks
  `{"Datastream": {"@iot.id": key or id}, "components": ["phenomenonTime", "result"],
  "dataArray": [[time, value], ...]}`; components in any order, others (`resultTime`) ignored.
  Rejection index: running position over every dataArray row of the body, from 0, with
  `datastream` the position of the block.
* **CSV** (`text/csv`, IDTA 02008 time-series record): header `timestamp,<series>,<series>…`,
  one line per time, one column per series; an empty cell is no value. Rejection index: data
  line (1 = the first after the header), field: the column name.

Times are ISO 8601; a time without offset is read in Asia/Seoul. A row is rejected on its own
(unknown series, wrong unit, not a number, out of the KPI's range, unreadable time, in the
future, older than the late-data horizon without an approved backfill, before the plant
existed); the other rows are stored, or none with `atomic=true`. A value already stored is a
duplicate (counted); another value at the same series and time is a conflict (refused, or
replaced with `on_conflict=replace`).

Limits: DATAHUB_MAX_ROWS rows (a row is one value: a CSV line with three filled series cells
is three rows) and DATAHUB_MAX_BYTES bytes a request (413), DATAHUB_TOKEN_RATE requests per
token (429 with Retry-After).
"""

_RECORD = {
    "type": "object",
    "required": ["series", "ts", "value"],
    "properties": {
        "series": {"type": "string", "description": "Series key (or id) of the plant."},
        "ts": {"type": "string", "format": "date-time"},
        "value": {"type": "number"},
        "unit": {"type": "string", "description": "Optional: must be the series' unit."},
    },
}
_RECORDS = {"type": "array", "items": _RECORD}
_BLOCK = {
    "type": "object",
    "required": ["Datastream", "components", "dataArray"],
    "properties": {
        "Datastream": {
            "type": "object",
            "required": ["@iot.id"],
            "properties": {"@iot.id": {"oneOf": [{"type": "string"}, {"type": "integer"}]}},
        },
        "components": {"type": "array", "items": {"type": "string"}},
        "dataArray": {"type": "array", "items": {"type": "array", "items": {}}},
    },
}
JSON_BODY = {
    "anyOf": [
        _RECORDS,
        {"type": "object", "required": ["records"], "properties": {"records": _RECORDS}},
        {"type": "array", "items": _BLOCK},
    ]
}
CSV_BODY = {"type": "string", "description": "timestamp,<series key>,… then one line per time"}

REQUEST_EXAMPLES = [
    OpenApiExample(
        "JSON records",
        media_type="application/json",
        request_only=True,
        value=[
            {"series": "oee", "ts": "2025-03-01T09:00:00+09:00", "value": 71.5},
            {"series": "produced_quantity-line-1", "ts": "2025-03-01T09:00:00", "value": 480},
        ],
    ),
    OpenApiExample(
        "SensorThings dataArray",
        media_type="application/json",
        request_only=True,
        value=[
            {
                "Datastream": {"@iot.id": "oee"},
                "components": ["phenomenonTime", "result"],
                "dataArray": [
                    ["2025-03-01T00:00:00Z", 70.1],
                    ["2025-03-01T01:00:00Z", 72.4],
                ],
            }
        ],
    ),
    OpenApiExample(
        "CSV (IDTA 02008 time-series record)",
        media_type="text/csv",
        request_only=True,
        value=(
            "timestamp,oee,produced_quantity-line-1\n"
            "2025-03-01T09:00:00+09:00,71.5,480\n"
            "2025-03-01T10:00:00+09:00,,502\n"
        ),
    ),
]

RECEIPT_EXAMPLE = OpenApiExample(
    "Receipt",
    response_only=True,
    value={
        "request": 42,
        "accepted": 2,
        "duplicates": 1,
        "conflicts": 1,
        "replaced": 0,
        "rejected": [
            {"index": 3, "field": "series", "reason": "unknown series", "code": "unknown_series"},
            {
                "index": 4,
                "field": "value",
                "reason": "conflict: 70.1 is already stored for this series and time",
                "code": "conflict",
            },
        ],
        "stored": True,
    },
)
ATOMIC_EXAMPLE = OpenApiExample(
    "Atomic request refused",
    response_only=True,
    value={
        "request": 43,
        "accepted": 0,
        "duplicates": 0,
        "conflicts": 0,
        "replaced": 0,
        "rejected": [{"index": 0, "field": "ts", "reason": "in the future", "code": "future"}],
        "stored": False,
    },
)
UNPARSABLE_EXAMPLE = OpenApiExample(
    "Unparsable body",
    response_only=True,
    value={"detail": "The body is not valid JSON: Expecting value", "code": "unparsable"},
)
TOO_MANY_EXAMPLE = OpenApiExample(
    "Too many rows",
    response_only=True,
    value={
        "detail": "A request may carry at most 10000 rows; send the rest in another request.",
        "code": "too_many_rows",
    },
)


def refusal_example(name: str, detail: str, code: str | None = None) -> OpenApiExample:
    value = {"detail": detail} | ({"code": code} if code else {})
    return OpenApiExample(name, response_only=True, value=value)


UNAUTHENTICATED_EXAMPLE = refusal_example(
    "Token refused", "Invalid, revoked or expired token, or the data source is inactive."
)
MEDIA_TYPE_EXAMPLE = refusal_example(
    "Unsupported media type", "Send application/json or text/csv.", "media_type"
)
MISMATCH_EXAMPLE = refusal_example(
    "Idempotency-Key reused",
    "This Idempotency-Key was used with another body (or other options): use a new key for "
    "new data.",
    "idempotency_mismatch",
)
THROTTLED_EXAMPLE = refusal_example(
    "Rate limited", "Request was throttled. Expected available in 21 seconds."
)
