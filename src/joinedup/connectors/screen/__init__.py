"""Screen capture: a connector for legacy web applications with no API, driven through a headless browser.

    from joinedup.connectors.screen import ScreenConfig, ScreenConnector
    with ScreenConnector(ScreenConfig.from_connection(connection)) as connector:
        records = list(connector.read())

Needs the ``browser`` extra (Playwright) and a Chromium at ``/usr/bin/chromium`` (scripts/install-browser.sh).
"""

from joinedup.connectors.screen.config import (
    DetailScreen,
    EditScreen,
    ListScreen,
    LoginScreen,
    ScreenConfig,
    SearchScreen,
)
from joinedup.connectors.screen.connector import ScreenConnector
from joinedup.connectors.screen.errors import (
    BrowserUnavailableError,
    ScreenConfigError,
    ScreenError,
    ScreenLoginError,
    ScreenPageError,
    ScreenSelectorError,
)

__all__ = [
    "BrowserUnavailableError",
    "DetailScreen",
    "EditScreen",
    "ListScreen",
    "LoginScreen",
    "ScreenConfig",
    "ScreenConfigError",
    "ScreenConnector",
    "ScreenError",
    "ScreenLoginError",
    "ScreenPageError",
    "ScreenSelectorError",
    "SearchScreen",
]
