"""The stored real-time path, for bench_realtime.py: `LinkageService.add_record` over a place held in SQLite.

The matcher's own latency is measured at 1,000,000 records in memory by bench_realtime.py. A stored call adds
the database work around it: reading the record, storing the outcome and its history event, placing the
residents it touched in their household (reading their records' addresses, a few indexed lookups and writes)
and refreshing their search keys. That work is indexed lookups by resident and by UPRN, so it does not grow
with the population; it is measured here on a smaller stored place, split into the match and the household
placement, so the cost household placement adds to a real-time call is a figure of its own (it includes the
one read of the touched residents' records, which their search keys are then built from too).
"""

from __future__ import annotations

import random
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

RECEIVED = datetime(2026, 7, 1, tzinfo=UTC)


def _records(people: int, seed: int) -> tuple[list[Any], dict[str, str]]:
    """The place's mappable records as SourceRecords, and record unique id -> person."""
    from joinedup.ingest.canonical_rows import person_from_canonical_row, property_from_canonical_row
    from joinedup.model import EntityType, SourceRecord
    from joinedup.sim import SIM_SYSTEMS, SyntheticPlace

    entity = {system.code: system.entity for system in SIM_SYSTEMS}
    records: list[Any] = []
    truth: dict[str, str] = {}
    for batch in SyntheticPlace(people, seed).batches():
        person_of = dict(batch.truth)
        for row, changed in zip(batch.canonical_rows(), batch.changed_at, strict=True):
            common = {"system": batch.system, "record_id": row["record_id"], "raw": row, "received_at": RECEIVED}
            common["changed_at"] = changed
            if entity[batch.system] == "person":
                person = person_from_canonical_row(row).person
                if person is not None:
                    records.append(SourceRecord(person=person, **common))
                    truth[f"{batch.system}|{row['record_id']}"] = person_of[row["record_id"]]
            elif (place := property_from_canonical_row(row).property) is not None:
                records.append(SourceRecord(entity=EntityType.PROPERTY, property=place, **common))
    return records, truth


def _register(database: Any) -> None:
    from sqlalchemy import insert

    from joinedup.sim import SIM_SYSTEMS
    from joinedup.store.tables import organisations, source_systems

    with database.transaction() as connection:
        codes = sorted({s.organisation for s in SIM_SYSTEMS})
        connection.execute(
            insert(organisations), [{"code": c, "name": c, "type": "council", "updated_at": RECEIVED} for c in codes]
        )
        connection.execute(
            insert(source_systems),
            [
                {"code": s.code, "name": s.name, "organisation_code": s.organisation, "kind": "file"}
                | {"entity": s.entity, "updated_at": RECEIVED}
                for s in SIM_SYSTEMS
            ],
        )


def _timed(into: list[float], call: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return call(*args, **kwargs)
        finally:
            into.append(time.perf_counter() - started)

    return wrapper


def measure(people: int, queries: int, seed: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Store a place without some records, link it in bulk, then add those records one at a time, timed."""
    from joinedup.linkage import LinkageService
    from joinedup.store import Database
    from joinedup.store.source_records import SourceRecordStore

    records, truth = _records(people, seed)
    persons = sorted({truth[f"{r.system}|{r.record_id}"] for r in records if r.person is not None})
    rng = random.Random(seed)
    held = set(rng.sample(persons, queries // 2))  # new people: none of their records is stored
    people_elsewhere = Counter(truth.values())
    late = [
        r
        for r in records
        if r.person is not None
        and (
            truth[f"{r.system}|{r.record_id}"] in held
            or (r.system == "gp" and people_elsewhere[truth[f"gp|{r.record_id}"]] > 1)
        )
    ]
    late = rng.sample(late, min(queries, len(late)))
    late_ids = {id(r) for r in late}
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
        database.migrate()
        _register(database)
        SourceRecordStore(database).save([r for r in records if id(r) not in late_ids])
        started = time.perf_counter()
        service = LinkageService(database)
        summary = service.resolve()
        log(f"stored place: {summary.records:,} records, {summary.households:,} households, resolved in "
            f"{time.perf_counter() - started:.0f} s")  # fmt: skip
        SourceRecordStore(database).save(late)
        service.add_record(late[0].system, late[0].record_id)  # builds the matcher: not a real-time call's cost
        incoming = service._incoming
        assert incoming is not None
        matching: list[float] = []
        placing: list[float] = []
        incoming.matcher.match = _timed(matching, incoming.matcher.match)  # type: ignore[method-assign]
        incoming._held_after = _timed(placing, incoming._held_after)  # type: ignore[method-assign]
        incoming._place_in = _timed(placing, incoming._place_in)  # type: ignore[method-assign]
        total: list[float] = []
        placed: list[float] = []
        actions: dict[str, int] = {}
        in_a_household = 0
        for record in late[1:]:
            before_placing = len(placing)
            started = time.perf_counter()
            outcome = service.add_record(record.system, record.record_id)
            total.append(time.perf_counter() - started)
            placed.append(sum(placing[before_placing:]))
            actions[outcome.action] = actions.get(outcome.action, 0) + 1
            in_a_household += service.household_of(outcome.resident_id) is not None
        database.dispose()

    def ms(values: list[float], q: float) -> float:
        return round(float(np.percentile(np.array(values) * 1000, q)), 2)

    return {
        "stored_records": summary.records,
        "calls": len(total),
        "add_record_p50_ms": ms(total, 50),
        "add_record_p95_ms": ms(total, 95),
        "match_p95_ms": ms(matching, 95),
        "household_placement_p50_ms": ms(placed, 50),
        "household_placement_p95_ms": ms(placed, 95),
        "in_a_household_after": in_a_household,
        "outcomes": actions,
    }
