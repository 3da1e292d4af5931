"""One source's record mapper: what a connector read, as a source record or a rejection with its reasons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from joinedup.connectors.base import RawRecord
from joinedup.model import EntityType, Person, Property, SourceRecord
from joinedup.store.ingest_state import Rejection
from joinedup.store.source_records import StagedVersion, canonical_json, content_hash, raw_json

from .canonical_rows import person_from_canonical_row, person_json_from_canonical_row, property_from_canonical_row
from .mapping import CompiledMapping


@dataclass(frozen=True)
class RecordMapper:
    """Turns what a connector read into a source record, or a rejection with its reasons."""

    system: str
    entity: EntityType
    mapping: CompiledMapping | None  # None: the source already sends the canonical person columns

    def __call__(self, raw: RawRecord, received_at: datetime) -> SourceRecord | Rejection:
        payload = dict(raw.payload)
        row = self._row(raw, payload)
        if isinstance(row, Rejection):
            return row
        canonical: Person | Property | None
        if self.entity is EntityType.PROPERTY:
            mapped_property = property_from_canonical_row(row)
            canonical, error = mapped_property.property, mapped_property.error
        else:
            mapped = person_from_canonical_row(row)
            canonical, error = mapped.person, mapped.error
        if canonical is None:
            return Rejection(raw.record_id, raw.location.description, (error or "no canonical form",), payload)
        return SourceRecord(
            system=self.system,
            record_id=raw.record_id,
            entity=self.entity,
            raw=payload,
            person=canonical if isinstance(canonical, Person) else None,
            property=canonical if isinstance(canonical, Property) else None,
            received_at=received_at,
            changed_at=raw.changed_at or _parse_changed_at(row.get("changed_at")),
        )

    def stage(self, raw: RawRecord, received_at: datetime, digest: str | None = None) -> StagedVersion | Rejection:
        """As calling the mapper, but straight to the store's lean form; ``digest`` is the payload's
        :func:`~joinedup.store.source_records.content_hash` if already known.

        The canonical form is validated (a person through the hot path that is checked against the model);
        the record around it needs no validation of its own (the system is a known code, the id is non-empty,
        the times come from the clock and the mapping), so ingest's hot path builds no SourceRecord.
        """
        payload = raw.payload if isinstance(raw.payload, dict) else dict(raw.payload)
        row = self._row(raw, payload)
        if isinstance(row, Rejection):
            return row
        document: str | None
        if self.entity is EntityType.PROPERTY:
            mapped = property_from_canonical_row(row)
            document = None if mapped.property is None else canonical_json(mapped.property)
            error = mapped.error
        else:
            document, error = person_json_from_canonical_row(row)
        if document is None:
            return Rejection(raw.record_id, raw.location.description, (error or "no canonical form",), dict(payload))
        changed_at = raw.changed_at or _parse_changed_at(row.get("changed_at"))
        return StagedVersion(
            self.system,
            raw.record_id,
            self.entity.value,
            raw_json(payload),
            document,
            content_hash(payload) if digest is None else digest,
            received_at,
            changed_at,
        )

    def _row(self, raw: RawRecord, payload: dict[str, Any]) -> dict[str, Any] | Rejection:
        """The payload in the canonical person columns, or the rejection saying why it cannot be."""
        if raw.problem:
            return Rejection(raw.record_id or None, raw.location.description, (raw.problem,), dict(payload))
        if self.mapping is None:
            row = {key: "" if value is None else str(value) for key, value in payload.items()}
            row["record_id"] = raw.record_id
            return row
        outcome = self.mapping.apply(raw.record_id, payload)
        if outcome.row is None:
            return Rejection(raw.record_id, raw.location.description, outcome.problems, dict(payload))
        return outcome.row


def _parse_changed_at(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
