"""Walking a paginated list: page numbers, a cursor in the body, or an RFC 8288 ``Link: <...>; rel="next"`` header.

Each style yields the pages in order with their items; a next cursor or link seen before stops the walk with an
error rather than looping for ever on a faulty API.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import httpx

from joinedup.connectors.rest._http import HeaderSource, Sender
from joinedup.connectors.rest.config import Pagination
from joinedup.connectors.rest.errors import RestProtocolError


@dataclass(frozen=True)
class Page:
    number: int  # 1 for the first page walked, whatever the API numbers it
    items: list[Mapping[str, Any]]


def walk(
    sender: Sender,
    credentials: HeaderSource,
    url: str,
    params: Mapping[str, str],
    pagination: Pagination,
    items_field: str,
) -> Iterator[Page]:
    """Every page of the list at ``url``, requested with ``params`` (plus the style's own parameters)."""
    query: dict[str, str | int] = dict(params)
    if pagination.per_page_param:
        query[pagination.per_page_param] = pagination.per_page
    next_url: str | None = url
    page_number = pagination.first_page
    seen: set[str] = set()
    count = 0
    while next_url is not None:
        if pagination.style == "page":
            query[pagination.page_param] = page_number
        response = sender.send("GET", next_url, credentials=credentials, params=query or None)
        _raise_for_status(response)
        body = response.json()
        items = _items(body, items_field)
        count += 1
        yield Page(count, items)
        next_url, token = _next(pagination, response, body, items, next_url)
        if token is not None:
            if token in seen:
                raise RestProtocolError(f"GET {httpx.URL(url).path} pointed back to a page already read ({count})")
            seen.add(token)
        if pagination.style == "cursor" and token is not None:
            query[pagination.cursor_param] = token
        elif pagination.style == "link":
            query = {}  # the next link carries every parameter the server wants
        page_number += 1


def _next(
    pagination: Pagination, response: httpx.Response, body: Any, items: list[Mapping[str, Any]], current: str
) -> tuple[str | None, str | None]:
    """The URL of the next page (None at the end) and the token that identifies it, for loop detection."""
    if pagination.style == "none" or not items:
        return None, None
    if pagination.style == "page":
        full = pagination.per_page_param is None or len(items) >= pagination.per_page
        return (current, None) if full else (None, None)
    if pagination.style == "cursor":
        cursor = _dig(body, pagination.cursor_field)
        if cursor in (None, ""):
            return None, None
        return current, str(cursor)
    link = response.links.get("next", {}).get("url")
    if not link:
        return None, None
    absolute = urljoin(str(response.url), link)  # RFC 8288 allows a reference relative to the request
    return absolute, absolute


def _items(body: Any, items_field: str) -> list[Mapping[str, Any]]:
    items = _dig(body, items_field) if items_field else body
    if not isinstance(items, list) or not all(isinstance(item, Mapping) for item in items):
        where = f"'{items_field}'" if items_field else "the body"
        raise RestProtocolError(f"the API's page has no list of records at {where}")
    return items


def _dig(body: Any, dotted: str) -> Any:
    value = body
    for part in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _raise_for_status(response: httpx.Response) -> None:
    if response.status_code >= 400:
        raise RestProtocolError(
            f"{response.request.method} {response.request.url.path} answered HTTP {response.status_code}"
        )
