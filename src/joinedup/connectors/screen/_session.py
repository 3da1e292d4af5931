"""One headless browser per connector: started on first use, logged in, closed with the connector.

Playwright's sync API is imported here and only when a browser is first needed, so the rest of joinedup works
without the ``browser`` extra installed. The sync API is bound to the thread that started it, so a session
refuses to be used from another thread rather than failing somewhere inside Playwright.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from joinedup.connectors.screen.config import ScreenConfig
from joinedup.connectors.screen.errors import (
    BrowserUnavailableError,
    ScreenError,
    ScreenLoginError,
    ScreenPageError,
    ScreenSelectorError,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ElementHandle, Page, Playwright


def page_name(url: str) -> str:
    """A page's path for messages: no host details that vary, no query string (it may hold a search term)."""
    return urlsplit(url).path or "/"


def _playwright_api() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        raise BrowserUnavailableError(
            "the screen connector needs Playwright: install joinedup with the 'browser' extra "
            "(pip install 'joinedup[browser]') and a Chromium (scripts/install-browser.sh)"
        ) from error
    return sync_playwright


class BrowserSession:
    """A browser, one page in it, and whether that page's session is logged in."""

    def __init__(self, config: ScreenConfig) -> None:
        self._config = config
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._page: Page | None = None
        self._thread: int | None = None
        self.logged_in = False

    # -- lifecycle -------------------------------------------------------------------------------------------------
    def page(self) -> Page:
        """The working page, starting the browser on first use."""
        self._check_thread()
        if self._page is not None and not self._page.is_closed():
            return self._page
        self._page = self._started_browser().new_page()
        self._page.set_default_timeout(self._config.timeout_seconds * 1000)
        self._page.set_default_navigation_timeout(self._config.timeout_seconds * 1000)
        self.logged_in = False  # a fresh page is a fresh cookie jar only if the context is new; be safe
        return self._page

    def _started_browser(self) -> Browser:
        if self._browser is not None:
            return self._browser
        sync_playwright = _playwright_api()
        self._thread = threading.get_ident()
        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=self._config.browser_executable,
                args=list(self._config.browser_args),
                headless=self._config.headless,
            )
        except Exception as error:  # Playwright raises its own Error; report it as ours and release the driver
            self._playwright.stop()
            self._playwright = None
            raise BrowserUnavailableError(
                f"could not start the browser at {self._config.browser_executable}: {_first_line(error)}"
            ) from error
        return self._browser

    def close(self) -> None:
        if self._playwright is None:
            return
        self._check_thread()
        try:
            if self._browser is not None:
                self._browser.close()
        finally:
            self._playwright.stop()
            self._playwright = None
            self._browser = None
            self._page = None
            self.logged_in = False

    def _check_thread(self) -> None:
        if self._thread is not None and self._thread != threading.get_ident():
            raise ScreenError("a screen connector must be used from the thread that first used it")

    @contextmanager
    def scratch_page(self, timeout_seconds: float) -> Iterator[Page]:
        """A throwaway page (its own cookie jar) on the login URL, leaving the working page where it is."""
        self._check_thread()
        scratch = self._started_browser().new_page()
        try:
            self._open(scratch, self._config.login.url, timeout_seconds)
            yield scratch
        finally:
            scratch.close()

    # -- navigation ------------------------------------------------------------------------------------------------
    def goto(self, url: str, *, timeout_seconds: float | None = None) -> Page:
        """Open ``url``; logs in first when needed and again if the application sent us back to its login page."""
        page = self.page()
        if not self.logged_in:
            self.login()
        self._open(page, url, timeout_seconds)
        if self._on_login_page(page):  # the session expired between pages: log in once more and retry
            self.logged_in = False
            self.login()
            self._open(page, url, timeout_seconds)
        return page

    def _open(self, page: Page, url: str, timeout_seconds: float | None) -> None:
        timeout = (timeout_seconds or self._config.timeout_seconds) * 1000
        try:
            response = page.goto(self._config.absolute(url), wait_until="domcontentloaded", timeout=timeout)
        except Exception as error:  # Playwright's Error/TimeoutError: connection refused, DNS, timeout
            raise ScreenPageError(f"page {page_name(url)} did not load: {_first_line(error)}") from error
        if response is not None and response.status >= 400:
            raise ScreenPageError(f"page {page_name(url)} answered HTTP {response.status}")

    def _on_login_page(self, page: Page) -> bool:
        login_path = page_name(self._config.absolute(self._config.login.url))
        return (
            page_name(page.url) == login_path and page.query_selector(self._config.login.password_selector) is not None
        )

    def login(self) -> None:
        screen = self._config.login
        page = self.page()
        self._open(page, screen.url, None)
        self.require(page, screen.username_selector, "login username field").fill(self._config.username)
        self.require(page, screen.password_selector, "login password field").fill(
            self._config.password.get_secret_value()
        )
        self.submit(page, screen.submit_selector, "login submit button")
        if page.query_selector(screen.logged_in_selector) is None:
            reason = ""
            if screen.error_selector and (shown := page.query_selector(screen.error_selector)) is not None:
                reason = f": the application said {shown.inner_text().strip()!r}"
            raise ScreenLoginError(f"login at {page_name(page.url)} failed{reason}")
        self.logged_in = True

    # -- elements --------------------------------------------------------------------------------------------------
    def require(self, scope: Page | ElementHandle, selector: str, what: str) -> ElementHandle:
        """The first element matching ``selector``, or an error naming the selector and the page."""
        found = scope.query_selector(selector)
        if found is None:
            raise ScreenSelectorError(what, selector, page_name(self.page().url))
        return found

    def submit(self, page: Page, selector: str, what: str) -> None:
        """Click a form's submit control and wait for the page it leads to."""
        button = self.require(page, selector, what)
        try:
            with page.expect_navigation(wait_until="domcontentloaded"):
                button.click()
        except Exception as error:  # Playwright's TimeoutError: the form posted nowhere
            raise ScreenPageError(f"{what} on page {page_name(page.url)} led nowhere: {_first_line(error)}") from error


def _first_line(error: BaseException) -> str:
    """Playwright's messages carry a multi-line call log; the first line says what happened."""
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
