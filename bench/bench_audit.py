"""Benchmark: the audit log's durable append rate on SQLite, and offline verification of a 1,000,000-entry log.

Targets (issue 5): at least 5,000 audit appends/s durable on SQLite, and verifying a 1,000,000-entry log (chain,
head and signed checkpoints) in at most 30 s. Medians of three runs.

Checkpoints are incremental: each keeps its Merkle frontier, so the next reads only the entries since. ``--part
checkpoint`` measures, on one 1,000,000-entry log, the first checkpoint (which reads every entry: what every
checkpoint cost before) against later ones that each follow 1,000 new entries.

Durability: SQLite in WAL mode with ``synchronous=FULL``, so every commit waits for the write-ahead log to be
fsynced: a committed entry survives a power cut, not only a crash of the process. (joinedup's default,
``synchronous=NORMAL``, fsyncs only at WAL checkpoints: a crash of joinedup loses nothing committed, a power cut
can lose the newest transactions.) An fsync costs milliseconds here, so the headline figure commits appends in
transactions of 100 (a disclosure run, an export, a delivery batch); one append per transaction is reported
alongside under both settings.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

import results  # bench/ is not a package: results.py sits beside this file

APPENDS = 20_000
PER_TRANSACTION = 100
SINGLE_APPENDS = 1_000
LOG_ENTRIES = 1_000_000
RUNS = 3
APPEND_TARGET = 5_000.0
VERIFY_TARGET_S = 30.0
NEW_ENTRIES = 1_000  # appended between the checkpoints measured after the first


def _events(count: int) -> list[Any]:
    """Realistic, varied events: decisions and disclosures about many residents, field names only."""
    from joinedup.audit import Actor, Channel, DecisionEvent, DisclosureEvent, Outcome

    actors = [Actor(person_id=f"staff-{n}", role=role, organisation=org) for n, (role, org) in enumerate(
        [("housing-officer", "council"), ("social-worker", "childrens-services"), ("gp", "surgery")])]  # fmt: skip
    made: list[Any] = []
    for n in range(count):
        common: dict[str, Any] = {
            "actor": actors[n % 3], "purpose": "s47-enquiry", "purpose_description": "A safeguarding enquiry",
            "reference": f"referral-{n % 977}", "subject_resident_id": f"R-{n:07d}", "channel": Channel.API,
            "agreement_code": "safeguarding-isa", "agreement_version": "2", "lawful_basis": "UK GDPR Art 6(1)(e)",
        }  # fmt: skip
        if n % 2:
            made.append(DisclosureEvent(**common, fields_disclosed=("name", "address", "date_of_birth"),
                                        withheld_until=date(2027, 1, 1) if n % 50 == 1 else None))  # fmt: skip
        else:
            made.append(DecisionEvent(**common, fields_requested=("name", "address", "date_of_birth", "gp"),
                                      fields_permitted=("name", "address", "date_of_birth"), outcome=Outcome.PERMIT,
                                      reasons=("safeguarding-isa v2 permits these fields",)))  # fmt: skip
    return made


def _database(path: Path, synchronous: str) -> Any:
    from joinedup.store import Database

    database = Database(f"sqlite:///{path}")

    def _synchronous(dbapi_connection: Any, _record: Any) -> None:  # runs after joinedup's own pragmas
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    event.listen(database.engine, "connect", _synchronous)
    database.migrate()
    with database.engine.connect() as connection:
        mode = connection.execute(text("PRAGMA journal_mode")).scalar_one()
        level = connection.execute(text("PRAGMA synchronous")).scalar_one()
    assert (mode, level) == ("wal", {"NORMAL": 1, "FULL": 2}[synchronous]), (mode, level)
    return database


def append_rate(folder: Path, synchronous: str, appends: int, per_transaction: int) -> float:
    from joinedup.audit import AuditLog

    database = _database(folder / f"append-{synchronous}-{per_transaction}-{time.monotonic_ns()}.db", synchronous)
    log, events = AuditLog(), _events(appends)
    started = time.perf_counter()
    for start in range(0, appends, per_transaction):
        with database.transaction() as connection:
            for one in events[start : start + per_transaction]:
                log.append_in(connection, one)
    seconds = time.perf_counter() - started
    database.dispose()
    return appends / seconds


def build_log(folder: Path) -> tuple[Any, Any]:
    """A log of LOG_ENTRIES entries with two signed checkpoints (half way, and at the end)."""
    from joinedup.audit import AuditLog, checkpoint_in
    from joinedup.audit._keys import create_development_key

    key = create_development_key(folder / "audit-key.pem")
    database = _database(folder / "log.db", "NORMAL")
    log, events, batch = AuditLog(), _events(1_000), 10_000
    cycle = itertools.cycle(events)
    started = time.perf_counter()
    written = 0
    while written < LOG_ENTRIES:
        with database.transaction() as connection:
            if written in (LOG_ENTRIES // 2, LOG_ENTRIES - 1):
                checkpoint_in(connection, key, log)
                written += 1
            size = min(batch, LOG_ENTRIES - written - (1 if written < LOG_ENTRIES - 1 else 0))
            log.append_many_in(connection, [next(cycle) for _ in range(size)])
            written += size
        if written % 100_000 < batch:
            print(f"built {written:,} entries in {time.perf_counter() - started:.0f} s", flush=True)
    with database.transaction() as connection:
        checkpoint_in(connection, key, log)  # over everything: one more entry, its own event
    return database, key


def verify_seconds(database: Any, key: Any) -> tuple[float, Any]:
    from joinedup.audit import verify_in

    started = time.perf_counter()
    with database.engine.connect() as connection:
        report = verify_in(connection, key.public_key())
    return time.perf_counter() - started, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["all", "appends", "verify", "checkpoint"], default="all")
    part = parser.parse_args().part
    with tempfile.TemporaryDirectory(prefix="joinedup-bench-audit-") as tmp:
        if part in ("all", "appends"):
            measure_appends(Path(tmp))
        if part in ("all", "verify"):
            measure_verify(Path(tmp))
        if part in ("all", "checkpoint"):
            measure_checkpoints(Path(tmp))


def measure_appends(folder: Path) -> None:
    batched = [append_rate(folder, "FULL", APPENDS, PER_TRANSACTION) for _ in range(RUNS)]
    print(f"durable appends (FULL, {PER_TRANSACTION} per transaction): {[round(r) for r in batched]} /s")
    single_full = [append_rate(folder, "FULL", SINGLE_APPENDS // 4, 1) for _ in range(RUNS)]
    single_normal = [append_rate(folder, "NORMAL", SINGLE_APPENDS, 1) for _ in range(RUNS)]
    full_rates, normal_rates = [round(r) for r in single_full], [round(r) for r in single_normal]
    print(f"one per transaction: FULL {full_rates} /s, NORMAL {normal_rates} /s")
    rate = results.median(batched)
    results.record(
        "audit appends, durable (SQLite WAL, synchronous=FULL)", round(rate), "appends/s",
        f">= {APPEND_TARGET:,.0f} appends/s", rate >= APPEND_TARGET,
        {"runs": [round(r) for r in batched], "appends_per_run": APPENDS,
         "appends_per_transaction": PER_TRANSACTION,
         "journal_mode": "wal", "synchronous": "FULL (each commit fsyncs the WAL)",
         "one_per_transaction_full_median": round(results.median(single_full)),
         "one_per_transaction_normal_median": round(results.median(single_normal))},
    )  # fmt: skip


def measure_verify(folder: Path) -> None:
    database, key = build_log(folder)
    timings = []
    for _ in range(RUNS):
        seconds, report = verify_seconds(database, key)
        assert report.intact and report.entries == LOG_ENTRIES + 1 and report.checkpoints == 3, report
        timings.append(seconds)
        print(f"verified {report.entries:,} entries and {report.checkpoints} checkpoints in {seconds:.1f} s")
    database.dispose()
    taken = results.median(timings)
    results.record(
        "audit verify, 1,000,000-entry log (SQLite)", round(taken, 1), "s", f"<= {VERIFY_TARGET_S:.0f} s",
        taken <= VERIFY_TARGET_S,
        {"runs": [round(t, 1) for t in timings], "entries": LOG_ENTRIES + 1, "signed_checkpoints": 3},
    )  # fmt: skip


def measure_checkpoints(folder: Path) -> None:
    """The first checkpoint of a 1,000,000-entry log against later ones, each after NEW_ENTRIES more entries."""
    import os

    from joinedup.audit import AuditLog, checkpoint_in, merkle_root_in
    from joinedup.audit._keys import create_development_key

    key = create_development_key(folder / "checkpoint-key.pem")
    database = _database(folder / "checkpoints.db", "NORMAL")
    log, events = AuditLog(), _events(1_000)
    cycle = itertools.cycle(events)
    for start in range(0, LOG_ENTRIES, 10_000):
        with database.transaction() as connection:
            log.append_many_in(connection, [next(cycle) for _ in range(min(10_000, LOG_ENTRIES - start))])
    load = os.getloadavg()[0]
    started = time.perf_counter()
    with database.transaction() as connection:
        first = checkpoint_in(connection, key, log)
    first_seconds = time.perf_counter() - started
    later = []
    for _ in range(RUNS):
        with database.transaction() as connection:
            log.append_many_in(connection, [next(cycle) for _ in range(NEW_ENTRIES)])
        started = time.perf_counter()
        with database.transaction() as connection:
            made = checkpoint_in(connection, key, log)
        later.append(time.perf_counter() - started)
    with database.engine.connect() as connection:
        assert merkle_root_in(connection, made.tree_size) == made.root  # the same root as read in full
    database.dispose()
    taken = results.median(later)
    print(f"first checkpoint over {first.tree_size:,} entries: {first_seconds:.2f} s; later ones after "
          f"{NEW_ENTRIES:,} new entries: {[round(t * 1000, 1) for t in later]} ms (load {load:.1f})")  # fmt: skip
    results.record(
        "audit checkpoint after 1,000,000 entries (1,000 new since the last)", round(taken * 1000, 1), "ms",
        "O(new entries): far below the first checkpoint", taken * 20 < first_seconds,
        {"runs_ms": [round(t * 1000, 1) for t in later], "first_checkpoint_s": round(first_seconds, 2),
         "first_over_later": round(first_seconds / taken, 1), "log_entries": first.tree_size,
         "new_entries_per_checkpoint": NEW_ENTRIES, "load_average_1min": round(load, 1)},
    )  # fmt: skip


if __name__ == "__main__":
    main()
