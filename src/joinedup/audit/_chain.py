"""The hash chain, pure: how an entry is written down (canonical JSON) and hashed onto its predecessor.

hash(n) = SHA-256(hash(n-1) as 32 bytes || canonical JSON of entry n), with 32 zero bytes before entry 1.
The canonical JSON holds the entry's sequence number and time, so renumbering or re-dating an entry changes
its hash as surely as editing what it says.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter

from ._events import AuditEvent

GENESIS_HASH = "0" * 64

_EVENT_ADAPTER: TypeAdapter[AuditEvent] = TypeAdapter(AuditEvent)
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class AuditEntry:
    """One entry of the log as stored: its place in the chain, the event, and the hash that seals both."""

    sequence: int
    recorded_at: datetime
    event: AuditEvent
    body: str
    entry_hash: str


def canonical_body(sequence: int, recorded_at: datetime, event: AuditEvent) -> str:
    """The exact text that is hashed and stored: keys sorted, no spaces, UTF-8.

    The same text as encoding ``{"event": ..., "recorded_at": ..., "sequence": n}`` with sorted keys; the
    envelope is written directly because this runs for every entry appended.
    """
    event_json = _ENCODER.encode(event.model_dump(mode="json"))
    return f'{{"event":{event_json},"recorded_at":"{recorded_at.isoformat()}","sequence":{sequence}}}'


def chain_hash(previous_hash: str, body: str) -> str:
    return hashlib.sha256(bytes.fromhex(previous_hash) + body.encode("utf-8")).hexdigest()


def seal(sequence: int, recorded_at: datetime, event: AuditEvent, previous_hash: str) -> AuditEntry:
    body = canonical_body(sequence, recorded_at, event)
    return AuditEntry(sequence, recorded_at, event, body, chain_hash(previous_hash, body))


def parse_body(body: str) -> dict[str, Any]:
    """The stored body as a document; raises ValueError if it is not a JSON object."""
    document = json.loads(body)
    if not isinstance(document, dict):
        raise ValueError("an audit entry body must be a JSON object")
    return document


def entry_from_row(sequence: int, body: str, entry_hash: str) -> AuditEntry:
    """Rebuild a typed entry from a stored row (after verification, or for reports)."""
    document = parse_body(body)
    event = _EVENT_ADAPTER.validate_python(document["event"])
    recorded_at = datetime.fromisoformat(document["recorded_at"])
    return AuditEntry(sequence, recorded_at, event, body, entry_hash)


def subject_of(event: AuditEvent) -> str | None:
    """The resident an event is about, kept in an indexed column for 'who has seen my data'."""
    return getattr(event, "subject_resident_id", None)
