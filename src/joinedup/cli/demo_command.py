"""`joinedup demo`: generate the synthetic place Kettleby, load its systems' records, and show what is where."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from joinedup.ingest import person_from_canonical_row
from joinedup.model import EntityType, SourceRecord
from joinedup.place import demo_place_path, load_place
from joinedup.store.place_registry import register_place
from joinedup.store.source_records import SaveResult, SourceRecordStore

from ._common import DatabaseUrlOption, console, open_database, settings_for
from .serve_commands import HostOption, PortOption

if TYPE_CHECKING:
    from joinedup.sim import SimBatch

_SAVE_CHUNK = 2_000


def _source_records(batch: SimBatch, received_at: datetime, unmapped: Counter[str]) -> Iterator[SourceRecord]:
    """The batch as the hub receives it: the raw native payload, mapped to the canonical person where it can."""
    rows = zip(batch.native_rows(), batch.canonical_rows(), batch.changed_at, strict=True)
    for native, canonical, changed_at in rows:
        mapped = person_from_canonical_row(canonical)
        if mapped.person is None:
            unmapped[batch.system] += 1  # kept raw, with no canonical form, so nothing is lost
        yield SourceRecord(
            system=batch.system,
            record_id=canonical["record_id"],
            entity=EntityType.PERSON,
            raw=native,
            person=mapped.person,
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
    console.print(f"[bold]{place.place.name}[/]: {len(place.organisations)} organisations, "
                  f"{len(place.systems)} systems. Database: {database.describe()}")

    synthetic = SyntheticPlace(people=people, seed=seed)
    store = SourceRecordStore(database)
    received_at = datetime.now(UTC)
    unmapped: Counter[str] = Counter()
    saved: Counter[str] = Counter()
    result = SaveResult()
    with Progress(
        TextColumn("[bold]Loading {task.fields[system]:<20}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("residents"), TimeElapsedColumn(), console=console,
    ) as progress:
        task = progress.add_task("load", total=people, system="")
        for batch in synthetic.batches():
            progress.update(task, system=batch.system, completed=batch.residents_done)
            for chunk in _chunks(_source_records(batch, received_at, unmapped)):
                result += store.save(chunk)
                saved[batch.system] += len(chunk)
        progress.update(task, completed=people, system="done")

    _print_summary(database, synthetic, saved, unmapped, result)
    if serve:
        from .serve_commands import serve as serve_command

        serve_command(database_url=settings.database_url, host=host, port=port)
    database.dispose()


def _print_summary(database: object, synthetic: object, saved: Counter[str], unmapped: Counter[str],
                   result: SaveResult) -> None:
    ...
