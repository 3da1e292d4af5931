"""`joinedup agreements`, `joinedup consent`, `joinedup breakglass`: the information sharing agreements in
force and what a new version changes, residents' consents and objections, and the DPO's break-glass list."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from joinedup.governance import Consent, check_agreements, compile_policies, diff_places, in_force
from joinedup.place import Place, PlaceFileError, demo_place_path, load_place
from joinedup.store.governance_records import BreakGlassReviews, ConsentRows

from ._common import DatabaseUrlOption, ExitCode, console, fail, open_database, settings_for

agreements_app = typer.Typer(help="Information sharing agreements: list them, diff two versions, show policies.")
consent_app = typer.Typer(help="Residents' consents and objections (FHIR R5 Consent in shape).")
breakglass_app = typer.Typer(help="Break-glass looks awaiting the data protection officer's review.")

PlaceOption = Annotated[
    Path | None,
    typer.Option("--place", envvar="JOINEDUP_PLACE_FILE", help="The place file (default: the demo place)."),
]


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _load(place_file: Path | None) -> Place:
    try:
        return load_place(place_file or demo_place_path())
    except PlaceFileError as error:
        fail(str(error), ExitCode.INVALID_INPUT)


@agreements_app.command("list")
def list_agreements(place_file: PlaceOption = None) -> None:
    """Each agreement: version, parties, purposes, lawful basis, review date and whether it is in force today."""
    place = _load(place_file)
    table = Table("agreement", "version", "parties", "purposes", "lawful basis", "special category", "review", "status")
    today = _today()
    for agreement in place.agreements:
        basis = agreement.lawful_basis
        table.add_row(
            agreement.code, agreement.version, ", ".join(agreement.parties),
            ", ".join(p.code for p in agreement.purposes),
            basis.article_6.value + (f" + Art 9 {basis.article_9.value}" if basis.article_9 else ""),
            ", ".join(agreement.special_category_fields) or "none", agreement.review_date.isoformat(),
            "in force" if in_force(agreement, today) else "[red]lapsed[/]",
        )  # fmt: skip
    console.print(table)


@agreements_app.command("diff")
def diff(
    old: Annotated[Path, typer.Argument(help="The place file with the current agreements.", show_default=False)],
    new: Annotated[Path, typer.Argument(help="The place file with the proposed agreements.", show_default=False)],
) -> None:
    """Exactly which (organisation, role, purpose, field) permissions the new versions add and remove."""
    changes = diff_places(_load(old).agreements, _load(new).agreements)
    if not changes:
        console.print("No agreement changes.")
        return
    for change in changes:
        console.print(
            f"[bold]{change.code}[/]: version {change.old_version or '(new)'} -> {change.new_version or '(withdrawn)'}"
        )
        for permission in change.added:
            console.print(f"  + {permission}", markup=False)
        for permission in change.removed:
            console.print(f"  - {permission}", markup=False)
        for term in change.changed_terms:
            console.print(f"  ~ {term}", markup=False)


@agreements_app.command("policies")
def policies(place_file: PlaceOption = None) -> None:
    """The Cedar policies generated from the agreements in force today (what the decision point evaluates)."""
    compiled = compile_policies(_load(place_file), _today())
    console.print(compiled.text, markup=False, highlight=False)
    for code in compiled.lapsed:
        console.print(f"// {code}: lapsed, no policies", markup=False)


@agreements_app.command("check")
def check(place_file: PlaceOption = None) -> None:
    """Refuse (exit 1) when an agreement has lapsed today; the same check `joinedup validate` runs."""
    place = _load(place_file)
    problems = [message for _, message in check_agreements(_today())(place)]
    for message in problems:
        console.print(message, markup=False)
    if problems:
        raise typer.Exit(int(ExitCode.INVALID_INPUT))
    console.print(f"{len(place.agreements)} agreements, all in force.")


@consent_app.command("add")
def add_consent(
    document: Annotated[Path, typer.Argument(help="A consent or objection as JSON.", show_default=False)],
    database_url: DatabaseUrlOption = None,
) -> None:
    """Record (or replace, by id) a resident's consent or objection."""
    try:
        consent = Consent.model_validate_json(document.read_text(encoding="utf-8"))
    except (OSError, ValidationError) as error:
        fail(f"{document}: not a consent document: {error}", ExitCode.INVALID_INPUT)
    database = open_database(settings_for(database_url))
    with database.transaction() as connection:
        ConsentRows().save(connection, consent.model_dump(mode="json"), dt.datetime.now(dt.UTC))
    console.print(f"Recorded {consent.decision.value} ({consent.scope.value}) as {consent.id}.")
    database.dispose()


