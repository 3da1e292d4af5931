"""Answer a subject access request from the store: gather, render, and record that it was answered."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from joinedup.store import Database, audit_records
from joinedup.store.place_registry import registered_systems
from joinedup.store.source_records import SourceRecordStore

from ._disclosures import who_has_seen_in
from ._events import Actor, SubjectAccessEvent
from ._log import AuditLog
from ._subject_access import SubjectAccessReport, held_record, subject_access_report


def answer_subject_access(
    database: Database,
    resident_id: str,
    records: Sequence[tuple[str, str]],
    *,
    actor: Actor,
    today: date | None = None,
    log: AuditLog | None = None,
) -> SubjectAccessReport:
    """Everything held about the resident in ``records`` (their (system, record id) pairs, from linkage).

    Every version of each record is included, with the system and organisation holding it; then the
    resident's disclosures (covert ones only once released) and restrictions. The request is recorded.
    """
    now = datetime.now(UTC)
    systems = {str(system["code"]): system for system in registered_systems(database)}
    store = SourceRecordStore(database)
    held = []
    for system, record_id in sorted(set(records)):
        versions = store.history(system, record_id)
        if versions:
            held.append(held_record(versions, systems))
    with database.transaction() as connection:
        names = audit_records.organisation_names(connection)
        disclosures = who_has_seen_in(connection, resident_id, today=today or now.date(), organisation_names=names)
        restricted = audit_records.restricted(connection, resident_id)
        report = subject_access_report(resident_id, held, disclosures, restricted=restricted, now=now)
        event = SubjectAccessEvent(
            actor=actor, subject_resident_id=resident_id, records=len(held), systems=report.systems
        )
        (log or AuditLog()).append_in(connection, event)
    return report
