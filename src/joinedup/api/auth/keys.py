"""Where an issuer's public signing keys come from: a fixed key set (a JWKS file, the dev issuer) or a JWKS URL.

A URL's keys are cached for a TTL. A token whose ``kid`` is not in the cache may mean the issuer rotated its
keys, so we fetch again once; to stop a stream of made-up ``kid`` values turning into a stream of fetches, such
refetches happen at most once per ``min_refetch_interval``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import httpx
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import Key, KeySet

log = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 300.0
DEFAULT_MIN_REFETCH_SECONDS = 30.0


class KeysUnavailable(RuntimeError):
    """An issuer's keys could not be obtained at all, so no token from it can be checked just now."""


class KeySource(Protocol):
    async def key_for(self, kid: str | None, alg: str) -> Key:
        """The public key for ``kid``; raises InvalidKeyIdError when there is none."""
        ...


def public_key_set(data: Any) -> KeySet:
    """A key set holding only the public halves of the keys in a JWKS document."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise ValueError("a JWKS document is an object with a 'keys' list")
    imported = KeySet.import_key_set(data)  # type: ignore[arg-type]
    return KeySet.import_key_set(imported.as_dict(private=False))


def select_key(keys: KeySet, kid: str | None, alg: str) -> Key:
    """The key a token names. A token without ``kid`` is only accepted when the set has exactly one key."""
    if kid is None:
        if len(keys.keys) == 1:
            return keys.keys[0]
        raise InvalidKeyIdError("the token has no 'kid' and the issuer has several keys")
    return keys.get_by_kid(kid, {"alg": alg, "use": "sig"})


class StaticKeys:
    """Keys known up front: read from a JWKS file, or handed over in memory (the development issuer)."""

    def __init__(self, keys: KeySet) -> None:
        self._keys = keys

    @classmethod
    def from_file(cls, path: Path) -> StaticKeys:
        try:
            return cls(public_key_set(json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, JoseError) as error:
            raise ValueError(f"cannot read the JWKS file {path}: {error}") from error

    async def key_for(self, kid: str | None, alg: str) -> Key:
        return select_key(self._keys, kid, alg)


class RemoteKeys:
    """Keys fetched from an issuer's JWKS URL with ``httpx``, cached, and refetched on an unknown ``kid``."""

    def __init__(
        self,
        url: str,
        client: httpx.AsyncClient,
        *,
        ttl: float = DEFAULT_TTL_SECONDS,
        min_refetch_interval: float = DEFAULT_MIN_REFETCH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._client = client
        self._ttl = ttl
        self._min_refetch_interval = min_refetch_interval
        self._clock = clock
        self._keys: KeySet | None = None
        self._fetched_at = 0.0
        self._last_refetch: float | None = None
        self._generation = 0  # bumped on every fetch attempt, so waiters on the lock can see one happened
        self._lock = asyncio.Lock()
        self.fetch_count = 0

    async def key_for(self, kid: str | None, alg: str) -> Key:
        just_fetched = False
        if self._keys is None or self._clock() - self._fetched_at >= self._ttl:
            await self._refresh(self._generation)
            just_fetched = True
        try:
            return select_key(self._current(), kid, alg)
        except InvalidKeyIdError:
            if just_fetched or not self._may_refetch():
                raise
        self._last_refetch = self._clock()
        await self._refresh(self._generation)
        return select_key(self._current(), kid, alg)

    def _current(self) -> KeySet:
        if self._keys is None:
            raise KeysUnavailable(f"no keys could be fetched from {self.url}")
        return self._keys

    def _may_refetch(self) -> bool:
        return self._last_refetch is None or self._clock() - self._last_refetch >= self._min_refetch_interval

    async def _refresh(self, seen_generation: int) -> None:
        async with self._lock:
            if self._generation != seen_generation:
                return  # another request fetched while we waited
            self._generation += 1
            self.fetch_count += 1
            try:
                response = await self._client.get(self.url, headers={"Accept": "application/json"})
                response.raise_for_status()
                keys = public_key_set(response.json())
            except (httpx.HTTPError, ValueError, JoseError) as error:
                # Keep serving keys we already have (an IdP blip must not log everyone out), but do not
                # retry on every request: wait for the refetch interval.
                log.warning("jwks fetch failed", extra={"jwks_url": self.url, "error_type": type(error).__name__})
                if self._keys is not None:
                    self._fetched_at = self._clock() - self._ttl + self._min_refetch_interval
                return
            self._keys = keys
            self._fetched_at = self._clock()
            log.info("jwks fetched", extra={"jwks_url": self.url, "key_count": len(keys.keys)})
