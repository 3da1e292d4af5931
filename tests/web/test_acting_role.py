"""A member of staff with several roles acts in the one a page's agreement names, or in the role they chose for
the session where several could act; the audit log records the role acted in. On SQLite and PostgreSQL alike.

The development user ``social-worker-and-data-steward`` holds both roles in kettleby-council: only the data
steward may use record linkage and only the social worker the safeguarding enquiry, whatever the session's
choice; "known to you?" (any role) and break-glass (outside the agreements) act in the chosen role.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from joinedup.api import create_app
from joinedup.audit import AuditLog, DecisionEvent
from joinedup.store import Database

from ..api.support import serve
from .governance_place import FAMILY, RESIDENT, load_governance_place
from .support import BASE, Browser, csrf_from, dashboard_settings

BOTH = "social-worker-and-data-steward"
REASON = "Resident collapsed at the housing office; paramedics asked about conditions"


@pytest.fixture
def client(database: Database) -> Iterator[httpx.Client]:
    load_governance_place(database)
    with serve(create_app(dashboard_settings(database.url), database)) as running:
        yield running


def _signed_in(client: httpx.Client) -> Browser:
    browser = Browser(client)
    browser.sign_in(BOTH)
    return browser


def _choose(browser: Browser, role: str) -> httpx.Response:
    token = csrf_from(browser.get(f"{BASE}/"))
    return browser.post(f"{BASE}/acting-role", {"csrf_token": token, "role": role})


def _roles_acted_in(database: Database, since: int) -> list[tuple[str, str]]:
    """(purpose, role) of each decision entry after the first ``since`` entries."""
    with database.transaction() as connection:
        entries = AuditLog().read_in(connection, start=since + 1)
    return [(e.event.purpose, e.event.actor.role) for e in entries if isinstance(e.event, DecisionEvent)]


def _entries(database: Database) -> int:
    with database.transaction() as connection:
        return len(AuditLog().read_in(connection))


def _look(browser: Browser, database: Database, purpose: str) -> list[tuple[str, str]]:
    before = _entries(database)
    shown = browser.get(f"{BASE}/residents/{RESIDENT}?purpose={purpose}")
    assert shown.status_code == 200, shown.text
    return _roles_acted_in(database, before)


def test_each_page_acts_in_the_role_its_agreement_names_and_the_session_role_where_several_could(
    client: httpx.Client, database: Database
) -> None:
    browser = _signed_in(client)
    home = browser.get(f"{BASE}/")
    assert 'id="acting-role"' in home.text, "a person with several roles is offered the choice"

    assert _look(browser, database, "record-linkage") == [("record-linkage", "data-steward")]
    assert _look(browser, database, "safeguarding-enquiry") == [("safeguarding-enquiry", "social-worker")]
    assert _look(browser, database, "known-to-check") == [("known-to-check", "social-worker")], "the first by default"

    chosen = _choose(browser, "data-steward")
    assert chosen.status_code == 303 and chosen.headers["location"] == f"{BASE}/?role=chosen"
    banner = browser.get(chosen.headers["location"])
    assert "you now act as Data steward" in banner.text
    assert '<option value="data-steward" selected>' in banner.text
    assert _look(browser, database, "known-to-check") == [("known-to-check", "data-steward")], "several could act"
    assert _look(browser, database, "safeguarding-enquiry") == [("safeguarding-enquiry", "social-worker")], (
        "only the social worker may: the page acts in that role whatever the session's choice"
    )
    resident = browser.get(f"{BASE}/residents/{RESIDENT}?purpose=safeguarding-enquiry")
    assert FAMILY in resident.text and "acting as Social worker" in resident.text

    token = csrf_from(browser.get(f"{BASE}/"))
    before = _entries(database)
    looked = browser.post(f"{BASE}/residents/{RESIDENT}/break-glass", {"csrf_token": token, "reason": REASON})
    assert looked.status_code == 200 and FAMILY in looked.text
    assert _roles_acted_in(database, before) == [("emergency", "data-steward")], "break-glass acts in the chosen role"

    assert _choose(browser, "").status_code == 303
    assert _look(browser, database, "known-to-check") == [("known-to-check", "social-worker")], "back to each page's"


def test_only_one_of_your_own_roles_can_be_chosen(client: httpx.Client) -> None:
    browser = _signed_in(client)
    refused = _choose(browser, "data-protection-officer")
    assert refused.status_code == 400
    assert "Select one of your roles, or let each page choose" in refused.text
    assert 'aria-describedby="acting-role-hint acting-role-error"' in refused.text
    assert 'href="#acting-role"' in refused.text, "the error summary links to the select"

    single = Browser(client)
    single.sign_in("housing-officer")
    assert 'id="acting-role"' not in single.get(f"{BASE}/").text, "one role: nothing to choose"
    assert _choose(single, "social-worker").status_code == 400
