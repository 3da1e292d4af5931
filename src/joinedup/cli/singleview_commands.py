"""`joinedup view`, `joinedup fhir`, `joinedup out-of-sync`: a resident's single view, as tables or as FHIR,
and how far each pair of systems has drifted apart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from joinedup.model import SourceRecord
from joinedup.place import Place, PlaceFileError, load_place
from joinedup.singleview import (
    FhirExportError,
    OutOfSyncReport,
    SurvivorshipRules,
    build_single_view,
    out_of_sync_report,
    render_view,
    showcase_residents,
)
from joinedup.store import Database
from joinedup.store.residents import ResidentStore
from joinedup.store.singleview_records import SingleViewRecords

from ._common import DatabaseUrlOption, ExitCode, console, fail, open_database, settings_for

singleview_app = typer.Typer()

ResidentArgument = Annotated[str, typer.Argument(help="The resident's id, as linkage gave it.", show_default=False)]
PlaceOption = Annotated[
    Path | None,
    typer.Option(
        "--place",
        envvar="JOINEDUP_PLACE_FILE",
        help="The place file with the survivorship rules (default: JOINEDUP_PLACE_FILE).",
    ),
]


def _rules(place_file: Path | None) -> SurvivorshipRules:
    if place_file is None:
        fail("no place file: give --place PLACE.yaml or set JOINEDUP_PLACE_FILE", ExitCode.USAGE)
    try:
        return SurvivorshipRules.from_place(load_place(place_file))
    except PlaceFileError as error:
        fail(str(error), ExitCode.INVALID_INPUT)


def _records_of(database: Database, resident_id: str) -> list[SourceRecord]:
    refs = ResidentStore(database).records_of(resident_id)
    if not refs:
        fail(f"no resident '{resident_id}': run linkage first, or check the id", ExitCode.INVALID_INPUT)
    return SingleViewRecords(database).current(refs)


def show_residents(database: Database, place: Place, count: int = 3, *, out: Console = console) -> list[str]:
    """Print the single views of the ``count`` residents that show the most (for the demo); their ids."""
    reader = SingleViewRecords(database)
    chosen = showcase_residents(reader.by_resident(), count)
    rules = SurvivorshipRules.from_place(place)
    for resident_id in chosen:
        records = reader.current(ResidentStore(database).records_of(resident_id))
        out.print(render_view(build_single_view(resident_id, records, rules)))
    return chosen


@singleview_app.command()
def view(resident: ResidentArgument, place_file: PlaceOption = None, database_url: DatabaseUrlOption = None) -> None:
    """Show a resident's records per system, the golden record with provenance, and the conflicts."""
    rules = _rules(place_file)
    database = open_database(settings_for(database_url))
    try:
        console.print(render_view(build_single_view(resident, _records_of(database, resident), rules)))
    finally:
        database.dispose()


@singleview_app.command()
def fhir(
    resident: ResidentArgument,
    place_file: PlaceOption = None,
    out: Annotated[Path | None, typer.Option(help="Write the Patient to this file instead of printing it.")] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Export a resident as a FHIR R4 Patient (JSON), validated before it is written."""
    rules = _rules(place_file)
    database = open_database(settings_for(database_url))
    try:
        patient = build_single_view(resident, _records_of(database, resident), rules).to_fhir()
    except FhirExportError as error:
        fail(str(error), ExitCode.FAILED)
    finally:
        database.dispose()
    text = json.dumps(patient, indent=2, ensure_ascii=False)
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        console.print(f"Patient written: {out}")


def _report(database: Database) -> OutOfSyncReport:
    total, _ = ResidentStore(database).counts()
    columns = (TextColumn("[bold]residents"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("residents", total=total)

        def residents() -> Iterator[list[SourceRecord]]:
            for _, records in SingleViewRecords(database).by_resident():
                progress.advance(task)
                yield records

        return out_of_sync_report(residents())


@singleview_app.command("out-of-sync")
def out_of_sync(
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Per pair of systems: residents both hold, how many they disagree about, and on which fields (counts)."""
    database = open_database(settings_for(database_url))
    try:
        report = _report(database)
    finally:
        database.dispose()
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
        return
    table = Table(title=f"Out of sync: {report.residents:,} residents", title_justify="left")
    table.add_column("systems")
    table.add_column("shared", justify="right")
    table.add_column("out of sync", justify="right")
    table.add_column("fields")
    for entry in report.pairs:
        fields = ", ".join(f"{name} {count:,}" for name, count in entry.fields.items())
        share = f"{entry.out_of_sync:,} ({entry.share_out_of_sync:.0%})"
        table.add_row(" / ".join(entry.systems), f"{entry.shared_residents:,}", share, fields)
    console.print(table)
