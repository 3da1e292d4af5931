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
from joinedup.store.shape_acceptances import ShapeAcceptanceStore
from joinedup.web._rendering import duration, role_label, when

from ..api.support import serve
from .support import BASE, Browser, csrf_from, dashboard_settings

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


def test_a_stopped_source_shows_how_to_clear_it_and_a_data_steward_clears_it(database: Database) -> None:
    _fill(database, datetime.now(UTC))
    accept = f"{BASE}/sources/schools/accept-shape"
    with serve(create_app(dashboard_settings(database.url), database)) as client:
        officer, steward = Browser(client), Browser(client)
        officer.sign_in("housing-officer")
        steward.sign_in("data-steward")
        seen = officer.get(f"{BASE}/sources").text
        card = seen[seen.index('id="stopped-schools"') :]
        assert "the export&#39;s columns changed" in card and "joinedup sources accept-shape schools" in card
        assert 'id="stopped-gp"' not in seen, "a failing source is not stopped: nothing to clear"
        assert accept not in seen and 'id="ask-schools"' in seen, "no form for a role that may not clear it"
        refused = officer.post(accept, {"note": "", "csrf_token": csrf_from(officer.get(f"{BASE}/sources"))})
        assert refused.status_code == 403 and "integration architect or a data steward" in refused.text

        page = steward.get(f"{BASE}/sources")
        assert f'action="{accept}"' in page.text and 'id="ask-schools"' not in page.text
        token = csrf_from(page)
        assert steward.post(accept, {"note": "notice S-7"}).status_code == 403, "no form token, no change"
        too_long = steward.post(accept, {"note": "x" * 501, "csrf_token": token})
        assert too_long.status_code == 400 and "500 characters or fewer" in too_long.text
        assert 'href="#note-schools"' in too_long.text, "the error summary links to the field"
        assert SyncStateStore(database).get("schools").stopped == "the export's columns changed"

        done = steward.post(accept, {"note": "notice S-7", "csrf_token": token})
        assert done.status_code == 303 and done.headers["location"] == f"{BASE}/sources?cleared=schools"
        after = steward.get(done.headers["location"]).text
        assert "Cleared the stop on" in after and 'id="stopped-schools"' not in after
        assert "Stopped" not in _row(after, "schools")
        again = steward.post(accept, {"note": "", "csrf_token": token})
        assert again.status_code == 409 and "not stopped" in again.text
        assert steward.post(f"{BASE}/sources/nowhere/accept-shape", {"csrf_token": token}).status_code == 404

    (accepted,) = ShapeAcceptanceStore(database).history("schools")
    assert (accepted.accepted_by, accepted.note) == ("dev-0008", "notice S-7"), "the signed-in person"
    assert accepted.stop_reason == "the export's columns changed"


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
