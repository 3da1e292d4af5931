"""Asking for the data protection officer's break-glass list is a decision the audit log keeps, refused or not.

A member of staff without the DPO's agreement who opens ``/break-glass`` gets the 403 page and a DENY decision
entry (who, in which role, for what, the gate's reasons; about no resident and with no personal value); the DPO's
look at the list is a PERMIT entry, and each open look shown is a disclosure about its own resident, as before.
On SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from joinedup.api import create_app
from joinedup.audit import AuditLog, DecisionEvent, DisclosureEvent, Outcome
from joinedup.governance import AGGREGATE
from joinedup.store import Database

from ..api.support import serve
from .governance_place import FAMILY, RESIDENT, load_governance_place
from .support import BASE, Browser, csrf_from, dashboard_settings

REASON = "Resident collapsed at the housing office; paramedics asked about conditions"


@pytest.fixture
def client(database: Database) -> Iterator[httpx.Client]:
    load_governance_place(database)
    with serve(create_app(dashboard_settings(database.url), database)) as running:
        yield running


def _as(client: httpx.Client, username: str) -> Browser:
    browser = Browser(client)
    browser.sign_in(username)
    return browser


def _entries(database: Database) -> list[DecisionEvent | DisclosureEvent]:
    with database.transaction() as connection:
        events = [entry.event for entry in AuditLog().read_in(connection)]
    return [e for e in events if isinstance(e, DecisionEvent | DisclosureEvent)]


def test_a_refused_look_at_the_list_is_recorded_and_the_dpos_look_too(client: httpx.Client, database: Database) -> None:
    officer = _as(client, "housing-officer")
    before = len(_entries(database))
    refused = officer.get(f"{BASE}/break-glass")
    assert refused.status_code == 403
    (denied,) = _entries(database)[before:]
    assert isinstance(denied, DecisionEvent) and denied.outcome is Outcome.DENY
    assert (denied.actor.person_id, denied.actor.role, denied.actor.organisation) == (
        "dev-0002", "housing-officer", "kettleby-council",
    )  # fmt: skip
    assert denied.subject_resident_id == AGGREGATE and denied.fields_requested == ("audit.disclosures",)
    assert denied.fields_permitted == () and any("audit.disclosures" in r for r in denied.reasons)
    assert " ".join(denied.reasons) in refused.text.replace("&#39;", "'"), "the page gives the recorded reasons"

    token = csrf_from(officer.get(f"{BASE}/"))
    looked = officer.post(f"{BASE}/residents/{RESIDENT}/break-glass", {"csrf_token": token, "reason": REASON})
    assert looked.status_code == 200 and FAMILY in looked.text
    dpo = _as(client, "data-protection-officer")
    before = len(_entries(database))
    listed = dpo.get(f"{BASE}/break-glass")
    assert listed.status_code == 200 and REASON in listed.text
    overall, row_decision, row_disclosure = _entries(database)[before:]
    assert isinstance(overall, DecisionEvent) and overall.outcome is Outcome.PERMIT
    assert overall.subject_resident_id == AGGREGATE and overall.actor.role == "data-protection-officer"
    assert isinstance(row_disclosure, DisclosureEvent) and row_disclosure.subject_resident_id == RESIDENT
    assert row_decision.subject_resident_id == RESIDENT
    assert FAMILY not in overall.model_dump_json() + denied.model_dump_json(), "no personal value in the log"
