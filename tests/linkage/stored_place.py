"""A small synthetic place written into the hub's store as source records, as ingest would leave it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache

from sqlalchemy import insert

from joinedup.ingest.canonical_rows import person_from_canonical_row, property_from_canonical_row
from joinedup.linkage import TrainedModel, prepare, train
from joinedup.linkage._stored_records import collect
from joinedup.model import EntityType, SourceRecord
from joinedup.sim import SIM_SYSTEMS, SyntheticPlace
from joinedup.store import Database
from joinedup.store.residents_sources import CurrentDocument
from joinedup.store.source_records import SourceRecordStore
from joinedup.store.tables import organisations, source_systems

RECEIVED = datetime(2026, 7, 1, tzinfo=UTC)
_ENTITY = {system.code: system.entity for system in SIM_SYSTEMS}


def register_sim_systems(database: Database) -> None:
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


@cache
def sim_records(people: int, seed: int) -> tuple[tuple[SourceRecord, ...], dict[str, str]]:
    """Every mappable record of the place as a SourceRecord, and the truth: record unique id -> person id."""
    records: list[SourceRecord] = []
    truth: dict[str, str] = {}
    for batch in SyntheticPlace(people, seed).batches():
        person_ids = dict(batch.truth)
        for row, changed in zip(batch.canonical_rows(), batch.changed_at, strict=True):
            common = {"system": batch.system, "record_id": row["record_id"], "raw": row, "received_at": RECEIVED}
            common["changed_at"] = changed
            if _ENTITY[batch.system] == "person":
                person = person_from_canonical_row(row).person
                if person is None:
                    continue
                records.append(SourceRecord(person=person, **common))
                truth[f"{batch.system}|{row['record_id']}"] = person_ids[row["record_id"]]
            else:
                place = property_from_canonical_row(row).property
                if place is not None:
                    records.append(SourceRecord(entity=EntityType.PROPERTY, property=place, **common))
    return tuple(records), truth


@cache
def sim_model(people: int, seed: int) -> TrainedModel:
    """The model trained (without labels) on the place's person records: trained once per test session."""
    records, _ = sim_records(people, seed)
    return train(prepare(collect(documents(records)).frame()))


def documents(records: Iterable[SourceRecord]) -> list[CurrentDocument]:
    """Records as the store hands them to linkage."""
    return [
        CurrentDocument(
            r.system,
            r.record_id,
            r.entity.value,
            (r.person or r.property).model_dump(mode="json", exclude_none=True),  # type: ignore[union-attr]
            r.changed_at or r.received_at,
        )
        for r in records
    ]


def store_records(database: Database, records: Iterable[SourceRecord]) -> None:
    SourceRecordStore(database).save(list(records))
