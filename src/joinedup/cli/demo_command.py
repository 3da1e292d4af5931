"""`joinedup demo`: Kettleby's seven systems running as real servers, pulled in through joinedup's connectors.

The demo starts every simulated legacy system (REST APIs, nightly file drops, a SQL database, a legacy web
screen), then syncs each one exactly as a real place would: connector, mapping from the place file, versions,
quarantine and checkpoints. Then (demo_story.py) it links the records into residents, shows single views, shares
one resident lawfully, tells a move once, and proves the audit log. It ends by serving the API and the staff
dashboard, with the simulated systems still running.
"""

from __future__ import annotations

import os
from collections import Counter
from contextlib import closing
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from joinedup.connectors import ConnectorError, open_connector
from joinedup.ingest import check_mappings, compile_mapping
from joinedup.ingest.sync import RecordMapper, SourceSync, SyncReport
from joinedup.model import EntityType
from joinedup.place import Place, demo_place_path, load_place
from joinedup.store import Database
from joinedup.store.place_registry import register_place, registered_systems
from joinedup.store.source_records import SourceRecordStore

from ._common import DatabaseUrlOption, console, errors, open_database, settings_for
from .demo_story import link_and_show, prove_accountability, share_lawfully, tell_us_once
from .serve_commands import HostOption, PortOption

if TYPE_CHECKING:
    from joinedup.sim import PlaceSummary
    from joinedup.sim.servers.place_servers import SimulatedPlace


def _sync_through_connectors(database: Database, place: Place, running: SimulatedPlace) -> list[SyncReport]:
    """Sync every system from its running server, with one progress bar a system."""
    reports = []
    columns = (TextColumn("[bold]{task.description:<20}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        for system in place.systems:
            expected = running.systems[system.code].records
            task = progress.add_task(system.code, total=expected)
            mapping = next((compile_mapping(m) for m in place.mappings if m.system == system.code), None)
            mapper = RecordMapper(system.code, EntityType(system.entity.value), mapping)
            try:
                # The place file says how each system connects; the simulator says where it runs today.
                connection = running.connection(system.code)
                with closing(open_connector(running.kind(system.code), connection, os.environ)) as connector:
                    report = SourceSync(database, connector, mapper).run(progress=partial(_advance, progress, task))
            except ConnectorError as error:
                errors.print(f"{system.code}: not synced: {error}", markup=False)
                continue
            progress.update(task, completed=expected)
            reports.append(report)
    return reports


def _advance(progress: Progress, task: TaskID, seen: int) -> None:
    progress.update(task, completed=seen)


def demo(
    people: Annotated[int, typer.Option(min=1, help="How many residents the synthetic place has.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed for the synthetic place.")] = 42,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="End by serving (default), or exit.")] = True,
    folder: Annotated[Path, typer.Option(help="Working folder for the simulated systems' files.")] = Path(
        "kettleby-sim"
    ),
    database_url: DatabaseUrlOption = None,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
) -> None:
    """Run Kettleby's systems as real servers, pull them in through the connectors, and show what is where."""
    from joinedup.sim import SyntheticPlace
    from joinedup.sim.servers.place_servers import SimulatedPlace

    settings = settings_for(database_url)
    database = open_database(settings)
    place = load_place(demo_place_path(), checks=[check_mappings])
    register_place(database, place)
    console.print(
        f"[bold]{place.place.name}[/]: {len(place.organisations)} organisations, {len(place.systems)} systems. "
        f"Database: {database.describe()}"
    )
    synthetic = SyntheticPlace(people=people, seed=seed)
    running = SimulatedPlace(synthetic, folder)
    with console.status("Starting the simulated systems..."):
        running.start()
    try:
        _print_running(running)
        reports = _sync_through_connectors(database, place, running)
        _print_summary(database, synthetic.summary(), reports)
        shown = link_and_show(database, place)
        if shown:
            share_lawfully(database, place, shown[0])
            tell_us_once(running, database)
            prove_accountability(database, settings, shown[0])
        if serve:
            from joinedup.web import dashboard_url

            from .serve_commands import serve as serve_command

            database.dispose()
            console.print(
                f"\nStaff dashboard: [bold]{dashboard_url(host, port)}[/] (sign in as one of the development users "
                "listed below). Stop with Ctrl+C."
            )
            serve_command(database_url=settings.database_url, host=host, port=port)
    finally:
        running.stop()
    database.dispose()


def _print_running(running: SimulatedPlace) -> None:
    table = Table(title="Simulated systems (real servers, synthetic data)", title_justify="left")
    for column in ("system", "kind", "records", "where"):
        table.add_column(column, justify="right" if column == "records" else "left")
    for code, system in running.systems.items():
        table.add_row(code, system.kind, f"{system.records:,}", system.address)
    console.print(table)


def _print_summary(database: Database, summary: PlaceSummary, reports: list[SyncReport]) -> None:
    console.print(
        f"\nGenerated [bold]{summary.residents:,}[/] residents ({summary.children:,} children) in "
        f"{summary.households:,} households at {summary.properties:,} properties; over the timeline "
        f"{summary.births:,} births, {summary.deaths:,} deaths, {summary.moves:,} house moves."
    )
    counts = {c.system: c for c in SourceRecordStore(database).counts()}
    by_system = {report.system: report for report in reports}
    table = Table(title="What is where", title_justify="left")
    table.add_column("system", no_wrap=True)
    for column in ("kind", "holds", "status"):
        table.add_column(column, no_wrap=True)
    for column in ("records", "versions", "quarantined"):
        table.add_column(column, justify="right", no_wrap=True)
    for system in registered_systems(database):
        held = counts.get(system["code"])
        report = by_system.get(system["code"])
        table.add_row(
            system["code"], system["kind"], system["entity"], report.status if report else "not synced",
            f"{held.records:,}" if held else "0", f"{held.versions:,}" if held else "0",
            f"{report.quarantined:,}" if report else "",
        )  # fmt: skip
    console.print(table)
    by_organisation: dict[str, list[str]] = {}
    for system in registered_systems(database):
        by_organisation.setdefault(system["organisation"], []).append(system["code"])
    for organisation, codes in by_organisation.items():
        console.print(f"  {organisation}: {', '.join(codes)}")
    total: Counter[str] = Counter()
    for report in reports:
        total.update(new=report.saved.new, changed=report.saved.changed, unchanged=report.saved.unchanged)
    console.print(
        f"This run: {total['new']:,} new, {total['changed']:,} changed, {total['unchanged']:,} unchanged records "
        f"read through the connectors. Quarantined records are kept raw with their reasons: "
        f"`joinedup quarantine list`."
    )
