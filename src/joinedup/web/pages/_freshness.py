"""The Sources page's view of each connected system: freshness, error state, quarantine. No personal data.

Built on the same read model as the API's /sources endpoint (store/source_freshness.py). Quarantine entries are
described by where they came from and why they were held; their content and record ids identify residents and
are not read here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from ...store import Database
from ...store.ingest_state import QuarantineStore
from ...store.source_freshness import freshness_of_sources

STALE_AFTER = timedelta(days=1)  # newest change older than this is shown as a warning, not an error


@dataclass(frozen=True)
class SourceStatus:
    label: str
    colour: str  # a GOV.UK tag colour modifier


@dataclass(frozen=True)
class SourceRow:
    code: str
    name: str
    kind: str
    organisation: str
    last_success_at: datetime | None
    newest_change_at: datetime | None
    lag_seconds: float | None
    last_error: str | None
    stopped: str | None
    quarantined: int
    how_to_clear: str | None = None  # set when stopped: what an operator does about it

    @property
    def status(self) -> SourceStatus:
        if self.stopped:
            return SourceStatus("Stopped", "red")
        if self.last_error:
            return SourceStatus("Failing", "red")
        if self.last_success_at is None:
            return SourceStatus("Never synced", "grey")
        if self.lag_seconds is not None and self.lag_seconds > STALE_AFTER.total_seconds():
            return SourceStatus("Behind", "yellow")
        return SourceStatus("Up to date", "green")


@dataclass(frozen=True)
class HeldRecord:
    id: int
    location: str
    reasons: tuple[str, ...]
    first_seen_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True)
class Quarantine:
    source: SourceRow
    reasons: list[tuple[str, int]]  # each reason with how many held records give it, commonest first
    records: list[HeldRecord]
    shown_limit: int


def source_rows(database: Database, now: datetime) -> list[SourceRow]:
    return [
        SourceRow(
            code=f.system, name=f.name, kind=f.kind, organisation=f.organisation, last_success_at=f.last_success_at,
            newest_change_at=f.newest_change_at, lag_seconds=f.lag_seconds, last_error=f.last_error,
            stopped=f.stopped, quarantined=f.quarantined, how_to_clear=f.how_to_clear,
        )
        for f in freshness_of_sources(database, now)
    ]  # fmt: skip


def quarantine_of(database: Database, code: str, now: datetime, limit: int = 200) -> Quarantine | None:
    """One system's open quarantine, or None if the place has no such system."""
    source = next((row for row in source_rows(database, now) if row.code == code), None)
    if source is None:
        return None
    entries = QuarantineStore(database).list(code, limit=limit)
    counts = Counter(reason for entry in entries for reason in entry.reasons)
    records = [HeldRecord(e.id, e.location, e.reasons, e.first_seen_at, e.last_seen_at) for e in entries]
    return Quarantine(source, sorted(counts.items(), key=lambda item: (-item[1], item[0])), records, limit)
