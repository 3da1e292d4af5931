"""Concurrent writers: the chain stays linear (no two entries share a predecessor) and verifies."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from joinedup.audit import AuditLog, verify_in
from joinedup.audit._keys import create_development_key
from joinedup.store import Database

from .support import decision

WRITERS, APPENDS = 4, 15


def test_concurrent_appends_make_one_linear_verified_chain(database_url: str, tmp_path: Path) -> None:
    database = Database(database_url, pool_size=WRITERS) if "postgresql" in database_url else Database(database_url)
    database.migrate()
    audit = AuditLog()

    def write(writer: int) -> list[int]:
        sequences = []
        for n in range(APPENDS):
            with database.transaction() as connection:
                sequences.append(audit.append_in(connection, decision(f"R-{writer}-{n}")).sequence)
        return sequences

    try:
        with ThreadPoolExecutor(WRITERS) as pool:
            results = list(pool.map(write, range(WRITERS)))
        key = create_development_key(tmp_path / "key.pem")
        with database.transaction() as connection:
            report = verify_in(connection, key.public_key())
    finally:
        database.dispose()
    assert sorted(sequence for result in results for sequence in result) == list(range(1, WRITERS * APPENDS + 1))
    assert report.intact, report.problems
    assert report.entries == WRITERS * APPENDS
