"""`joinedup sync`, `joinedup quarantine`: pull sources in, and see what could not be taken in (`joinedup sources`,
in sources_commands, shows how fresh each is)."""

from __future__ import annotations

import os
from contextlib import closing
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from joinedup.connectors import ConnectorError, open_connector
from joinedup.ingest import check_mappings, compile_mapping
from joinedup.ingest.sync import RecordMapper, SourceSync
from joinedup.model import EntityType
from joinedup.place import Place, PlaceFileError, load_place
from joinedup.store import Database
from joinedup.store.ingest_state import QuarantineStore
from joinedup.store.place_registry import register_place
from joinedup.store.shape_acceptances import how_to_clear

from ._common import DatabaseUrlOption, ExitCode, console, errors, fail, open_database, settings_for
from .worker_commands import detect_changes

PlaceOption = Annotated[
    Path | None,
    typer.Option("--place", envvar="JOINEDUP_PLACE_FILE", help="The place file (default: JOINEDUP_PLACE_FILE)."),
]


def _load(place_file: Path | None) -> Place:
    if place_file is None:
        fail("no place file: give --place PLACE.yaml or set JOINEDUP_PLACE_FILE", ExitCode.USAGE)
    try:
        return load_place(place_file, checks=[check_mappings])
    except PlaceFileError as error:
        fail(str(error), ExitCode.INVALID_INPUT)


def _sync_one(database: Database, place: Place, code: str, reader_process: str = "auto") -> str:
    system = place.system(code)
    if system is None:
        fail(f"the place file declares no system '{code}'", ExitCode.INVALID_INPUT)
    mapping = next((compile_mapping(m) for m in place.mappings if m.system == code), None)
    columns = (SpinnerColumn(), TextColumn(f"[bold]{code:<20}"), TextColumn("{task.completed:,} records read"))
    with (
        closing(open_connector(system.kind.value, system.connection, os.environ)) as connector,
        Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as progress,
    ):
        in_child = {"always": True, "never": False}.get(reader_process)  # None: by the connector and the idle cores
        mapper = RecordMapper(code, EntityType(system.entity.value), mapping)
        sync = SourceSync(database, connector, mapper, read_in_child=in_child)
        task = progress.add_task(code, total=None)
        report = sync.run(progress=lambda seen: progress.update(task, completed=seen))
    saved = report.saved
    console.print(
        f"{code}: {report.status}. {saved.new:,} new, {saved.changed:,} changed, {saved.unchanged:,} unchanged, "
        f"{report.quarantined:,} quarantined." + (f" {report.error}" if report.error else "")
    )
    if report.status == "stopped":
        console.print(f"{code} is stopped: {how_to_clear(code)}", markup=False)
    return report.status


def sync(
    systems: Annotated[list[str] | None, typer.Argument(help="Codes of the systems to sync.")] = None,
    all_systems: Annotated[bool, typer.Option("--all", help="Sync every system in the place file.")] = False,
    place_file: PlaceOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Pull records in from source systems: map, keep every version, quarantine what fails. Resumable."""
    place = _load(place_file)
    codes = [s.code for s in place.systems] if all_systems else list(systems or [])
    if not codes:
        fail("name the systems to sync, or use --all", ExitCode.USAGE)
    settings = settings_for(database_url)
    database = open_database(settings)
    register_place(database, place)
    statuses = []
    for code in codes:
        try:
            statuses.append(_sync_one(database, place, code, settings.ingest_reader_process))
        except ConnectorError as error:
            errors.print(f"{code}: {error}", markup=False)
            statuses.append("failed")
    synced = [code for code, status in zip(codes, statuses, strict=True) if status == "succeeded"]
    detect_changes(database, place, synced)  # tell us once: what the synced sources of truth now say
    if any(status != "succeeded" for status in statuses):
        raise typer.Exit(int(ExitCode.FAILED))


quarantine_app = typer.Typer(help="Records that could not be taken in, with their reasons.")


@quarantine_app.command("list")
def quarantine_list(
    system: Annotated[str | None, typer.Argument(help="Only this system.")] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """List quarantined records: where each came from and why it was refused (not its content)."""
    database = open_database(settings_for(database_url))
    table = Table("id", "system", "record", "from", "reasons", "first seen")
    for entry in QuarantineStore(database).list(system):
        table.add_row(
            str(entry.id),
            entry.system,
            entry.record_id or "",
            entry.location,
            "; ".join(entry.reasons),
            f"{entry.first_seen_at:%Y-%m-%d %H:%M}",
        )
    console.print(table)


@quarantine_app.command("retry")
def quarantine_retry(
    system: Annotated[str, typer.Argument(help="The system whose quarantine to re-process.")],
    place_file: PlaceOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Map held records again with the place file's current mapping; store and release those that now map."""
    from joinedup.ingest.reprocess import reprocess_quarantine

    place = _load(place_file)
    declared = place.system(system)
    if declared is None:
        fail(f"the place file declares no system '{system}'", ExitCode.INVALID_INPUT)
    mapping = next((compile_mapping(m) for m in place.mappings if m.system == system), None)
    database = open_database(settings_for(database_url))
    report = reprocess_quarantine(database, RecordMapper(system, EntityType(declared.entity.value), mapping))
    console.print(f"{system}: {report.released:,} released into the store, {report.still_held:,} still held.")
