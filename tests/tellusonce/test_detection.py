"""A change in a source of truth's own record, taken in by a real sync, is raised once for the linked resident and
delivered to the other systems, never back to the one it came from."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from joinedup.connectors import open_connector
from joinedup.governance import GovernedDeliveries
from joinedup.ingest import compile_mapping
from joinedup.ingest.sync import RecordMapper, SourceSync
from joinedup.model import EntityType
from joinedup.place import Place, demo_place_path
from joinedup.place._survivorship import FieldRule, Strategy, Survivorship
from joinedup.sim.servers.place_servers import SimulatedPlace
from joinedup.store import Database
from joinedup.store.place_registry import register_place
from joinedup.store.residents import ResidentStore
from joinedup.store.tellusonce_detection import DetectionStore
from joinedup.tellusonce import (
    ChangeDetector,
    ChangeKind,
    DeliveryPolicy,
    DeliveryWorker,
    MappingRecordDirectory,
    OutboxStore,
    PolicyDecision,
    sources_of_truth,
)

from .support import kettleby, pool_for, resident_in

HOUSING = "housing"


def housing_leads_addresses() -> Place:
    """Kettleby, with housing declared the source of truth for addresses (and the GP for deaths)."""
    rules = (
        FieldRule(field="address", strategy=Strategy.MOST_TRUSTED, sources=(HOUSING, "gp")),
        FieldRule(field="date_of_death", strategy=Strategy.MOST_TRUSTED, sources=("gp",)),
        FieldRule(field="phone", strategy=Strategy.MOST_RECENT),
    )
    return kettleby().model_copy(update={"survivorship": Survivorship(fields=rules)})


def sync(database: Database, running: SimulatedPlace, place: Place, system: str) -> None:
    mapping = next(compile_mapping(m) for m in place.mappings if m.system == system)
    with closing(open_connector(running.kind(system), running.connection(system), {})) as connector:
        report = SourceSync(database, connector, RecordMapper(system, EntityType.PERSON, mapping)).run()
    assert report.status == "succeeded", report.error


def link(database: Database, directory: MappingRecordDirectory, residents: list[str]) -> None:
    """Link these residents' records as linkage would (linkage itself is not under test here)."""
    store, now = ResidentStore(database), datetime.now(UTC)
    with database.transaction() as connection:
        for resident in residents:
            store.create_in(connection, resident, now)
            for ref in directory.records_of(resident):
                store.attach_in(connection, ref, resident, "bulk", now)


def detector(database: Database, place: Place, policy: DeliveryPolicy | None = None) -> ChangeDetector:
    return ChangeDetector(
        database,
        place,
        ResidentStore(database),
        lambda organisation: policy or GovernedDeliveries.for_place(place, organisation),
    )


def test_the_place_file_names_sources_of_truth_through_most_trusted_rules() -> None:
    assert sources_of_truth(housing_leads_addresses()) == {HOUSING: {"address"}, "gp": {"date_of_death"}}
    assert sources_of_truth(kettleby()) == {"gp": {"date_of_death"}}  # most-recent rules name no source


def test_a_changed_address_in_the_source_of_truth_is_raised_once_and_delivered_elsewhere(
    database: Database, running: SimulatedPlace, directory: MappingRecordDirectory
) -> None:
    place = housing_leads_addresses()
    register_place(database, place)
    mover, stayer = resident_in(directory, [HOUSING, "gp"]), resident_in(directory, [HOUSING, "gp"], skip=1)
    link(database, directory, [mover, stayer])
    sync(database, running, place, HOUSING)
    assert detector(database, place).run().raised == 0, "a first version is a new record, not a change"

    housing_record = next(r for s, r in directory.records_of(mover) if s == HOUSING)
    rest = running.rest
    assert rest is not None
    rest.change_record(HOUSING, housing_record, {"addressLine1": "7 Orchard Row", "postCode": "KT2 7NR"})
    stayer_record = next(r for s, r in directory.records_of(stayer) if s == HOUSING)
    rest.change_record(HOUSING, stayer_record, {"phoneNumber": "01632 960777"})  # not a field housing leads
    sync(database, running, place, HOUSING)

    report = detector(database, place).run()
    housing = next(each for each in report.systems if each.system == HOUSING)
    assert report.raised == 1 and housing.examined == 2
    outbox = OutboxStore(database)
    (change_id,) = housing.change_ids
    change = outbox.change(change_id)
    assert change is not None
    assert (change["kind"], change["resident_id"], change["source"]) == (ChangeKind.ADDRESS.value, mover, HOUSING)
    assert change["fields"]["address_line_1"] == "7 Orchard Row" and change["fields"]["postcode"] == "KT2 7NR"
    deliveries = outbox.of_change(change_id)
    assert {d.system for d in deliveries} == {s for s, _ in directory.records_of(mover)} - {HOUSING}
    assert HOUSING not in {d.system for d in deliveries}, "never written back to the system it came from"

    assert detector(database, place).run().raised == 0, "a re-run raises nothing twice"
    DetectionStore(database).reset(HOUSING)
    again = detector(database, place).run([HOUSING])
    assert again.raised == 0 and again.systems[0].already_raised == 1, "nor does reading every version again"

    worker = DeliveryWorker(database, pool_for(running, ["gp"]))
    try:
        while worker.run_once():
            pass
    finally:
        worker.connectors.close()
    gp_record = next(r for s, r in directory.records_of(mover) if s == "gp")
    (gp_delivery,) = [d for d in outbox.of_change(change_id) if d.system == "gp"]
    assert gp_delivery.status == "delivered", gp_delivery.reason
    held: dict[str, Any] = rest.record("gp", gp_record)
    assert "7 Orchard Row" in str(held.values()) and "KT2 7NR" in str(held.values())


