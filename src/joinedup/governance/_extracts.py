"""Pseudonymised extracts for analysis through the one decision point.

An analyst asks for the extract's columns for a purpose (service planning, research) under an agreement; the
decision point answers which columns may be extracted, as for any disclosure. The extract is aggregate, about
no one resident, so it is audited once, as one extract event: who asked, for what purpose, under which
agreement, which columns were asked for and which were extracted, how many rows, how many counts were
suppressed; never a pseudonym or a value. A refused extract is audited too, with the reasons, and makes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from joinedup.audit import Actor as AuditActor
from joinedup.audit import AuditEntry, ExtractEvent
from joinedup.audit import Outcome as AuditOutcome
from joinedup.governance._gate import DisclosureGate
from joinedup.governance._requests import Actor, Channel, Decision, Request

# The governance field path each column of a pseudonymised extract is decided under. An agreement grants
# them like any field: ``analytics`` for the pseudonymised columns as a whole, or one by one.
EXTRACT_FIELD_PATHS: dict[str, str] = {
    "person": "analytics.pseudonym",
    "system": "analytics.system",
    "age_band": "analytics.age_band",
    "sex": "analytics.sex",
    "postcode_district": "analytics.postcode_district",
}
AGGREGATE = "(aggregate)"  # the "about whom" of an extract: many residents, none of them named


@dataclass(frozen=True)
class Produced:
    """What the extract made of the permitted columns: rows written, counts suppressed, the threshold used."""

    rows: int
    suppressed_counts: int
    threshold: int


@dataclass(frozen=True)
class ExtractAnswer:
    decision: Decision
    columns: tuple[str, ...]  # the extract columns permitted (and written); empty when refused
    entry: AuditEntry
    produced: Produced | None

    @property
    def permitted(self) -> bool:
        return self.produced is not None


def extract_in(
    connection: Connection,
    gate: DisclosureGate,
    actor: Actor,
    purpose: str,
    columns: Sequence[str],
    produce: Callable[[tuple[str, ...]], Produced],
    threshold: int,
) -> ExtractAnswer:
    """Decide the analyst's request, make the extract of the permitted columns (``produce``), and audit it once
    in ``connection``; a refusal (DENY, or REVIEW: a person must decide first) makes nothing."""
    unknown = [c for c in columns if c not in EXTRACT_FIELD_PATHS]
    if unknown:
        raise ValueError(f"an extract has no column {', '.join(unknown)}: choose from {', '.join(EXTRACT_FIELD_PATHS)}")
    paths = tuple(EXTRACT_FIELD_PATHS[c] for c in columns)
    request = Request(actor, purpose, AGGREGATE, paths, channel=Channel.ANALYTICS)
    decision = gate.point.decide(request)
    allowed = set(decision.permitted_fields) if decision.permitted else set()
    permitted = tuple(c for c in columns if EXTRACT_FIELD_PATHS[c] in allowed)
    produced = produce(permitted) if decision.permitted and permitted else None
    reason = decision.first_with_agreement()
    event = ExtractEvent(
        purpose=purpose,
        purpose_description=gate.point.describe(purpose),
        actor=AuditActor(person_id=actor.person, role=actor.role, organisation=actor.organisation),
        outcome=AuditOutcome(decision.outcome.value),
        fields_requested=tuple(columns),
        fields=permitted if produced is not None else (),
        rows=produced.rows if produced else 0,
        suppressed_counts=produced.suppressed_counts if produced else 0,
        threshold=produced.threshold if produced else threshold,
        agreement_code=reason.agreement if reason else None,
        agreement_version=reason.version if reason else None,
        lawful_basis=reason.lawful_basis if reason else None,
        reasons=tuple(r.text for r in decision.reasons),
    )  # fmt: skip
    entry = gate.audit.append_in(connection, event)
    return ExtractAnswer(decision, permitted if produced else (), entry, produced)


__all__ = ["AGGREGATE", "EXTRACT_FIELD_PATHS", "ExtractAnswer", "Produced", "extract_in"]
