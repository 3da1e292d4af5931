"""Search residents and a resident's record in headless Chromium, on a small place linked by the real linkage:
a housing officer and a social worker open the same resident and see different fields, both pages pass axe-core,
every look is audited through the disclosure gate, and a search posted without the form's token is refused."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from joinedup.api import create_app
from joinedup.linkage._service import LinkageService
from joinedup.model import Address, Person, PersonName, SourceRecord
from joinedup.place import demo_place_path, load_place
from joinedup.singleview import GoldenRecord, SurvivorshipRules, build_golden_record
from joinedup.store import Database
from joinedup.store.audit_tables import audit_entries
from joinedup.store.place_registry import register_place
from joinedup.store.residents import ResidentStore
from joinedup.store.singleview_records import SingleViewRecords
from joinedup.web.pages.search import Criteria, matches

from ..api.support import serve
from ..linkage.stored_place import sim_model, sim_records, store_records
from .support import BASE, dashboard_settings

sync_api = pytest.importorskip("playwright.sync_api", reason="the 'browser' extra is not installed")
if not os.path.exists("/usr/bin/chromium"):
    pytest.skip("no Chromium: run scripts/install-browser.sh", allow_module_level=True)

from playwright.sync_api import Browser as Chromium  # noqa: E402
from playwright.sync_api import Page  # noqa: E402

from .browser_support import AXE, CHROMIUM, CHROMIUM_ARGS, assert_accessible  # noqa: E402

PEOPLE, SEED = 300, 11  # the place tests/linkage/test_households.py links: its model is trained once per session


@dataclass(frozen=True)
class Place:
    base_url: str
    database: Database
    resident_id: str
    given: str
    family: str
    born: str  # as the resident page shows it


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
    for resident_id in store.held_across_systems(limit=50):
        golden = build_golden_record(records.current(store.records_of(resident_id)), rules)
        name, born = golden.name, golden.date_of_birth
        if name and born and name.value.given and name.value.family and len(name.value.family) >= 5:
            break
    else:
        pytest.fail("the linked place has no resident with a full name and a date of birth")
    shown = f"{born.value.day} {born.value:%B %Y}"
    with serve(create_app(dashboard_settings(database.url, environment="test"), database)) as client:
        base = str(client.base_url).rstrip("/").replace("127.0.0.1", "localhost")
        yield Place(base, database, resident_id, name.value.given, name.value.family, shown)
    database.dispose()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Chromium]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Chromium) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    yield page
    context.close()
    assert not problems, problems


def _sign_in(page: Page, base_url: str, label: str) -> None:
    page.goto(f"{base_url}{BASE}/sign-in")
    page.get_by_label(label).check()
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{base_url}{BASE}/")


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


def _golden(given: str, family: str) -> GoldenRecord:
    person = Person(
        name=PersonName(given=given, family=family), date_of_birth=date(1990, 5, 6), nhs_number="9434765919",
        address=Address(lines=("1 Oak Road",), town="Kettleby", postcode="KB1 4AA"),
    )  # fmt: skip
    record = SourceRecord(
        system="gp", record_id="G1", version=1, raw={}, person=person, received_at=datetime(2026, 11, 1, tzinfo=UTC)
    )
    return build_golden_record([record], SurvivorshipRules.from_place(load_place(demo_place_path())))


def _criteria(name: str = "", born: date | None = None, postcode: str = "", nhs: str = "") -> Criteria:
    return Criteria(tuple(name.lower().split()), born, postcode, nhs)


def test_matching_forgives_typos_and_nicknames_but_not_other_people() -> None:
    william = _golden("William", "Fairweather")
    assert matches(_criteria("william fairweather"), william) == 1.0
    assert matches(_criteria("bill fiarweather"), william) is not None, "a nickname and a swapped pair of letters"
    assert matches(_criteria("william fairweather", born=date(1990, 5, 6), postcode="KB14AA"), william) is not None
    assert matches(_criteria("william smith"), william) is None
    assert matches(_criteria("william", born=date(1990, 6, 5)), william) is None
    assert matches(_criteria(postcode="KB14AB"), william) is None
    assert matches(_criteria(nhs="9434765919"), william) == 1.0
    assert matches(_criteria(nhs="9434765900"), william) is None
