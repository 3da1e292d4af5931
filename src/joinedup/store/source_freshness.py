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


def freshness_of_sources(database: Database, now: datetime) -> list[SourceFreshness]:
    """Every registered system, in register order, with its sync state and open quarantine count."""
    states = {state.system: state for state in SyncStateStore(database).all()}
    held = QuarantineStore(database).open_counts()
    rows = []
    for system in registered_systems(database):
        state = states.get(system["code"])
        newest = state.newest_change_at if state else None
        rows.append(
            SourceFreshness(
                system=system["code"], name=system["name"], kind=system["kind"], organisation=system["organisation"],
                last_success_at=state.last_success_at if state else None, newest_change_at=newest,
                lag_seconds=(now - newest).total_seconds() if newest else None,
                last_error=state.last_error if state else None, stopped=state.stopped if state else None,
                quarantined=held.get(system["code"], 0),
            )
        )  # fmt: skip
    return rows
