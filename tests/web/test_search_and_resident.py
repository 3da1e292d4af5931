"""Search residents and a resident's record in headless Chromium, on a small place linked by the real linkage:
a housing officer and a social worker open the same resident and see different fields, both pages pass axe-core,
every look is audited through the disclosure gate, and a search posted without the form's token is refused."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from joinedup.api import create_app
from joinedup.linkage._service import LinkageService
from joinedup.place import demo_place_path, load_place
from joinedup.singleview import SurvivorshipRules, build_golden_record
from joinedup.store import Database
from joinedup.store.audit_tables import audit_entries
from joinedup.store.place_registry import register_place
from joinedup.store.resident_search import SearchIndex
from joinedup.store.resident_search_keys import postcode_key
from joinedup.store.residents import ResidentStore
from joinedup.store.residents_review import ReviewStore
from joinedup.store.singleview_records import SingleViewRecords
from joinedup.web.pages._finding import Criteria, find

from ..api.support import serve
from ..linkage.stored_place import sim_model, sim_records, store_records
from .support import BASE, dashboard_settings

sync_api = pytest.importorskip("playwright.sync_api", reason="the 'browser' extra is not installed")
if not os.path.exists("/usr/bin/chromium"):
    pytest.skip("no Chromium: run scripts/install-browser.sh", allow_module_level=True)

from playwright.sync_api import Page  # noqa: E402

from .browser_support import assert_accessible  # noqa: E402
from .browser_support import sign_in as _sign_in  # noqa: E402

PEOPLE, SEED = 300, 11  # the place tests/linkage/test_households.py links: its model is trained once per session


@dataclass(frozen=True)
class Place:
    base_url: str
    database: Database
    resident_id: str
    given: str
    family: str
    born: str  # as the resident page shows it
    born_typed: str  # as a person types it
    nhs_number: str
    postcode: str
    uprn: str
    records: tuple[str, ...]  # "system|record_id" of each of the resident's records


def _typo(word: str) -> str:
    """The word with two letters in the middle swapped: a typing slip the search must forgive."""
    middle = len(word) // 2
    return word[: middle - 1] + word[middle] + word[middle - 1] + word[middle + 1 :]


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Place]:
    database = Database(f"sqlite:///{tmp_path_factory.mktemp('search') / 'web.db'}")
    database.migrate()
    demo = load_place(demo_place_path())
    register_place(database, demo)
    store_records(database, sim_records(PEOPLE, SEED)[0])
    LinkageService(database, model=sim_model(PEOPLE, SEED)).resolve()
    rules = SurvivorshipRules.from_place(demo)
    store, records = ResidentStore(database), SingleViewRecords(database)

    # Resident ids are random, so candidates are taken in the order of their records (the seeded place's) and
    # the same resident is chosen on every run. Each of its records must carry a date of birth: the housing
    # officer's evidence test relies on every link's date of birth comparison adding weight, which withholds
    # the overall probability (a comparison of a missing value adds nothing and so hides nothing).
    def most_systems_then_records(resident_id: str) -> tuple[int, list[tuple[str, str]]]:
        held = store.records_of(resident_id)
        return -len({system for system, _ in held}), [tuple(each) for each in held]

    for resident_id in sorted(store.held_across_systems(limit=PEOPLE), key=most_systems_then_records):
        current = records.current(store.records_of(resident_id))
        golden = build_golden_record(current, rules)
        name, born, nhs, address = golden.name, golden.date_of_birth, golden.nhs_number, golden.address
        if not (name and born and nhs and address and address.value.uprn and address.value.postcode):
            continue
        if not all(record.person is not None and record.person.date_of_birth for record in current):
            continue
        # The postcode alone must find it: a page lists at most MOST_RESULTS residents, by (random) id.
        if find(SearchIndex(database), Criteria(postcode=postcode_key(address.value.postcode))).too_many:
            continue
        if name.value.given and name.value.family and len(name.value.family) >= 5:
            break
    else:
        pytest.fail("the linked place has no resident with every detail the searches need")
    held = tuple(f"{system}|{record_id}" for system, record_id in store.records_of(resident_id))
    with database.transaction() as connection:  # a reviewer confirmed two of its records: the page shows it
        ReviewStore(database).decide_in(
            connection, held[0], held[1], decision="link", reviewer="dev-0009", reason="Same person, checked by phone",
            now=datetime(2026, 11, 20, 10, tzinfo=UTC),
        )  # fmt: skip
    shown = f"{born.value.day} {born.value:%B %Y}"
    typed = f"{born.value.day}/{born.value.month}/{born.value.year}"
    with serve(create_app(dashboard_settings(database.url, environment="test"), database)) as client:
        base = str(client.base_url).rstrip("/").replace("127.0.0.1", "localhost")
        yield Place(
            base, database, resident_id, name.value.given, name.value.family, shown, typed, nhs.value,
            address.value.postcode or "", str(address.value.uprn), held,
        )  # fmt: skip
    database.dispose()


def _search(page: Page, place: Place, purpose: str) -> None:
    page.get_by_role("link", name="Search residents", exact=True).first.click()
    page.wait_for_url(f"{place.base_url}{BASE}/search")
    page.locator("#purpose").select_option(purpose)
    page.get_by_label("Name", exact=True).fill(f"{place.given} {_typo(place.family)}")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(f"{place.base_url}{BASE}/search")  # POSTed: nothing personal in the address


def _audit_entries(database: Database) -> int:
    with database.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(audit_entries)).scalar_one())


def test_two_officers_see_different_fields_of_the_same_resident(page: Page, place: Place) -> None:
    before = _audit_entries(place.database)
    _sign_in(page, place.base_url, "Development housing officer")
    _search(page, place, "housing-management")
    row = page.locator("#results tbody tr", has_text=place.resident_id)
    assert row.count() == 1, "the resident is found despite the typo"
    assert place.family in row.inner_text()
    assert place.born not in row.inner_text()
    assert "No agreement in force lets kettleby-council (housing-officer)" in row.inner_text()
    assert place.family not in page.url
    assert_accessible(page, "search-results")

    row.get_by_role("link").click()
    page.wait_for_url(f"{place.base_url}{BASE}/residents/{place.resident_id}?purpose=housing-management")
    golden = page.locator("#golden").inner_text()
    assert place.family in golden and place.born not in golden
    withheld = page.locator("#withheld").inner_text()
    assert "Date of birth" in withheld and "NHS number" in withheld
    assert "No agreement in force lets kettleby-council (housing-officer) receive" in withheld
    assert_accessible(page, "resident-housing-officer")
    assert _audit_entries(place.database) > before, "each look is written to the audit log by the gate"

    page.context.clear_cookies()
    _sign_in(page, place.base_url, "Development social worker")
    page.goto(f"{place.base_url}{BASE}/residents/{place.resident_id}")
    page.locator("#purpose").select_option("safeguarding-enquiry")
    page.get_by_role("button", name="Show the record").click()
    golden = page.locator("#golden").inner_text()
    assert place.family in golden and place.born in golden, "the social worker sees the date of birth"
    assert "Date of birth" not in (page.locator("#withheld").inner_text() if page.locator("#withheld").count() else "")
    assert_accessible(page, "resident-social-worker")


def test_a_search_without_the_form_token_is_refused(page: Page, place: Place) -> None:
    _sign_in(page, place.base_url, "Development social worker")
    page.goto(f"{place.base_url}{BASE}/search")
    page.locator("main input[name=csrf_token]").evaluate("input => input.remove()")  # the search form's own
    page.get_by_label("Name", exact=True).fill(place.family)
    with page.expect_response(f"{place.base_url}{BASE}/search") as answer:
        page.get_by_role("button", name="Search", exact=True).click()
    assert answer.value.status == 403
    assert page.get_by_role("heading", name="You cannot do that").is_visible()
    assert place.resident_id not in page.content()


def test_a_search_needs_something_to_search_by(page: Page, place: Place) -> None:
    _sign_in(page, place.base_url, "Development social worker")
    page.goto(f"{place.base_url}{BASE}/search")
    page.get_by_label("Date of birth").fill("31/02/1980")
    page.get_by_role("button", name="Search", exact=True).click()
    assert page.get_by_role("alert").is_visible()
    assert "Enter the date of birth as day/month/year" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page, "search-error")
    assert Path(page.url).name == "search"


def _search_by(page: Page, place: Place, **fields: str) -> str:
    """Post the search form with the given fields (by their labels' ids); the results table's text."""
    page.goto(f"{place.base_url}{BASE}/search")
    page.locator("#purpose").select_option("safeguarding-enquiry")
    for field, value in fields.items():
        page.locator(f"#{field}").fill(value)
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(f"{place.base_url}{BASE}/search")
    return page.locator("#results").inner_text() if page.locator("#results").count() else ""


def test_residents_are_found_by_uprn_nhs_number_postcode_and_name_with_date_of_birth(page: Page, place: Place) -> None:
    _sign_in(page, place.base_url, "Development social worker")
    spaced = f"{place.nhs_number[:3]} {place.nhs_number[3:6]} {place.nhs_number[6:]}"
    assert place.resident_id in _search_by(page, place, uprn=place.uprn)
    assert place.resident_id in _search_by(page, place, nhs_number=spaced)
    assert place.resident_id in _search_by(page, place, postcode=place.postcode.lower())
    found = _search_by(page, place, name=_typo(place.family), date_of_birth=place.born_typed)
    assert place.resident_id in found and place.born in found
    assert_accessible(page, "search-by-name-and-date-of-birth")
    assert place.resident_id not in _search_by(page, place, nhs_number="9999999999")
    slipped = "X" + place.given[1:]  # a slip in the very first letter, which sound keys alone would miss
    assert place.resident_id in _search_by(page, place, name=f"{slipped} {place.family}", postcode=place.postcode)
    for value in (place.uprn, place.nhs_number, place.postcode, place.family):
        assert value not in page.url


def test_linkage_evidence_shows_each_role_only_what_its_agreement_allows(page: Page, place: Place) -> None:
    _sign_in(page, place.base_url, "Development social worker")
    page.goto(f"{place.base_url}{BASE}/residents/{place.resident_id}?purpose=safeguarding-enquiry")
    decisions = page.locator("#decisions").inner_text()
    assert "dev-0009 decided" in decisions and "the same person" in decisions
    assert place.records[0] not in decisions, "record ids are identifiers, which no agreement here shares"
    assert "UPRN" in page.locator("#property").inner_text() and place.uprn in page.locator("#property").inner_text()
    assert_accessible(page, "resident-with-linkage-history")
    page.locator("#evidence-link").click()
    page.wait_for_url(f"{place.base_url}{BASE}/residents/{place.resident_id}/evidence?purpose=safeguarding-enquiry")
    links = page.locator("#links").inner_text()
    assert "Match probability" in links and "Date of birth:" in links and "Family name:" in links
    assert "Date of birth comparison withheld" not in links
    assert_accessible(page, "linkage-evidence-social-worker")

    page.context.clear_cookies()
    _sign_in(page, place.base_url, "Development housing officer")
    page.goto(f"{place.base_url}{BASE}/residents/{place.resident_id}/evidence?purpose=housing-management")
    links = page.locator("#links").inner_text()
    assert "Family name:" in links, "the housing officer may see names, so the name comparisons"
    assert "Date of birth:" not in links and "Date of birth comparison withheld" in links
    assert "No agreement in force lets kettleby-council (housing-officer)" in links
    assert "Match probability" not in links and "overall match probability is withheld" in links
    assert_accessible(page, "linkage-evidence-housing-officer")
    page.goto(f"{place.base_url}{BASE}/residents/{place.resident_id}?purpose=housing-management")
    assert place.uprn in page.locator("#property").inner_text(), "the housing officer may see the address"
