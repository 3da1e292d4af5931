"""`joinedup sim ...`: the synthetic place, for demos, tests and benchmarks (never real data)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ._common import ExitCode, console, fail

sim_app = typer.Typer(help="The synthetic place: residents with ground truth, and their systems' records.")


@sim_app.command("export")
def export(
    directory: Annotated[Path, typer.Argument(help="Folder to write <system>.csv files and truth.csv into.")],
    people: Annotated[int, typer.Option(min=1, help="How many residents to generate.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 42,
) -> None:
    """Write each simulated system's records as CSV in the canonical person columns, plus truth.csv."""
    from joinedup.sim import export_place  # the simulator is loaded only by the commands that use it

    with Progress(
        TextColumn("[bold]Generating"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("residents"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("generate", total=people)
        summary = export_place(
            directory, people=people, seed=seed, progress=lambda done: progress.update(task, completed=done)
        )
    console.print(f"Wrote {directory}: {summary}")


@sim_app.command("serve")
def serve(
    people: Annotated[int, typer.Option(min=1, help="How many residents to generate.")] = 2_000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same records.")] = 42,
    folder: Annotated[
        Path, typer.Option(help="Working folder for the drop folders, the SQLite database and connections.json.")
    ] = Path("kettleby-sim"),
) -> None:
    """Run all seven simulated systems on local ports and folders until Ctrl+C, and write how to connect to them."""
    import json
    import signal
    import time

    from rich.table import Table

    from joinedup.sim import SyntheticPlace
    from joinedup.sim.servers.place_servers import SimulatedPlace, SimulatedPlaceError

    def stop_on_terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop_on_terminate)
    with console.status(f"Starting Kettleby's simulated systems for {people:,} residents..."):
        try:
            simulated = SimulatedPlace(SyntheticPlace(people=people, seed=seed), folder).start()
        except (SimulatedPlaceError, OSError) as error:
            fail(str(error), ExitCode.UNAVAILABLE)
    try:
        settings = folder / "connections.json"
        document = {
            "note": "The simulated systems' own demo credentials, made up for this run; never real ones.",
            "people": people,
            "seed": seed,
            "systems": simulated.connections(),
        }
        table = Table(title=f"Kettleby simulated systems ({people:,} residents, seed {seed})")
        table.add_column("System", no_wrap=True)
        table.add_column("Kind", no_wrap=True)
        table.add_column("Records", justify="right", no_wrap=True)
        table.add_column("Address or folder", overflow="fold")  # folded, never cut short: it is copied from here
        for system in simulated.systems.values():
            table.add_row(system.code, system.kind, f"{system.records:,}", system.address)
        console.print(table)
        console.print(
            f"Connection settings: {settings}\n"
            "They hold the simulated systems' own demo credentials (API keys, a client secret, a caseworker "
            "login), made up for this run; nothing real.\n"
            "Running until Ctrl+C."
        )
        # Written last: scripts and tests wait for this file as the sign that everything is up and said.
        partial = settings.with_name(settings.name + ".partial")  # renamed whole, so never read half written
        partial.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        partial.replace(settings)
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        console.print("Stopping the simulated systems.")
    finally:
        simulated.stop()
