"""Appending: sequence numbers and hashes chain, and an entry lives or dies with its act's transaction."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from joinedup.audit import GENESIS_HASH, AuditLog, DecisionEvent, DisclosureEvent
from joinedup.audit._chain import chain_hash
from joinedup.store import Database

from .support import decision, disclosure


def test_appends_chain_each_entry_onto_the_last(database: Database) -> None:
    log = AuditLog()
    with database.transaction() as connection:
        first = log.append_in(connection, decision())
        second, third = log.append_many_in(connection, [disclosure(), decision("R-2")])
    assert [first.sequence, second.sequence, third.sequence] == [1, 2, 3]
    assert first.entry_hash == chain_hash(GENESIS_HASH, first.body)
    assert third.entry_hash == chain_hash(second.entry_hash, third.body)
    with database.transaction() as connection:
        entries = log.read_in(connection)
    assert [type(entry.event) for entry in entries] == [DecisionEvent, DisclosureEvent, DecisionEvent]
    assert entries[2].event == decision("R-2").model_copy(update={"occurred_at": entries[2].event.occurred_at})
    assert entries[0].recorded_at.tzinfo is not None


def test_a_rolled_back_act_leaves_no_entry(database: Database) -> None:
    log = AuditLog()
    with database.transaction() as connection:
        log.append_in(connection, decision())
    with pytest.raises(RuntimeError, match="the act failed"), database.transaction() as connection:
        log.append_in(connection, disclosure())
        raise RuntimeError("the act failed")
    with database.transaction() as connection:
        after = log.append_in(connection, decision("R-3"))
        stored = connection.execute(text("SELECT count(*) FROM audit_entries")).scalar_one()
    assert after.sequence == 2
    assert stored == 2


def test_the_stored_text_is_canonical_json_of_the_entry() -> None:
    from datetime import UTC, datetime

    from joinedup.audit._chain import canonical_body

    event, at = disclosure('R-é\\"'), datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
    body = canonical_body(7, at, event)
    expected = {"event": event.model_dump(mode="json"), "recorded_at": at.isoformat(), "sequence": 7}
    assert body == json.dumps(expected, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test_driver_errors_surface_as_sqlalchemy_errors(database: Database) -> None:
    from sqlalchemy.exc import DBAPIError

    with database.transaction() as connection:
        connection.execute(text("DROP TABLE audit_entries"))
    with pytest.raises(DBAPIError), database.transaction() as connection:
        AuditLog().append_in(connection, decision())
