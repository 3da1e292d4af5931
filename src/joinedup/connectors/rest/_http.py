"""One HTTP request, sent with bounded patience: retries with backoff, Retry-After honoured, one token refresh.

What is retried: timeouts and connection failures, 500/502/503/504, and 429. A 429 or 503 that carries
``Retry-After`` (seconds or an HTTP date) waits that long; everything else backs off exponentially with full
jitter, so many clients that failed together do not come back together. A 401 on a refreshable credential
drops the token and tries once more; any other 401/403 is a refusal, not a failure, and is raised at once.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import httpx

from joinedup.connectors.rest.config import Retries, Timeouts
from joinedup.connectors.rest.errors import RestAuthError, RestUnavailableError

log = logging.getLogger(__name__)

_JITTER = random.SystemRandom()  # not for secrecy: SystemRandom simply needs no seeding
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_RETRY_AFTER_STATUSES = frozenset({429, 503})


class HeaderSource(Protocol):
    """Where authentication headers come from (see _auth)."""

    @property
    def refreshable(self) -> bool: ...

    def headers(self) -> dict[str, str]: ...

    def invalidate(self) -> None: ...


class _NoCredentials:
    refreshable = False

    def headers(self) -> dict[str, str]:
        return {}

    def invalidate(self) -> None:
        return None


class Sender:
    """Sends requests through one httpx client with the retry policy of one system."""

    def __init__(
        self,
        client: httpx.Client,
        retries: Retries,
        timeouts: Timeouts,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[float, float], float] = _JITTER.uniform,
    ) -> None:
        self._client = client
        self._retries = retries
        self._timeout = httpx.Timeout(timeouts.read, connect=timeouts.connect)
        self._sleep = sleep
        self._jitter = jitter

    def send(
        self,
        method: str,
        url: str,
        *,
        credentials: HeaderSource | None = None,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | None = None,
        attempts: int | None = None,
    ) -> httpx.Response:
        """The first answer that is not worth retrying; RestUnavailableError once the attempts are spent."""
        source: HeaderSource = credentials or _NoCredentials()
        limit = attempts or self._retries.attempts
        path = httpx.URL(url).path
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._client.request(
                    method, url, params=params, json=json, data=data, timeout=self._timeout,
                    headers={**source.headers(), **(headers or {})}, auth=auth or httpx.USE_CLIENT_DEFAULT,
                )  # fmt: skip
            except httpx.TimeoutException:
                problem, wait = "timed out", self._backoff(attempt)
            except httpx.TransportError as error:
                problem, wait = f"could not connect ({type(error).__name__})", self._backoff(attempt)
            else:
                if response.status_code == 401 and source.refreshable and not refreshed:
                    refreshed = True  # the token may have expired or been revoked early: fetch a new one, once
                    source.invalidate()
                    attempt -= 1  # a refresh is not a failure of the system
                    continue
                if response.status_code in (401, 403):
                    raise RestAuthError(
                        f"{method} {path} was refused (HTTP {response.status_code}); check the credentials"
                    )
                if response.status_code not in _RETRY_STATUSES:
                    return response
                problem = f"answered HTTP {response.status_code}"
                wait = self._wait_for(response, attempt)
            if attempt >= limit:
                raise RestUnavailableError(f"{method} {path} {problem}, {attempt} attempt(s) made")
            log.info(
                "rest: %s %s %s; retrying in %.2f s (attempt %d of %d)", method, path, problem, wait, attempt, limit
            )
            self._sleep(wait)

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self._retries.backoff_max_seconds, self._retries.backoff_seconds * 2 ** (attempt - 1))
        return self._jitter(0.0, ceiling)

    def _wait_for(self, response: httpx.Response, attempt: int) -> float:
        if response.status_code in _RETRY_AFTER_STATUSES:
            asked = retry_after_seconds(response.headers.get("Retry-After"))
            if asked is not None:
                if asked > self._retries.max_retry_after_seconds:
                    raise RestUnavailableError(
                        f"{response.request.method} {response.request.url.path} asked us to wait {asked:.0f} s "
                        f"(HTTP {response.status_code}), longer than the {self._retries.max_retry_after_seconds:.0f} s "
                        "allowed"
                    )
                return asked
        return self._backoff(attempt)


def retry_after_seconds(value: str | None, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> float | None:
    """A Retry-After header (RFC 9110 section 10.2.3) as seconds to wait from now; None if absent or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT by definition
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now()).total_seconds())
