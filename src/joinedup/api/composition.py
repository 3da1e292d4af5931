"""The hub's shared parts, built once per app from its settings: the disclosure gate and the change desks.

The API and the dashboard both read them from here, so there is one gate (one decision cache, one place file)
whichever door a request comes in by. Each is built on first use, not at start-up, so an app without a place
file still serves its other routes; a test or an embedding application may put its own on ``app.state`` first.
"""

from __future__ import annotations

from typing import Any

from joinedup.governance import DecisionPoint, DisclosureGate, GovernedDeliveries
from joinedup.place import demo_place_path, load_place
from joinedup.store import Database
from joinedup.store.residents import ResidentStore
from joinedup.tellusonce import ChangeDesk, StoredRecordVersions


def disclosure_gate(state: Any) -> DisclosureGate:
    """The app's one disclosure gate, over the settings' place file (the demo place when none is set)."""
    if getattr(state, "disclosure_gate", None) is None:
        place = load_place(state.settings.place_file or demo_place_path())
        state.disclosure_gate = DisclosureGate(DecisionPoint(place))
    gate: DisclosureGate = state.disclosure_gate
    return gate


def change_desk(state: Any, organisation: str) -> ChangeDesk:
    """The desk that takes changes told by ``organisation``: it is the controller whose agreements decide which
    systems may receive each change (governance's decision point, audited), as ``joinedup audit rectify`` does.

    A desk put on ``app.state.change_desk`` (tests, embedding applications) serves every organisation.
    """
    fixed = getattr(state, "change_desk", None)
    if isinstance(fixed, ChangeDesk):
        return fixed
    desks: dict[str, ChangeDesk] | None = getattr(state, "change_desks", None)
    if desks is None:
        desks = state.change_desks = {}
    if organisation not in desks:
        gate = disclosure_gate(state)
        database: Database = state.database
        desks[organisation] = ChangeDesk(
            database,
            gate.point.place.subscriptions,
            ResidentStore(database),
            GovernedDeliveries(gate, organisation),
            StoredRecordVersions(database),
        )
    return desks[organisation]
