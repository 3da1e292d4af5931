"""The sources endpoints on both backends: freshness per system, and quarantine without raw content."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx

from joinedup.api import create_app
from joinedup.place import demo_place_path, load_place
from joinedup.store import Database
from joinedup.store.api_keys import ApiKeyRepository
from joinedup.store.ingest_state import QuarantineStore, Rejection, SyncStateStore
from joinedup.store.place_registry import register_place
from joinedup.store.shape_acceptances import ShapeAcceptanceStore

from ..ingest.test_sync import COLUMNS, PLACE
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


def _as(client: httpx.Client, username: str) -> dict[str, str]:
    response = client.post("/api/v1/dev/token", json={"username": username})
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_a_data_steward_clears_a_stop_against_the_shape_the_place_file_declares_now(
    database: Database, tmp_path: Path
) -> None:
    place_file = tmp_path / "place.yaml"
    place_file.write_text(PLACE.format(drop=tmp_path / "drop"), encoding="utf-8")
    register_place(database, load_place(place_file))
    drift = "schema drift in ctax_2.csv: columns added: EMAIL"
    SyncStateStore(database).update("council-tax", stopped=drift, last_error=drift, last_error_at=NOW)
    settings = api_settings(database.url, dev_tokens=True, place_file=place_file)
    accept = "/api/v1/sources/council-tax/accept-shape"
    with serve(create_app(settings, database)) as client:
        steward = _as(client, "data-steward")
        assert client.post(accept).status_code == 401
        refused = client.post(accept, headers=_as(client, "housing-officer"), json={"note": "n"})
        assert refused.status_code == 403 and "data-steward" in refused.json()["detail"]
        key = {"X-API-Key": ApiKeyRepository(database).issue("council-tax", "test").plaintext}
        assert client.post(accept, headers=key).status_code == 403, "a system cannot take responsibility"
        both = _as(client, "social-worker-and-data-steward")
        as_social_worker = client.post(accept, headers=both, json={"role": "social-worker"})
        assert as_social_worker.status_code == 403, "acting in a role that may not, even with one that may"
        assert client.post(accept, headers=both, json={"role": "auditor"}).status_code == 403
        assert client.post(accept, headers=steward, json={"note": "x" * 501}).status_code == 422
        assert SyncStateStore(database).get("council-tax").stopped == drift, "no refusal cleared the stop"

        # The place file is edited after the app started: the acceptance records the shape it declares now.
        place_file.write_text(place_file.read_text().replace("POSTCODE]", "POSTCODE, EMAIL]"), encoding="utf-8")
        answer = client.post(accept, headers=steward, json={"note": "  supplier notice\nCT-42 "})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["accepted_by"] == "dev-0008", "the signed-in person, not a name typed in"
        assert body["shape"] == {"columns": [*COLUMNS, "EMAIL"]} and body["stop_reason"] == drift
        assert body["note"] == "supplier notice CT-42"
        sources = {row["system"]: row for row in client.get("/api/v1/sources", headers=steward).json()}
        assert sources["council-tax"]["stopped"] is None and sources["council-tax"]["last_error"] is None
        assert sources["council-tax"]["shape_accepted_by"] == "dev-0008"

        again = client.post(accept, headers=steward)
        assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"
        unknown = client.post("/api/v1/sources/no-such-system/accept-shape", headers=steward)
        assert unknown.status_code == 404 and "no-such-system" not in unknown.text
    (accepted,) = ShapeAcceptanceStore(database).history("council-tax")
    assert (accepted.accepted_by, accepted.note) == ("dev-0008", "supplier notice CT-42")


def test_the_openapi_document_describes_clearing_a_stop(sqlite_database: Database) -> None:
    with serve(create_app(api_settings(sqlite_database.url), sqlite_database)) as client:
        spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/sources/{system}/accept-shape"]["post"]
    assert {"200", "403", "404", "409"} <= set(operation["responses"])
    schemas = spec["components"]["schemas"]
    assert {"note", "role"} <= set(schemas["AcceptShape"]["properties"])
    assert {"accepted_by", "shape", "stop_reason"} <= set(schemas["ShapeAccepted"]["properties"])
