"""What tell-us-once asks of other capabilities, as small protocols the composition root fills in.

* :class:`RecordDirectory` (linkage): which local record in each system is this resident.
* :class:`DeliveryPolicy` (governance): may each subscribed system receive these fields of this change, and on
  what basis; decided in the transaction that writes the outbox, so the decisions' audit entries commit with it.
* :class:`DeliveryAudit` (governance): record each delivery a system took as a disclosure, in the transaction
  that records its receipt.

``joinedup.governance.GovernedDeliveries`` implements the last two over the one decision point; a simple
directory lives beside them (``_directory``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from sqlalchemy import Connection

from joinedup.place import Subscription
from joinedup.store.tellusonce_outbox import DeliveryRow

from ._events import ChangeOfCircumstance


@runtime_checkable
class RecordDirectory(Protocol):
    def records_of(self, resident_id: str) -> list[tuple[str, str]]:
        """The resident's records as ``(system code, that system's record id)``; several per system possible."""
        ...


@dataclass(frozen=True)
class PolicyDecision:
    """Permitted fields (a subset of those asked), or a refusal with its reason. ``basis`` says what permitted it."""

    permitted: frozenset[str]
    refused: str | None = None
    agreement: str | None = None
    basis: str = ""

    @property
    def allowed(self) -> bool:
        return self.refused is None and bool(self.permitted)


@dataclass(frozen=True)
class DeliveryAsk:
    """One subscription's share of a change: the canonical fields (and values) it would receive."""

    subscription: Subscription
    fields: Mapping[str, str]


@runtime_checkable
class DeliveryPolicy(Protocol):
    def decide_in(
        self, connection: Connection, change: ChangeOfCircumstance, asks: Sequence[DeliveryAsk]
    ) -> list[PolicyDecision]:
        """One decision per ask, in order, inside the transaction that writes the change's outbox."""
        ...


@runtime_checkable
class DeliveryAudit(Protocol):
    def delivered_in(self, connection: Connection, deliveries: Sequence[DeliveryRow]) -> None:
        """Record the deliveries their systems just took, in the transaction that records the receipts."""
        ...


@runtime_checkable
class RecordVersions(Protocol):
    def version_of(self, system: str, record_id: str, field: str) -> str | None:
        """The system's own version of the record as joinedup last read it, or None when not known."""
        ...