class _Crashing:
    """A policy that fails part-way, as a crash between planning and committing would."""

    def __init__(self, real: GovernedDeliveries) -> None:
        self.real, self.calls = real, 0

    def decide_in(self, connection: Any, change: Any, asks: Any) -> list[PolicyDecision]:
        self.calls += 1
        if self.calls > 1:
            raise RuntimeError("the detector's process dies here")
        return self.real.decide_in(connection, change, asks)


def test_detection_that_fails_part_way_raises_nothing_and_resumes_where_it_was(
    database: Database, running: SimulatedPlace, directory: MappingRecordDirectory
) -> None:
    place = housing_leads_addresses()
    register_place(database, place)
    movers = [resident_in(directory, [HOUSING, "gp"], skip=n) for n in range(3)]
    link(database, directory, movers)
    sync(database, running, place, HOUSING)
    rest = running.rest
    assert rest is not None
    for n, mover in enumerate(movers):
        record = next(r for s, r in directory.records_of(mover) if s == HOUSING)
        rest.change_record(HOUSING, record, {"addressLine1": f"{n + 1} Moved Close", "postCode": "KT3 1NB"})
    sync(database, running, place, HOUSING)

    with pytest.raises(RuntimeError, match="dies here"):
        detector(database, place, _Crashing(GovernedDeliveries.for_place(place, "kettleby-council"))).run()
    assert OutboxStore(database).counts() == {} and DetectionStore(database).cursors().get(HOUSING, 0) == 0

    assert detector(database, place).run().raised == 3
    assert detector(database, place).run().raised == 0


def test_joinedup_sync_raises_what_a_source_of_truth_now_says(
    database: Database, database_url: str, running: SimulatedPlace, directory: MappingRecordDirectory,
    tmp_path: Path,
) -> None:  # fmt: skip
    text = demo_place_path().read_text(encoding="utf-8")
    declared = text.replace("{field: address, strategy: most-recent}", "{field: address, strategy: most-trusted, "
                            "sources: [housing]}")  # fmt: skip
    # The housing system's connection, as the running simulator serves it (JSON is YAML's flow style).
    start = declared.index("connection:", declared.index("  - code: housing"))
    end = declared.index("\n\n", start)
    connection = running.connection(HOUSING)
    key = connection["auth"]["key"]
    connection["auth"]["key"] = "${KETTLEBY_HOUSING_API_KEY}"  # secrets come from the environment
    declared = declared[:start] + "connection: " + json.dumps(connection) + declared[end:]
    assert "most-trusted, sources: [housing]" in declared
    (tmp_path / "place.yaml").write_text(declared, encoding="utf-8")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("JOINEDUP_")}
    environment |= {"KETTLEBY_HOUSING_API_KEY": key, "COLUMNS": "200", "NO_COLOR": "1"}

    def sync_housing() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", "from joinedup.cli import main; main()", "sync", HOUSING, "--place", "place.yaml",
             "--database-url", database_url],
            cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip

    mover = resident_in(directory, [HOUSING, "gp"])
    first = sync_housing()
    assert first.returncode == 0, first.stderr
    assert "housing: 0 changes raised" in first.stdout
    link(database, directory, [mover])
    record = next(r for s, r in directory.records_of(mover) if s == HOUSING)
    assert running.rest is not None
    running.rest.change_record(HOUSING, record, {"addressLine1": "9 Sync Street", "postCode": "KT4 9SS"})
    second = sync_housing()
    assert second.returncode == 0, second.stderr
    assert "housing: 1 changes raised from 1 new versions" in second.stdout
    (change,) = [row for row in OutboxStore(database).list(limit=100) if row.system == "gp"]
    assert change.resident_id == mover and "9 Sync Street" in str(change.fields.values())
