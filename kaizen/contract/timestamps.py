"""datetime to protobuf Timestamp, the one way Kaizen does it."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp


def to_timestamp(value: datetime) -> Timestamp:
    """A Timestamp for ``value``; naive datetimes are UTC (SQLite returns them naive)."""
    stamp = Timestamp()
    stamp.FromDatetime(value if value.tzinfo else value.replace(tzinfo=UTC))
    return stamp
