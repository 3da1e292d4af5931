"""Rectification told once: record a resident's correction in the audit log and raise the matching change of
circumstance, so every subscribed system that holds the resident gets the corrected value from the worker.

The correction and the change (with its outbox of deliveries) are committed in one transaction: a correction
is never recorded without its recipients being told, nor told without being recorded. Only the fields tell us
once carries can be corrected this way (``RECTIFIABLE``); a change kind's required fields must all be given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from joinedup import audit
from joinedup.governance import FIELD_PATHS, GovernedDeliveries
from joinedup.place import Place
from joinedup.store import Database
from joinedup.store.residents import ResidentStore
from joinedup.store.tellusonce_outbox import NewChange, NewDelivery, OutboxStore
from joinedup.tellusonce import (
    FIELDS,
    ChangeDesk,
    ChangeError,
    ChangeKind,
    ChangeOfCircumstance,
    MappingRecordDirectory,
)

# A household member joining is not a correction of a field the resident holds; the other kinds are.
_KINDS = (ChangeKind.ADDRESS, ChangeKind.NAME, ChangeKind.CONTACT, ChangeKind.DEATH)
RECTIFIABLE: dict[str, ChangeKind] = {field: kind for kind in _KINDS for field in FIELDS[kind]}
_HUB_RECORD = "joinedup"  # the record corrected is the hub's view of the resident, told to every system


@dataclass(frozen=True)
class RectifiedAndTold:
    """The correction's audit entry, the organisations it was disclosed to, and the change raised."""

    entry: audit.AuditEntry
    recipients: tuple[str, ...]
    change_id: int
    deliveries: tuple[NewDelivery, ...]


def change_kind_for(fields: Mapping[str, str]) -> ChangeKind:
    """The one change kind that carries every field, or ChangeError saying which fields can be corrected."""
    unknown = sorted(set(fields) - set(RECTIFIABLE))
    if unknown or not fields:
        carried = ", ".join(sorted(RECTIFIABLE))
        raise ChangeError(f"tell us once cannot carry {', '.join(unknown) or 'no field'}; it can correct {carried}")
    kinds = {RECTIFIABLE[field] for field in fields}
    if len(kinds) > 1:
        raise ChangeError(f"correct fields of one kind at a time, not {', '.join(sorted(kinds))}")
    return kinds.pop()


def rectify_and_tell(
    database: Database,
    place: Place,
    *,
    actor: audit.Actor,
    resident_id: str,
    fields: Mapping[str, str],
    reason: str,
) -> RectifiedAndTold:
    """Record the correction and raise the change for every system holding the resident, in one transaction.

    The actor's organisation is the change's controller (the holder): each system receives the change only where
    the decision point permits it under the subscription's agreement (else the delivery is recorded as refused,
    with the reasons), and every decision is audited in the same transaction.
    """
    change = ChangeOfCircumstance(
        change_kind_for(fields), resident_id, dict(fields), source="rectification", raised_by=actor.person_id
    )
    directory = MappingRecordDirectory({resident_id: ResidentStore(database).records_of(resident_id)})
    policy = GovernedDeliveries.for_place(place, actor.organisation)
    desk = ChangeDesk(database, place.subscriptions, directory, policy)
    # The governance field paths the fields are decided and disclosed under (what the log's disclosures name).
    disclosed_as = sorted({FIELD_PATHS.get(field, field) for field in fields})
    new = NewChange(
        kind=change.kind.value, resident_id=resident_id, fields=dict(change.fields), source=change.source,
        raised_by=change.raised_by, raised_at=datetime.now(UTC),
    )  # fmt: skip
    with database.transaction() as connection:
        planned = desk.plan(change, connection)
        change_id = OutboxStore(database).add_change_in(connection, new, planned)
        recorded = audit.SubjectRights().rectify_in(
            connection, actor=actor, resident_id=resident_id,
            record=audit.RecordRef(system=_HUB_RECORD, record_id=resident_id), fields=disclosed_as, reason=reason,
        )  # fmt: skip
    return RectifiedAndTold(recorded.entry, recorded.recipients, change_id, tuple(planned))
