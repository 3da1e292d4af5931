"""How fresh each connected system's data is: the read model behind the API's /sources and the Sources page.

Built from the place register, the sync state and the open quarantine counts. No personal data: quarantined
records are only counted here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .database import Database
from .ingest_state import QuarantineStore, SyncStateStore
from .place_registry import registered_systems
from .shape_acceptances import ShapeAcceptanceStore, how_to_clear


@dataclass(frozen=True)
class SourceFreshness:
    system: str
    name: str
    kind: str
    organisation: str
    last_success_at: datetime | None
    newest_change_at: datetime | None
    lag_seconds: float | None  # how old the newest change held is, at `now`
    last_error: str | None
    stopped: str | None
    quarantined: int
    how_to_clear: str | None = None  # set when stopped: what an operator does about it
    shape_accepted_at: datetime | None = None  # the last time a stop was cleared, and by whom
    shape_accepted_by: str | None = None


def freshness_of_sources(database: Database, now: datetime) -> list[SourceFreshness]:
    """Every registered system, in register order, with its sync state and open quarantine count."""
    states = {state.system: state for state in SyncStateStore(database).all()}
    held = QuarantineStore(database).open_counts()
    accepted = ShapeAcceptanceStore(database).latest()
    rows = []
    for system in registered_systems(database):
        state = states.get(system["code"])
        newest = state.newest_change_at if state else None
        acceptance = accepted.get(system["code"])
        rows.append(
            SourceFreshness(
                system=system["code"], name=system["name"], kind=system["kind"], organisation=system["organisation"],
                last_success_at=state.last_success_at if state else None, newest_change_at=newest,
                lag_seconds=(now - newest).total_seconds() if newest else None,
                last_error=state.last_error if state else None, stopped=state.stopped if state else None,
                quarantined=held.get(system["code"], 0),
                how_to_clear=how_to_clear(system["code"]) if state and state.stopped else None,
                shape_accepted_at=acceptance.accepted_at if acceptance else None,
                shape_accepted_by=acceptance.accepted_by if acceptance else None,
            )
        )  # fmt: skip
    return rows
