"""`joinedup sources accept-shape`, as an operator runs it on both backends: schema drift stops a file-drop and a
REST source, `sources` shows the stop and how to clear it, the place file is brought up to the new shape, the
command clears the stop with a record of who did it, and the next sync loads what the stop held back: every record
once, nothing lost, nothing stored twice.

One command runs as the installed console script in a subprocess, end to end (entry point, exit code, output);
the rest run the same Typer app in this process through Click's runner, which parses the same command lines and
gives the same exit codes and output without starting an interpreter and importing joinedup each time."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from joinedup.cli import ExitCode, app
from joinedup.cli import _common as cli_common
from joinedup.sim.servers.rest_api import SimRestServer
from joinedup.store import Database
from joinedup.store.shape_acceptances import ShapeAcceptanceStore
from joinedup.store.source_records import SourceRecordStore
from joinedup.store.tables import source_records

from ..ingest.test_sync import COLUMNS, PLACE, _rows, _write_drop
from .conftest import Run


@pytest.fixture
def stored(database_url: str) -> Iterator[Database]:
    """The database the CLI runs against (migrated by the CLI itself on first use), for checking what it holds."""
    database = Database(database_url)
    try:
        yield database
    finally:
        database.dispose()


InProcess = Callable[..., tuple[int, str, str]]


@pytest.fixture
def joinedup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> InProcess:
    """Run `joinedup ARGS...` in this process, in the same working folder and environment as ``run_cli``;
    returns (exit code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    opened: list[Database] = []

    def database(url: str) -> Database:
        opened.append(Database(url))
        return opened[-1]

    # A command leaves its database to the end of its process; here each run's is closed when the run ends.
    monkeypatch.setattr(cli_common, "Database", database)
    # The CLI's consoles are made once per process and take their width from the terminal then, not from
    # the COLUMNS of each run: give them the width a subprocess run gets, so no message wraps mid-phrase.
    for console in (cli_common.console, cli_common.errors):
        monkeypatch.setattr(console, "width", 200)

    def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
        unset: dict[str, str | None] = {name: None for name in os.environ if name.startswith("JOINEDUP_")}
        environment = unset | {"COLUMNS": "200", "NO_COLOR": "1"} | (env or {})
        try:
            result = runner.invoke(app, list(args), env=environment, catch_exceptions=False)
        finally:
            while opened:
                opened.pop().dispose()
        return result.exit_code, result.stdout, result.stderr

    return run


def counts(database: Database, system: str) -> tuple[int, int]:
    """(distinct records, versions) stored for ``system``."""
    statement = select(func.count(func.distinct(source_records.c.record_id)), func.count()).where(
        source_records.c.system == system
    )
    with database.engine.connect() as connection:
        records, versions = connection.execute(statement).one()
    return int(records), int(versions)


def test_a_file_source_stopped_by_drift_is_cleared_and_loads_the_held_file(
    run_cli: Run, joinedup: InProcess, tmp_path: Path, database_url: str, stored: Database
) -> None:
    def cli(*args: str) -> tuple[int, str, str]:
        return joinedup(*args, "--database-url", database_url)

    def console_script(*args: str) -> tuple[int, str, str]:
        done = run_cli(*args, "--database-url", database_url)
        return done.returncode, done.stdout, done.stderr

    drop = tmp_path / "drop"
    _write_drop(drop, "ctax_1.csv", _rows(10))
    place = PLACE.format(drop=drop)
    (tmp_path / "place.yaml").write_text(place, encoding="utf-8")
    code, out, err = cli("sync", "council-tax", "--place", "place.yaml")
    assert code == ExitCode.OK and "10 new" in out, err

    # The supplier adds an EMAIL column; the next export also changes one account and adds ten.
    later = [[*row, f"person{n}@example.org"] for n, row in enumerate(_rows(20))]
    later[3][3] = "KB2 9ZZ"
    _write_drop(drop, "ctax_2.csv", later, columns=[*COLUMNS, "EMAIL"])
    code, out, _ = cli("sync", "council-tax", "--place", "place.yaml")
    assert code == ExitCode.FAILED and "stopped" in out and "columns added: EMAIL" in out
    assert "joinedup sources accept-shape council-tax" in out, "the stop says how to clear it"
    assert counts(stored, "council-tax") == (10, 10), "nothing of the drifted file is loaded"

    code, out, _ = cli("sources")
    assert code == ExitCode.OK
    assert "stopped: schema drift in ctax_2.csv" in out and "accept-shape council-tax --by NAME" in out

    # Accepting before the place file expects the new shape: the next sync stops again on the same file.
    code, out, err = cli("sources", "accept-shape", "council-tax", "--by", "ia-jones", "--place", "place.yaml")
    assert code == ExitCode.OK and "stop cleared by ia-jones" in out, err
    code, out, _ = cli("sync", "council-tax", "--place", "place.yaml")
    assert code == ExitCode.FAILED and "columns added: EMAIL" in out
    assert counts(stored, "council-tax") == (10, 10)

    declared = place.replace("columns: [ACCOUNT_REF, FULL_NAME, DOB, POSTCODE]",
                             "columns: [ACCOUNT_REF, FULL_NAME, DOB, POSTCODE, EMAIL]")  # fmt: skip
    assert declared != place
    (tmp_path / "place.yaml").write_text(declared, encoding="utf-8")
    # The one command run as an operator runs it: the installed script, in its own process.
    code, out, err = console_script("sources", "accept-shape", "council-tax", "--by", "ia-jones", "--note",
                                    "notice CT-42", "--place", "place.yaml")  # fmt: skip
    assert code == ExitCode.OK and "stop cleared by ia-jones" in out, err
    code, out, _ = cli("sources")
    assert "shape accepted by ia-jones" in out and "stopped" not in out

    code, out, err = cli("sync", "council-tax", "--place", "place.yaml")
    assert code == ExitCode.OK, out + err
    # Each of the first ten accounts now arrives with an EMAIL: a new raw payload, so a new version of each.
    assert "10 new, 10 changed, 0 unchanged" in out
    assert counts(stored, "council-tax") == (20, 30), "every record once, and one new version of each resent"
    changed = SourceRecordStore(stored).current("council-tax", "CT0000003")
    assert changed is not None and changed.version == 2 and changed.raw["POSTCODE"] == "KB2 9ZZ"
    assert changed.person is not None and changed.person.address is not None

    first, second = ShapeAcceptanceStore(stored).history("council-tax")
    assert (second.accepted_by, second.note) == ("ia-jones", "notice CT-42")
    assert second.shape == {"columns": [*COLUMNS, "EMAIL"]} and first.shape == {"columns": COLUMNS}
    assert "columns added: EMAIL" in second.stop_reason
    assert "@example.org" not in json.dumps([second.stop_reason, second.shape]), "layout only, never a value"

    code, out, _ = cli("sources")
    assert "ok" in out and "accepted" not in out, "once a sync succeeds the source is simply ok"
    code, _, err = cli("sources", "accept-shape", "council-tax", "--by", "ia-jones", "--place", "place.yaml")
    assert code == ExitCode.INVALID_INPUT and "not stopped" in err
    code, _, err = cli("sources", "accept-shape", "nowhere", "--by", "ia-jones", "--place", "place.yaml")
    assert code == ExitCode.INVALID_INPUT and "declares no system 'nowhere'" in err


REST_PLACE = """\
place: {{name: Testshire, code: testshire}}
organisations:
  - {{code: council, name: Council, type: local-authority}}
systems:
  - {{code: housing, name: Housing, organisation: council, kind: api, entity: person,
     connection: {connection}}}
mappings:
  - system: housing
    fields:
      - {{source: personRef, target: record_id}}
      - {{source: firstName, target: given_name}}
      - {{source: lastName, target: family_name}}
"""
FIELDS = ["personRef", "lastUpdated", "firstName", "lastName", "tenancyRef"]


def test_a_rest_source_stopped_by_drift_is_cleared_and_reads_on_from_its_cursor(
    joinedup: InProcess, tmp_path: Path, database_url: str, stored: Database
) -> None:
    rows = [
        {"personRef": f"H{n:03d}", "lastUpdated": f"2024-03-01T09:{n:02d}:00Z", "firstName": "Ann",
         "lastName": f"Lee{n}", "tenancyRef": f"T{n}"}
        for n in range(30)
    ]  # fmt: skip
    with SimRestServer({"housing": rows}) as server:
        connection = server.connection("housing") | {"fields": FIELDS}
        connection["pagination"]["per_page"] = 10
        key = connection["auth"]["key"]
        connection["auth"]["key"] = "${HOUSING_KEY}"  # secrets come from the environment, never the place file

        def write_place(settings: dict[str, object]) -> None:
            text = REST_PLACE.format(connection=json.dumps(settings))
            (tmp_path / "place.yaml").write_text(text, encoding="utf-8")

        def cli(*args: str) -> tuple[int, str, str]:
            return joinedup(*args, "--database-url", database_url, env={"HOUSING_KEY": key})

        write_place(connection)
        code, out, err = cli("sync", "housing", "--place", "place.yaml")
        assert code == ExitCode.OK and "30 new" in out, out + err

        server.change_record("housing", "H004", {"tenancyStatus": "ended"})  # a field nobody has declared
        server.change_record("housing", "H009", {"firstName": "Anna"})  # a real change, read after H004
        code, out, _ = cli("sync", "housing", "--place", "place.yaml")
        assert code == ExitCode.FAILED and "fields added: tenancyStatus" in out and "(record H004)" in out
        assert "joinedup sources accept-shape housing" in out
        held_back = SourceRecordStore(stored).current("housing", "H009")
        assert held_back is not None and held_back.raw["firstName"] == "Ann"

        write_place(connection | {"optional_fields": ["tenancyStatus"]})
        code, out, err = cli("sources", "accept-shape", "housing", "--by", "ia-patel", "--place", "place.yaml")
        assert code == ExitCode.OK, err
        code, out, err = cli("sync", "housing", "--place", "place.yaml")
        assert code == ExitCode.OK, out + err
        assert "0 new, 2 changed" in out

    assert counts(stored, "housing") == (30, 32), "every record once, one new version for each change"
    ended = SourceRecordStore(stored).current("housing", "H004")
    anna = SourceRecordStore(stored).current("housing", "H009")
    assert ended is not None and ended.raw["tenancyStatus"] == "ended" and ended.version == 2
    assert anna is not None and anna.raw["firstName"] == "Anna" and anna.version == 2
    (accepted,) = ShapeAcceptanceStore(stored).history("housing")
    assert accepted.accepted_by == "ia-patel" and "fields added: tenancyStatus" in accepted.stop_reason
    assert accepted.shape == {"fields": FIELDS, "optional_fields": ["tenancyStatus"]}
