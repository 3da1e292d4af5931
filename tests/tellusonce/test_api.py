"""The changes endpoints: raise a change, follow its receipts, see and retry dead letters; behind auth."""

from __future__ import annotations

import httpx

from joinedup.api import create_app
from joinedup.sim.servers.place_servers import SimulatedPlace
from joinedup.store import Database
from joinedup.tellusonce import DeliveryWorker, MappingRecordDirectory

from ..api.support import api_settings, serve
from .support import NEW_ADDRESS, desk_for, pool_for, record_of, resident_in


def _token(client: httpx.Client) -> dict[str, str]:
    response = client.post("/api/v1/dev/token", json={"username": "housing-officer"})
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_a_change_raised_over_the_api_is_delivered_with_receipts_and_dead_letters_can_be_retried(
    database: Database, running: SimulatedPlace, directory: MappingRecordDirectory
) -> None:
    resident = resident_in(directory, ["housing", "gp"])
    app = create_app(api_settings(database.url, dev_tokens=True), database)
    app.state.change_desk = desk_for(database, directory)
    body = {"kind": "person.address-changed", "resident_id": resident, "fields": NEW_ADDRESS}
    assert running.rest is not None
    housing_record = record_of(directory, resident, "housing")
    running.rest.faults("housing").fail_status, running.rest.faults("housing").fail_records = 422, {housing_record}
    with serve(app) as client:
        assert client.post("/api/v1/changes", json=body).status_code == 401
        headers = _token(client)
        bad = client.post("/api/v1/changes", json={**body, "fields": {"nhs_number": "9434765919"}}, headers=headers)
        assert bad.status_code == 422 and "does not carry nhs_number" in bad.json()["detail"]
        assert "9434765919" not in bad.text

        raised = client.post("/api/v1/changes", json=body, headers=headers)
        assert raised.status_code == 202
        change = raised.json()
        assert {d["system"] for d in change["deliveries"]} >= {"housing", "gp"}
        assert all(d["status"] == "pending" for d in change["deliveries"])
        assert "14 Mill Lane" not in raised.text, "values are not echoed"

        worker = DeliveryWorker(database, pool_for(running, ["housing", "gp"]))
        try:
            while worker.run_once():
                pass
            after = client.get(f"/api/v1/changes/{change['change_id']}", headers=headers).json()
            states = {d["system"]: d for d in after["deliveries"]}
            assert states["gp"]["status"] == "delivered" and states["gp"]["receipt"] == "HTTP 200"
            assert states["housing"]["status"] == "dead"
            assert states["housing"]["reason"] == "rejected by housing: refused (HTTP 422)"

            running.rest.faults("housing").fail_records = set()  # the system would take it now
            dead = client.get("/api/v1/changes/deliveries", params={"status": "dead"}, headers=headers).json()
            assert [d["id"] for d in dead] == [states["housing"]["id"]]
            retried = client.post(f"/api/v1/changes/deliveries/{states['housing']['id']}/retry", headers=headers)
            assert retried.status_code == 200 and retried.json()["status"] == "pending"
            again = client.post(f"/api/v1/changes/deliveries/{states['housing']['id']}/retry", headers=headers)
            assert again.status_code == 409
            while worker.run_once():
                pass
        finally:
            worker.connectors.close()
        final = client.get(f"/api/v1/changes/{change['change_id']}", headers=headers).json()
        assert {d["system"]: d["status"] for d in final["deliveries"]}["housing"] == "delivered"
        assert client.get("/api/v1/changes/999999", headers=headers).status_code == 404
