"""The `joinedup` command: one Typer app; each command lives in the module named for what it does.

Exit codes are stable for scripts (see docs/cli.md): 0 ok, 1 invalid input, 2 usage, 3 unavailable, 4 failed.
"""

from __future__ import annotations

from typing import Annotated

import typer

from joinedup import __version__

from ._common import ExitCode, console
from .audit_commands import audit_app
from .demo_command import demo
from .governance_commands import agreements_app, breakglass_app, consent_app
from .link_commands import link
from .place_commands import init, validate
from .resolve_commands import resident, resolve, review_app
from .schema_commands import schemas
from .serve_commands import apikey_app, serve
from .sim_commands import sim_app
from .singleview_commands import singleview_app
from .sources_commands import sources_app
from .sync_commands import quarantine_app, sync
from .worker_commands import changes_app, worker

app = typer.Typer(
    name="joinedup",
    help="joinedup: join up the records a place's public services hold, and share them lawfully.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals may hold personal data
)


def _show_version(value: bool) -> None:
    if value:
        console.print(f"joinedup {__version__}")
        raise typer.Exit(int(ExitCode.OK))


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """joinedup: join up the records a place's public services hold, and share them lawfully."""


app.command()(init)
app.command()(validate)
app.command()(demo)
app.command()(serve)
app.command()(schemas)
app.command()(sync)
app.add_typer(sources_app, name="sources")
app.command()(link)
app.add_typer(sim_app, name="sim")
app.add_typer(apikey_app, name="apikey")
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(agreements_app, name="agreements")
app.add_typer(consent_app, name="consent")
app.add_typer(breakglass_app, name="breakglass")
app.command()(resolve)
app.command()(resident)
app.add_typer(review_app, name="review")
app.command()(worker)
app.add_typer(changes_app, name="changes")
app.add_typer(audit_app, name="audit")
app.add_typer(singleview_app)  # view, fhir, out-of-sync: top-level commands


def main() -> None:
    app()


__all__ = ["ExitCode", "app", "main"]
