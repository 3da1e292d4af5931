"""`joinedup audit ...` as users run it: verify (and its exit codes), checkpoint, who-looked, sar, purge, extract."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from joinedup.audit import AuditLog, ErasureEvent, ExtractEvent
from joinedup.store import Database, audit_records
from joinedup.store.residents import ResidentStore
from joinedup.store.source_records import SourceRecordStore
from tests.audit.support import SOCIAL, T0, decision, disclosure, person_record, register_systems

from .conftest import Run

ANALYST = ("--purpose", "service-planning", "--by", "dev-0005", "--role", "analyst", "--organisation",
           "kettleby-council")  # fmt: skip


def _log_with_entries(url: str, count: int = 6) -> None:
    database = Database(url)
    database.migrate()
    with database.transaction() as connection:
        AuditLog().append_many_in(connection, [disclosure("R-1") if n % 2 else decision("R-1") for n in range(count)])
    database.dispose()


def test_verify_passes_then_names_the_tampered_entry(run_cli: Run, database_url: str) -> None:
    _log_with_entries(database_url)
    made = run_cli("audit", "checkpoint", "--database-url", database_url)
    assert made.returncode == 0, made.stderr
    assert "entries 1 to 6" in made.stdout
    intact = run_cli("audit", "verify", "--database-url", database_url)
    assert intact.returncode == 0, intact.stderr
    assert "intact: 7 entries, 1 signed checkpoints" in intact.stdout

    database = Database(database_url)
    with database.transaction() as connection:
        connection.execute(text("UPDATE audit_entries SET body = REPLACE(body, 'R-1', 'R-9') WHERE sequence = 4"))
    database.dispose()
    tampered = run_cli("audit", "verify", "--database-url", database_url)
    assert tampered.returncode == 1
    assert "entry 4: entry 4 does not match its hash" in tampered.stdout
    assert "first at entry 4" in tampered.stderr


def test_verify_without_the_public_key_is_invalid_input(run_cli: Run, tmp_path: Path) -> None:
    _log_with_entries(f"sqlite:///{tmp_path / 'joinedup.db'}")
    result = run_cli("audit", "verify", "--public-key", "missing.pem")
    assert result.returncode == 1
    assert "missing.pem does not exist" in result.stderr


def test_checkpoint_refuses_to_make_a_key_in_production(run_cli: Run, tmp_path: Path) -> None:
    env = {"JOINEDUP_ENVIRONMENT": "production", "JOINEDUP_SECRET_KEY": "s" * 32, "JOINEDUP_DEV_TOKENS": "false"}
    result = run_cli("audit", "checkpoint", env=env)
    assert result.returncode == 1
    assert "audit-signing-key.pem does not exist" in result.stderr
    assert not (tmp_path / "audit-signing-key.pem").exists()


def test_who_looked_lists_only_released_disclosures(run_cli: Run, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'joinedup.db'}"
    database = Database(url)
    database.migrate()
    register_systems(database)
    with database.transaction() as connection:
        covert = disclosure("R-1", actor=SOCIAL).model_copy(
            update={"withheld_until": (T0 + timedelta(days=9999)).date()}
        )
        AuditLog().append_many_in(connection, [disclosure("R-1"), covert, disclosure("R-2", actor=SOCIAL)])
    database.dispose()
    result = run_cli("audit", "who-looked", "R-1", "--json")
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert [(item["organisation"], item["role"]) for item in seen] == [("Kettleby Borough Council", "housing-officer")]


def test_sar_purge_and_extract(run_cli: Run, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'joinedup.db'}"
    database = Database(url)
    database.migrate()
    store = register_systems(database)
    store.save([person_record("gp", f"GP-{n}", "Smith", received_at=T0 - timedelta(days=n * 100)) for n in range(12)])
    database.dispose()

    sar = run_cli("audit", "sar", "R-1", "--out", "answer", "--record", "gp/GP-1", "--record", "gp/GP-2")
    assert sar.returncode == 0, sar.stderr
    answer = json.loads((tmp_path / "answer" / "subject-access-R-1.json").read_text(encoding="utf-8"))
    assert [record["record_id"] for record in answer["records"]] == ["GP-1", "GP-2"]
    assert (tmp_path / "answer" / "subject-access-R-1.html").exists()

    extract = run_cli("audit", "extract", "--out", "extract", *ANALYST, "--count-by", "system")
    assert extract.returncode == 0, extract.stderr
    with (tmp_path / "extract" / "people.csv").open(encoding="utf-8") as handle:
        people = list(csv.DictReader(handle))
    assert len(people) == 12
    assert all("GP-" not in row["person"] for row in people)
    # The service planning agreement does not share the residents' sex: that column is left out, with the reason.
    assert list(people[0]) == ["person", "system", "age_band", "postcode_district"]
    assert "Not permitted, left out: sex" in extract.stdout and "analytics.sex" in extract.stdout
    counts = (tmp_path / "extract" / "counts.csv").read_text(encoding="utf-8").splitlines()
    assert counts == ["system,people", "gp,12"]

    purged = run_cli("audit", "purge", "--keep", "gp=550")
    assert purged.returncode == 0, purged.stderr
    assert "gp: purged" in purged.stdout
    bad = run_cli("audit", "purge", "--keep", "gp=soon")
    assert bad.returncode == 2
    assert run_cli("audit", "checkpoint").returncode == 0
    assert run_cli("audit", "verify").returncode == 0


def _extract_events(url: str) -> list[ExtractEvent]:
    database = Database(url)
    with database.transaction() as connection:
        events = [e.event for e in AuditLog().read_in(connection) if isinstance(e.event, ExtractEvent)]
    database.dispose()
    return events


def test_an_extract_passes_the_gate_and_is_audited_once_without_personal_data(run_cli: Run, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'joinedup.db'}"
    database = Database(url)
    database.migrate()
    register_systems(database).save([person_record("gp", f"GP-{n}", "Okonkwo") for n in range(7)])
    database.dispose()

    made = run_cli("audit", "extract", "--out", "ok", *ANALYST, "--column", "person", "--column", "system",
                   "--count-by", "system", "--threshold", "5")  # fmt: skip
    assert made.returncode == 0, made.stderr
    (event,) = _extract_events(url)
    assert event.outcome.value == "PERMIT" and event.fields == ("person", "system") and event.rows == 7
    assert event.purpose == "service-planning" and event.agreement_code == "kettleby-service-planning"
    assert event.actor is not None and event.actor.role == "analyst"
    with (tmp_path / "ok" / "people.csv").open(encoding="utf-8") as handle:
        pseudonyms = {row["person"] for row in csv.DictReader(handle)}
    database = Database(url)
    with database.transaction() as connection:
        bodies = " ".join(e.body for e in AuditLog().read_in(connection))
    database.dispose()
    assert "Okonkwo" not in bodies and "GP-1" not in bodies
    assert not any(pseudonym in bodies for pseudonym in pseudonyms)

    # A housing officer has no analytics purpose: refused with the reason, audited, nothing written.
    refused = run_cli("audit", "extract", "--out", "no", "--purpose", "service-planning", "--by", "dev-0002",
                      "--role", "housing-officer", "--organisation", "kettleby-council")  # fmt: skip
    assert refused.returncode == 1
    assert "extract refused (DENY" in refused.stderr and "No agreement in force lets kettleby-council" in refused.stderr
    assert not (tmp_path / "no").exists()
    assert [e.outcome.value for e in _extract_events(url)] == ["PERMIT", "DENY"]
    # Counting by a column the analyst may not have is a usage error, and nothing is extracted.
    bad = run_cli("audit", "extract", "--out", "sex", *ANALYST, "--count-by", "sex")
    assert bad.returncode == 2 and "cannot count by sex" in bad.stderr
    assert len(_extract_events(url)) == 2


def _resident_with_records(url: str) -> None:
    database = Database(url)
    database.migrate()
    register_systems(database).save([person_record("gp", "GP-1", "Smith"), person_record("housing", "H-1", "Smith")])
    store = ResidentStore(database)
    with database.transaction() as connection:
        store.create_in(connection, "R-1", T0)
        for ref in (("gp", "GP-1"), ("housing", "H-1")):
            store.attach_in(connection, ref, "R-1", "bulk", T0)
    database.dispose()


def _erasures(url: str) -> list[ErasureEvent]:
    database = Database(url)
    with database.transaction() as connection:
        events = [e.event for e in AuditLog().read_in(connection) if isinstance(e.event, ErasureEvent)]
    database.dispose()
    return events


def test_erase_removes_the_records_where_lawful_and_refuses_where_not(run_cli: Run, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'joinedup.db'}"
    _resident_with_records(url)

    refused = run_cli("audit", "erase", "R-1", "--reason", "resident asked by letter", "--lawful-basis",
                      "UK GDPR Art 6(1)(e)")  # fmt: skip
    assert refused.returncode == 1
    assert "erasure refused" in refused.stderr and "public task" in refused.stderr
    assert _erasures(url) == []

    erased = run_cli("audit", "erase", "R-1", "--reason", "consent withdrawn by letter", "--lawful-basis",
                     "Art 6(1)(a)", "--record", "gp/GP-1")  # fmt: skip
    assert erased.returncode == 0, erased.stderr
    assert "Erased 1 records (gp/GP-1)" in erased.stdout
    (event,) = _erasures(url)
    assert event.action == "erase" and event.reason == "consent withdrawn by letter"
    assert [(r.system, r.record_id) for r in event.records] == [("gp", "GP-1")]
    database = Database(url)
    assert SourceRecordStore(database).current("gp", "GP-1") is None
    assert SourceRecordStore(database).current("housing", "H-1") is not None
    database.dispose()

    unknown = run_cli("audit", "erase", "R-404", "--reason", "x", "--lawful-basis", "Art 6(1)(a)")
    assert unknown.returncode == 1 and "no resident has the id 'R-404'" in unknown.stderr
    malformed = run_cli("audit", "erase", "R-1", "--reason", "x", "--lawful-basis", "Art 6(1)(a)", "--record", "gp")
    assert malformed.returncode == 2 and "should be SYSTEM/RECORD_ID" in malformed.stderr


def test_restrict_and_lift_every_record_of_the_resident(run_cli: Run, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'joinedup.db'}"
    _resident_with_records(url)

    restricted = run_cli("audit", "restrict", "R-1", "--reason", "Art 18(1)(a): accuracy contested")
    assert restricted.returncode == 0, restricted.stderr
    assert "Restricted 2 records" in restricted.stdout
    database = Database(url)
    with database.transaction() as connection:
        held = audit_records.restricted(connection, "R-1")
    database.dispose()
    assert sorted(held) == [("gp", "GP-1"), ("housing", "H-1")]

    lifted = run_cli("audit", "restrict", "R-1", "--reason", "accuracy confirmed", "--lift")
    assert lifted.returncode == 0, lifted.stderr
    database = Database(url)
    with database.transaction() as connection:
        assert audit_records.restricted(connection, "R-1") == []
    database.dispose()
    assert [(e.action, e.ground) for e in _erasures(url)] == [
        ("restrict", "Art 18(1)(a): accuracy contested"),
        ("lift-restriction", "accuracy confirmed"),
    ]
    blank = run_cli("audit", "restrict", "R-1", "--reason", "  ")
    assert blank.returncode == 2 and "give the ground" in blank.stderr
