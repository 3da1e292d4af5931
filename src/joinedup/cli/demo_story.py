"""The second half of `joinedup demo`: what the hub does with the records once they are in.

Each step calls the same services the commands and the API use: link the records into residents, show a few
single views, ask for one resident as a housing officer and as a social worker through the disclosure gate (and
once through break-glass), tell a change of address once, then sign an audit checkpoint, verify the log and show
the resident's "who has seen my data". Synthetic data only, so printing values is fine here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rich.table import Table

from joinedup import audit
from joinedup.governance import DecisionPoint, run_demo_requests
from joinedup.linkage import resolve_place
from joinedup.place import Place
from joinedup.settings import Settings
from joinedup.store import Database
from joinedup.store.audit_records import organisation_names
from joinedup.store.residents import ResidentStore

from ._common import console
from .resolve_commands import print_summary
from .singleview_commands import show_residents

if TYPE_CHECKING:
    from joinedup.sim.servers.place_servers import SimulatedPlace

# The systems a move is told to in the demo: every one that holds an address and subscribes to moves.
_MOVE_SYSTEMS = frozenset({"council-tax", "housing", "gp", "schools", "waste"})


def link_and_show(database: Database, place: Place) -> list[str]:
    """Link the stored records into residents and print the single view of a few; their ids."""
    console.rule("Linkage: records into residents")
    with console.status("Linking records into residents (Splink)...") as status:
        summary = resolve_place(database, progress=lambda stage: status.update(stage))
    print_summary(summary)
    console.rule("Single view: golden record, provenance, conflicts")
    return show_residents(database, place, count=2)


def share_lawfully(database: Database, place: Place, resident_id: str) -> None:
    """The same resident asked for by a housing officer and a social worker, then a break-glass look."""
    from joinedup.api.routes.disclosures import resident_fields

    console.rule("Governance: one decision point for every disclosure")
    fetch = resident_fields(database, place, resident_id)
    looks = run_demo_requests(database, DecisionPoint(place), resident_id, fetch)
    for look in looks:
        table = Table(title=f"{look.title}: {look.outcome}", title_justify="left", show_header=False)
        table.add_column("what", style="bold")
        table.add_column("detail")
        table.add_row("fields given", ", ".join(look.permitted_fields) or "none")
        for reason in look.reasons:
            table.add_row("reason", reason)
        if look.break_glass_flag is not None:
            table.add_row("flagged", f"for the data protection officer's review (flag {look.break_glass_flag})")
        console.print(table)


def tell_us_once(running: SimulatedPlace, database: Database) -> None:
    """One change of address told once, written into every system that holds the resident."""
    from .worker_commands import tell_once_in_simulated_place

    console.rule("Tell us once: one change of address, written to every system")
    residents = ResidentStore(database)
    # The resident held by the most of the systems that keep an address, so the move reaches the most places.
    candidates = residents.held_across_systems(200)
    reach = {r: len(_MOVE_SYSTEMS & {s for s, _ in residents.records_of(r)}) for r in candidates}
    resident_id = max(reach, key=lambda r: (reach[r], r), default=None)
    if resident_id is None:
        console.print("No resident is held by more than one system in this place: skipped.")
        return
    delivered = tell_once_in_simulated_place(running, database, resident_id=resident_id, directory=residents)
    table = Table(title=f"Resident {resident_id} moved to 14 Mill Lane, KT1 4MX", title_justify="left")
    for column in ("system", "status", "receipt", "the system's own record now says"):
        table.add_column(column)
    for system, outcome in sorted(delivered.items()):
        held = outcome["held_by_system"]
        shown = ", ".join(str(v) for k, v in held.items() if _is_address_field(k) and v) or str(held)
        table.add_row(system, str(outcome["status"]), str(outcome["receipt"])[:40], shown[:70])
    console.print(table)


def _is_address_field(name: str) -> bool:
    lowered = name.lower()
    return ("addr" in lowered or "post" in lowered or "town" in lowered) and "mail" not in lowered


def prove_accountability(database: Database, settings: Settings, resident_id: str) -> None:
    """Sign a checkpoint, verify the whole log offline, and show the resident who has seen their data."""
    console.rule("Audit: a log nobody can quietly edit, and what the resident sees")
    key = audit.signing_key(settings.audit_signing_key, allow_development_key=settings.environment != "production")
    with database.transaction() as connection:
        audit.checkpoint_in(connection, key)
    with database.engine.connect() as connection:
        report = audit.verify_in(connection, key.public_key())
        seen = audit.who_has_seen_in(
            connection, resident_id, today=datetime.now(UTC).date(), organisation_names=organisation_names(connection)
        )
    verdict = "intact" if report.intact else f"BROKEN at entry {report.problems[0].sequence}"
    console.print(
        f"Audit log {verdict}: {report.entries:,} entries, {report.checkpoints} signed checkpoint(s). "
        "Check it yourself: `joinedup audit verify`."
    )
    table = Table(title=f"Who has seen my data: resident {resident_id}", title_justify="left")
    for column in ("when", "organisation", "role", "purpose", "agreement", "emergency"):
        table.add_column(column)
    for item in seen:
        table.add_row(
            item.when.strftime("%Y-%m-%d %H:%M"), item.organisation, item.role, item.purpose,
            item.agreement or "none (break-glass)", "yes" if item.emergency else "",
        )  # fmt: skip
    console.print(table)
