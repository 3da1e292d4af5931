"""`joinedup sim ...`: the synthetic place, for demos, tests and benchmarks (never real data)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ._common import console

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
