"""`joinedup init` and `joinedup validate`: start a place, and check a place file before it is used."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from joinedup.governance import check_agreements
from joinedup.ingest import check_mappings
from joinedup.place import demo_place_path, validate_place_file

from ._common import DatabaseUrlOption, ExitCode, console, errors, fail, open_database, settings_for


def init(
    database_url: DatabaseUrlOption = None,
    place: Annotated[
        Path, typer.Option(help="Where to write a starter place file (kept if it already exists).")
    ] = Path("place.yaml"),
) -> None:
    """Create the database (or bring it up to date) and write a starter place file to edit."""
    settings = settings_for(database_url)
    database = open_database(settings)
    console.print(f"Database ready: {database.describe()} (schema {database.current_revision()})")
    if place.exists():
        console.print(f"Place file kept: {place} already exists.")
    else:
        shutil.copyfile(demo_place_path(), place)
        console.print(f"Starter place file written: {place} (the demo place Kettleby; edit it for yours).")
    console.print(f"Next: [bold]joinedup validate {place}[/]")
    database.dispose()


def _today() -> date:
    """Today in UTC: the day against which agreements' review dates are checked."""
    return datetime.now(UTC).date()


def validate(
    place_file: Annotated[Path, typer.Argument(help="The place file (YAML) to check.", show_default=False)],
) -> None:
    """Check a place file; print each problem as FILE:LINE:COLUMN: sentence. Exit 1 when there is any."""
    if not place_file.is_file():
        fail(f"{place_file}: no such file", ExitCode.INVALID_INPUT)
    result = validate_place_file(place_file, checks=[check_mappings, check_agreements(_today())])
    if result.problems:
        for problem in result.problems:
            errors.print(f"{problem.file}:{problem.line}:{problem.column}: {problem.message}", markup=False)
        count = len(result.problems)
        errors.print(f"{place_file}: {count} problem{'s' if count != 1 else ''}; nothing was loaded.")
        raise typer.Exit(int(ExitCode.INVALID_INPUT))
    assert result.place is not None  # no problems means a place  # noqa: S101
    console.print(
        f"{place_file}: valid. {len(result.place.organisations)} organisations, {len(result.place.systems)} systems."
    )
