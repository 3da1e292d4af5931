"""Tell-us-once deliveries through the one decision point: governance's implementation of tell-us-once's
``DeliveryPolicy`` and ``DeliveryAudit`` ports.

A delivery is a disclosure to another system: *who* is the receiving system, acting for its organisation in
the role ``records-system`` (:data:`SYSTEM_ROLE`); *why* is the purpose of the subscription's agreement; *about
whom* is the resident; *which fields* are the change's fields as governance field paths. The organisation
that runs tell us once (the controller) is the holder, so a share's ``providers`` bear on it as they do on a
person's request. PERMIT sends the permitted fields only; DENY and REVIEW are refused with the decision's
reasons. Every decision is written to the audit log in the transaction that writes the outbox, and every
delivery the receiving system took as a disclosure in the transaction that records its receipt, so the
resident's "who has seen my data" lists it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from joinedup.audit import AuditEvent
from joinedup.governance._consent import Consent
from joinedup.governance._decisions import DecisionPoint
from joinedup.governance._gate import DisclosureGate, decision_event, disclosure_event
from joinedup.governance._policies import Grant, shares_of
from joinedup.governance._requests import Actor, Channel, Decision, Outcome, Reason, Request
from joinedup.place import Agreement, Place, Subscription
from joinedup.place._governance import SYSTEM_ROLE
from joinedup.store.tellusonce_outbox import DeliveryRow
from joinedup.tellusonce import ChangeOfCircumstance, DeliveryAsk, PolicyDecision

# The governance field path each canonical field of a change is decided and audited under. An agreement that
# lists a group (``person.address``) covers every field under it.
FIELD_PATHS: dict[str, str] = {
    "address_line_1": "person.address.line_1",
    "address_line_2": "person.address.line_2",
    "town": "person.address.town",
    "postcode": "person.address.postcode",
    "uprn": "person.address.uprn",
    "phone": "person.contact_points.phone",
    "email": "person.contact_points.email",
    "given_name": "person.name.given",
    "middle_name": "person.name.middle",
    "family_name": "person.name.family",
    "date_of_death": "person.date_of_death",
    "member_resident_id": "household.members.resident_id",
    "relationship": "household.members.relationship",
}
_CANONICAL = {path: name for name, path in FIELD_PATHS.items()}
_CHANGE_WORDS = {
    "person.address-changed": "change of address",
    "person.name-changed": "change of name",
    "person.contact-changed": "change of contact details",
    "person.died": "notification of death",
    "household.member-added": "new household member",
}


def field_path(name: str) -> str:
    """The governance field path of a canonical field (a name it does not know is decided as it is)."""
    return FIELD_PATHS.get(name, name)


def system_actor(place: Place, system: str) -> Actor:
    """The receiving system as an actor: its organisation, in the system role, named ``system:<code>``."""
    return Actor(f"system:{system}", SYSTEM_ROLE, place.system(system).organisation)


def delivery_purpose(agreement: Agreement, organisation: str) -> str:
    """The purpose a subscription's deliveries are made for: the agreement's first purpose that one of its
    shares lets the organisation's systems receive for (else its first purpose, which the decision refuses)."""
    for purpose in agreement.purposes:
        for share in shares_of(agreement):
            recipient = organisation in share.recipients and (not share.roles or SYSTEM_ROLE in share.roles)
            if recipient and (not share.purposes or purpose.code in share.purposes):
                return purpose.code
    return agreement.purposes[0].code


