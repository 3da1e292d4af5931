"""`joinedup sources`: each source's freshness and state, and `sources accept-shape`, which clears a source that
schema drift stopped once the place file expects the new shape."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from joinedup.ingest.accept_shape import UnknownSystem, accept_current_shape
from joinedup.place import Place, PlaceFileError, load_place
from joinedup.store.ingest_state import QuarantineStore, SyncStateStore
from joinedup.store.shape_acceptances import ShapeAcceptance, ShapeAcceptanceStore, SourceNotStopped, how_to_clear

from ._common import DatabaseUrlOption, ExitCode, console, fail, open_database, settings_for

sources_app = typer.Typer(
    help="Each source's freshness and state; clearing a source stopped by schema drift.",
    invoke_without_command=True,
)

PlaceOption = Annotated[
    Path | None,
    typer.Option("--place", envvar="JOINEDUP_PLACE_FILE", help="The place file (default: JOINEDUP_PLACE_FILE)."),
]


def _condition(stopped: str | None, last_error: str | None, accepted: ShapeAcceptance | None,
               last_success_at: datetime | None) -> str:  # fmt: skip
    if stopped:
        return f"stopped: {stopped}"
    if last_error:
        return f"error: {last_error}"
    if accepted is not None and (last_success_at is None or accepted.accepted_at > last_success_at):
        return f"shape accepted by {accepted.accepted_by} at {accepted.accepted_at:%Y-%m-%d %H:%M}; syncs on next run"
    return "ok"


@sources_app.callback()
def sources(ctx: typer.Context, database_url: DatabaseUrlOption = None) -> None:
    """Each source's freshness: last successful sync, lag behind its newest change, error state, quarantine."""
    if ctx.invoked_subcommand is not None:
        return
    database = open_database(settings_for(database_url))
    open_quarantine = QuarantineStore(database).open_counts()
    accepted = ShapeAcceptanceStore(database).latest()
    now = datetime.now(UTC)
    table = Table("system", "last success", "newest change", "lag", "state", "quarantined")
    stopped = []
    for state in SyncStateStore(database).all():
        lag = now - state.newest_change_at if state.newest_change_at else None
        if state.stopped:
            stopped.append(state.system)
        table.add_row(
            state.system,
            f"{state.last_success_at:%Y-%m-%d %H:%M}" if state.last_success_at else "never",
            f"{state.newest_change_at:%Y-%m-%d %H:%M}" if state.newest_change_at else "",
            f"{lag.days} d {lag.seconds // 3600} h" if lag else "",
            _condition(state.stopped, state.last_error, accepted.get(state.system), state.last_success_at),
            f"{open_quarantine.get(state.system, 0):,}",
        )
    console.print(table)
    for system in stopped:
        console.print(f"{system} is stopped: {how_to_clear(system)}", markup=False)


def _load(place_file: Path | None) -> Place:
    if place_file is None:
        fail("no place file: give --place PLACE.yaml or set JOINEDUP_PLACE_FILE", ExitCode.USAGE)
    try:
        return load_place(place_file)
    except PlaceFileError as error:
        fail(str(error), ExitCode.INVALID_INPUT)


@sources_app.command("accept-shape")
def accept_shape(
    system: Annotated[str, typer.Argument(help="The stopped system's code.")],
    by: Annotated[str, typer.Option("--by", help="Who accepts the shape (a name or account), for the record.")],
    note: Annotated[str | None, typer.Option("--note", help="Why, e.g. the supplier's change notice.")] = None,
    place_file: PlaceOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Clear a stop for schema drift once the place file expects the new shape (or the mapping is fixed).

    Records who cleared it, when, the drift it was stopped for and the shape the place file now declares; the
    next sync reads on from where the source stopped. If the source still drifts, it stops again.
    """
    place = _load(place_file)
    database = open_database(settings_for(database_url))
    try:
        accepted = accept_current_shape(database, place, system, accepted_by=by, note=note, now=datetime.now(UTC))
    except (UnknownSystem, SourceNotStopped) as error:
        fail(str(error), ExitCode.INVALID_INPUT)
    except ValueError as error:
        fail(str(error), ExitCode.USAGE)
    console.print(f"{system}: stop cleared by {accepted.accepted_by}. It was: {accepted.stop_reason}", markup=False)
    console.print(f"{system}: the next sync reads on from where it stopped.", markup=False)
