"""Checkpoints: signed over the log so far, recorded in the chain, made when due; keys made only where allowed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update

from joinedup.audit import (
    AuditIntegrityError,
    AuditKeyError,
    AuditLog,
    CheckpointEvent,
    checkpoint_if_due_in,
    checkpoint_in,
    load_public_key,
    merkle_root_in,
    public_key_path_for,
    signing_key,
    verify_in,
)
from joinedup.audit._keys import checkpoint_message
from joinedup.store import Database
from joinedup.store.audit_tables import audit_checkpoints as audit_checkpoints_table

from .support import decision


def test_a_checkpoint_signs_the_root_of_the_log_and_is_recorded_in_it(database: Database, tmp_path: Path) -> None:
    key = signing_key(tmp_path / "keys" / "audit.pem", allow_development_key=True)
    public = load_public_key(public_key_path_for(tmp_path / "keys" / "audit.pem"))
    with database.transaction() as connection:
        AuditLog().append_many_in(connection, [decision(f"R-{n}") for n in range(5)])
        made = checkpoint_in(connection, key)
        assert merkle_root_in(connection, 5) == made.root
    assert made.tree_size == 5
    assert isinstance(made.entry.event, CheckpointEvent) and made.entry.sequence == 6
    public.verify(
        bytes.fromhex(_signature(database, made.id)),
        checkpoint_message(made.tree_size, made.root, made.signed_at, made.key_id),
    )
    assert (tmp_path / "keys" / "audit.pem").stat().st_mode & 0o077 == 0


def _signature(database: Database, checkpoint_id: int) -> str:
    from joinedup.store import audit_checkpoints

    with database.transaction() as connection:
        (stored,) = [c for c in audit_checkpoints.all_checkpoints(connection) if c.id == checkpoint_id]
    return stored.signature


def test_checkpoints_are_made_only_when_due(database: Database, tmp_path: Path) -> None:
    key = signing_key(tmp_path / "audit.pem", allow_development_key=True)
    audit = AuditLog()
    with database.transaction() as connection:
        audit.append_many_in(connection, [decision() for _ in range(3)])
        assert checkpoint_if_due_in(connection, key, every=5) is None
        audit.append_many_in(connection, [decision() for _ in range(2)])
        first = checkpoint_if_due_in(connection, key, every=5)
        assert first is not None and first.tree_size == 5
        audit.append_many_in(connection, [decision() for _ in range(4)])
        assert checkpoint_if_due_in(connection, key, every=5) is None
        audit.append_in(connection, decision())
        second = checkpoint_if_due_in(connection, key, every=5)
    assert second is not None and second.tree_size == 11


def test_a_missing_key_is_made_only_where_development_allows(tmp_path: Path) -> None:
    with pytest.raises(AuditKeyError, match="does not exist"):
        signing_key(tmp_path / "absent.pem", allow_development_key=False)
    (tmp_path / "not-a-key.pem").write_text("hello", encoding="utf-8")
    with pytest.raises(AuditKeyError, match="not a PEM private key"):
        signing_key(tmp_path / "not-a-key.pem", allow_development_key=True)


def _frontier_of(database: Database, checkpoint_id: int) -> tuple[str, ...] | None:
    from joinedup.store import audit_checkpoints

    with database.transaction() as connection:
        (stored,) = [c for c in audit_checkpoints.all_checkpoints(connection) if c.id == checkpoint_id]
    return stored.frontier


def test_each_checkpoint_continues_from_the_last_ones_frontier_and_gives_the_full_root(
    database: Database, tmp_path: Path
) -> None:
    key = signing_key(tmp_path / "audit.pem", allow_development_key=True)
    public = load_public_key(public_key_path_for(tmp_path / "audit.pem"))
    made = []
    for batch in (5, 1, 12, 0, 33):
        with database.transaction() as connection:
            AuditLog().append_many_in(connection, [decision(f"R-{n}") for n in range(batch)])
            made.append(checkpoint_in(connection, key))
            assert made[-1].root == merkle_root_in(connection, made[-1].tree_size)  # the same as read in full
    assert [m.tree_size for m in made] == [5, 7, 20, 21, 55]
    assert len(_frontier_of(database, made[-1].id) or ()) == bin(55).count("1")
    with database.transaction() as connection:
        assert verify_in(connection, public).intact


def test_a_changed_frontier_is_refused_by_the_next_checkpoint_and_reported_by_verify(
    database: Database, tmp_path: Path
) -> None:
    key = signing_key(tmp_path / "audit.pem", allow_development_key=True)
    public = load_public_key(public_key_path_for(tmp_path / "audit.pem"))
    with database.transaction() as connection:
        AuditLog().append_many_in(connection, [decision(f"R-{n}") for n in range(6)])
        first = checkpoint_in(connection, key)
        AuditLog().append_many_in(connection, [decision("R-9")])
    forged = ",".join(["ab" * 32] * len(_frontier_of(database, first.id) or ()))
    with database.transaction() as connection:
        connection.execute(
            update(audit_checkpoints_table).where(audit_checkpoints_table.c.id == first.id).values(frontier=forged)
        )
    with pytest.raises(AuditIntegrityError, match=f"checkpoint {first.id}'s stored frontier does not give"):
        with database.transaction() as connection:
            checkpoint_in(connection, key)
    with database.transaction() as connection:
        report = verify_in(connection, public)
    assert [p.what for p in report.problems] == [
        f"checkpoint {first.id} (entries 1 to 6): its stored frontier is not the entries' own: it was changed"
    ]
