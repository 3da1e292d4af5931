"""The sources endpoints on both backends: freshness per system, and quarantine without raw content."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from joinedup.api import create_app
from joinedup.place import demo_place_path, load_place
from joinedup.store import Database
from joinedup.store.ingest_state import QuarantineStore, Rejection, SyncStateStore
from joinedup.store.place_registry import register_place
from joinedup.store.shape_acceptances import ShapeAcceptanceStore

from .support import api_settings, serve

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def _token(client: httpx.Client) -> dict[str, str]:
    response = client.post("/api/v1/dev/token", json={"username": "housing-officer"})
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_sources_show_freshness_and_quarantine_without_raw_content(database: Database) -> None:
    register_place(database, load_place(demo_place_path()))
    states = SyncStateStore(database)
    states.update("council-tax", last_success_at=NOW, newest_change_at=NOW)
    with database.transaction() as connection:
        QuarantineStore(database).add_in(
            connection,
            "council-tax",
            [
                Rejection(
                    "CT0000007", "ctax_1.csv line 9", ("DOB: not a date in the format %d/%m/%Y",), {"DOB": "31/02/1980"}
                )
            ],
            NOW,
        )
    with serve(create_app(api_settings(database.url, dev_tokens=True), database)) as client:
        assert client.get("/api/v1/sources").status_code == 401
        headers = _token(client)
        sources = {row["system"]: row for row in client.get("/api/v1/sources", headers=headers).json()}
        assert set(sources) == {s.code for s in load_place(demo_place_path()).systems}
        assert sources["council-tax"]["quarantined"] == 1
        assert sources["council-tax"]["lag_seconds"] > 0
        assert sources["gp"]["last_success_at"] is None

        held = client.get("/api/v1/sources/council-tax/quarantine", headers=headers)
        assert held.status_code == 200
        (entry,) = held.json()
        assert entry["location"] == "ctax_1.csv line 9"
        assert entry["reasons"] == ["DOB: not a date in the format %d/%m/%Y"]
        assert "31/02/1980" not in held.text, "raw content never leaves through this endpoint"


def test_a_stopped_source_says_how_to_clear_it_and_who_cleared_it(database: Database) -> None:
    register_place(database, load_place(demo_place_path()))
    SyncStateStore(database).update("housing", stopped="schema drift in GET /records (record H1): fields added: x")
    with serve(create_app(api_settings(database.url, dev_tokens=True), database)) as client:
        headers = _token(client)
        sources = {row["system"]: row for row in client.get("/api/v1/sources", headers=headers).json()}
        assert sources["housing"]["stopped"].startswith("schema drift")
        assert "joinedup sources accept-shape housing" in sources["housing"]["how_to_clear"]
        assert sources["gp"]["how_to_clear"] is None and sources["housing"]["shape_accepted_by"] is None

        ShapeAcceptanceStore(database).accept("housing", accepted_by="ia-jones", shape={"fields": ["x"]}, now=NOW)
        sources = {row["system"]: row for row in client.get("/api/v1/sources", headers=headers).json()}
        assert sources["housing"]["stopped"] is None and sources["housing"]["how_to_clear"] is None
        assert sources["housing"]["shape_accepted_by"] == "ia-jones" and sources["housing"]["shape_accepted_at"]
