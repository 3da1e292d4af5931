"""The screen-capture connector: reads and writes a legacy web application through its pages, as a user would.

    with ScreenConnector(ScreenConfig.from_connection(connection)) as connector:
        for record in connector.read():          # log in, page through the list, open each detail page
            ...
        connector.write(Change("CS00000012", {"addr_line1": "14 New Street"}, idempotency_key="..."))

One headless Chromium per connector, started on first use and closed by ``close()``. Use a connector from one
thread (Playwright's sync API is bound to the thread that started it).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from joinedup.connectors.base import (
    Capability,
    Change,
    ConnectorDescription,
    ConnectorLifecycle,
    Health,
    RawRecord,
    SourceLocation,
    WriteReceipt,
)
from joinedup.connectors.screen._cursor import Watermark
from joinedup.connectors.screen._screens import read_detail_page, read_list_page
from joinedup.connectors.screen._session import BrowserSession, page_name
from joinedup.connectors.screen.config import EditScreen, ScreenConfig, SearchScreen
from joinedup.connectors.screen.errors import ScreenError

if TYPE_CHECKING:
    from playwright.sync_api import Page

KIND = "screen"


class ScreenConnector(ConnectorLifecycle):
    """A :class:`~joinedup.connectors.base.Connector` over a legacy application's screens."""

    def __init__(self, config: ScreenConfig) -> None:
        self._config = config
        self._session = BrowserSession(config)

    # -- lifecycle -------------------------------------------------------------------------------------------------
    def close(self) -> None:
        self._session.close()

    # -- Connector -------------------------------------------------------------------------------------------------
    def describe(self) -> ConnectorDescription:
        capabilities = {Capability.READ_ALL}
        if self._config.can_read_changes:
            capabilities.add(Capability.READ_CHANGES)
        if self._config.can_write:
            capabilities.add(Capability.WRITE)
        return ConnectorDescription(KIND, frozenset(capabilities), tuple(self._config.detail.fields.values()))

    def read(self, since: str | None = None) -> Iterator[RawRecord]:
        """Every record in list order; with ``since``, only those whose "Last modified" is after the cursor.

        The list is in the application's own order, not by time, so only the last record carries a cursor (the
        high-water mark of the whole read); resuming from any earlier record could skip records.
        """
        if since is not None and not self._config.can_read_changes:
            raise ValueError("this screen connector has no 'Last modified' column configured; it cannot read changes")
        after = Watermark.decode(since) if since is not None else None
        return self._read(after)

    def _read(self, after: Watermark | None) -> Iterator[RawRecord]:
        mark = after
        held: RawRecord | None = None  # one record held back so the last can be given the cursor
        url: str | None = self._config.list.url
        visited: set[str] = set()
        page_number = 0
        while url is not None:
            page_number += 1
            if url in visited or page_number > self._config.list.max_pages:
                raise ScreenError(
                    f"list paging loops or exceeds {self._config.list.max_pages} pages at {page_name(url)}"
                )
            visited.add(url)
            listing = read_list_page(self._session.goto(url), self._config)
            for row_number, row in enumerate(listing.rows, start=1):
                if after is not None and row.modified is not None and not after.admits(row.modified):
                    continue
                payload = read_detail_page(self._session.goto(row.detail_url), self._config.detail)
                record_id = payload[self._config.detail.id_field]
                if after is not None and row.modified is not None and not after.admits(row.modified, record_id):
                    continue
                if row.modified is not None:
                    mark = (
                        mark.advanced(row.modified, record_id)
                        if mark
                        else Watermark(row.modified, frozenset({record_id}))
                    )
                if held is not None:
                    yield held
                held = RawRecord(
                    record_id=record_id,
                    payload=payload,
                    location=SourceLocation(f"list page {page_number} row {row_number} ({row.detail_url})"),
                    changed_at=row.modified,
                )
            url = listing.next_url
        if held is not None:
            yield held._replace(cursor=mark.encode() if mark is not None else None)

    def write(self, change: Change) -> WriteReceipt:
        edit = self._config.edit
        if edit is None or self._config.search is None:
            return WriteReceipt(change.record_id, False, "this screen connector is not configured to write")
        unknown = sorted(set(change.fields) - set(edit.fields))
        if unknown:
            return WriteReceipt(change.record_id, False, f"fields not on the edit form: {', '.join(unknown)}")
        wanted = {name: _as_text(value) for name, value in change.fields.items()}
        detail_url = self._find_detail_url(self._config.search, change.record_id)
        if detail_url is None:
            return WriteReceipt(change.record_id, False, "no record with this id was found by the search page")
        page = self._session.goto(detail_url)
        self._session.submit(page, edit.link_selector, "edit link on the detail page")
        edit_url = page.url
        if change.expected_version is not None:
            conflict = self._version_conflict(page, edit, change.expected_version)
            if conflict:
                return WriteReceipt(change.record_id, False, conflict)
        differing = [name for name, value in wanted.items() if self._input(page, edit, name).input_value() != value]
        if not differing:
            return WriteReceipt(change.record_id, True, "already up to date; nothing submitted")
        for name in differing:
            self._input(page, edit, name).fill(wanted[name])
        self._session.submit(page, edit.submit_selector, "edit form submit button")
        page = self._session.goto(edit_url)  # read back what the system kept, from the form itself
        unsaved = sorted(name for name, value in wanted.items() if self._input(page, edit, name).input_value() != value)
        if unsaved:
            return WriteReceipt(change.record_id, False, f"the system did not keep: {', '.join(unsaved)}")
        return WriteReceipt(change.record_id, True, f"saved {len(differing)} field(s)")

    def health(self) -> Health:
        started = time.monotonic()
        checked_at = datetime.now(UTC)
        login = self._config.login
        try:
            with self._session.scratch_page(self._config.health_timeout_seconds) as page:
                self._session.require(page, login.username_selector, "login username field")
        except ScreenError as error:
            return Health(False, str(error), checked_at)
        elapsed_ms = round((time.monotonic() - started) * 1000)
        return Health(True, f"login page {page_name(login.url)} loaded in {elapsed_ms} ms", checked_at)

    # -- helpers ---------------------------------------------------------------------------------------------------
    def _find_detail_url(self, search: SearchScreen, record_id: str) -> str | None:
        page = self._session.goto(search.url)
        self._session.require(page, search.reference_selector, "search reference field").fill(record_id)
        self._session.submit(page, search.submit_selector, "search submit button")
        links = page.query_selector_all(search.result_link_selector)
        exact = [link for link in links if " ".join(link.inner_text().split()) == record_id]
        chosen = exact or (links if len(links) == 1 else [])
        href = chosen[0].get_attribute("href") if len(chosen) == 1 else None
        return page.evaluate("href => new URL(href, document.baseURI).href", href) if href else None

    def _input(self, page: Page, edit: EditScreen, name: str) -> Any:
        return self._session.require(page, edit.fields[name], f"edit form input for {name!r}")

    def _version_conflict(self, page: Page, edit: EditScreen, expected: str) -> str:
        if edit.version_selector is None:
            return "expected_version was given but no version_selector is configured to check it"
        element = self._session.require(page, edit.version_selector, "version on the edit form")
        shown = " ".join(element.inner_text().split())
        same = shown == expected
        try:  # a version read from the list's "Last modified" comes back as an ISO time; compare as times
            shown_time = datetime.strptime(shown, self._config.list.modified_format).replace(tzinfo=self._config.zone)
            same = same or shown_time == datetime.fromisoformat(expected)
        except ValueError:
            pass  # not times: the plain text comparison above decides
        return "" if same else "conflict: the record changed in the system since it was read"


def _as_text(value: Any) -> str:
    return "" if value is None else str(value)
