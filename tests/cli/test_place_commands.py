"""`joinedup validate`, `init`, `schemas`, `--help`: exit codes scripts can rely on, problems with lines."""

from __future__ import annotations

from pathlib import Path

from joinedup.cli import ExitCode

from .conftest import Run

BROKEN_PLACE = """\
place:
  name: Kettleby
  code: kettleby
organisations:
  - code: kettleby-council
    name: Kettleby District Council
    type: local-authority
systems:
  - code: council-tax
    name: Council Tax
    organisation: kettleby-council
    kind: file
    entity: person
  - code: gp
    name: GP registrations
    organisation: nhs-trust
    kind: api
    entity: person
"""


def test_help_lists_the_commands(run_cli: Run) -> None:
    result = run_cli("--help")
    assert result.returncode == ExitCode.OK
    for command in ("init", "validate", "demo", "serve", "sim"):
        assert command in result.stdout


def test_version(run_cli: Run) -> None:
    result = run_cli("--version")
    assert result.returncode == ExitCode.OK
    assert result.stdout.startswith("joinedup ")


def test_unknown_option_is_a_usage_error(run_cli: Run) -> None:
    assert run_cli("validate", "--no-such-option").returncode == ExitCode.USAGE


def test_validate_reports_the_line_of_a_broken_reference(run_cli: Run, tmp_path: Path) -> None:
    (tmp_path / "place.yaml").write_text(BROKEN_PLACE, encoding="utf-8")
    result = run_cli("validate", "place.yaml")
    assert result.returncode == ExitCode.INVALID_INPUT
    assert "place.yaml:16:" in result.stderr
    assert "nhs-trust" in result.stderr


def test_validate_reports_a_yaml_syntax_error_with_its_line(run_cli: Run, tmp_path: Path) -> None:
    (tmp_path / "place.yaml").write_text("place:\n  name: [unclosed\n  code: x\n", encoding="utf-8")
    result = run_cli("validate", "place.yaml")
    assert result.returncode == ExitCode.INVALID_INPUT
    assert "place.yaml:" in result.stderr


def test_validate_a_missing_file(run_cli: Run) -> None:
    result = run_cli("validate", "nowhere.yaml")
    assert result.returncode == ExitCode.INVALID_INPUT
    assert "no such file" in result.stderr


def test_init_writes_a_place_file_that_validates(run_cli: Run, tmp_path: Path) -> None:
    result = run_cli("init", "--database-url", f"sqlite:///{tmp_path / 'j.db'}")
    assert result.returncode == ExitCode.OK, result.stderr
    assert (tmp_path / "j.db").exists()
    assert run_cli("validate", "place.yaml").returncode == ExitCode.OK


def test_init_uses_the_environment_database_url(run_cli: Run, tmp_path: Path) -> None:
    result = run_cli("init", env={"JOINEDUP_DATABASE_URL": f"sqlite:///{tmp_path / 'from-env.db'}"})
    assert result.returncode == ExitCode.OK, result.stderr
    assert (tmp_path / "from-env.db").exists()
    assert not (tmp_path / "joinedup.db").exists()


def test_unreachable_database_exits_unavailable(run_cli: Run) -> None:
    result = run_cli("init", "--database-url", "postgresql://nobody@127.0.0.1:1/none")
    assert result.returncode == ExitCode.UNAVAILABLE
    assert "could not migrate" in result.stderr


def test_schemas_check_detects_drift(run_cli: Run, tmp_path: Path) -> None:
    assert run_cli("schemas", "out", "--write").returncode == ExitCode.OK
    assert run_cli("schemas", "out").returncode == ExitCode.OK
    (tmp_path / "out" / "person.schema.json").write_text("{}", encoding="utf-8")
    result = run_cli("schemas", "out")
    assert result.returncode == ExitCode.INVALID_INPUT
    assert "person.schema.json" in result.stderr
