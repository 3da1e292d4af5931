"""`joinedup link FILE.csv... --out OUT.csv`: link records in the canonical person columns into residents."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ._common import ExitCode, console, fail

STEPS = ("reading", "preparing", "training", "scoring pairs", "clustering", "writing")


def link(
    files: Annotated[list[Path], typer.Argument(help="CSV files in the canonical person columns (docs/linkage.md).")],
    out: Annotated[Path, typer.Option("--out", help="Where to write source,record_id,resident_id.")],
    backend: Annotated[str, typer.Option(help="Where Splink runs: duckdb (in process) or spark.")] = "duckdb",
    threshold: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help="Match probability to link at (default: the model's, 0.9)."),
    ] = None,
    pairs_out: Annotated[
        Path | None, typer.Option(help="Also write every scored pair above the review threshold here (CSV).")
    ] = None,
    model_in: Annotated[
        Path | None, typer.Option("--model", help="Use this trained model (JSON) instead of training one.")
    ] = None,
    model_out: Annotated[Path | None, typer.Option(help="Save the trained model (JSON) here.")] = None,
) -> None:
    """Link the records of every file into residents, without labels: train, score, cluster, write."""
    from joinedup.linkage import BACKENDS, LinkageError, TrainedModel, link_records
    from joinedup.linkage._csv import read_link_csv, write_residents

    if backend not in BACKENDS:
        fail(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}", ExitCode.USAGE)
    logging.getLogger("splink").setLevel(logging.ERROR)  # Splink's training chatter is not for this screen
    model = None
    if model_in is not None:
        try:
            model = TrainedModel.from_json(model_in.read_text(encoding="utf-8"))
        except OSError as error:
            fail(f"{model_in}: cannot be read ({error.strerror})", ExitCode.INVALID_INPUT)
        except LinkageError as error:
            fail(f"{model_in}: {error}", ExitCode.INVALID_INPUT)
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task(STEPS[0], total=len(STEPS))

        def step(name: str) -> None:
            progress.update(task, description=name, completed=STEPS.index(name))

        try:
            frame = read_link_csv(files)
        except LinkageError as error:
            fail(str(error), ExitCode.INVALID_INPUT)
        try:
            result = link_records(
                frame,
                model=model,
                backend=backend,
                threshold=threshold,
                on_step=step,
            )
        except LinkageError as error:
            fail(str(error), ExitCode.UNAVAILABLE if "extra" in str(error) else ExitCode.INVALID_INPUT)
        step("writing")
        order = (frame["source"].str.strip() + "|" + frame["record_id"].str.strip()).tolist()
        residents = write_residents(out, result.clusters, order)
        if pairs_out is not None:
            pairs_out.parent.mkdir(parents=True, exist_ok=True)
            columns = ["unique_id_l", "unique_id_r", "match_weight", "match_probability"]
            result.pairs[columns].to_csv(pairs_out, index=False)
        if model_out is not None:
            model_out.write_text(result.model.to_json(), encoding="utf-8")
    console.print(f"Linked {len(frame):,} records into {residents:,} residents; wrote {out}")
    console.print(
        f"{len(result.uncertain):,} pairs fall between the review and link thresholds "
        f"({result.model.review_low:g} to {result.model.link_threshold:g})"
    )
