"""Reading what one page shows: the rows of a list page, the label/value pairs of a detail page, form inputs.

Each function takes a page already opened by the session and returns plain data; all waiting and logging in
happens in the session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from joinedup.connectors.screen._session import page_name
from joinedup.connectors.screen.config import DetailScreen, ListScreen, ScreenConfig
from joinedup.connectors.screen.errors import ScreenError, ScreenSelectorError

if TYPE_CHECKING:
    from playwright.sync_api import Page

# One call per list page: for each row, its link's href and (if wanted) the text under a given column heading.
_ROWS_JS = """want => [...document.querySelectorAll(want.rows)].map(row => {
  const link = row.querySelector(want.link);
  let modified = null;
  if (want.heading !== null) {
    const table = row.closest('table');
    const head = table ? [...table.rows].find(r => r.querySelector('th')) : null;
    const names = head ? [...head.cells].map(
      c => c.innerText.replace(/\\s+/g, ' ').trim().replace(/:$/, '').toLowerCase()) : [];
    const index = names.indexOf(want.heading);
    modified = index < 0 ? {missing: true} : {text: row.cells[index] ? row.cells[index].innerText : ''};
  }
  return {href: link ? link.getAttribute('href') : null, modified};
})"""
_PAIRS_JS = """sel => [...document.querySelectorAll(sel.rows)].map(r => {
  const label = r.querySelector(sel.label), value = r.querySelector(sel.value);
  return label && value ? [label.innerText, value.innerText] : null;
}).filter(pair => pair !== null)"""


def _evaluate(page: Page, script: str, want: dict[str, Any], what: str) -> Any:
    """Run a reading script in the page itself: plain DOM calls, so no selector engine is injected per page.

    That is why bulk selectors (rows, and links/labels/values inside them) are CSS: Chromium's CSS has ``:has()``.
    """
    try:
        return page.evaluate(script, want)
    except Exception as error:  # Playwright's Error: the page threw, almost always a SyntaxError from a selector
        selectors = ", ".join(repr(value) for key, value in want.items() if key != "heading")
        raise ScreenError(
            f"{what}: reading page {page_name(page.url)} with CSS selectors {selectors} failed"
        ) from error


def _clean(text: str) -> str:
    """Screen text as data: ``&nbsp;`` and layout whitespace collapsed, ends trimmed."""
    return " ".join(text.replace("\xa0", " ").split())


def _label(text: str) -> str:
    return _clean(text).rstrip(":").strip().casefold()


@dataclass(frozen=True)
class ListRow:
    detail_url: str
    modified: datetime | None


@dataclass(frozen=True)
class ListPage:
    rows: list[ListRow]
    next_url: str | None


def read_list_page(page: Page, config: ScreenConfig) -> ListPage:
    screen: ListScreen = config.list
    heading = _label(screen.modified_column) if screen.modified_column else None
    want = {"rows": screen.row_selector, "link": screen.link_selector, "heading": heading}
    shown: list[dict[str, Any]] = _evaluate(page, _ROWS_JS, want, "list rows")
    where = page_name(page.url)
    if not shown:
        raise ScreenSelectorError("list rows", screen.row_selector, where)
    found: list[ListRow] = []
    for row in shown:
        if not row["href"]:
            raise ScreenSelectorError("link with an href in a list row", screen.link_selector, where)
        modified = None
        if row["modified"] is not None:
            if row["modified"].get("missing"):
                raise ScreenSelectorError("list column heading", screen.modified_column or "", where)
            modified = _parse_time(row["modified"]["text"], config, page)
        found.append(ListRow(urljoin(page.url, row["href"]), modified))
    next_link = page.query_selector(screen.next_selector)
    next_href = next_link.get_attribute("href") if next_link is not None else None
    return ListPage(found, urljoin(page.url, next_href) if next_href else None)


def _parse_time(text: str | None, config: ScreenConfig, page: Page) -> datetime:
    shown = _clean(text or "")
    try:
        return datetime.strptime(shown, config.list.modified_format).replace(tzinfo=config.zone)
    except ValueError as error:  # the message would quote the text: it is a time, but keep the habit
        raise ScreenError(
            f"a {config.list.modified_column!r} cell on page {page_name(page.url)} "
            f"does not match the format {config.list.modified_format!r}"
        ) from error


def read_detail_page(page: Page, screen: DetailScreen) -> dict[str, str]:
    """The configured fields from a page of label/value rows, keyed by native field name."""
    want = {"rows": screen.row_selector, "label": screen.label_selector, "value": screen.value_selector}
    pairs: list[list[str]] = _evaluate(page, _PAIRS_JS, want, "detail rows")
    if not pairs:
        raise ScreenSelectorError("detail rows with a label and a value", screen.row_selector, page_name(page.url))
    shown: dict[str, str] = {}
    for label, value in pairs:
        shown.setdefault(_label(label), _clean(value))  # first wins: a repeated label later is layout, not data
    optional = {_label(label) for label in screen.optional_labels}
    payload: dict[str, str] = {}
    for label, native in screen.fields.items():
        key = _label(label)
        if key in shown:
            payload[native] = shown[key]
        elif key in optional:
            payload[native] = ""
        else:
            raise ScreenSelectorError(f"detail field labelled {label!r}", screen.row_selector, page_name(page.url))
    if not payload.get(screen.id_field):
        raise ScreenError(f"the detail page {page_name(page.url)} shows an empty {screen.id_field!r}")
    return payload
