"""Incremental-read cursors: the latest (updated timestamp, id) seen, so equal timestamps are neither lost nor repeated.

APIs filter by an ``updated_since`` timestamp, but many records share a timestamp (a nightly batch, a date-only
field). The connector therefore asks from the cursor's timestamp inclusively and drops, itself, every record
at or before the cursor's (timestamp, id) position.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from joinedup.connectors.rest.errors import RestConnectorError, RestProtocolError

_SEPARATOR = "|"


@dataclass(frozen=True, order=True)
class Position:
    """A record's place in (updated, id) order."""

    updated: datetime
    record_id: str

    def encode(self) -> str:
        return f"{self.updated.isoformat()}{_SEPARATOR}{self.record_id}"

    @classmethod
    def decode(cls, cursor: str) -> Position:
        stamp, separator, record_id = cursor.partition(_SEPARATOR)
        if not separator:
            raise RestConnectorError("not a REST connector cursor: expected '<ISO timestamp>|<record id>'")
        try:
            updated = datetime.fromisoformat(stamp)
        except ValueError:
            raise RestConnectorError("not a REST connector cursor: the timestamp part is not ISO 8601") from None
        return cls(_aware(updated), record_id)


def parse_timestamp(value: object, pattern: str | None, record_id: str) -> datetime:
    """The system's timestamp as an aware datetime (UTC assumed when the system gives no offset)."""
    if not isinstance(value, str) or not value:
        raise RestProtocolError(f"record {record_id} has no usable updated timestamp")
    try:
        parsed = datetime.strptime(value, pattern) if pattern else datetime.fromisoformat(value)  # noqa: DTZ007
    except ValueError:
        raise RestProtocolError(f"record {record_id} has an updated timestamp in an unexpected format") from None
    return _aware(parsed)


def format_timestamp(moment: datetime, pattern: str | None) -> str:
    """The timestamp as the system writes it, for the updated_since query parameter."""
    return moment.strftime(pattern) if pattern else moment.isoformat()


def _aware(moment: datetime) -> datetime:
    # Systems that write local-free timestamps (dates, "20240131") are taken to mean UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
