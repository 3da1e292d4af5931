"""The habits of Kettleby's REST systems, and the connector settings that fit each of them.

Field names and timestamp formats follow each system's native layout in joinedup.sim (housing writes
``lastUpdated`` as an ISO date-time, the GP system ``LastAmended`` as YYYYMMDD, waste ``updated`` as a date).
"""

from __future__ import annotations

from typing import Any

from joinedup.sim.servers.rest_store import RestSystemProfile

PROFILES: dict[str, RestSystemProfile] = {
    "housing": RestSystemProfile(
        code="housing", id_field="personRef", updated_field="lastUpdated", updated_format="%Y-%m-%dT%H:%M:%SZ",
        pagination="page", auth="api-key", items_field="results", api_key_header="X-API-Key",
        api_key="housing-sim-key",
    ),
    "gp": RestSystemProfile(
        code="gp", id_field="PatientID", updated_field="LastAmended", updated_format="%Y%m%d",
        pagination="cursor", auth="oauth2", items_field="patients", client_id="joinedup-hub",
        client_secret="gp-sim-secret",  # noqa: S106 - a simulator's own throwaway credential
    ),
    "waste": RestSystemProfile(
        code="waste", id_field="property_id", updated_field="updated", updated_format="%Y-%m-%d",
        pagination="link", auth="api-key", items_field="data", api_key_header="apikey", api_key="waste-sim-key",
    ),
}  # fmt: skip


def connection_for(profile: RestSystemProfile, base_url: str) -> dict[str, Any]:
    """A place-file style connection dict for joinedup.connectors.rest that reads and writes this system."""
    auth: dict[str, Any] | None = None
    if profile.auth == "api-key":
        auth = {"type": "api-key", "header": profile.api_key_header, "key": profile.api_key}
    elif profile.auth == "oauth2":
        auth = {
            "type": "oauth2-client-credentials",
            "token_url": f"{base_url}/oauth/token",
            "client_id": profile.client_id,
            "client_secret": profile.client_secret,
        }
    return {
        "base_url": base_url,
        "records_path": "/records",
        "health_path": "/health",
        "items_field": profile.items_field,
        "id_field": profile.id_field,
        "updated_field": profile.updated_field,
        "updated_format": profile.updated_format,
        "pagination": {"style": profile.pagination, "per_page": profile.default_per_page},
        "auth": auth,
        # Every simulated API offers a bulk write endpoint (see RecordStore.write_batch); drop this to write
        # one request per change.
        "write": {"batch_path": "/records/batch", "max_batch": 100},
    }
