"""`joinedup audit rectify`: the correction is in the audit log, each subscribed system holding the resident has a
delivery of the corrected value in the outbox, and the organisations it was disclosed to are reported."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from joinedup.audit import Actor, AuditLog, DisclosureEvent, RectificationEvent
from joinedup.model import Person as HeldPerson
from joinedup.model import PersonName, SourceRecord
from joinedup.place import demo_place_path, load_place
from joinedup.sim import SyntheticPlace
from joinedup.sim.servers.place_servers import SimulatedPlace
from joinedup.store import Database, audit_log
from joinedup.store.place_registry import register_place
from joinedup.store.residents import ResidentStore
from joinedup.store.source_records import SourceRecordStore
from joinedup.store.tellusonce_outbox import OutboxStore
from joinedup.tellusonce import DeliveryWorker, deliver_until_settled
from tests.audit.support import disclosure
from tests.tellusonce.support import pool_for, resident_in, truth_directory

from .conftest import Run

NOW = datetime(2026, 11, 1, tzinfo=UTC)
HELD = {"council-tax": "C1", "housing": "H1", "gp": "G1", "schools": "S1"}  # not waste: it must get nothing
GP = Actor(person_id="gp-1", role="gp-receptionist", organisation="kettleby-primary-care")
POLICE = Actor(person_id="pc-9", role="police-officer", organisation="kettleby-police")


def _held(system: str, record_id: str) -> SourceRecord:
    person = HeldPerson(name=PersonName(given="Ann", family="Example"), date_of_birth=date(1990, 5, 6))
    return SourceRecord(
        system=system, record_id=record_id, version=1, raw={"id": record_id}, person=person,
        received_at=NOW, changed_at=NOW - timedelta(days=1),
    )  # fmt: skip


def _shown(actor: Actor, fields: tuple[str, ...]) -> DisclosureEvent:
    return disclosure("R1", actor=actor).model_copy(update={"fields_disclosed": fields})


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A linked resident held by four systems; their phone was shown to the GP, only their name to the police."""
    database = Database(f"sqlite:///{tmp_path / 'joinedup.db'}")
    database.migrate()
    register_place(database, load_place(demo_place_path()), now=NOW)
    SourceRecordStore(database).save([_held(system, record) for system, record in HELD.items()])
    residents = ResidentStore(database)
    with database.transaction() as connection:
        residents.create_in(connection, "R1", NOW)
        for ref in HELD.items():
            residents.attach_in(connection, ref, "R1", "bulk", NOW)
        log = AuditLog()
        log.append_many_in(connection, [_shown(GP, ("person.contact_points",)), _shown(POLICE, ("person.name",))])
    database.dispose()
    return database.url


def _rectifications(database: Database) -> list[RectificationEvent]:
    with database.engine.connect() as connection:
        rows = audit_log.entries_about(connection, "R1", ["rectification"])
    return [RectificationEvent.model_validate(json.loads(row.body)["event"]) for row in rows]


def test_a_correction_is_recorded_and_told_to_every_subscribed_system_holding_the_resident(
    run_cli: Run, url: str
) -> None:
    result = run_cli(
        "audit", "rectify", "R1", "--field", "phone", "--value", "07700 900123", "--reason", "resident said",
        "--organisation", "kettleby-council", "--by", "dpo-1", "--database-url", url,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "Disclosed earlier to: kettleby-primary-care" in result.stdout
    assert "07700 900123" not in result.stdout + result.stderr, "values are not echoed"
    database = Database(url)
    try:
        [event] = _rectifications(database)
        assert event.fields_corrected == ("person.contact_points.phone",)  # covered by the GP's earlier look
        assert event.recipients == ("kettleby-primary-care",)  # the police saw the name only
        assert (event.actor.person_id, event.reason) == ("dpo-1", "resident said")
        outbox = OutboxStore(database)
        [delivery_row] = outbox.list(system="waste") or [None]
        assert delivery_row is None, "waste does not hold the resident"
        rows = outbox.list()
        assert {(row.system, row.record_id) for row in rows} == set(HELD.items())
        assert all(row.status == "pending" and row.resident_id == "R1" for row in rows)
        change = outbox.change(rows[0].change_id)
        assert change is not None
        assert (change["kind"], dict(change["fields"])) == ("person.contact-changed", {"phone": "07700 900123"})
    finally:
        database.dispose()


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        (["--field", "nhs_number", "--value", "9434765919"], "tell us once cannot carry nhs_number; it can correct"),
        (["--field", "postcode", "--value", "KB1 4AA"], "person.address-changed needs address_line_1"),
        (["--field", "phone", "--value", "1", "--field", "family_name", "--value", "X"], "one kind at a time"),
    ],
)
def test_a_field_tell_us_once_cannot_carry_is_refused_and_nothing_is_recorded(
    run_cli: Run, url: str, fields: list[str], said: str
) -> None:
    result = run_cli("audit", "rectify", "R1", *fields, "--reason", "r", "--database-url", url)

    assert result.returncode == 1, result.stdout
    assert said in " ".join((result.stdout + result.stderr).split())
    assert "9434765919" not in result.stdout + result.stderr
    database = Database(url)
    try:
        assert _rectifications(database) == []
        assert OutboxStore(database).list() == []
    finally:
        database.dispose()


def test_an_unknown_resident_is_refused(run_cli: Run, url: str) -> None:
    result = run_cli(
        "audit", "rectify", "R404", "--field", "phone", "--value", "1", "--reason", "r", "--database-url", url
    )
    assert result.returncode == 1
    assert "no resident has this id" in result.stderr


def test_the_worker_writes_the_corrected_value_into_each_system(run_cli: Run, tmp_path: Path) -> None:
    """End to end: rectify over the CLI, then the delivery worker writes the new phone into the running systems."""
    synthetic = SyntheticPlace(people=60, seed=11)  # small is enough: it needs one resident held by housing and gp
    directory = truth_directory(synthetic)
    resident = resident_in(directory, ["housing", "gp"])
    held = [ref for ref in directory.records_of(resident) if ref[0] in ("housing", "gp")]
    database = Database(f"sqlite:///{tmp_path / 'joinedup.db'}")
    database.migrate()
    register_place(database, load_place(demo_place_path()), now=NOW)
    SourceRecordStore(database).save([_held(system, record) for system, record in held])
    with database.transaction() as connection:
        ResidentStore(database).create_in(connection, "R1", NOW)
        for ref in held:
            ResidentStore(database).attach_in(connection, ref, "R1", "bulk", NOW)
    with SimulatedPlace(synthetic, tmp_path / "place", start_timeout_seconds=30) as running:
        result = run_cli(
            "audit", "rectify", "R1", "--field", "phone", "--value", "07700 900456", "--reason", "resident said",
            "--organisation", "kettleby-council", "--database-url", database.url,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        worker = DeliveryWorker(database, pool_for(running, ["housing", "gp"]))
        try:
            [change_id] = {row.change_id for row in worker.outbox.list()}
            rows = deliver_until_settled(worker, change_id, timeout_seconds=30)
        finally:
            worker.connectors.close()
        assert {(row.system, row.status) for row in rows} == {("housing", "delivered"), ("gp", "delivered")}
        assert running.rest is not None
        assert running.rest.record("housing", dict(held)["housing"])["phoneNumber"] == "07700 900456"
        assert running.rest.record("gp", dict(held)["gp"])["Telephone"] == "07700 900456"
    database.dispose()
