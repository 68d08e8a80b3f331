"""Pure rules of ingestion (no ORM): reading the three body forms into rows
(`datahub.ingest.parsing`) and checking each row (`datahub.ingest.rules`). The service
(`datahub.services.ingest`) looks up what they need and stores what they accept
(`datahub.storage`)."""

from datahub.ingest.parsing import BodyError, RawRow, parse_body
from datahub.ingest.rules import (
    Limits,
    Point,
    Rejection,
    SeriesInfo,
    check_rows,
)

__all__ = [
    "BodyError",
    "Limits",
    "Point",
    "RawRow",
    "Rejection",
    "SeriesInfo",
    "check_rows",
    "parse_body",
]
