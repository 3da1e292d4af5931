"""The one small interface every connector kind implements: read, write back, describe, report health.

A connector knows how to talk to one kind of system (a REST API, a file drop, a SQL database, a legacy
screen). It hands out records exactly as the system holds them; mapping them to the canonical model is
ingest's job, so a connector never imports the model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple, Protocol, Self, runtime_checkable


class Capability(StrEnum):
    READ_ALL = "read-all"
    READ_CHANGES = "read-changes"  # incremental reads from a cursor
    WRITE = "write"
    # write_many does what the kind does best with a batch (one transaction, one file, requests side by side)
    # rather than one write after another; every change still gets its own outcome.
    WRITE_MANY = "write-many"


@dataclass(frozen=True)
class SourceLocation:
    """Where a record came from inside its system, for quarantine messages: a file and line, or a page."""

    description: str


class RawRecord(NamedTuple):
    """One record as the system gave it. ``cursor`` is where to resume after this record.

    ``problem`` is set when the system handed over something that is not a usable record (a row with the
    wrong number of fields, bytes that do not decode): the payload then holds the raw content, and ingest
    quarantines it with the problem as the reason instead of mapping it.

    A named tuple rather than a frozen dataclass: a sync makes one per record of every source, and a frozen
    dataclass costs three times as much to make.
    """

    record_id: str
    payload: Mapping[str, Any]
    location: SourceLocation
    changed_at: datetime | None = None
    cursor: str | None = None
    problem: str | None = None


@dataclass(frozen=True)
class Change:
    """A change to write back into a system's copy of one record (used by tell-us-once)."""

    record_id: str
    fields: Mapping[str, Any]
    idempotency_key: str
    expected_version: str | None = None  # the system's own version or timestamp last read, to detect conflicts


@dataclass(frozen=True)
class WriteReceipt:
    record_id: str
    accepted: bool
    detail: str = ""


# What became of one change of a batch: the system's receipt, or the error that kept it from being written
# (an outage to try again later; the other changes of the batch are not affected by it).
WriteResult = WriteReceipt | Exception


@dataclass(frozen=True)
class Health:
    ok: bool
    detail: str = ""
    checked_at: datetime | None = None


@dataclass(frozen=True)
class ConnectorDescription:
    kind: str
    capabilities: frozenset[Capability]
    fields: tuple[str, ...] = field(default=())


@runtime_checkable
class Connector(Protocol):
    """What ingest and sync need from a system, whatever its kind."""

    def describe(self) -> ConnectorDescription: ...

    def read(self, since: str | None = None) -> Iterator[RawRecord]:
        """Every record, or only those changed after the cursor ``since``; in a stable order."""
        ...

    def write(self, change: Change) -> WriteReceipt: ...

    def write_many(self, changes: Sequence[Change]) -> list[WriteResult]:
        """One result per change, in order. A batch never holds two changes to one record."""
        ...

    def health(self) -> Health: ...

    def close(self) -> None:
        """Release what the connector holds (an HTTP client, a connection pool, a browser)."""
        ...


class ConnectorLifecycle:
    """The lifecycle every connector kind shares: ``close()`` (a no-op unless the kind holds something) and
    use as a context manager, so callers write ``with open_connector(...) as connector:``; and ``write_many``
    as one ``write`` after another, for kinds with nothing better to do with a batch (a browser-driven screen)."""

    def write(self, change: Change) -> WriteReceipt:
        raise NotImplementedError  # every kind writes its own way; declared here so write_many can call it

    def write_many(self, changes: Sequence[Change]) -> list[WriteResult]:
        return write_each(self.write, changes)

    def close(self) -> None:
        return None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def write_each(write: Callable[[Change], WriteReceipt], changes: Sequence[Change]) -> list[WriteResult]:
    """Each change written on its own; an error is that change's result, and the next change is still tried."""
    results: list[WriteResult] = []
    for change in changes:
        try:
            results.append(write(change))
        except Exception as error:  # noqa: BLE001 - one change's failure is its own outcome, not the batch's
            results.append(error)
    return results


class ConnectorError(Exception):
    """A system could not be read or written; the message names the system's location, never record values."""


class SchemaDriftError(ConnectorError):
    """The system's layout no longer matches its configuration (a field added, renamed or missing).

    Ingest stops that source instead of loading data into the wrong fields, until someone updates the mapping.
    """


@runtime_checkable
class ArchivesProcessed(Protocol):
    """A connector whose source can be tidied once what it sent is safely stored (e.g. a drop folder)."""

    def archive_through(self, cursor: str) -> list[str]:
        """Archive what the cursor has fully passed; return what was archived."""
        ...
