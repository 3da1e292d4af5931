"""The review queue in headless Chromium, on a small place linked by the real linkage: a data steward sees each
uncertain pair side by side with linkage's evidence, links one, and the decision is recorded as the CLI records
it and kept by the next bulk run; a housing officer is refused with the reason; forms without the token are
refused; nothing personal appears in an address; the pages (and the error state) pass axe-core."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from joinedup.api import create_app
from joinedup.linkage import LinkageService
from joinedup.place import demo_place_path, load_place
from joinedup.store import Database
from joinedup.store.audit_tables import audit_entries
from joinedup.store.place_registry import register_place
from joinedup.store.residents_review import ReviewStore
from joinedup.store.source_records import SourceRecordStore

from ..api.support import serve
from ..linkage.stored_place import sim_model, sim_records, store_records
from .support import BASE, Browser, csrf_from, dashboard_settings

sync_api = pytest.importorskip("playwright.sync_api", reason="the 'browser' extra is not installed")
if not os.path.exists("/usr/bin/chromium"):
    pytest.skip("no Chromium: run scripts/install-browser.sh", allow_module_level=True)

from playwright.sync_api import Page  # noqa: E402

from .browser_support import assert_accessible  # noqa: E402
from .browser_support import sign_in as _sign_in  # noqa: E402

PEOPLE, SEED = 300, 11  # the place the search tests link: its model is trained once per session


@dataclass(frozen=True)
class Place:
    base_url: str
    database: Database
    client: object


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Place]:
    database = Database(f"sqlite:///{tmp_path_factory.mktemp('review') / 'web.db'}")
    database.migrate()
    register_place(database, load_place(demo_place_path()))
    store_records(database, sim_records(PEOPLE, SEED)[0])
    LinkageService(database, model=sim_model(PEOPLE, SEED)).resolve()
    assert ReviewStore(database).count("open") >= 2, "the linked place has uncertain pairs to review"
    with serve(create_app(dashboard_settings(database.url, environment="test"), database)) as client:
        base = str(client.base_url).rstrip("/").replace("127.0.0.1", "localhost")
        yield Place(base, database, client)
    database.dispose()


def _audit_entries(database: Database) -> int:
    with database.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(audit_entries)).scalar_one())


def _family_names(database: Database, uids: tuple[str, ...]) -> list[str]:
    records = SourceRecordStore(database)
    found = []
    for uid in uids:
        system, record_id = uid.split("|", 1)
        stored = records.current(system, record_id)
        if stored is not None and stored.person is not None and stored.person.name.family:
            found.append(stored.person.name.family)
    return found


def test_a_data_steward_links_a_pair_and_every_later_run_keeps_to_it(page: Page, place: Place) -> None:
    database = place.database
    first = ReviewStore(database).items("open", limit=1)[0]
    before = _audit_entries(database)
    visited: list[str] = []
    page.on("request", lambda request: visited.append(request.url))
    _sign_in(page, place.base_url, "Development data steward")
    page.get_by_role("link", name="Review queue", exact=True).first.click()
    page.wait_for_url(f"{place.base_url}{BASE}/review")

    pair = page.locator(f"#pair-{first.id}")
    assert f"{first.probability:.3f}" in pair.inner_text(), "the match probability is shown"
    records = page.locator(f"#pair-{first.id}-records").inner_text()
    families = _family_names(database, (first.left_record, first.right_record))
    assert families and all(family in records for family in families), "both records, side by side"
    assert "Date of birth" in records and "NHS number" in records
    evidence = page.locator(f"#pair-{first.id}-evidence").inner_text()
    assert re.search(r"\((?:\+|-)\d+\.\d\)", evidence), "linkage's plain sentences with their weights"
    assert _audit_entries(database) > before, "each record shown is a look the gate audited"
    assert_accessible(page, "review-queue")

    page.locator(f"#reason-{first.id}").fill("same person: NHS number on the paper file")
    page.get_by_role("button", name=f"Link pair {first.id}", exact=True).click()
    page.wait_for_url(f"{place.base_url}{BASE}/review?decided={first.id}")
    assert f"Pair {first.id}: linked as the same resident" in page.locator("#decided").inner_text()
    assert page.locator(f"#pair-{first.id}").count() == 0, "the decided pair has left the queue"
    assert_accessible(page, "review-decided")

    decided = [d for d in ReviewStore(database).decisions() if d.review_item_id == first.id]
    assert [(d.decision, d.reviewer, d.reason) for d in decided] == [
        ("link", "dev-0008", "same person: NHS number on the paper file")
    ]
    service = LinkageService(database)
    service.resolve()
    left, right = (service.resident_of(*uid.split("|", 1)) for uid in (first.left_record, first.right_record))
    assert left is not None and left == right, "the next bulk run keeps the reviewer's link"
    for url in visited:
        assert all(family not in url for family in families), url
        assert "|" not in url and "%7C" not in url, "record ids stay out of addresses"


def test_a_decision_with_a_too_long_reason_shows_the_error_and_records_nothing(page: Page, place: Place) -> None:
    item = ReviewStore(place.database).items("open", limit=1)[0]
    _sign_in(page, place.base_url, "Development data steward")
    page.goto(f"{place.base_url}{BASE}/review")
    page.locator(f"#reason-{item.id}").fill("x" * 501)
    page.get_by_role("button", name=f"Do not link pair {item.id}", exact=True).click()
    summary = page.locator(".govuk-error-summary")
    assert "The reason must be 500 characters or fewer" in summary.inner_text()
    assert page.title().startswith("Error:")
    assert_accessible(page, "review-error")
    summary.get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == f"reason-{item.id}"
    assert ReviewStore(place.database).item(item.id).status == "open"  # type: ignore[union-attr]


def test_a_role_without_the_record_linkage_purpose_is_refused_with_the_reason(page: Page, place: Place) -> None:
    before = _audit_entries(place.database)
    _sign_in(page, place.base_url, "Development housing officer")
    with page.expect_response(f"{place.base_url}{BASE}/review") as answer:
        page.get_by_role("link", name="Review queue", exact=True).first.click()
    assert answer.value.status == 403
    assert "No information sharing agreement in force lets your organisation and role see them for record linkage" in (
        page.locator("#forbidden-reason").inner_text()
    )
    assert _audit_entries(place.database) == before, "nothing was disclosed, so nothing was looked at"
    assert_accessible(page, "review-forbidden")


def test_decisions_need_the_form_token_and_the_purpose(place: Place) -> None:
    item = ReviewStore(place.database).items("open", limit=1)[0]
    steward = Browser(place.client)  # type: ignore[arg-type]
    steward.sign_in("data-steward")
    token = csrf_from(steward.get(f"{BASE}/review"))
    action = f"{BASE}/review/{item.id}/decision"
    refused = steward.post(action, {"decision": "link", "reason": ""})
    assert refused.status_code == 403 and "not sent from this dashboard" in refused.text
    other = Browser(place.client)  # type: ignore[arg-type]
    other.sign_in("housing-officer")
    forbidden = other.post(action, {"decision": "link", "csrf_token": csrf_from(other.get(f"{BASE}/"))})
    assert forbidden.status_code == 403 and "record linkage" in forbidden.text
    wrong = steward.post(action, {"decision": "maybe", "csrf_token": token})
    assert wrong.status_code == 400 and "Choose Link or Do not link" in wrong.text
    assert ReviewStore(place.database).item(item.id).status == "open"  # type: ignore[union-attr]
    assert steward.post(f"{BASE}/review/999999/decision", {"decision": "link", "csrf_token": token}).status_code == 404
