"""Simulated REST APIs for Kettleby's housing, GP and waste systems: a real HTTP server on a free local port.

Each system lives under its own path prefix and keeps its own habits (see rest_profiles): housing pages by
number behind an API key, the GP system hands out cursors behind OAuth2 client credentials, waste links to
the next page in a ``Link`` header. Knobs per system make it misbehave on purpose: rate limiting, failures,
slowness, revoked tokens.

    server = SimRestServer({"housing": rows, "gp": gp_rows}).start()
    server.connection("housing")          # a connection dict for joinedup.connectors.rest
    server.faults("gp").fail_next = 2     # the next two GP requests answer 500
    server.writes("housing")              # every write that came in, and what became of it
    server.stop(); server.start()         # an outage, then the same port again
    SimRestServer(..., keep_alive=True)   # HTTP/1.1, connections kept alive (stop() still cuts them)
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import json
import logging
import secrets
import socket
import sys
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from joinedup.sim.servers.rest_profiles import PROFILES, connection_for
from joinedup.sim.servers.rest_store import Answer, RecordStore, RestSystemProfile, WriteEvent

if TYPE_CHECKING:
    from joinedup.sim import SyntheticPlace

log = logging.getLogger(__name__)


@dataclass
class Faults:
    """Ways to make one system misbehave. Change the fields at any time; the server reads them per request."""

    rate_limit_every: int = 0  # answer every Nth request with 429 (0: never)
    retry_after: str = "1"  # the Retry-After sent with 429: seconds, or an HTTP date
    fail_next: int = 0  # answer the next N requests with fail_status
    fail_status: int = 500
    fail_retry_after: str | None = None  # sent with fail_status when set (e.g. with 503)
    delay_seconds: float = 0.0  # wait this long before answering
    delay_next: int | None = None  # only the next N requests are slow (None: every request while delay_seconds > 0)
    # Writes to these records fail with fail_status, alone or as one item of a bulk write (the others are applied).
    fail_records: set[str] = field(default_factory=set)


class _System:
    def __init__(self, profile: RestSystemProfile, records: Iterable[Mapping[str, Any]]) -> None:
        self.store = RecordStore(profile, records)
        self.faults = Faults()
        self.requests = 0
        self.tokens: dict[str, float] = {}  # bearer token -> monotonic expiry
        self.tokens_issued = 0


class SimRestServer:
    """Several simulated REST systems behind one HTTP server (``http://127.0.0.1:<port>/<system>/...``)."""

    def __init__(
        self,
        systems: Mapping[str, Iterable[Mapping[str, Any]]],
        profiles: Mapping[str, RestSystemProfile] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        keep_alive: bool = False,
    ) -> None:
        known = {**PROFILES, **(profiles or {})}
        missing = sorted(set(systems) - set(known))
        if missing:
            raise ValueError(f"no REST profile for system(s): {', '.join(missing)}")
        self._systems = {code: _System(known[code], rows) for code, rows in systems.items()}
        self._lock = threading.RLock()
        self._host, self._port = host, port
        # Off by default: a client that is never closed (a quick script, a test) then leaves no socket behind.
        self._keep_alive = keep_alive
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    @classmethod
    def from_place(
        cls, place: SyntheticPlace, systems: Iterable[str] = ("housing", "gp", "waste"), port: int = 0
    ) -> SimRestServer:
        """Serve a synthetic place's records for the REST systems named."""
        wanted = set(systems)
        rows: dict[str, list[Mapping[str, Any]]] = {code: [] for code in wanted}
        for batch in place.batches():
            if batch.system in wanted:
                rows[batch.system].extend(batch.native_rows())
        return cls(rows, port=port)

    # -- lifecycle -------------------------------------------------------------------------------------------
    def start(self) -> SimRestServer:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _HTTPServer((self._host, self._port), _KeepAliveHandler if self._keep_alive else _Handler)
        httpd.sim = self
        self._port = httpd.server_address[1]  # keep it, so a restart comes back on the same port
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=f"sim-rest-{self._port}", daemon=True
        )  # a short poll so stop() returns at once
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._stopping.set()  # wake handlers sleeping on a delay knob
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd, self._thread = None, None

    def restart(self) -> SimRestServer:
        self.stop()
        return self.start()

    def __enter__(self) -> SimRestServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._httpd is not None

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self._port}"

    def base_url(self, system: str) -> str:
        return f"{self.url}/{system}"

    def connection(self, system: str) -> dict[str, Any]:
        """A connection dict for joinedup.connectors.rest that fits this system (secrets written in: test only)."""
        return connection_for(self._systems[system].store.profile, self.base_url(system))

    # -- levers and inspection for tests ---------------------------------------------------------------------
    def profile(self, system: str) -> RestSystemProfile:
        return self._systems[system].store.profile

    def faults(self, system: str) -> Faults:
        return self._systems[system].faults

    def records(self, system: str) -> list[dict[str, Any]]:
        with self._lock:
            store = self._systems[system].store
            return [dict(record) for record in store.records.values()]

    def record(self, system: str, record_id: str) -> dict[str, Any]:
        with self._lock:
            return dict(self._systems[system].store.records[record_id])

    def etag(self, system: str, record_id: str) -> str:
        with self._lock:
            return self._systems[system].store.etag(record_id)

    def change_record(self, system: str, record_id: str, fields: Mapping[str, Any]) -> None:
        with self._lock:
            self._systems[system].store.change(record_id, fields)

    def add_record(self, system: str, record: Mapping[str, Any], touch: bool = True) -> str:
        with self._lock:
            return self._systems[system].store.add(record, touch)

    def writes(self, system: str) -> list[WriteEvent]:
        with self._lock:
            return list(self._systems[system].store.writes)

    def idempotency_keys(self, system: str) -> list[str]:
        with self._lock:
            return list(self._systems[system].store.idempotent)

    def request_count(self, system: str) -> int:
        return self._systems[system].requests

    def tokens_issued(self, system: str) -> int:
        return self._systems[system].tokens_issued

    def revoke_tokens(self, system: str) -> None:
        with self._lock:
            self._systems[system].tokens.clear()

    def set_token_lifetime(self, system: str, seconds: int) -> None:
        with self._lock:
            store = self._systems[system].store
            store.profile = replace(store.profile, token_lifetime_seconds=seconds)

    # -- request handling (called from handler threads) ------------------------------------------------------
    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Answer:
        parts = urlsplit(target)
        segments = [unquote(s) for s in parts.path.strip("/").split("/")]
        system = self._systems.get(segments[0]) if segments else None
        if system is None:
            return Answer(404, {"error": "no such system"})
        with self._lock:
            system.requests += 1
            count = system.requests
            faults = system.faults
            delay = faults.delay_seconds if faults.delay_next is None or faults.delay_next > 0 else 0.0
            if faults.delay_next is not None and faults.delay_next > 0:
                faults.delay_next -= 1
        if delay > 0 and self._stopping.wait(delay):
            return Answer(503, {"error": "shutting down"})
        with self._lock:
            if faults.fail_next > 0:
                faults.fail_next -= 1
                extra = {"Retry-After": faults.fail_retry_after} if faults.fail_retry_after else {}
                return Answer(faults.fail_status, {"error": "simulated failure"}, extra)
            if faults.rate_limit_every and count % faults.rate_limit_every == 0:
                return Answer(429, {"error": "too many requests"}, {"Retry-After": faults.retry_after})
            return self._route(system, method, segments[1:], parts, headers, body)

    def _route(
        self, system: _System, method: str, rest: list[str], parts: Any, headers: Mapping[str, str], body: bytes
    ) -> Answer:
        store = system.store
        if rest == ["oauth", "token"] and method == "POST":
            return self._issue_token(system, headers, body)
        if rest == ["health"] and method == "GET":
            return Answer(200, {"status": "ok", "records": len(store.records)})
        refusal = self._authenticate(system, headers)
        if refusal is not None:
            return refusal
        if rest == ["records"] and method == "GET":
            return store.listing(dict(parse_qsl(parts.query)), parts.path)
        if rest == ["records", "batch"] and method == "POST":  # the bulk write endpoint (record writes are PUT/PATCH)
            try:
                document = json.loads(body or b"null")
            except ValueError:
                return Answer(400, {"error": "the body is not JSON"})
            return store.write_batch(document, frozenset(system.faults.fail_records), system.faults.fail_status)
        if len(rest) == 2 and rest[0] == "records":
            if method == "GET":
                return store.one(rest[1])
            if method in ("PUT", "PATCH"):
                if rest[1] in system.faults.fail_records:
                    return Answer(system.faults.fail_status, {"error": "simulated failure"})
                try:
                    document = json.loads(body or b"null")
                except ValueError:
                    return Answer(400, {"error": "the body is not JSON"})
                return store.write(rest[1], method, document, headers.get("idempotency-key"), headers.get("if-match"))
        return Answer(405 if rest and rest[0] == "records" else 404, {"error": "not here"})

    def _authenticate(self, system: _System, headers: Mapping[str, str]) -> Answer | None:
        profile = system.store.profile
        if profile.auth == "api-key":
            given = headers.get(profile.api_key_header.lower(), "")
            if hmac.compare_digest(given.encode(), profile.api_key.encode()):
                return None
            return Answer(401, {"error": "missing or unknown API key"})
        if profile.auth == "oauth2":
            scheme, _, token = headers.get("authorization", "").partition(" ")
            expiry = system.tokens.get(token) if scheme.lower() == "bearer" else None
            if expiry is not None and time.monotonic() < expiry:
                return None
            return Answer(401, {"error": "invalid_token"}, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return None

    def _issue_token(self, system: _System, headers: Mapping[str, str], body: bytes) -> Answer:
        profile = system.store.profile
        form = dict(parse_qsl(body.decode("utf-8", "replace")))
        client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
        scheme, _, encoded = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "basic":
            try:
                client_id, _, client_secret = base64.b64decode(encoded).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return Answer(400, {"error": "invalid_request"})
        if form.get("grant_type") != "client_credentials":
            return Answer(400, {"error": "unsupported_grant_type"})
        if profile.auth != "oauth2" or not (
            hmac.compare_digest(client_id.encode(), profile.client_id.encode())
            and hmac.compare_digest(client_secret.encode(), profile.client_secret.encode())
        ):
            return Answer(401, {"error": "invalid_client"}, {"WWW-Authenticate": "Basic"})
        token = secrets.token_urlsafe(24)
        system.tokens[token] = time.monotonic() + profile.token_lifetime_seconds
        system.tokens_issued += 1
        body_out = {"access_token": token, "token_type": "Bearer", "expires_in": profile.token_lifetime_seconds}
        return Answer(200, body_out, {"Cache-Control": "no-store"})


class _HTTPServer(ThreadingHTTPServer):
    allow_reuse_address = True  # come back on the same port straight after a stop
    daemon_threads = True
    sim: SimRestServer

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Cut every kept-alive connection: a stopped server is really unreachable, as a real outage is."""
        with self._open_lock:
            still_open, self._open = list(self._open), set()
        for connection in still_open:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (a timeout test) leaves a broken pipe behind: expected, not worth a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError):
            log.debug("sim rest: a client went away before its answer was sent")
            return
        log.exception("sim rest: a request failed inside the simulator")


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.0"  # one request per connection, unless the server keeps connections alive
    timeout = 30  # an idle kept-alive connection is closed after a while
    disable_nagle_algorithm = True  # headers and body go out as two writes: do not hold the second for an ACK

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {key.lower(): value for key, value in self.headers.items()}
        answer = self.server.sim.handle(self.command, self.path, headers, body)
        payload = json.dumps(answer.body).encode()
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for key, value in answer.headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        return None  # quiet: tests and the demo have their own logs


class _KeepAliveHandler(_Handler):
    """Connections kept alive, as a real API's are (a client writing many changes reuses a few); stop() cuts
    them, so a stopped server is still really unreachable."""

    protocol_version = "HTTP/1.1"
