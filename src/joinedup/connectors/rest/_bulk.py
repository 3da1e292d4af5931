"""A bulk write: many changes in one request, each with its own idempotency key and version guard, answered item
by item (the wire format is in docs/connectors/rest.md).

Pure functions, so the mapping is tested without a server. Each item's answer is mapped exactly as the answer to
a single write would be (see :func:`receipt_for_status`): taken, a conflict, a refusal, or an outage of that item
alone (a 5xx or 429 inside the batch), which becomes that change's error so the caller retries just it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from joinedup.connectors.base import Change, WriteReceipt, WriteResult
from joinedup.connectors.rest.errors import RestAuthError, RestProtocolError, RestUnavailableError

_CONFLICT = frozenset({409, 412, 428})  # the record changed since it was read, or the guard was missing


def receipt_for_status(record_id: str, status: int) -> WriteReceipt:
    """What a system's answer to one write means for that change (2xx taken, 404, conflict, or refused)."""
    if 200 <= status < 300:
        return WriteReceipt(record_id, True, f"HTTP {status}")
    if status == 404:
        return WriteReceipt(record_id, False, "not found")
    if status in _CONFLICT:
        return WriteReceipt(record_id, False, "conflict")
    return WriteReceipt(record_id, False, f"refused (HTTP {status})")


def entity_tag(version: str) -> str:
    """If-Match needs a quoted entity tag (RFC 9110 section 8.8.3); accept a bare version as well."""
    if version == "*" or version.startswith('"') or version.startswith('W/"'):
        return version
    return f'"{version}"'


def bulk_body(changes: Sequence[Change]) -> dict[str, Any]:
    """The request body: one item per change, with what a single write would send as headers."""
    return {
        "changes": [
            {
                "id": change.record_id,
                "idempotency_key": change.idempotency_key,
                "if_match": entity_tag(change.expected_version) if change.expected_version is not None else None,
                "fields": dict(change.fields),
            }
            for change in changes
        ]
    }


def bulk_results(changes: Sequence[Change], body: Any, where: str) -> list[WriteResult]:
    """Each change's result from the response body, matched by idempotency key (not by position: an API may
    answer in its own order). A change the answer leaves out, or an item that cannot be read, is that change's
    protocol error, to be tried again; the others keep their answers."""
    items = body.get("results") if isinstance(body, Mapping) else None
    if not isinstance(items, list):
        problem = RestProtocolError(f"{where} answered without a 'results' list")
        return [problem] * len(changes)
    answered: dict[str, Mapping[str, Any]] = {}
    for item in items:
        if isinstance(item, Mapping) and isinstance(item.get("idempotency_key"), str):
            answered[item["idempotency_key"]] = item
    return [_result(change, answered.get(change.idempotency_key), where) for change in changes]


def _result(change: Change, item: Mapping[str, Any] | None, where: str) -> WriteResult:
    if item is None:
        return RestProtocolError(f"{where} left a change of the batch unanswered")
    status = item.get("status")
    if not isinstance(status, int) or isinstance(status, bool):
        return RestProtocolError(f"{where} answered an item without a numeric status")
    if status == 429 or status >= 500:
        return RestUnavailableError(f"{where}: one item answered HTTP {status}")
    if status in (401, 403):
        return RestAuthError(f"{where}: one item was refused (HTTP {status}); check the credentials")
    return receipt_for_status(change.record_id, status)
