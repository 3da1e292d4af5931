"""What goes wrong when driving a legacy application through its screens.

Messages name pages (URL paths), selectors and labels, never the values on the screen: those are personal data.
"""

from __future__ import annotations

from joinedup.connectors.base import ConnectorError, SchemaDriftError


class ScreenError(ConnectorError):
    """Base for every screen-connector failure (a ConnectorError, as sync expects)."""


class ScreenConfigError(ScreenError, ValueError):
    """The connection settings are incomplete or wrong; the message names settings, never their values."""


class BrowserUnavailableError(ScreenError):
    """Playwright is not installed, or the browser would not start."""


class ScreenLoginError(ScreenError):
    """The application refused the login or did not show the logged-in page."""


class ScreenSelectorError(ScreenError, SchemaDriftError):
    """A configured selector (or detail label) matched nothing on a page: the screens no longer match the config."""

    def __init__(self, what: str, selector: str, page: str) -> None:
        super().__init__(f"{what}: selector {selector!r} matched nothing on page {page}")
        self.what = what
        self.selector = selector
        self.page = page


class ScreenPageError(ScreenError):
    """A page did not load (connection refused, timeout, HTTP error status)."""
