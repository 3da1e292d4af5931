"""Schema drift in a REST API's records: a field added, renamed or gone from what the source is set up for.

Mapping only reads some fields, so a payload that gains or loses others would otherwise load quietly, and a
renamed field would load as empty. Each record's field names are compared with the expected ones: those
listed in the connection's ``fields`` (``optional_fields`` may be absent), or, when no list is given, those
of the first record of the read. A difference stops the source; the message names the fields (layout, never
values), the request and position, and the record's id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from joinedup.connectors.base import SchemaDriftError

from .errors import RestConnectorError


class RestSchemaDriftError(SchemaDriftError, RestConnectorError):
    """A record's fields are not the expected ones. Ingest stops the source on it (a SchemaDriftError)."""

    def __init__(
        self, where: str, record_id: str | None, *, added: Sequence[str], missing: Sequence[str], against: str
    ) -> None:
        self.where = where
        self.record_id = record_id
        self.added = tuple(added)
        self.missing = tuple(missing)
        if self.added and self.missing:
            change = f"renamed or replaced? {', '.join(self.missing)} -> {', '.join(self.added)}"
        elif self.added:
            change = f"fields added: {', '.join(self.added)}"
        else:
            change = f"fields missing: {', '.join(self.missing)}"
        record = f"record {record_id}" if record_id else "a record without an id"
        super().__init__(f"schema drift in {where} ({record}): {change}; expected {against}")


class ShapeCheck:
    """Checks every record of one read against the expected field names."""

    def __init__(self, fields: Sequence[str] | None, optional: Sequence[str]) -> None:
        self._optional = frozenset(optional)
        self._required: frozenset[str] | None = None
        self._known: frozenset[str] = self._optional
        self._against = "the fields listed in the connection settings"
        if fields is not None:
            self._learn(fields)
        self._last: Any = None  # the key view of the last record that passed, for the common case of no change

    def _learn(self, names: Sequence[str] | Any) -> None:
        self._required = frozenset(names) - self._optional
        self._known = self._required | self._optional

    def check(self, item: Mapping[str, Any], record_id: str | None, where: str) -> None:
        keys = item.keys()
        if self._required is None:
            self._learn(keys)
            self._against = f"the fields of the first record of this read ({where})"
            self._last = keys
            return
        if keys == self._last:
            return
        added = [name for name in keys if name not in self._known]
        missing = sorted(name for name in self._required if name not in item)
        if added or missing:
            raise RestSchemaDriftError(where, record_id, added=added, missing=missing, against=self._against)
        self._last = keys
