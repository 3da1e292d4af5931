"""'Who has seen my data': a resident's own disclosures, in words, with covert ones held back until released.

Only entries about this resident are read (by the indexed resident column, then checked against the entry
itself), and only what was disclosed about them is shown: never the case reference, the person who looked,
or anything about anyone else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection

from joinedup.store import audit_log

from ._chain import entry_from_row
from ._events import DisclosureEvent

_SYSTEM = "system:"  # the actor id governance gives a receiving system


@dataclass(frozen=True)
class DisclosureSeen:
    """One time the resident's data was disclosed, as the resident may see it."""

    when: datetime
    organisation: str
    role: str
    purpose: str
    agreement: str | None
    channel: str
    fields: tuple[str, ...]
    emergency: bool
    system: str | None = None  # the receiving system of a tell-us-once delivery (a system, never a person)


def who_has_seen_in(
    connection: Connection,
    resident_id: str,
    *,
    today: date,
    organisation_names: Mapping[str, str] | None = None,
    purpose_descriptions: Mapping[str, str] | None = None,
    system_names: Mapping[str, str] | None = None,
) -> list[DisclosureSeen]:
    """Every disclosure about ``resident_id``, oldest first; those withheld until after ``today`` are left out."""
    names = organisation_names or {}
    systems = system_names or {}
    purposes = purpose_descriptions or {}
    seen: list[DisclosureSeen] = []
    for row in audit_log.entries_about(connection, resident_id, ["disclosure"]):
        event = entry_from_row(row.sequence, row.body, row.entry_hash).event
        if not isinstance(event, DisclosureEvent) or event.subject_resident_id != resident_id:
            continue  # a look-up column that disagrees with its entry: `audit verify` reports it
        if event.withheld_until is not None and event.withheld_until > today:
            continue
        seen.append(
            DisclosureSeen(
                when=event.occurred_at,
                organisation=names.get(event.actor.organisation, event.actor.organisation),
                role=event.actor.role,
                purpose=event.purpose_description or purposes.get(event.purpose, event.purpose),
                agreement=_agreement(event),
                channel=event.channel.value,
                fields=event.fields_disclosed,
                emergency=event.break_glass,
                system=_system(event, systems),
            )
        )
    return seen


def _system(event: DisclosureEvent, names: Mapping[str, str]) -> str | None:
    """A delivery's receiving system (its actor is ``system:<code>``); None for a person's look."""
    if not event.actor.person_id.startswith(_SYSTEM):
        return None
    code = event.actor.person_id.removeprefix(_SYSTEM)
    return names.get(code, code)


def _agreement(event: DisclosureEvent) -> str | None:
    if event.agreement_code is None:
        return None
    return (
        event.agreement_code
        if event.agreement_version is None
        else f"{event.agreement_code} v{event.agreement_version}"
    )
