"""`joinedup schemas`: publish the canonical model's JSON Schemas, or check that they have not drifted."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from joinedup.model import published_schemas, render_schema

from ._common import ExitCode, console, errors


def schemas(
    directory: Annotated[Path, typer.Argument(help="Where the schemas live.")] = Path("schemas"),
    write: Annotated[bool, typer.Option("--write", help="Write them instead of checking.")] = False,
) -> None:
    """Check (or with --write, regenerate) the JSON Schema of each canonical model. Exit 1 on drift."""
    drifted = []
    for name, document in published_schemas().items():
        target = directory / name
        text = render_schema(document)
        if write:
            directory.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        elif not target.exists() or target.read_text(encoding="utf-8") != text:
            drifted.append(name)
    if drifted:
        errors.print(f"out of date in {directory}: {', '.join(drifted)}; run `joinedup schemas --write`.")
        raise typer.Exit(int(ExitCode.INVALID_INPUT))
    console.print(f"{'Wrote' if write else 'Up to date:'} {len(published_schemas())} schemas in {directory}.")
