"""Reading what one page shows: the rows of a list page, the label/value pairs of a detail page, form inputs.

Each function takes a page already opened by the session and returns plain data; all waiting and logging in
happens in the session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from joinedup.connectors.screen._session import BrowserSession, page_name
from joinedup.connectors.screen.config import DetailScreen, ListScreen, ScreenConfig
from joinedup.connectors.screen.errors import ScreenError, ScreenSelectorError

if TYPE_CHECKING:
    from playwright.sync_api import Page

# Header texts of the table a row sits in; used to find the "Last modified" column by its heading.
_HEADINGS_JS = """row => {
  const table = row.closest('table');
  const head = table ? [...table.rows].find(r => r.querySelector('th')) : null;
  return head ? [...head.cells].map(c => c.innerText) : [];
}"""
_CELL_JS = "(row, index) => row.cells && row.cells[index] ? row.cells[index].innerText : null"
_PAIRS_JS = """(rows, sel) => rows.map(r => {
  const label = r.querySelector(sel.label), value = r.querySelector(sel.value);
  return label && value ? [label.innerText, value.innerText] : null;
}).filter(pair => pair !== null)"""


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


def read_list_page(session: BrowserSession, page: Page, config: ScreenConfig) -> ListPage:
    screen: ListScreen = config.list
    rows = page.query_selector_all(screen.row_selector)
    if not rows:
        raise ScreenSelectorError("list rows", screen.row_selector, page_name(page.url))
    column = _modified_column(page, rows[0].evaluate(_HEADINGS_JS), screen) if screen.modified_column else None
    found: list[ListRow] = []
    for row in rows:
        href = session.require(row, screen.link_selector, "link to the detail page in a list row").get_attribute("href")
        if not href:
            raise ScreenSelectorError("link with an href in a list row", screen.link_selector, page_name(page.url))
        modified = None
        if column is not None:
            modified = _parse_time(row.evaluate(_CELL_JS, column), config, page)
        found.append(ListRow(urljoin(page.url, href), modified))
    next_link = page.query_selector(screen.next_selector)
    next_href = next_link.get_attribute("href") if next_link is not None else None
    return ListPage(found, urljoin(page.url, next_href) if next_href else None)


def _modified_column(page: Page, headings: list[str], screen: ListScreen) -> int:
    wanted = _label(screen.modified_column or "")
    for index, heading in enumerate(headings):
        if _label(heading) == wanted:
            return index
    raise ScreenSelectorError("list column heading", screen.modified_column or "", page_name(page.url))


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
    pairs: list[list[str]] = page.eval_on_selector_all(
        screen.row_selector, _PAIRS_JS, {"label": screen.label_selector, "value": screen.value_selector}
    )
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
