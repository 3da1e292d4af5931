"""The disclosure gate: decide, fetch only what is permitted, and write the audit entries in the same
transaction as the disclosure. Every decision gets one decision entry; every disclosure one disclosure entry."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Connection

from joinedup.audit import Actor as AuditActor
from joinedup.audit import AuditLog, DecisionEvent, DisclosureEvent
from joinedup.audit import Channel as AuditChannel
from joinedup.audit import Outcome as AuditOutcome
from joinedup.governance._breakglass import break_glass_decision
from joinedup.governance._consent import Consent
from joinedup.governance._decisions import DecisionPoint
from joinedup.governance._requests import Decision, Request
from joinedup.place import KNOWN_TO
from joinedup.store.governance_records import BreakGlassReviews, ConsentRows

Fetch = Callable[[tuple[str, ...]], Mapping[str, object]]
"""Reads the named fields of the request's resident (e.g. from the single view); only permitted ones are asked."""


@dataclass(frozen=True, slots=True)
class Disclosure:
    """What the gate let out: the decision, and values for permitted fields only."""

    decision: Decision
    values: Mapping[str, object] = field(default_factory=dict)
    audit_sequences: tuple[int, ...] = ()
    review_flag: int | None = None


class DisclosureGate:
    """The one way personal data leaves the core."""

    def __init__(self, point: DecisionPoint, audit: AuditLog | None = None) -> None:
        self.point = point
        self.audit = audit or AuditLog()
        self._consents = ConsentRows()
        self._reviews = BreakGlassReviews()

    def consents_in(self, connection: Connection, subject: str) -> tuple[Consent, ...]:
        return tuple(Consent.model_validate(doc) for doc in self._consents.of_subject(connection, subject))

    def consents_of_many_in(self, connection: Connection, subjects: Collection[str]) -> dict[str, tuple[Consent, ...]]:
        """``consents_in`` for several subjects in one query."""
        documents = self._consents.of_subjects(connection, subjects)
        return {subject: tuple(Consent.model_validate(doc) for doc in docs) for subject, docs in documents.items()}

    def record_consent_in(self, connection: Connection, consent: Consent) -> None:
        self._consents.save(connection, consent.model_dump(mode="json"), self._now())

    def decide_in(self, connection: Connection, request: Request) -> Decision:
        """Decide and record the decision only (e.g. to show what would be shared)."""
        decision = self.point.decide(request, self.consents_in(connection, request.subject))
        self.audit.append_in(connection, decision_event(decision, self.point.describe(request.purpose)))
        return decision

    def disclose_in(
        self, connection: Connection, request: Request, fetch: Fetch, withheld_until: dt.date | None = None
    ) -> Disclosure:
        decision = self.point.decide(request, self.consents_in(connection, request.subject))
        return self._release(connection, decision, fetch, withheld_until)

    def break_glass_in(
        self, connection: Connection, request: Request, reason: str, fetch: Fetch, withheld_until: dt.date | None = None
    ) -> Disclosure:
        """An emergency look: disclosed, marked as break-glass in the audit, and flagged for the DPO."""
        decision = break_glass_decision(self.point, request, reason)
        disclosure = self._release(connection, decision, fetch, withheld_until)
        if not decision.permitted:
            return disclosure
        actor = request.actor
        flag = self._reviews.flag(
            connection,
            {
                "occurred_at": self._now(), "person": actor.person, "role": actor.role,
                "organisation": actor.organisation, "subject_resident_id": request.subject,
                "purpose": request.purpose, "reason": decision.break_glass_reason,
                "fields": list(decision.permitted_fields), "audit_sequence": disclosure.audit_sequences[-1],
            },
        )  # fmt: skip
        return Disclosure(disclosure.decision, disclosure.values, disclosure.audit_sequences, flag)

    def known_to_in(
        self, connection: Connection, request: Request, holders: Callable[[str], Collection[str]]
    ) -> Disclosure:
        """ "Known to you?": whether ``request.holder`` holds records about the resident, and whom to contact;
        never record data. ``holders`` gives the organisations holding records about a resident."""
        if request.holder is None:
            raise ValueError("a 'known to' question names the organisation asked about (holder)")
        asked = request.holder
        request = dataclasses.replace(request, fields=(KNOWN_TO,))
        holder = self.point.place.organisation(asked)  # KeyError for an organisation not in the place

        def answer(_: tuple[str, ...]) -> Mapping[str, object]:
            known = holder.code in holders(request.subject)
            return {KNOWN_TO: {"known": known, "contact": holder.contact if known else None}}

        return self.disclose_in(connection, request, answer)

    def _release(
        self, connection: Connection, decision: Decision, fetch: Fetch, withheld_until: dt.date | None
    ) -> Disclosure:
        purpose = self.point.describe(decision.request.purpose)
        decided = self.audit.append_in(connection, decision_event(decision, purpose))
        if not decision.permitted:
            return Disclosure(decision, {}, (decided.sequence,))
        data = fetch(decision.permitted_fields)
        values = {f: data[f] for f in decision.permitted_fields if f in data}  # nothing unpermitted gets through
        disclosed = self.audit.append_in(
            connection, disclosure_event(decision, tuple(values), decided.sequence, withheld_until, purpose)
        )
        return Disclosure(decision, values, (decided.sequence, disclosed.sequence))

    def _now(self) -> dt.datetime:
        return self.point.now()


def _sharing(decision: Decision, purpose: str | None) -> dict[str, object]:
    request = decision.request
    actor = request.actor
    reason = decision.first_with_agreement()
    if decision.break_glass:
        purpose = "Emergency access (break-glass): risk to life"
    return {
        "actor": AuditActor(person_id=actor.person, role=actor.role, organisation=actor.organisation),
        "purpose": request.purpose,
        "purpose_description": purpose,
        "reference": request.reference,
        "subject_resident_id": request.subject,
        "channel": AuditChannel(request.channel.value),
        "agreement_code": reason.agreement if reason else None,
        "agreement_version": reason.version if reason else None,
        "lawful_basis": reason.lawful_basis if reason else next((r.lawful_basis for r in decision.reasons), None),
        "consent_basis": decision.consent_basis,
        "break_glass": decision.break_glass,
        "break_glass_reason": decision.break_glass_reason,
    }


def decision_event(decision: Decision, purpose: str | None = None) -> DecisionEvent:
    """The audit event for a decision; ``purpose`` is the purpose in plain language."""
    return DecisionEvent(
        **_sharing(decision, purpose),
        fields_requested=decision.request.fields,
        fields_permitted=decision.permitted_fields,
        outcome=AuditOutcome(decision.outcome.value),
        reasons=tuple(r.text for r in decision.reasons),
    )


def disclosure_event(
    decision: Decision,
    fields: tuple[str, ...],
    decision_sequence: int | None,
    withheld_until: dt.date | None,
    purpose: str | None = None,
) -> DisclosureEvent:
    return DisclosureEvent(
        **_sharing(decision, purpose),
        fields_disclosed=fields,
        withheld_until=withheld_until,
        decision_sequence=decision_sequence,
    )
