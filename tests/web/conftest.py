"""Fixtures for the dashboard tests: the hub's app served by a real uvicorn on a free port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright import sync_api
from playwright.sync_api import Browser as Chromium
from playwright.sync_api import ConsoleMessage, Page

from joinedup.api import create_app
from joinedup.store import Database

from ..api.support import serve
from .browser_support import AXE, CHROMIUM, CHROMIUM_ARGS
from .support import Browser, dashboard_settings


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[Database]:
    """For tests where the backend is not what is being tested: one migrated SQLite file."""
    database = Database(f"sqlite:///{tmp_path / 'web.db'}")
    database.migrate()
    yield database
    database.dispose()


@pytest.fixture
def client(sqlite_database: Database) -> Iterator[httpx.Client]:
    with serve(create_app(dashboard_settings(sqlite_database.url), sqlite_database)) as running:
        yield running


@pytest.fixture
def browser(client: httpx.Client) -> Browser:
    return Browser(client)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Chromium]:
    """Debian's Chromium, one per test module (a browser download is not possible here)."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _script_problem(message: ConsoleMessage) -> bool:
    """A console error other than a page's own 4xx or 5xx status (error pages are expected): CSP, scripts."""
    return message.type == "error" and not message.text.startswith("Failed to load resource")


@pytest.fixture
def page(chromium: Chromium) -> Iterator[Page]:
    """A fresh browser context with axe-core loaded; fails the test on any script error or CSP violation."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.set_default_timeout(20_000)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text) if _script_problem(message) else None)
    yield page
    context.close()
    assert not problems, problems
