"""API keys: shown once, stored as a hash, verified by hash, revocable; on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from joinedup.store import Database
from joinedup.store.api_keys import ApiKeyRepository
from joinedup.store.tables import api_keys


class SteppingClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


def test_an_issued_key_is_stored_only_as_its_hash(database: Database) -> None:
    issued = ApiKeyRepository(database).issue("kettleby-housing", "nightly sync")
    assert issued.plaintext.startswith(issued.prefix + "_") and issued.prefix.startswith("jdk_")
    assert len(issued.plaintext) > 40
    with database.transaction() as connection:
        row = connection.execute(select(api_keys)).one()._mapping
    assert row["key_hash"] == hashlib.sha256(issued.plaintext.encode()).hexdigest()
    secret_part = issued.plaintext.removeprefix(issued.prefix + "_")
    assert all(secret_part not in str(value) for value in row.values())
    assert (row["system"], row["label"], row["prefix"]) == ("kettleby-housing", "nightly sync", issued.prefix)
    assert issued.plaintext not in repr(issued)


def test_verify_finds_live_keys_only(database: Database) -> None:
    repository = ApiKeyRepository(database)
    issued = repository.issue("kettleby-housing")
    record = repository.verify(issued.plaintext)
    assert record is not None and record.id == issued.id and record.system == "kettleby-housing" and record.active
    assert repository.verify(issued.plaintext[:-1]) is None
    assert repository.verify(issued.plaintext + "x") is None
    assert repository.verify("") is None
    assert repository.verify("jdk_" + "a" * 200) is None
    assert repository.revoke(issued.id)
    assert repository.verify(issued.plaintext) is None


def test_keys_are_distinct(database: Database) -> None:
    repository = ApiKeyRepository(database)
    keys = [repository.issue("kettleby-housing") for _ in range(5)]
    assert len({key.plaintext for key in keys}) == len({key.prefix for key in keys}) == 5
    assert len({key.id for key in keys}) == 5


def test_revoke_reports_whether_a_live_key_was_revoked(database: Database) -> None:
    clock = SteppingClock()
    repository = ApiKeyRepository(database, now=clock)
    issued = repository.issue("kettleby-housing")
    assert repository.revoke(issued.id) is True
    revoked_at = clock.now
    assert repository.revoke(issued.id) is False  # already revoked: the first time stands
    assert repository.revoke(issued.id + 1000) is False
    record = repository.get(issued.id)
    assert record is not None and not record.active
    assert record.revoked_at == revoked_at and record.revoked_at.tzinfo is not None


def test_list_shows_every_key_oldest_first_and_filters_by_system(database: Database) -> None:
    clock = SteppingClock()
    repository = ApiKeyRepository(database, now=clock)
    housing = repository.issue("kettleby-housing", "first")
    gp = repository.issue("kettleby-gp")
    housing_again = repository.issue("kettleby-housing", "second")
    repository.revoke(housing.id)

    everything = repository.list()
    assert [record.id for record in everything] == [housing.id, gp.id, housing_again.id]
    assert [record.active for record in everything] == [False, True, True]
    assert all(record.created_at.tzinfo is not None for record in everything)
    assert everything[1].created_at == gp.record.created_at
    assert [record.label for record in repository.list(system="kettleby-housing")] == ["first", "second"]
    assert repository.list(system="nobody") == []


@pytest.mark.parametrize("system", ["", "   ", "x" * 65])
def test_a_system_code_is_required(database: Database, system: str) -> None:
    with pytest.raises(ValueError, match="system code"):
        ApiKeyRepository(database).issue(system)