class GovernedDeliveries:
    """Tell us once's delivery policy and delivery audit, over the disclosure gate's decision point."""

    def __init__(self, gate: DisclosureGate, controller: str) -> None:
        self.gate = gate
        self.controller = controller

    @classmethod
    def for_place(cls, place: Place, controller: str) -> GovernedDeliveries:
        return cls(DisclosureGate(DecisionPoint(place)), controller)

    @property
    def place(self) -> Place:
        return self.gate.point.place

    # -- DeliveryPolicy ---------------------------------------------------------------------------------------
    def decide_in(
        self, connection: Connection, change: ChangeOfCircumstance, asks: Sequence[DeliveryAsk]
    ) -> list[PolicyDecision]:
        """Decide each subscription's ask and write every decision to the audit log in ``connection``."""
        return self.decide_many_in(connection, [(change, asks)])[0]

    def decide_many_in(
        self, connection: Connection, batch: Sequence[tuple[ChangeOfCircumstance, Sequence[DeliveryAsk]]]
    ) -> list[list[PolicyDecision]]:
        """``decide_in`` for a batch of changes: the residents' consents read in one query and every decision
        audited in one append, in the order of the changes and their asks (the same entries, fewer round trips)."""
        residents = {change.resident_id for change, asks in batch if asks}
        consents = self.gate.consents_of_many_in(connection, residents) if residents else {}
        answers: list[list[PolicyDecision]] = []
        events: list[AuditEvent] = []
        for change, asks in batch:
            mine: list[PolicyDecision] = []
            for ask in asks:
                decision, purpose = self._decide(ask.subscription, change, ask.fields, consents[change.resident_id])
                events.append(decision_event(decision, purpose))
                mine.append(_answer(decision))
            answers.append(mine)
        if events:
            self.gate.audit.append_many_in(connection, events)
        return answers

    def _decide(
        self,
        subscription: Subscription,
        change: ChangeOfCircumstance,
        fields: Mapping[str, str],
        consents: tuple[Consent, ...],
    ) -> tuple[Decision, str]:
        point = self.gate.point
        actor = system_actor(self.place, subscription.system)
        paths = tuple(field_path(name) for name in sorted(fields))
        words = _CHANGE_WORDS.get(change.kind.value, change.kind.value)
        agreement = self._agreement(subscription)
        if agreement is None:
            request = Request(actor, "tell-us-once", change.resident_id, paths, holder=self.controller,
                              channel=Channel.DELIVERY)  # fmt: skip
            named = f"agreement '{subscription.agreement}', which is not declared" if subscription.agreement else (
                "no information sharing agreement")  # fmt: skip
            reason = Reason(
                f"The subscription of {subscription.system} ({actor.organisation}) names {named}: no delivery "
                f"from {self.controller} may be made without one."
            )
            return Decision(request, Outcome.DENY, (), (reason,)), f"tell us once: {words}"
        purpose = delivery_purpose(agreement, actor.organisation)
        request = Request(actor, purpose, change.resident_id, paths, reference=f"tell us once: {words}",
                          holder=self.controller, channel=Channel.DELIVERY)  # fmt: skip
        decision = point.decide(request, consents)
        described = point.describe(purpose) or purpose
        return decision, f"{described} (tell us once: {words})"

    def _agreement(self, subscription: Subscription) -> Agreement | None:
        return next((a for a in self.place.agreements if a.code == subscription.agreement), None)

    # -- DeliveryAudit ----------------------------------------------------------------------------------------
    def delivered_in(self, connection: Connection, deliveries: Sequence[DeliveryRow]) -> None:
        """Record each delivery a system took as a disclosure, in the transaction recording its receipt."""
        events: list[AuditEvent] = []
        # Deliveries to one system under one agreement carrying the same fields differ only in the resident: what
        # they share (actor, fields, purpose, reasons, wording) is worked out once per batch, not per delivery.
        shared: dict[tuple[str, str | None, frozenset[str]], _Delivered | None] = {}
        for row in deliveries:
            key = (row.system, row.agreement, frozenset(row.fields))
            if key not in shared:
                shared[key] = self._delivered(row)
            same = shared[key]
            if same is None:
                continue
            request = Request(same.actor, same.purpose, row.resident_id, same.fields, reference=same.reference,
                              holder=self.controller, channel=Channel.DELIVERY)  # fmt: skip
            decision = Decision(request, Outcome.PERMIT, same.fields, same.reasons)
            events.append(disclosure_event(decision, same.fields, None, None, same.described))
        self.gate.audit.append_many_in(connection, events)

    def _delivered(self, row: DeliveryRow) -> _Delivered | None:
        subscription = self._subscription(row)
        if subscription is None:
            return None
        actor = system_actor(self.place, row.system)
        fields = tuple(field_path(name) for name in canonical_fields(subscription, row.fields))
        agreement = self._agreement(subscription)
        purpose = delivery_purpose(agreement, actor.organisation) if agreement else "tell-us-once"
        kind = _kind_of(fields)
        words = _CHANGE_WORDS.get(kind, kind)
        reasons = (_delivered_reason(agreement, purpose),) if agreement else ()
        described = (self.gate.point.describe(purpose) or purpose) + f" (tell us once: {words})"
        return _Delivered(actor, purpose, fields, f"tell us once: {words}", reasons, described)

    def _subscription(self, row: DeliveryRow) -> Subscription | None:
        mine = [s for s in self.place.subscriptions if s.system == row.system]
        return next((s for s in mine if s.agreement == row.agreement), mine[0] if mine else None)


@dataclass(frozen=True)
class _Delivered:
    """What every delivery of one batch to one system, under one agreement, with the same fields, is audited as."""

    actor: Actor
    purpose: str
    fields: tuple[str, ...]
    reference: str
    reasons: tuple[Reason, ...]
    described: str


def canonical_fields(subscription: Subscription, native: Mapping[str, object]) -> list[str]:
    """The canonical fields a delivery carried, from the system's own field names it was written as."""
    composed = {part: target for target, parts in subscription.compose.items() for part in parts}
    carried = []
    for name in subscription.fields:
        written_as = subscription.write.get(name) or composed.get(name) or name
        if written_as in native:
            carried.append(name)
    return sorted(carried)


def _kind_of(paths: tuple[str, ...]) -> str:
    groups = {path.split(".")[1] if path.count(".") else path for path in paths}
    by_group = {"address": "person.address-changed", "name": "person.name-changed",
                "contact_points": "person.contact-changed", "date_of_death": "person.died",
                "members": "household.member-added"}  # fmt: skip
    kinds = {by_group.get(group, "") for group in groups} - {""}
    return kinds.pop() if len(kinds) == 1 else "change of circumstance"


def _delivered_reason(agreement: Agreement, purpose: str) -> Reason:
    declared = next((p for p in agreement.purposes if p.code == purpose), agreement.purposes[0])
    basis = Grant(agreement, shares_of(agreement)[0], declared).lawful_basis
    return Reason(f"Delivered under '{agreement.title}' version {agreement.version}.", agreement.code,
                  agreement.version, basis)  # fmt: skip


def _answer(decision: Decision) -> PolicyDecision:
    reason = decision.first_with_agreement()
    agreement = reason.agreement if reason else None
    if decision.outcome is Outcome.PERMIT:
        permitted = frozenset(_CANONICAL.get(path, path) for path in decision.permitted_fields)
        basis = f"agreement {reason.agreement} v{reason.version}" if reason is not None else ""
        return PolicyDecision(permitted, agreement=agreement, basis=basis)
    return PolicyDecision(frozenset(), refused=" ".join(r.text for r in decision.reasons), agreement=agreement)


__all__ = ["FIELD_PATHS", "GovernedDeliveries", "canonical_fields", "delivery_purpose", "field_path", "system_actor"]
