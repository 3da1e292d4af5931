"""Tampering with the stored log in each possible way is detected, at the entry where it was done."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

from joinedup.audit import AuditLog, VerificationReport, checkpoint_in, verify_in
from joinedup.audit._chain import chain_hash, seal
from joinedup.audit._keys import create_development_key
from joinedup.store import Database

from .support import decision, disclosure


@dataclass
class Log:
    database: Database
    key: Ed25519PrivateKey

    def verify(self) -> VerificationReport:
        with self.database.transaction() as connection:
            return verify_in(connection, self.key.public_key())

    def sql(self, statement: str, **params: object) -> None:
        with self.database.transaction() as connection:
            connection.execute(text(statement), params)

    def hash_of(self, sequence: int) -> str:
        with self.database.transaction() as connection:
            query = text("SELECT entry_hash FROM audit_entries WHERE sequence = :s")
            return str(connection.execute(query, {"s": sequence}).scalar_one())

    def renumber_from(self, sequence: int, by: int) -> None:
        """Shift entries >= sequence by ``by`` (through negatives, so no unique key clashes on the way)."""
        self.sql("UPDATE audit_entries SET sequence = -sequence WHERE sequence >= :s", s=sequence)
        self.sql("UPDATE audit_entries SET sequence = -sequence + :by WHERE sequence < 0", by=by)


@pytest.fixture
def log(database: Database, tmp_path: Path) -> Iterator[Log]:
    """25 entries: 10 events, a checkpoint of 1-10 (entry 11), 8 more, a checkpoint of 1-19 (entry 20), 5 more."""
    key = create_development_key(tmp_path / "audit-key.pem")
    audit = AuditLog()
    with database.transaction() as connection:
        audit.append_many_in(connection, [decision(f"R-{n}") if n % 2 else disclosure(f"R-{n}") for n in range(10)])
        checkpoint_in(connection, key, audit)
    with database.transaction() as connection:
        audit.append_many_in(connection, [disclosure(f"R-{n}") for n in range(8)])
        checkpoint_in(connection, key, audit)
        audit.append_many_in(connection, [decision(f"R-{n}") for n in range(5)])
    yield Log(database, key)


def sequences(report: VerificationReport) -> list[int]:
    return [problem.sequence for problem in report.problems]


def test_an_untampered_log_verifies(log: Log) -> None:
    report = log.verify()
    assert report.intact, report.problems
    assert (report.entries, report.checkpoints) == (25, 2)


def test_an_edited_field_is_found_at_its_entry(log: Log) -> None:
    log.sql("UPDATE audit_entries SET body = REPLACE(body, 'housing-officer', 'police-officer') WHERE sequence = 5")
    report = log.verify()
    assert sequences(report)[0] == 5
    assert "entry 5 does not match its hash" in report.problems[0].what
    assert any(problem.checkpoint == 1 for problem in report.problems)  # the signed root no longer matches


def test_an_edit_with_its_hash_recomputed_breaks_the_link_to_the_next_entry(log: Log) -> None:
    edited = seal(7, decision().occurred_at, disclosure("R-99"), log.hash_of(6))
    log.sql(
        "UPDATE audit_entries SET body = :b, entry_hash = :h, subject_resident_id = 'R-99' WHERE sequence = 7",
        b=edited.body,
        h=edited.entry_hash,
    )
    report = log.verify()
    assert sequences(report)[0] == 8
    assert "entry 7 was changed and its hash recomputed" in report.problems[0].what


def test_a_deleted_entry_is_named(log: Log) -> None:
    log.sql("DELETE FROM audit_entries WHERE sequence = 5")
    report = log.verify()
    assert sequences(report)[0] == 5
    assert report.problems[0].what == "entry 5 is missing: deleted from the log"


def test_deleting_the_last_entries_is_found_by_the_head(log: Log) -> None:
    log.sql("DELETE FROM audit_entries WHERE sequence >= 24")
    report = log.verify()
    assert sequences(report) == [24]
    assert "entries 24 to 25 are missing" in report.problems[0].what


def test_an_inserted_entry_is_named_even_with_a_correct_hash(log: Log) -> None:
    forged = seal(5, decision().occurred_at, disclosure("R-1"), log.hash_of(4))
    log.renumber_from(5, 1)
    log.sql(
        "INSERT INTO audit_entries (sequence, kind, subject_resident_id, body, entry_hash)"
        " VALUES (5, 'disclosure', 'R-1', :b, :h)",
        b=forged.body,
        h=forged.entry_hash,
    )
    log.sql("UPDATE audit_chain_head SET last_sequence = 26")
    report = log.verify()
    assert sequences(report)[0] == 5
    assert report.problems[0].what.startswith("entry 5 was inserted")


def test_an_entry_added_after_the_end_is_unknown_to_the_head(log: Log) -> None:
    forged = seal(26, decision().occurred_at, disclosure("R-1"), log.hash_of(25))
    log.sql(
        "INSERT INTO audit_entries (sequence, kind, subject_resident_id, body, entry_hash)"
        " VALUES (26, 'disclosure', 'R-1', :b, :h)",
        b=forged.body,
        h=forged.entry_hash,
    )
    report = log.verify()
    assert sequences(report) == [26]
    assert "unknown to the chain head" in report.problems[0].what


def test_two_reordered_entries_are_both_named(log: Log) -> None:
    log.sql("UPDATE audit_entries SET sequence = -1 WHERE sequence = 5")
    log.sql("UPDATE audit_entries SET sequence = 5 WHERE sequence = 6")
    log.sql("UPDATE audit_entries SET sequence = 6 WHERE sequence = -1")
    report = log.verify()
    assert sequences(report)[:2] == [5, 6]
    assert "entry 5 was written as entry 6" in report.problems[0].what
    assert "entry 6 was written as entry 5" in report.problems[1].what
    assert all(problem.checkpoint is not None for problem in report.problems[2:])


def test_a_changed_lookup_column_is_found(log: Log) -> None:
    log.sql("UPDATE audit_entries SET subject_resident_id = 'R-other' WHERE sequence = 3")
    report = log.verify()
    assert sequences(report) == [3]
    assert "look-up columns" in report.problems[0].what


@pytest.mark.parametrize(
    ("column", "value"),
    [("root", "0" * 64), ("tree_size", 9), ("signature", "00" * 64), ("key_id", "f" * 64)],
)
def test_a_checkpoint_changed_without_resigning_is_found(log: Log, column: str, value: object) -> None:
    log.sql(f"UPDATE audit_checkpoints SET {column} = :v WHERE id = 1", v=value)
    report = log.verify()
    assert [problem.checkpoint for problem in report.problems if problem.checkpoint] == [1]
    assert any("does not verify with the public key" in problem.what for problem in report.problems)


def test_a_re_dated_checkpoint_is_found(log: Log) -> None:
    log.sql("UPDATE audit_checkpoints SET signed_at = signed_at - INTERVAL '1 day' WHERE id = 2") if (
        log.database.backend == "postgresql"
    ) else log.sql("UPDATE audit_checkpoints SET signed_at = '2020-01-01 00:00:00' WHERE id = 2")
    report = log.verify()
    assert [problem.checkpoint for problem in report.problems] == [2]


def test_a_deleted_checkpoint_is_missed_by_its_entry(log: Log) -> None:
    log.sql("DELETE FROM audit_checkpoints WHERE id = 2")
    report = log.verify()
    assert sequences(report) == [20]
    assert "records a checkpoint of entries 1 to 19 that is gone" in report.problems[0].what


def test_a_rewritten_chain_is_caught_by_the_signed_checkpoint(log: Log) -> None:
    """Rewriting entry 7 and re-hashing every entry after it leaves the chain consistent: the signature is not."""
    with log.database.transaction() as connection:
        rows = connection.execute(text("SELECT sequence, body FROM audit_entries ORDER BY sequence")).all()
        previous = log.hash_of(6)
        for sequence, body in rows[6:]:
            if sequence == 7:
                body = body.replace('"purpose":"housing"', '"purpose":"council-tax"')
            previous = chain_hash(previous, body)
            connection.execute(
                text("UPDATE audit_entries SET body = :b, entry_hash = :h WHERE sequence = :s"),
                {"b": body, "h": previous, "s": sequence},
            )
        connection.execute(text("UPDATE audit_chain_head SET last_hash = :h"), {"h": previous})
    report = log.verify()
    assert [problem.checkpoint for problem in report.problems] == [1, 2]
    assert sequences(report)[0] == 1
    assert "entries 1 to 10 no longer give the signed root" in report.problems[0].what


def test_resident_ids_that_need_escaping_verify_and_their_columns_are_checked(log: Log) -> None:
    with log.database.transaction() as connection:
        AuditLog().append_many_in(connection, [disclosure('R-"Ö"\\'), disclosure("R-ünïcode")])
    assert log.verify().intact
    log.sql("UPDATE audit_entries SET subject_resident_id = 'R-unicode' WHERE sequence = 27")
    assert sequences(log.verify()) == [27]
