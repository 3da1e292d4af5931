"""The governance pages over HTTP on both backends: what they record goes through the real stores (consents,
break-glass reviews, the audit log) on SQLite and PostgreSQL alike, and the disclosure log holds back a covert
investigation's entries until their release date exactly as ``audit.who_has_seen_in`` does."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping

import httpx
import pytest

from joinedup.api import create_app
from joinedup.audit import who_has_seen_in
from joinedup.governance import Actor, Channel, DecisionPoint, DisclosureGate, Request
from joinedup.place import demo_place_path, load_place
from joinedup.store import Database
from joinedup.store.governance_records import BreakGlassReviews

from ..api.support import serve
from .governance_place import FAMILY, RESIDENT, load_governance_place
from .support import BASE, Browser, csrf_from, dashboard_settings

SOCIAL_WORKER = Actor("dev-0001", "social-worker", "kettleby-council")
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


def _post(browser: Browser, path: str, data: dict[str, str]) -> httpx.Response:
    token = csrf_from(browser.get(f"{BASE}/"))
    return browser.post(f"{BASE}{path}", {"csrf_token": token, **data})


def _log_rows(page: httpx.Response) -> list[str]:
    table = re.search(r'<table class="govuk-table" id="disclosure-log">.*?<tbody[^>]*>(.*?)</tbody>', page.text, re.S)
    return re.findall(r"<tr class=\"govuk-table__row.*?</tr>", table.group(1), re.S) if table else []


def test_an_objection_a_break_glass_look_and_its_review_are_kept_on_each_backend(
    client: httpx.Client, database: Database
) -> None:
    social_worker, officer, dpo = (
        _as(client, name) for name in ("social-worker", "housing-officer", "data-protection-officer")
    )
    resident_page = f"{BASE}/residents/{RESIDENT}?purpose=housing-management"
    assert FAMILY in officer.get(resident_page).text

    objection = {"decision": "deny", "scope": "share", "role": "housing-officer", "evidence": "signed form OB-2"}
    recorded = _post(social_worker, f"/residents/{RESIDENT}/consents", objection)
    assert recorded.status_code == 303 and "recorded=C-" in recorded.headers["location"]
    after = officer.get(resident_page)
    assert FAMILY not in after.text and "the resident objected" in after.text
    consent_id = recorded.headers["location"].rsplit("=", 1)[1]
    withdraw = f"/residents/{RESIDENT}/consents/{consent_id}/withdraw"
    assert _post(social_worker, withdraw, {"reason": "the resident changed their mind"}).status_code == 303
    assert FAMILY in officer.get(resident_page).text, "a withdrawn objection counts for nothing from today"
    assert _post(social_worker, withdraw, {"reason": "again"}).status_code == 404, "already withdrawn"
    assert _post(social_worker, f"/residents/{RESIDENT}/consents", objection).status_code == 303

    looked = _post(officer, f"/residents/{RESIDENT}/break-glass", {"reason": REASON})
    assert looked.status_code == 200 and FAMILY in looked.text
    with database.transaction() as connection:
        (flag,) = BreakGlassReviews().list(connection)
        seen = who_has_seen_in(connection, RESIDENT, today=dt.datetime.now(dt.UTC).date())
    assert [s.emergency for s in seen].count(True) == 1

    log = dpo.get(f"{BASE}/residents/{RESIDENT}/disclosures")
    assert len(_log_rows(log)) == len(seen), "the page lists exactly what the audit function answers"
    assert REASON in dpo.get(f"{BASE}/break-glass").text
    assert _post(dpo, f"/break-glass/{flag.id}/close", {"finding": ""}).status_code == 400
    closed = _post(dpo, f"/break-glass/{flag.id}/close", {"finding": "justified: risk to life"})
    assert closed.status_code == 303
    with database.transaction() as connection:
        assert BreakGlassReviews().list(connection) == []
        (done,) = BreakGlassReviews().list(connection, open_only=False)
    assert (done.closed_by, done.outcome) == ("dev-0004", "justified: risk to life")
    assert _post(dpo, f"/break-glass/{flag.id}/close", {"finding": "again"}).status_code == 404


def test_a_covert_disclosure_stays_out_of_the_log_until_its_release_date(
    client: httpx.Client, database: Database
) -> None:
    gate = DisclosureGate(DecisionPoint(load_place(demo_place_path())))
    today = gate.point.today

    def fetch(fields: tuple[str, ...]) -> Mapping[str, object]:
        return {field: "value" for field in fields}

    looks = [("safeguarding-enquiry", today + dt.timedelta(days=1)), ("direct-care", today)]
    for purpose, until in looks:
        request = Request(SOCIAL_WORKER, purpose, RESIDENT, ("person.name",), channel=Channel.API)
        with database.transaction() as connection:
            gate.disclose_in(connection, request, fetch, withheld_until=until)

    rows = _log_rows(_as(client, "data-protection-officer").get(f"{BASE}/residents/{RESIDENT}/disclosures"))
    assert len(rows) == 1, "the covert enquiry is held back until tomorrow"
    assert "the resident&#39;s own health and social care" in rows[0]
    assert "safeguarding" not in " ".join(rows)


def test_a_consent_of_another_resident_or_an_unknown_resident_is_not_found(client: httpx.Client) -> None:
    social_worker = _as(client, "social-worker")
    assert social_worker.get(f"{BASE}/residents/R-NOBODY/consents").status_code == 404
    objection = {"decision": "deny", "scope": "share", "evidence": "verbal, noted in case"}
    assert _post(social_worker, "/residents/R-NOBODY/consents", objection).status_code == 404
    assert (
        _post(social_worker, f"/residents/{RESIDENT}/consents/C-not-there/withdraw", {"reason": "asked"}).status_code
        == 404
    )
