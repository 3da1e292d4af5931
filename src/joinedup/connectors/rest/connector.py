"""RestConnector: reads a JSON API's records page by page, incrementally by updated timestamp, and writes back.

Build it from a place file's connection dict with :meth:`RestConnector.from_connection`. Pass an
``httpx.Client`` to share a connection pool or to reach a test server through a custom transport.
"""

from __future__ import annotations

import functools
import logging
import socket
import ssl
import threading
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx

from joinedup.connectors.base import (
    Capability,
    Change,
    ConnectorDescription,
    ConnectorLifecycle,
    Health,
    RawRecord,
    SourceLocation,
    WriteReceipt,
    WriteResult,
    write_each,
)
from joinedup.connectors.rest._auth import credentials_for
from joinedup.connectors.rest._bulk import bulk_body, bulk_results, entity_tag, receipt_for_status
from joinedup.connectors.rest._cursor import Position, format_timestamp, parse_timestamp
from joinedup.connectors.rest._http import Sender
from joinedup.connectors.rest._pages import walk
from joinedup.connectors.rest._shape import ShapeCheck
from joinedup.connectors.rest.config import RestConfig
from joinedup.connectors.rest.errors import RestConnectorError, RestProtocolError

log = logging.getLogger(__name__)

KIND = "api"
# A request's headers and body may go out as two writes; on a kept-alive connection Nagle's algorithm would hold
# the second until the first is acknowledged, which a server delaying its ACKs makes 40 ms a request.
_NO_DELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]


