"""From one change to the deliveries it needs: pure, so it can be checked without a database or a server.

For each subscription that takes the change's kind, every record the resident has in that system gets one
delivery of the subscribed fields the change carries, renamed to the system's own field names. The delivery
policy decides once per subscription (for all of that system's records), in the caller's transaction, and a
refusal becomes a recorded delivery with its reason, not a silent gap. The system a change was detected in is
not written back to.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import Connection

from joinedup.place import Subscription
from joinedup.store.tellusonce_outbox import NewDelivery

from ._events import ChangeOfCircumstance
from ._ports import DeliveryAsk, DeliveryPolicy, PolicyDecision

VersionLookup = Callable[[str, str, str], str | None]  # (system, record_id, version field) -> version


Asks = list[tuple[DeliveryAsk, list[str]]]  # each subscription's share of the change, and its record ids


def plan_deliveries(
    connection: Connection,
    change: ChangeOfCircumstance,
    subscriptions: Sequence[Subscription],
    records: Sequence[tuple[str, str]],
    policy: DeliveryPolicy,
    version_of: VersionLookup | None = None,
) -> list[NewDelivery]:
    asks = asks_for(change, subscriptions, records)
    if not asks:
        return []
    decisions = policy.decide_in(connection, change, [ask for ask, _ in asks])
    return deliveries_from(asks, decisions, version_of)


def asks_for(
    change: ChangeOfCircumstance, subscriptions: Sequence[Subscription], records: Sequence[tuple[str, str]]
) -> Asks:
    """What each subscription would receive of the change, for which of the resident's records (no decision)."""
    asks: Asks = []
    for subscription in subscriptions:
        if not subscription.receives(change.kind.value) or subscription.system == change.source:
            continue
        asked = {name: value for name, value in change.fields.items() if name in subscription.fields}
        targets = sorted({record_id for system, record_id in records if system == subscription.system})
        if asked and targets:
            asks.append((DeliveryAsk(subscription, asked), targets))
    return asks


def deliveries_from(
    asks: Asks, decisions: Sequence[PolicyDecision], version_of: VersionLookup | None = None
) -> list[NewDelivery]:
    """One delivery per record asked, with the permitted fields in the system's own names, or refused."""
    planned: list[NewDelivery] = []
    for (ask, targets), decision in zip(asks, decisions, strict=True):
        subscription = ask.subscription
        for record_id in targets:
            if not decision.allowed:
                reason = decision.refused or "the delivery policy permitted none of the fields"
                planned.append(NewDelivery(subscription.system, record_id, {}, agreement=decision.agreement,
                                           refused=f"refused: {reason}"))  # fmt: skip
                continue
            permitted = {name: ask.fields[name] for name in sorted(decision.permitted) if name in ask.fields}
            native = subscription.native_fields(permitted)
            version = None
            if subscription.version_field is not None and version_of is not None:
                version = version_of(subscription.system, record_id, subscription.version_field)
            planned.append(NewDelivery(subscription.system, record_id, native, version, decision.agreement))
    return planned
