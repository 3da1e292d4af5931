"""API keys for systems: issue, verify, revoke and list. Only a SHA-256 of each key is ever stored.

A key looks like ``jdk_<8 hex prefix>_<43 url-safe chars>``. The prefix is stored in clear so an operator can
tell keys apart in a list; the rest carries 256 bits from :mod:`secrets`, so a plain (unsalted) SHA-256 is
enough: nobody can guess their way back from the hash, and an exact hash is what lets us find the row with
one indexed lookup.
"""

from __future__ import annotations

import builtins
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import RowMapping, insert, select, update

from .database import Database
from .tables import api_keys

KEY_SCHEME = "jdk_"
_PREFIX_HEX_BYTES = 4
_SECRET_BYTES = 32
# Longer input than any key we issue is refused before hashing, so a huge header costs nothing.
_MAX_KEY_LENGTH = 128


@dataclass(frozen=True)
class ApiKeyRecord:
    """What is known about an issued key; never the key itself."""

    id: int
    prefix: str
    system: str
    label: str | None
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class IssuedKey:
    """A newly issued key: ``plaintext`` is shown to the operator once and cannot be recovered later."""

    record: ApiKeyRecord
    plaintext: str = field(repr=False)

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def prefix(self) -> str:
        return self.record.prefix


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _record(mapping: RowMapping) -> ApiKeyRecord:
    return ApiKeyRecord(
        id=int(mapping["id"]),
        prefix=mapping["prefix"],
        system=mapping["system"],
        label=mapping["label"],
        created_at=mapping["created_at"],
        revoked_at=mapping["revoked_at"],
    )


_COLUMNS = (
    api_keys.c.id,
    api_keys.c.prefix,
    api_keys.c.system,
    api_keys.c.label,
    api_keys.c.created_at,
    api_keys.c.revoked_at,
)


class ApiKeyRepository:
    """The one place that reads and writes the ``api_keys`` table."""

    def __init__(self, database: Database, *, now: Callable[[], datetime] = _utc_now) -> None:
        self._database = database
        self._now = now

    def issue(self, system: str, label: str | None = None) -> IssuedKey:
        """Create a key for ``system`` and return it in plaintext, the only time it is ever available."""
        system = system.strip()
        if not system or len(system) > api_keys.c.system.type.length:  # type: ignore[attr-defined]
            raise ValueError("a system code has 1 to 64 characters")
        prefix = KEY_SCHEME + secrets.token_hex(_PREFIX_HEX_BYTES)
        plaintext = f"{prefix}_{secrets.token_urlsafe(_SECRET_BYTES)}"
        created_at = self._now()
        with self._database.transaction() as connection:
            result = connection.execute(
                insert(api_keys).values(
                    prefix=prefix,
                    key_hash=hash_key(plaintext),
                    system=system,
                    label=label,
                    created_at=created_at,
                    revoked_at=None,
                )
            )
            key_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        record = ApiKeyRecord(key_id, prefix, system, label, created_at, None)
        return IssuedKey(record=record, plaintext=plaintext)

    def verify(self, plaintext: str) -> ApiKeyRecord | None:
        """The record for a live key, or None for anything else (unknown, revoked, malformed)."""
        if not plaintext.startswith(KEY_SCHEME) or len(plaintext) > _MAX_KEY_LENGTH:
            return None
        presented = hash_key(plaintext)
        with self._database.transaction() as connection:
            row = connection.execute(
                select(*_COLUMNS, api_keys.c.key_hash).where(
                    api_keys.c.key_hash == presented, api_keys.c.revoked_at.is_(None)
                )
            ).first()
        # The lookup is by exact hash; compare again in constant time so no code path depends on how much
        # of a stored hash matched.
        if row is None or not hmac.compare_digest(row._mapping["key_hash"], presented):
            return None
        return _record(row._mapping)

    def revoke(self, key_id: int) -> bool:
        """Revoke a live key. False when there is no key with that id or it was already revoked."""
        with self._database.transaction() as connection:
            result = connection.execute(
                update(api_keys)
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=self._now())
            )
        return result.rowcount == 1

    def get(self, key_id: int) -> ApiKeyRecord | None:
        with self._database.transaction() as connection:
            row = connection.execute(select(*_COLUMNS).where(api_keys.c.id == key_id)).first()
        return None if row is None else _record(row._mapping)

    def list(self, system: str | None = None) -> builtins.list[ApiKeyRecord]:
        """Every key (revoked ones too, so an operator sees the history), oldest first."""
        query = select(*_COLUMNS).order_by(api_keys.c.id)
        if system is not None:
            query = query.where(api_keys.c.system == system)
        with self._database.transaction() as connection:
            return [_record(row._mapping) for row in connection.execute(query)]
