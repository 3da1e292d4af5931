"""`joinedup audit ...` as users run it: verify (and its exit codes), checkpoint, who-looked, sar, purge, extract."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from joinedup.audit import AuditLog
from joinedup.store import Database
from tests.audit.support import SOCIAL, T0, decision, disclosure, person_record, register_systems

from .conftest import Run


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

    extract = run_cli("audit", "extract", "--out", "extract", "--purpose", "needs analysis", "--count-by", "system")
    assert extract.returncode == 0, extract.stderr
    with (tmp_path / "extract" / "people.csv").open(encoding="utf-8") as handle:
        people = list(csv.DictReader(handle))
    assert len(people) == 12
    assert all("GP-" not in row["person"] for row in people)
    counts = (tmp_path / "extract" / "counts.csv").read_text(encoding="utf-8").splitlines()
    assert counts == ["system,people", "gp,12"]

    purged = run_cli("audit", "purge", "--keep", "gp=550")
    assert purged.returncode == 0, purged.stderr
    assert "gp: purged" in purged.stdout
    bad = run_cli("audit", "purge", "--keep", "gp=soon")
    assert bad.returncode == 2
    assert run_cli("audit", "checkpoint").returncode == 0
    assert run_cli("audit", "verify").returncode == 0