class RestConnector(ConnectorLifecycle):
    """A :class:`joinedup.connectors.base.Connector` for a REST/JSON API."""

    def __init__(self, config: RestConfig, client: httpx.Client | None = None) -> None:
        self.config = config
        self._owns_client = client is None
        self._client = client or httpx.Client(
            transport=httpx.HTTPTransport(verify=_tls_context(), socket_options=_NO_DELAY)
        )
        self._sender = Sender(self._client, config.retries, config.timeouts)
        self.credentials = credentials_for(config.auth, self._sender, config.base_url)
        self._writers: ThreadPoolExecutor | None = None  # for write_many, started on first use
        self._writers_lock = threading.Lock()

    @classmethod
    def from_connection(
        cls, connection: Mapping[str, Any], client: httpx.Client | None = None, env: Mapping[str, str] | None = None
    ) -> RestConnector:
        return cls(RestConfig.from_connection(connection, env), client)

    def close(self) -> None:
        with self._writers_lock:
            writers, self._writers = self._writers, None
        if writers is not None:
            writers.shutdown(wait=True)
        if self._owns_client:
            self._client.close()

    def describe(self) -> ConnectorDescription:
        capabilities = {Capability.READ_ALL, Capability.WRITE, Capability.WRITE_MANY}
        if self.config.updated_field:
            capabilities.add(Capability.READ_CHANGES)
        return ConnectorDescription(kind=KIND, capabilities=frozenset(capabilities))

    def read(self, since: str | None = None) -> Iterator[RawRecord]:
        """Every record in the API's order, or those changed after the cursor ``since``.

        Raises RestSchemaDriftError at the first record whose fields are not the expected ones (see
        :mod:`joinedup.connectors.rest._shape`); records before it have been handed out with their cursors.

        Each record's cursor is the latest (updated, id) position seen so far. When the API does not list in
        that order (``sorted_by_updated: false``) only the last record carries a cursor, because resuming from
        the middle could skip records that come later in the list but earlier in time.
        """
        config = self.config
        after = Position.decode(since) if since is not None else None
        if after is not None and not config.updated_field:
            raise RestConnectorError("an incremental read needs updated_field in the connection settings")
        params: dict[str, str] = {}
        if after is not None and config.updated_since_param:
            # Inclusive on the API's side: records sharing the cursor's timestamp come back and are sorted out here.
            params[config.updated_since_param] = format_timestamp(after.updated, config.updated_format)
        latest = after
        pending: RawRecord | None = None
        shape = ShapeCheck(config.fields, config.optional_fields)
        for page in walk(self._sender, self.credentials, self._url(config.records_path), params, config.pagination,
                         config.items_field):  # fmt: skip
            for index, item in enumerate(page.items, start=1):
                where = f"GET {config.records_path}, page {page.number}, item {index}"
                shape.check(item, _plain(item.get(config.id_field)), where)
                record_id = self._record_id(item)
                changed_at = None
                if config.updated_field:
                    changed_at = parse_timestamp(item.get(config.updated_field), config.updated_format, record_id)
                    position = Position(changed_at, record_id)
                    if after is not None and position <= after:
                        continue
                    latest = position if latest is None or position > latest else latest
                location = SourceLocation(where)
                cursor = latest.encode() if latest is not None else None
                record = RawRecord(record_id, item, location, changed_at, cursor)
                if config.sorted_by_updated:
                    yield record
                    continue
                if pending is not None:
                    yield RawRecord(pending.record_id, pending.payload, pending.location, pending.changed_at)
                pending = record
        if pending is not None:
            yield pending

    def write(self, change: Change) -> WriteReceipt:
        """PATCH (or PUT) the record with an Idempotency-Key, and If-Match when the expected version is known.

        A refusal the system means (404, 409, 412, 422...) comes back as a receipt that is not accepted; an
        outage (timeouts, 5xx after the retries) raises RestUnavailableError so the caller can try again later
        with the same idempotency key.
        """
        url = self._url(self.config.record_url_path(change.record_id))
        headers = {"Idempotency-Key": change.idempotency_key}
        if change.expected_version is not None:
            headers["If-Match"] = entity_tag(change.expected_version)
        body: dict[str, Any] = dict(change.fields)
        if self.config.write.method == "PUT":
            current = self._sender.send("GET", url, credentials=self.credentials)
            if current.status_code == 404:
                return WriteReceipt(change.record_id, False, "not found")
            if current.status_code >= 400:
                raise RestProtocolError(f"GET {httpx.URL(url).path} answered HTTP {current.status_code}")
            body = {**current.json(), **body}
        response = self._sender.send(
            self.config.write.method, url, credentials=self.credentials, json=body, headers=headers
        )
        return receipt_for_status(change.record_id, response.status_code)

    def write_many(self, changes: Sequence[Change]) -> list[WriteResult]:
        """One result per change; an outage or refusal is that change's result, not the batch's.

        With a bulk endpoint declared (``write.batch_path``), the changes go ``write.max_batch`` to a request,
        each item still carrying its own idempotency key and version guard; otherwise each change is its own
        request (Idempotency-Key and If-Match headers). Either way ``write.concurrency`` requests go side by side
        over the client's kept-alive connections.
        """
        settings = self.config.write
        if settings.batch_path is not None and changes:
            size, send = settings.max_batch, functools.partial(self._write_chunk, settings.batch_path)
            chunks = [changes[start : start + size] for start in range(0, len(changes), size)]
            if len(chunks) == 1 or settings.concurrency == 1:
                answered = [send(chunk) for chunk in chunks]
            else:
                answered = list(self._writer_pool().map(send, chunks))
            return [result for chunk_results in answered for result in chunk_results]
        if len(changes) <= 1 or settings.concurrency == 1:
            return write_each(self.write, changes)
        return list(self._writer_pool().map(self._write_one, changes))

    def _write_one(self, change: Change) -> WriteResult:
        return write_each(self.write, [change])[0]

    def _write_chunk(self, path: str, changes: Sequence[Change]) -> list[WriteResult]:
        """One bulk request. Retries (5xx, 429, timeouts) are the whole request's, as for a single write, and are
        safe: the API applies each item's idempotency key once. What is left after them is every change's error.

        A refusal of the request as a whole (an API that validates a batch all or nothing and found one bad item,
        a batch too large, an endpoint that is not there) judged no item on its own: the changes are then written
        one request each, so only a change the system refuses by itself is refused.
        """
        where = f"POST {path}"
        try:
            response = self._sender.send("POST", self._url(path), credentials=self.credentials, json=bulk_body(changes))
            if not response.is_success:
                log.info("rest: %s answered HTTP %d; writing its changes one by one", where, response.status_code)
                return write_each(self.write, changes)
            try:
                body = response.json()
            except ValueError:
                raise RestProtocolError(f"{where} answered a body that is not JSON") from None
        except Exception as error:  # noqa: BLE001 - the request's failure is each of its changes' result
            return [error] * len(changes)
        return bulk_results(changes, body, where)

    def _writer_pool(self) -> ThreadPoolExecutor:
        with self._writers_lock:
            if self._writers is None:
                self._writers = ThreadPoolExecutor(self.config.write.concurrency, thread_name_prefix="rest-write")
            return self._writers

    def health(self) -> Health:
        """One quick request, no retries: the health path if configured, else a one-record list request."""
        config = self.config
        checked_at = datetime.now(UTC)
        if config.health_path:
            url, params = self._url(config.health_path), None
        else:
            url = self._url(config.records_path)
            per_page = config.pagination.per_page_param
            params = {per_page: 1} if per_page and config.pagination.style != "none" else None
        try:
            response = self._sender.send("GET", url, credentials=self.credentials, params=params, attempts=1)
        except RestConnectorError as error:
            return Health(False, str(error), checked_at)
        if not response.is_success:
            return Health(False, f"GET {httpx.URL(url).path} answered HTTP {response.status_code}", checked_at)
        return Health(True, f"GET {httpx.URL(url).path} answered HTTP {response.status_code}", checked_at)

    def _url(self, path: str) -> str:
        return self.config.base_url.rstrip("/") + "/" + path.lstrip("/")

    def _record_id(self, item: Mapping[str, Any]) -> str:
        value = item.get(self.config.id_field)
        if value is None or value == "":
            raise RestProtocolError(f"a record has no '{self.config.id_field}' field")
        return str(value)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """The default verifying TLS context, made once: loading the CA bundle costs tens of milliseconds of CPU, and
    every connector of a worker (one per REST system, per worker) would otherwise load it again."""
    return httpx.create_ssl_context()


def _plain(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)
