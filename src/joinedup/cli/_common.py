"""What every command shares: exit codes, the console, the database option, and errors scripts can rely on."""

from __future__ import annotations

from enum import IntEnum
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from joinedup.settings import Settings, load_settings
from joinedup.store import Database, StorageError


class ExitCode(IntEnum):
    """Exit codes, stable for scripts: documented in docs/cli.md."""

    OK = 0
    INVALID_INPUT = 1  # a file or argument was read and found wrong (e.g. a place file with problems)
    USAGE = 2  # the command line itself was wrong (Typer/Click's own code)
    UNAVAILABLE = 3  # a database or service could not be reached or prepared
    FAILED = 4  # the work started and failed part way


console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)

DatabaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="JOINEDUP_DATABASE_URL",
        help="Database URL (default: a SQLite file joinedup.db in the working folder).",
        show_default=False,
    ),
]


def fail(message: str, code: ExitCode) -> NoReturn:
    errors.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(int(code))


def settings_for(database_url: str | None, **overrides: object) -> Settings:
    try:
        return load_settings(database_url=database_url, **overrides)
    except ValueError as error:
        fail(f"the settings are not valid: {error}", ExitCode.INVALID_INPUT)


def open_database(settings: Settings) -> Database:
    """Open and migrate the database, or exit with UNAVAILABLE and a sentence saying which one failed."""
    try:
        database = Database(settings.database_url)
        database.migrate()
    except StorageError as error:
        fail(str(error), ExitCode.UNAVAILABLE)
    return database
