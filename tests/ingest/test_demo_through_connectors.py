"""The demo place's mappings take what each running simulated system's connector really sends.

tests/ingest/test_demo_mappings.py compares the mappings field by field with the sim's canonical rows. This
reads every record of every system through the same path a sync takes: the system running on its own server
or folder, its connector opened from the connection the simulator hands out, and each record through
:class:`~joinedup.ingest.sync.RecordMapper` with the mapping and entity from the demo place file. Nothing may be
quarantined, every record the sim made must arrive exactly once, and the fields that matching leans on most
must be there.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from joinedup.connectors import open_connector
from joinedup.ingest import check_mappings, compile_mapping
from joinedup.ingest.sync import RecordMapper
from joinedup.model import EntityType, SourceRecord
from joinedup.place import demo_place_path, load_place
from joinedup.sim import SIM_SYSTEMS, SyntheticPlace
from joinedup.sim.servers.place_servers import KINDS, SimulatedPlace
from joinedup.store.ingest_state import Rejection

PEOPLE, SEED = 400, 3
FILLED = 0.95  # the least share of records whose key fields must come through
HAS_BROWSER = importlib.util.find_spec("playwright") is not None and os.path.exists("/usr/bin/chromium")


@dataclass(frozen=True)
class Read:
    records: list[SourceRecord]
    rejections: list[Rejection]
    canonical: dict[str, dict[str, str]]  # the sim's canonical row of each record it made, by record id


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatedPlace]:
    place = SyntheticPlace(people=PEOPLE, seed=SEED)
    with SimulatedPlace(place, tmp_path_factory.mktemp("place"), start_timeout_seconds=20) as started:
        yield started


def _read(running: SimulatedPlace, code: str) -> Read:
    place = load_place(demo_place_path(), checks=[check_mappings])
    system = next(system for system in place.systems if system.code == code)
    mapping = compile_mapping(next(mapping for mapping in place.mappings if mapping.system == code))
    mapper = RecordMapper(code, EntityType(system.entity), mapping)
    received_at = datetime.now(UTC)
    with closing(open_connector(running.kind(code), running.connection(code), {})) as connector:
        outcomes = [mapper(raw, received_at) for raw in connector.read()]
    canonical: dict[str, dict[str, str]] = {}
    for batch in running.place.batches():
        if batch.system == code:
            rows = {row["record_id"]: row for row in batch.canonical_rows()}
            assert set(rows) == {record_id for record_id, _ in batch.truth}
            canonical |= rows
    return Read(
        [outcome for outcome in outcomes if isinstance(outcome, SourceRecord)],
        [outcome for outcome in outcomes if isinstance(outcome, Rejection)],
        canonical,
    )


def _share(filled: list[bool]) -> float:
    assert filled, "no records to measure"
    return sum(filled) / len(filled)


@pytest.mark.parametrize(
    "code",
    [
        pytest.param(
            system.code,
            marks=[pytest.mark.skipif(not HAS_BROWSER, reason="needs the browser extra and Chromium")]
            if KINDS[system.code] == "screen"
            else [],
        )
        for system in SIM_SYSTEMS
    ],
)
def test_every_record_a_connector_sends_maps_cleanly(running: SimulatedPlace, code: str) -> None:
    read = _read(running, code)
    # Record ids and reasons only: reasons name fields and expectations, never values.
    assert [(r.record_id, r.reasons) for r in read.rejections] == []
    ids = [record.record_id for record in read.records]
    assert len(ids) == len(set(ids)), "a record was read twice"
    assert set(ids) == set(read.canonical), "the records read are exactly those the sim made"
    records = read.records
    assert all(record.changed_at is not None for record in records)
    if code == "waste":
        assert all(record.property is not None and record.person is None for record in records)
        uprns = _share([record.property is not None and bool(record.property.uprn) for record in records])
        assert uprns >= FILLED, f"UPRNs on {uprns:.1%} of properties"
        return
    people = [(record.person, read.canonical[record.record_id]) for record in records]
    assert all(person is not None for person, _ in people)
    family = _share([person is not None and bool(person.name.family) for person, _ in people])
    assert family >= FILLED, f"family names on {family:.1%} of records"
    # Some systems know few dates of birth (council tax rarely asks): measured where the system holds one.
    held = [person for person, row in people if row["date_of_birth"]]
    assert held, "the system holds dates of birth"
    born = _share([person is not None and person.date_of_birth is not None for person in held])
    assert born >= FILLED, f"dates of birth on {born:.1%} of the records that hold one"
