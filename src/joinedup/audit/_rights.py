"""A resident's rights over what is held: correction, restriction and erasure, each recorded in the log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection

from joinedup.store import audit_log, audit_records

from ._chain import AuditEntry, entry_from_row
from ._events import Actor, DisclosureEvent, ErasureEvent, RecordRef, RectificationEvent
from ._lawful import erasure_ground
from ._log import AuditLog


@dataclass(frozen=True)
class Rectification:
    """A correction recorded, and the organisations that received the corrected fields (to be told)."""

    entry: AuditEntry
    recipients: tuple[str, ...]


def recipients_of(connection: Connection, resident_id: str, fields: Sequence[str]) -> tuple[str, ...]:
    """Organisations that were sent any of ``fields`` about the resident (from the log's disclosures). A field
    path covers the paths under it: a correction of ``person.address.postcode`` reaches whoever was sent
    ``person.address``, and a correction of ``person.address`` whoever was sent any part of it."""
    organisations: set[str] = set()
    for row in audit_log.entries_about(connection, resident_id, ["disclosure"]):
        event = entry_from_row(row.sequence, row.body, row.entry_hash).event
        if isinstance(event, DisclosureEvent) and any(
            _overlaps(wanted, sent) for wanted in fields for sent in event.fields_disclosed
        ):
            organisations.add(event.actor.organisation)
    return tuple(sorted(organisations))


def _overlaps(one: str, other: str) -> bool:
    return one == other or one.startswith(other + ".") or other.startswith(one + ".")


class SubjectRights:
    """Record corrections, restrictions and erasures in the caller's transaction."""

    def __init__(self, log: AuditLog | None = None) -> None:
        self._log = log or AuditLog()

    def rectify_in(
        self,
        connection: Connection,
        *,
        actor: Actor,
        resident_id: str,
        record: RecordRef,
        fields: Sequence[str],
        reason: str,
    ) -> Rectification:
        """Record that ``fields`` of ``record`` were corrected; the corrected values travel through tell-us-once."""
        recipients = recipients_of(connection, resident_id, fields)
        event = RectificationEvent(
            actor=actor,
            subject_resident_id=resident_id,
            record=record,
            fields_corrected=tuple(fields),
            reason=reason,
            recipients=recipients,
        )
        return Rectification(self._log.append_in(connection, event), recipients)

    def restrict_in(
        self, connection: Connection, *, actor: Actor, resident_id: str, records: Sequence[RecordRef], ground: str,
        reason: str | None = None,
    ) -> AuditEntry:  # fmt: skip
        keys = [(record.system, record.record_id) for record in records]
        audit_records.restrict(connection, keys, resident_id, ground, datetime.now(UTC))
        return self._record(connection, "restrict", actor, resident_id, records, ground, reason)

    def lift_restriction_in(
        self, connection: Connection, *, actor: Actor, resident_id: str, records: Sequence[RecordRef], ground: str,
        reason: str | None = None,
    ) -> AuditEntry:  # fmt: skip
        audit_records.lift(connection, [(record.system, record.record_id) for record in records])
        return self._record(connection, "lift-restriction", actor, resident_id, records, ground, reason)

    def erase_in(
        self,
        connection: Connection,
        *,
        actor: Actor,
        resident_id: str,
        records: Sequence[RecordRef],
        lawful_basis: str,
        reason: str | None = None,
    ) -> AuditEntry:
        """Erase every version of these records if their lawful basis allows it (else ErasureRefused)."""
        ground = erasure_ground(lawful_basis)
        audit_records.delete_records(connection, [(record.system, record.record_id) for record in records])
        return self._record(connection, "erase", actor, resident_id, records, ground, reason)

    def _record(
        self,
        connection: Connection,
        action: str,
        actor: Actor,
        resident_id: str,
        records: Sequence[RecordRef],
        ground: str,
        reason: str | None = None,
    ) -> AuditEntry:
        event = ErasureEvent.model_validate(
            {
                "action": action,
                "actor": actor,
                "subject_resident_id": resident_id,
                "records": tuple(records),
                "ground": ground,
                "reason": reason,
            }
        )
        return self._log.append_in(connection, event)
