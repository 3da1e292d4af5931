"""Where changes of circumstance are accepted: planned into deliveries and written with them in one transaction.

desk = ChangeDesk(database, place.subscriptions, directory, policy, versions)
accepted = desk.tell(ChangeOfCircumstance(ChangeKind.ADDRESS, resident_id, {...}))
accepted.change_id, accepted.deliveries     # what will be written where (or was refused, and why)
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from sqlalchemy import Connection

from joinedup.place import Subscription
from joinedup.store import Database
from joinedup.store.tellusonce_outbox import NewChange, NewDelivery, OutboxStore

from ._events import ChangeOfCircumstance
from ._planning import asks_for, deliveries_from, plan_deliveries
from ._ports import DeliveryAsk, DeliveryPolicy, PolicyDecision, RecordDirectory, RecordVersions

log = logging.getLogger(__name__)


@runtime_checkable
class DecidesMany(Protocol):
    """A delivery policy that can decide a batch of changes at once (governance's reads the residents' consents
    in one query and audits every decision in one append)."""

    def decide_many_in(
        self, connection: Connection, batch: Sequence[tuple[ChangeOfCircumstance, Sequence[DeliveryAsk]]]
    ) -> list[list[PolicyDecision]]: ...


@dataclass(frozen=True)
class AcceptedChange:
    change_id: int
    deliveries: tuple[NewDelivery, ...]

    @property
    def refused(self) -> int:
        return sum(1 for each in self.deliveries if each.refused)


class ChangeDesk:
    def __init__(
        self,
        database: Database,
        subscriptions: Sequence[Subscription],
        directory: RecordDirectory,
        policy: DeliveryPolicy,
        versions: RecordVersions | None = None,
    ) -> None:
        self._outbox = OutboxStore(database)
        self._subscriptions = tuple(subscriptions)
        self._directory = directory
        self._policy = policy
        self._versions = versions

    def plan(self, change: ChangeOfCircumstance, connection: Connection) -> list[NewDelivery]:
        """The change's deliveries, decided by the policy in ``connection`` (the transaction that writes them)."""
        records = self._directory.records_of(change.resident_id)
        lookup = self._versions.version_of if self._versions is not None else None
        return plan_deliveries(connection, change, self._subscriptions, records, self._policy, lookup)

    def plan_many(self, changes: Sequence[ChangeOfCircumstance], connection: Connection) -> list[list[NewDelivery]]:
        """``plan`` for a batch: with a policy that decides many at once, one decision call for the whole batch."""
        if not isinstance(self._policy, DecidesMany):
            return [self.plan(change, connection) for change in changes]
        asks = [asks_for(change, self._subscriptions, self._directory.records_of(change.resident_id))
                for change in changes]  # fmt: skip
        decisions = self._policy.decide_many_in(
            connection, [(change, [ask for ask, _ in mine]) for change, mine in zip(changes, asks, strict=True)]
        )
        lookup = self._versions.version_of if self._versions is not None else None
        return [deliveries_from(mine, decided, lookup) for mine, decided in zip(asks, decisions, strict=True)]

    def tell_many(self, changes: Sequence[ChangeOfCircumstance]) -> list[AcceptedChange]:
        """Accept a batch of changes (a bulk import, a burst of detected changes) in one transaction."""
        with self._outbox.writing() as connection:
            planned = self.plan_many(changes, connection)
            ids = self._outbox.add_changes_in(
                connection, [(_new(change), plan) for change, plan in zip(changes, planned, strict=True)]
            )
        log.info("tellusonce.changes.accepted", extra={"changes": len(ids), "deliveries": sum(map(len, planned))})
        return [AcceptedChange(i, tuple(plan)) for i, plan in zip(ids, planned, strict=True)]

    def tell(self, change: ChangeOfCircumstance) -> AcceptedChange:
        """Accept one change: the change and its outbox of deliveries are committed together, or neither."""
        with self._outbox.writing() as connection:
            planned = self.plan(change, connection)
            change_id = self._outbox.add_change_in(connection, _new(change), planned)
        systems = Counter(each.system for each in planned)
        log.info(
            "tellusonce.change.accepted",
            extra={"change_id": change_id, "kind": change.kind.value, "deliveries": len(planned),
                   "refused": sum(1 for each in planned if each.refused), "systems": dict(systems)},
        )  # fmt: skip
        return AcceptedChange(change_id, tuple(planned))


def _new(change: ChangeOfCircumstance) -> NewChange:
    return NewChange(
        kind=change.kind.value, resident_id=change.resident_id, fields=dict(change.fields), source=change.source,
        raised_by=change.raised_by, raised_at=change.raised_at,
    )  # fmt: skip
