"""A change's page shows every delivery state the outbox holds, with the receipt or the reason, and only field
names, never the values told (over HTTP, on SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from joinedup.api import create_app
from joinedup.store import Database
from joinedup.store.residents import ResidentStore
from joinedup.store.tellusonce_outbox import NewChange, NewDelivery, OutboxStore, Outcome

from ..api.support import serve
from .support import BASE, Browser, dashboard_settings

TOLD = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def _change(database: Database) -> int:
    """One change with a delivery in each final state and one still waiting, as the worker would leave them."""
    outbox = OutboxStore(database)
    change = NewChange("person.contact-changed", "res-9", {"email": "private@example.com"}, "dashboard", "dev-1", TOLD)
    planned = [
        NewDelivery("gp", "G1", {"Email": "private@example.com"}, agreement="kettleby-tell-us-once"),
        NewDelivery("housing", "H1", {"emailAddress": "private@example.com"}),
        NewDelivery("schools", "S1", {"Email": "private@example.com"}),
        NewDelivery("waste", "W1", {"email": "private@example.com"}, refused="no agreement lets waste receive email"),
        NewDelivery("council-tax", "C1", {"EMAIL_ADDR": "private@example.com"}),
    ]
    change_id = outbox.add_change(change, planned)
    rows = {row.system: row for row in outbox.claim("test", 10, systems=["gp", "housing", "schools"])}
    outbox.record(
        "test",
        [
            Outcome(rows["gp"].id, "delivered", receipt="HTTP 200"),
            Outcome(rows["housing"].id, "held", reason="the record changed since joinedup last read it"),
            Outcome(rows["schools"].id, "dead", reason="rejected by schools: refused (HTTP 422)"),
        ],
    )
    return change_id


def test_each_state_is_shown_with_its_receipt_or_reason_and_no_value_told(database: Database) -> None:
    change_id = _change(database)
    with serve(create_app(dashboard_settings(database.url), database)) as client:
        browser = Browser(client)
        browser.sign_in("housing-officer")
        page = browser.get(f"{BASE}/changes/{change_id}")
        assert page.status_code == 200
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text))
        assert "Delivered Receipt: HTTP 200" in text
        assert "Held the record changed since joinedup last read it" in text
        assert "Dead letter rejected by schools: refused (HTTP 422)" in text
        assert "Refused no agreement lets waste receive email" in text
        assert "Waiting Not sent yet." in text and "Check again" in text
        assert "private@example.com" not in page.text, "values told stay out of the page"
        assert "Writes EMAIL_ADDR" in text, "the system's own field names are shown"
        retries = re.findall(r'action="([^"]+/retry)"', page.text)
        assert len(retries) == 1, "only the dead letter can be sent again"
        listed = browser.get(f"{BASE}/tell-us-once")
        assert f'href="{BASE}/changes/{change_id}"' in listed.text and "rejected by schools" in listed.text

        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        held = next(row for row in OutboxStore(database).of_change(change_id) if row.status == "held")
        refused = browser.post(f"{BASE}/changes/{change_id}/deliveries/{held.id}/retry", {"csrf_token": token[1]})
        assert refused.status_code == 403 and "Only a dead letter can be sent again" in refused.text
        sent = browser.post(retries[0], {"csrf_token": token[1]})
        assert sent.status_code == 303 and sent.headers["location"].endswith("?retried=" + retries[0].split("/")[-2])
        statuses = {row.system: row.status for row in OutboxStore(database).of_change(change_id)}
        assert statuses["schools"] == "pending" and statuses["housing"] == "held"


def test_without_a_desk_of_its_own_the_dashboard_tells_through_the_staff_members_organisation(
    database: Database,
) -> None:
    """No desk put on the app: the composition root builds the signed-in organisation's, over the place file's
    subscriptions and governance's decision point, so the change is planned for the resident's systems."""
    now = datetime.now(UTC)
    residents = ResidentStore(database)
    with database.transaction() as connection:
        residents.create_in(connection, "R-told", now)
        for system, record in (("council-tax", "CT-1"), ("housing", "H-1")):
            residents.attach_in(connection, (system, record), "R-told", "test", now)
    with serve(create_app(dashboard_settings(database.url), database)) as client:
        browser = Browser(client)
        browser.sign_in("housing-officer")
        page = browser.get(f"{BASE}/tell-us-once")
        assert page.status_code == 200 and "not configured on this hub" not in page.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        told = browser.post(
            f"{BASE}/tell-us-once",
            {"csrf_token": token[1], "resident_id": "R-told", "kind": "person.address-changed",
             "address_line_1": "1 New Street", "postcode": "KB1 1AA"},
        )  # fmt: skip
        assert told.status_code == 303, told.text
        change_id = int(told.headers["location"].rstrip("/").split("/")[-1])
        deliveries = {row.system: row for row in OutboxStore(database).of_change(change_id)}
        assert set(deliveries) == {"council-tax", "housing"}
        for row in deliveries.values():
            assert row.status == "pending" and row.agreement == "kettleby-tell-us-once"
