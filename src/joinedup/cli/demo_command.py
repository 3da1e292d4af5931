"""`joinedup demo`: generate the synthetic place Kettleby, load its systems' records, and show what is where."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from joinedup.ingest import person_from_canonical_row, property_from_canonical_row
from joinedup.model import EntityType, SourceRecord
from joinedup.place import demo_place_path, load_place
from joinedup.store import Database
from joinedup.store.place_registry import register_place, registered_systems
from joinedup.store.source_records import SaveResult, SourceRecordStore

from ._common import DatabaseUrlOption, console, open_database, settings_for
from .serve_commands import HostOption, PortOption

if TYPE_CHECKING:
    from joinedup.sim import PlaceSummary, SimBatch

_SAVE_CHUNK = 2_000


def _source_records(
    batch: SimBatch, entity: EntityType, received_at: datetime, unmapped: Counter[str]
) -> Iterator[SourceRecord]:
    """The batch as the hub receives it: the raw native payload, mapped to canonical form where it can be."""
    rows = zip(batch.native_rows(), batch.canonical_rows(), batch.changed_at, strict=True)
    for native, canonical, changed_at in rows:
        person = person_from_canonical_row(canonical).person if entity is EntityType.PERSON else None
        mapped_property = property_from_canonical_row(canonical).property if entity is EntityType.PROPERTY else None
        if person is None and mapped_property is None:
            unmapped[batch.system] += 1  # kept raw, with no canonical form, so nothing is lost
        yield SourceRecord(
            system=batch.system,
            record_id=canonical["record_id"],
            entity=entity,
            raw=native,
            person=person,
            property=mapped_property,
            received_at=received_at,
            changed_at=changed_at,
        )


def _chunks(records: Iterator[SourceRecord]) -> Iterator[list[SourceRecord]]:
    chunk: list[SourceRecord] = []
    for record in records:
        chunk.append(record)
        if len(chunk) == _SAVE_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def demo(
    people: Annotated[int, typer.Option(min=1, help="How many residents the synthetic place has.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed for the synthetic place.")] = 42,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="End by serving (default), or exit.")] = True,
    database_url: DatabaseUrlOption = None,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
) -> None:
    """Generate a synthetic place, load every system's records into joinedup, and summarise what is where."""
    from joinedup.sim import SyntheticPlace

    settings = settings_for(database_url)
    database = open_database(settings)
    place = load_place(demo_place_path())
    register_place(database, place)
    console.print(
        f"[bold]{place.place.name}[/]: {len(place.organisations)} organisations, "
        f"{len(place.systems)} systems. Database: {database.describe()}"
    )

    synthetic = SyntheticPlace(people=people, seed=seed)
    store = SourceRecordStore(database)
    received_at = datetime.now(UTC)
    unmapped: Counter[str] = Counter()
    result = SaveResult()
    with Progress(
        TextColumn("[bold]Loading {task.fields[system]:<20}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("residents"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("load", total=people, system="")
        for batch in synthetic.batches():
            progress.update(task, system=batch.system, completed=batch.residents_done)
            entity = EntityType(place.system(batch.system).entity.value)
            for chunk in _chunks(_source_records(batch, entity, received_at, unmapped)):
                result += store.save(chunk)
        progress.update(task, completed=people, system="done")

    _print_summary(database, synthetic.summary(), unmapped, result)
    if serve:
        from .serve_commands import serve as serve_command

        database.dispose()
        serve_command(database_url=settings.database_url, host=host, port=port)
    database.dispose()


def _print_summary(database: Database, summary: PlaceSummary, unmapped: Counter[str], result: SaveResult) -> None:
    console.print(
        f"\nGenerated [bold]{summary.residents:,}[/] residents ({summary.children:,} children) in "
        f"{summary.households:,} households at {summary.properties:,} properties; over the timeline "
        f"{summary.births:,} births, {summary.deaths:,} deaths, {summary.moves:,} house moves."
    )
    counts = {c.system: c for c in SourceRecordStore(database).counts()}
    table = Table(title="What is where", title_justify="left")
    table.add_column("system", no_wrap=True)
    for column in ("kind", "holds"):
        table.add_column(column, no_wrap=True)
    for column in ("records", "versions", "unmapped"):
        table.add_column(column, justify="right", no_wrap=True)
    for system in registered_systems(database):
        held = counts.get(system["code"])
        table.add_row(
            system["code"],
            system["kind"],
            system["entity"],
            f"{held.records:,}" if held else "0",
            f"{held.versions:,}" if held else "0",
            f"{unmapped[system['code']]:,}",
        )
    console.print(table)
    by_organisation: dict[str, list[str]] = {}
    for system in registered_systems(database):
        by_organisation.setdefault(system["organisation"], []).append(system["code"])
    for organisation, codes in by_organisation.items():
        console.print(f"  {organisation}: {', '.join(codes)}")
    console.print(
        f"This run: {result.new:,} new, {result.changed:,} changed, {result.unchanged:,} unchanged records. "
        "Records that could not be mapped are kept raw as received."
    )
