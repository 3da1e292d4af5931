"""The Sources page on both backends: freshness, error state and quarantine reasons; never a held record's content."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from joinedup.api import create_app
from joinedup.place import demo_place_path, load_place
from joinedup.store import Database
from joinedup.store.ingest_state import QuarantineStore, Rejection, SyncStateStore
from joinedup.store.place_registry import register_place
from joinedup.web._rendering import duration, role_label, when

from ..api.support import serve
from .support import BASE, Browser, dashboard_settings

PERSONAL = {"SURNAME": "Quennell-Fairweather", "DOB": "31/02/1980"}


def _fill(database: Database, now: datetime) -> None:
    register_place(database, load_place(demo_place_path()))
    states = SyncStateStore(database)
    states.update("council-tax", last_success_at=now - timedelta(minutes=3), newest_change_at=now - timedelta(hours=5))
    states.update("gp", last_error="the GP system answered 503", last_error_at=now)
    states.update("schools", stopped="the export's columns changed")
    states.update("waste", last_success_at=now, newest_change_at=now - timedelta(days=3))
    bad_date, no_name = "DOB: not a date in the format %d/%m/%Y", "NAME: a name was expected"
    held = [
        Rejection("CT0000007", "ctax_1.csv line 9", (bad_date,), PERSONAL),
        Rejection("CT0000008", "ctax_1.csv line 10", (bad_date, no_name), {"DOB": "x"}),
        Rejection("CT0000009", "ctax_2.csv line 2", (no_name,), {"NAME": ""}),
    ]
    with database.transaction() as connection:
        QuarantineStore(database).add_in(connection, "council-tax", held, now)


def _row(page: str, code: str) -> str:
    start = page.index(f'id="source-{code}"')
    return page[start : page.index("</tr>", start)]


def test_sources_and_quarantine_pages(database: Database, caplog: pytest.LogCaptureFixture) -> None:
    _fill(database, datetime.now(UTC))
    with serve(create_app(dashboard_settings(database.url), database)) as client:
        browser = Browser(client)
        browser.sign_in("housing-officer")
        with caplog.at_level(logging.DEBUG):
            page = browser.get(f"{BASE}/sources").text
            held = browser.get(f"{BASE}/sources/council-tax/quarantine").text

    assert "7 connected systems" in page
    council_tax = _row(page, "council-tax")
    assert "Up to date" in council_tax and "5 hours ago" in council_tax
    assert f'href="{BASE}/sources/council-tax/quarantine">3<' in council_tax
    assert "Failing" in _row(page, "gp") and "the GP system answered 503" in _row(page, "gp")
    assert "Stopped" in _row(page, "schools") and "the export&#39;s columns changed" in _row(page, "schools")
    assert "Behind" in _row(page, "waste") and "3 days ago" in _row(page, "waste")
    assert "Never synced" in _row(page, "housing") and "never" in _row(page, "housing")

    reasons = held[held.index('id="reasons"') : held.index('id="records"')]
    assert reasons.index("DOB: not a date") < reasons.index("NAME: a name was expected")
    assert "ctax_1.csv line 10" in held and "ctax_2.csv line 2" in held
    for secret in (*PERSONAL.values(), "CT0000007"):
        assert secret not in held and secret not in page, "held content and record ids stay out of the page"
        assert secret not in caplog.text


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(None, "not known"), (0, "0 seconds"), (45.9, "45 seconds"), (60, "1 minute"),
     (3 * 3600 + 5 * 60, "3 hours 5 minutes"), (2 * 86400 + 7, "2 days"), (86400 + 3600 + 60, "1 day 1 hour"),
     (-5, "0 seconds")],
)  # fmt: skip
def test_durations_read_as_staff_would_say_them(seconds: float | None, shown: str) -> None:
    assert duration(seconds) == shown


def test_times_and_roles_read_plainly() -> None:
    assert when(datetime(2026, 12, 2, 9, 5, tzinfo=UTC)) == "2 December 2026 at 09:05 UTC"
    assert when(None) == "never"
    assert role_label("gp_receptionist") == role_label("gp-receptionist") == "GP receptionist"
    assert role_label("data_protection_officer") == "Data protection officer"
