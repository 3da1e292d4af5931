"""`joinedup resolve`, `review` and `resident` as an operator runs them, on a database holding a small place."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from joinedup.cli import ExitCode
from joinedup.store import Database
from joinedup.store.residents_tables import resident_records

from ..linkage.stored_place import register_sim_systems, sim_records, store_records
from .conftest import Run


def test_resolve_then_review_then_resolve_again(run_cli: Run, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    database = Database(url)
    database.migrate()
    register_sim_systems(database)
    store_records(database, sim_records(200, 5)[0])
    database.dispose()
    env = {"JOINEDUP_DATABASE_URL": url}

    first = run_cli("resolve", env=env)
    assert first.returncode == ExitCode.OK, first.stderr
    assert re.search(r"records linked into [\d,]+ residents", first.stdout)

    queue = run_cli("review", "list", env=env)
    assert queue.returncode == ExitCode.OK
    item = re.search(r"│\s+(\d+) │", queue.stdout)
    assert item, queue.stdout

    refused = run_cli("review", "no-link", item.group(1), env=env)
    assert refused.returncode == ExitCode.USAGE and "--reviewer" in refused.stderr
    decided = run_cli("review", "no-link", item.group(1), "--reason", "twins", env=env | {"JOINEDUP_REVIEWER": "ann"})
    assert decided.returncode == ExitCode.OK and "no-link" in decided.stdout

    again = run_cli("resolve", env=env)
    assert again.returncode == ExitCode.OK and "0 pairs queued for review" in again.stdout
    still_open = run_cli("review", "list", env=env)
    assert item.group(1) not in re.findall(r"│\s+(\d+) │", still_open.stdout)  # decided: never queued again

    shown = run_cli("resident", _a_resident(url), env=env)
    assert shown.returncode == ExitCode.OK and "records" in shown.stdout
    missing = run_cli("resident", "R-nobody", env=env)
    assert missing.returncode == ExitCode.INVALID_INPUT


def _a_resident(url: str) -> str:
    database = Database(url)
    with database.engine.connect() as connection:
        found = connection.execute(select(resident_records.c.resident_id).limit(1)).scalar_one()
    database.dispose()
    return str(found)
