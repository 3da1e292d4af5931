"""The disclosures API with a member of staff who holds several roles, on both backends: without a ``role`` they
act in the one an agreement in force names for the purpose (the first such when several can), with one they act
in exactly that role; the audit log records the role acted in."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from joinedup.api import create_app
from joinedup.audit import AuditLog, DecisionEvent
from joinedup.place import demo_place_path, load_place
from joinedup.settings import Settings
from joinedup.store import Database
from joinedup.store.place_registry import register_place
from joinedup.store.residents import ResidentStore
from joinedup.store.source_records import SourceRecordStore

from ..api.support import serve
from .test_api_disclosures import FIELDS, NOW, held, signed_in

BOTH = "social-worker-and-data-steward"  # kettleby-council: social-worker, then data-steward


@pytest.fixture
def client(database: Database) -> Iterator[httpx.Client]:
    register_place(database, load_place(demo_place_path()), now=NOW)
    SourceRecordStore(database).save([held("gp", "G1"), held("housing", "H1")])
    residents = ResidentStore(database)
    with database.transaction() as connection:
        residents.create_in(connection, "R1", NOW)
        for ref in (("gp", "G1"), ("housing", "H1")):
            residents.attach_in(connection, ref, "R1", "bulk", NOW)
    settings = Settings(environment="development", database_url=database.url, dev_tokens=True)
    with serve(create_app(settings, database)) as real:
        yield real


def _ask(client: httpx.Client, purpose: str, role: str | None = None) -> httpx.Response:
    body: dict[str, object] = {"purpose": purpose, "fields": FIELDS}
    if role is not None:
        body["role"] = role
    return client.post("/api/v1/residents/R1/disclosures", headers=signed_in(client, BOTH), json=body)


def test_without_a_role_the_purpose_picks_it_and_a_named_role_is_acted_in_exactly(
    client: httpx.Client, database: Database
) -> None:
    linkage = _ask(client, "record-linkage")
    assert linkage.status_code == 200 and linkage.json()["outcome"] == "PERMIT", linkage.text
    assert linkage.json()["reasons"][0]["agreement"] == "kettleby-record-linkage"
    enquiry = _ask(client, "safeguarding-enquiry")
    assert enquiry.json()["outcome"] == "PERMIT", enquiry.text
    named = _ask(client, "record-linkage", role="social-worker")
    assert named.json()["outcome"] == "DENY", "a named role is honoured, and the gate refuses it this purpose"
    known = client.get(
        "/api/v1/residents/R1/known-to", headers=signed_in(client, BOTH),
        params={"organisation": "kettleby-primary-care", "purpose": "known-to-check", "role": "data-steward"},
    )  # fmt: skip
    assert known.status_code == 200 and known.json()["known"] is True

    with database.transaction() as connection:
        decided = [e.event for e in AuditLog().read_in(connection) if isinstance(e.event, DecisionEvent)]
    assert [(d.purpose, d.actor.role) for d in decided] == [
        ("record-linkage", "data-steward"),
        ("safeguarding-enquiry", "social-worker"),
        ("record-linkage", "social-worker"),
        ("known-to-check", "data-steward"),
    ]
