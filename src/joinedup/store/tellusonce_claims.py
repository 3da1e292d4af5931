"""The statements that claim deliveries from the tell-us-once outbox, built once and reused.

A worker claims many times a second; building the statements afresh each time cost more than running them (the
aliases, the subquery and their cache keys), so they are built once per shape with bound parameters: ``c_now``
(the moment), ``c_limit``, ``c_systems`` (when the claim is for some systems only), ``c_ids`` (SQLite's second
step), and the lease's ``c_status``, ``c_owner``, ``c_until``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Integer, String, and_, bindparam, exists, or_, select, update
from sqlalchemy.orm import aliased

from .tellusonce_tables import tellusonce_deliveries as deliveries
from .types import UtcDateTime

FINAL_OK = ("delivered", "refused")  # states that let the next delivery of the same resident and system go
WAITING = ("pending", "in_flight", "queued")  # states a delivery may be claimed from (the latter two: lease over)


def claimable(table: Any) -> Any:
    """Due and not taken, or taken by a worker whose lease has run out (at ``c_now``)."""
    moment = bindparam("c_now", type_=UtcDateTime)
    return or_(
        and_(table.c.status == "pending", table.c.next_attempt_at <= moment),
        and_(table.c.status.in_(("in_flight", "queued")), table.c.lease_until < moment),
    )


@cache
def choose(sqlite: bool, some_systems: bool) -> Any:
    """The ids of the first ``c_limit`` claimable deliveries whose earlier ones (same resident and system) are all
    delivered or refused, in id order."""
    candidate, earlier = aliased(deliveries), aliased(deliveries)
    blocked = exists().where(
        earlier.c.resident_id == candidate.c.resident_id,
        earlier.c.system == candidate.c.system,
        earlier.c.id < candidate.c.id,
        earlier.c.status.not_in(FINAL_OK),
    )
    query = (
        select(candidate.c.id)
        .where(candidate.c.status.in_(WAITING), claimable(candidate), ~blocked)
        .limit(bindparam("c_limit", type_=Integer))
    )
    if not sqlite:
        query = query.order_by(candidate.c.id)
    if some_systems:
        # SQLite has no statistics to tell it that most of a system's rows are long delivered: given the system's
        # index it would walk every delivery the system ever had; ``system || ''`` steers it to the waiting ones.
        system = candidate.c.system + "" if sqlite else candidate.c.system
        query = query.where(system.in_(bindparam("c_systems", expanding=True, type_=String)))
    if not sqlite:
        query = query.with_for_update(skip_locked=True, of=candidate)
    return query


@cache
def take(sqlite: bool, some_systems: bool) -> Any:
    """Lease the chosen deliveries and return them: on SQLite those in ``c_ids`` (chosen just before, outside
    the write), elsewhere those ``choose`` picks, locked and skipped by other workers, in the same statement."""
    chosen = (
        deliveries.c.id.in_(bindparam("c_ids", expanding=True, type_=Integer))
        if sqlite
        else deliveries.c.id.in_(choose(sqlite, some_systems))
    )
    return (
        update(deliveries)
        .where(chosen, claimable(deliveries))  # again: another worker may have taken some meanwhile
        .values(
            status=bindparam("c_status", type_=String),
            lease_owner=bindparam("c_owner", type_=String),
            lease_until=bindparam("c_until", type_=UtcDateTime),
            updated_at=bindparam("c_now", type_=UtcDateTime),
        )
        .returning(*deliveries.c)
    )
