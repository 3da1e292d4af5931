"""`joinedup resolve`, `joinedup review`, `joinedup resident`: link the stored records into residents, work the
clerical review queue, and see a resident's records, household and id history."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from joinedup.linkage import Decision, LinkageError, LinkageService, ResolveSummary
from joinedup.store import Database

from ._common import DatabaseUrlOption, ExitCode, console, errors, fail, open_database, settings_for

review_app = typer.Typer(help="The clerical review queue: pairs the model could not decide.", no_args_is_help=True)

ReviewerOption = Annotated[
    str, typer.Option("--reviewer", envvar="JOINEDUP_REVIEWER", help="Who decides (kept with the decision).")
]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why, in a sentence (kept with the decision).")]
TargetArgument = Annotated[
    list[str],
    typer.Argument(help="A review item's id, or two record ids written system|record_id.", show_default=False),
]


def resolve(
    retrain: Annotated[bool, typer.Option("--retrain", help="Train a new model instead of reusing the last.")] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Link every stored person record into residents; ids stay stable across runs, and changes are explained."""
    database = open_database(settings_for(database_url))
    try:
        with console.status("Linking...") as status:
            summary = LinkageService(database).resolve(retrain=retrain, progress=lambda stage: status.update(stage))
    except LinkageError as error:
        fail(f"linkage failed: {error}", ExitCode.FAILED)
    finally:
        database.dispose()
    print_summary(summary)


def print_summary(summary: ResolveSummary) -> None:
    console.print(
        f"{summary.records:,} records linked into [bold]{summary.residents:,}[/] residents "
        f"({summary.multi_system_residents:,} held by more than one system) in {summary.seconds:.1f} s; "
        f"{summary.households:,} households at known properties.\n"
        f"This run: {summary.new_residents:,} new residents, {summary.id_events:,} id changes (each with its "
        f"reason), {summary.review_items_added:,} pairs queued for review; {summary.review_items_open:,} open."
    )


@review_app.command("list")
def review_list(
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many.")] = 50,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Open review items, the most uncertain first (records by system and id, never their content)."""
    database = open_database(settings_for(database_url))
    items = LinkageService(database).review.open_items(limit=limit)
    database.dispose()
    table = Table(title="Open review items", title_justify="left")
    for column in ("item", "record", "record ", "probability", "weight"):
        table.add_column(column, justify="right" if column in ("item", "probability", "weight") else "left")
    for item in items:
        table.add_row(
            str(item.id), item.left_record, item.right_record, f"{item.probability:.3f}", f"{item.match_weight:.2f}"
        )
    console.print(table if items else "No open review items.")


def _decide(database_url: str | None, target: list[str], decision: Decision, reviewer: str, reason: str) -> None:
    if not reviewer.strip():
        fail("say who decides: --reviewer NAME (or JOINEDUP_REVIEWER)", ExitCode.USAGE)
    database = open_database(settings_for(database_url))
    try:
        service = LinkageService(database)
        if len(target) == 1 and target[0].isdigit():
            item = service.review.item(int(target[0]))
            if item is None:
                fail(f"there is no review item {target[0]}", ExitCode.INVALID_INPUT)
            left, right = item.left_record, item.right_record
        elif len(target) == 2 and all("|" in part for part in target):
            left, right = target
        else:
            fail("give a review item's id, or two record ids as system|record_id", ExitCode.USAGE)
        try:
            service.decide(left, right, decision, reviewer=reviewer, reason=reason)
        except ValueError as error:
            fail(str(error), ExitCode.INVALID_INPUT)
    finally:
        database.dispose()
    console.print(f"Recorded: {left} and {right}: {decision.value}. Every later run keeps to it.")


@review_app.command("link")
def review_link(
    target: TargetArgument,
    reviewer: ReviewerOption = "",
    reason: ReasonOption = "",
    database_url: DatabaseUrlOption = None,
) -> None:
    """Decide that two records are the same person."""
    _decide(database_url, target, Decision.LINK, reviewer, reason)


@review_app.command("no-link")
def review_no_link(
    target: TargetArgument,
    reviewer: ReviewerOption = "",
    reason: ReasonOption = "",
    database_url: DatabaseUrlOption = None,
) -> None:
    """Decide that two records are different people."""
    _decide(database_url, target, Decision.NO_LINK, reviewer, reason)


def resident(
    resident_id: Annotated[str, typer.Argument(help="The resident's id.", show_default=False)],
    database_url: DatabaseUrlOption = None,
) -> None:
    """A resident's records across systems, household, and how their id came to be."""
    database: Database = open_database(settings_for(database_url))
    service = LinkageService(database)
    current = service.residents.current_id(resident_id)
    if current is None:
        database.dispose()
        fail(f"no resident '{resident_id}'", ExitCode.INVALID_INPUT)
    records, home, events = service.records_of(current), service.household_of(current), service.events_of(current)
    database.dispose()
    if current != resident_id:
        errors.print(f"{resident_id} was merged into {current}; showing {current}.")
    console.print(f"[bold]{current}[/]: {len(records)} records")
    for system, record_id in records:
        console.print(f"  {system}: {record_id}")
    if home is not None:
        console.print(f"Household {home.id} at UPRN {home.uprn}: {len(home.members)} residents")
    for event in events:
        when = event.occurred_at.isoformat(timespec="seconds") if event.occurred_at else ""
        console.print(f"  {when} {event.kind}: {event.reason}")