@consent_app.command("list")
def list_consents(
    resident: Annotated[str, typer.Argument(help="The resident's id.", show_default=False)],
    database_url: DatabaseUrlOption = None,
    fhir: Annotated[bool, typer.Option("--fhir", help="Print FHIR R5 Consent resources as JSON.")] = False,
) -> None:
    """A resident's consents and objections."""
    database = open_database(settings_for(database_url))
    with database.transaction() as connection:
        held = [Consent.model_validate(d) for d in ConsentRows().of_subject(connection, resident)]
    database.dispose()
    if fhir:
        console.print_json(json.dumps([c.to_fhir() for c in held]))
        return
    table = Table("id", "scope", "decision", "recorded", "withdrawn", "provisions", "evidence")
    for c in held:
        table.add_row(
            c.id, c.scope.value, c.decision.value, c.recorded_on.isoformat(),
            c.withdrawn_on.isoformat() if c.withdrawn_on else "", str(len(c.provisions)) or "any", c.evidence,
        )  # fmt: skip
    console.print(table)


@consent_app.command("withdraw")
def withdraw(
    consent_id: Annotated[str, typer.Argument(help="The consent's id.", show_default=False)],
    reason: Annotated[str, typer.Option(help="Why, in the resident's words or the officer's.")],
    database_url: DatabaseUrlOption = None,
) -> None:
    """Withdraw a consent from today: it counts for nothing in decisions from now on."""
    database = open_database(settings_for(database_url))
    with database.transaction() as connection:
        rows = ConsentRows()
        document = rows.get(connection, consent_id)
        if document is None:
            fail(f"no consent '{consent_id}'", ExitCode.INVALID_INPUT)
        withdrawn = Consent.model_validate(document).model_copy(
            update={"withdrawn_on": _today(), "withdrawal_reason": reason}
        )
        rows.save(connection, withdrawn.model_dump(mode="json"), dt.datetime.now(dt.UTC))
    database.dispose()
    console.print(f"Withdrew {consent_id} from {_today().isoformat()}.")


@breakglass_app.command("list")
def list_flags(
    database_url: DatabaseUrlOption = None,
    everything: Annotated[bool, typer.Option("--all", help="Include closed reviews.")] = False,
) -> None:
    """Break-glass looks the DPO has yet to review (or all of them)."""
    database = open_database(settings_for(database_url))
    with database.transaction() as connection:
        flags = BreakGlassReviews().list(connection, open_only=not everything)
    database.dispose()
    table = Table("id", "when", "who", "organisation", "resident", "reason", "fields", "audit entry", "closed")
    for f in flags:
        table.add_row(
            str(f.id), f.occurred_at.isoformat(timespec="seconds"), f"{f.person} ({f.role})", f.organisation,
            f.subject, f.reason, ", ".join(f.fields), str(f.audit_sequence or ""),
            f"{f.closed_by}: {f.outcome}" if f.closed_at else "",
        )  # fmt: skip
    console.print(table)


@breakglass_app.command("close")
def close_flag(
    flag_id: Annotated[int, typer.Argument(help="The review's id (from `breakglass list`).", show_default=False)],
    by: Annotated[str, typer.Option(help="Who reviewed it (the DPO's person id).")],
    outcome: Annotated[str, typer.Option(help="The finding, e.g. 'justified: risk to life'.")],
    database_url: DatabaseUrlOption = None,
) -> None:
    """Close a break-glass review with its outcome."""
    database = open_database(settings_for(database_url))
    with database.transaction() as connection:
        closed = BreakGlassReviews().close(connection, flag_id, by, outcome, dt.datetime.now(dt.UTC))
    database.dispose()
    if not closed:
        fail(f"no open break-glass review {flag_id}", ExitCode.INVALID_INPUT)
    console.print(f"Closed break-glass review {flag_id}.")
