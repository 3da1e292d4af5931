"""Real-time linkage of newly ingested records: match one at once against the stored residents, store the
outcome (joined, review, or a new resident), without waiting for the next bulk run.

The matcher is built once from the stored population and the last bulk run's model, then kept: every
record it matches joins its index, so the next one can match it. Reviewers' decisions bind it as they bind
bulk runs. Each outcome is stored in one transaction with an event in the resident's history saying why, and
the residents it touched are placed in the household at their current property by the bulk run's rule and
re-indexed for search, from one read of what they hold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from joinedup.linkage._columns import unique_id
from joinedup.linkage._errors import LinkageError
from joinedup.linkage._households import AddressFact, household_change_reason, new_household_id, placement_of
from joinedup.linkage._model import TrainedModel
from joinedup.linkage._prepare import prepare
from joinedup.linkage._realtime import MatchOutcome, RealtimeMatcher
from joinedup.linkage._review import Constraints
from joinedup.linkage._stored_records import address_fact, collect, person_row
from joinedup.model import EntityType, SourceRecord
from joinedup.store import Database
from joinedup.store.resident_search import SearchIndex
from joinedup.store.resident_search_keys import entry_for
from joinedup.store.residents import ResidentEvent, ResidentStore
from joinedup.store.residents_households import HouseholdStore
from joinedup.store.residents_review import NewReviewItem, ReviewStore
from joinedup.store.residents_sources import iter_current_documents
from joinedup.store.source_records import SourceRecordStore


class IncomingRecords:
    """Matches records one at a time and stores each outcome in its own transaction."""

    def __init__(
        self,
        database: Database,
        model: TrainedModel,
        constraints: Constraints,
        *,
        clock: Callable[[], datetime],
        resident_ids: Callable[[], str],
        household_ids: Callable[[], str] = new_household_id,
    ) -> None:
        self._database = database
        self._clock = clock
        self._household_ids = household_ids
        self._sources = SourceRecordStore(database)
        self._residents = ResidentStore(database)
        self._households = HouseholdStore(database)
        self._reviews = ReviewStore(database)
        self._search = SearchIndex(database)
        stored = collect(iter_current_documents(database))
        with database.transaction() as connection:
            membership = self._residents.assignment_in(connection).records
        residents = {unique_id(*ref): resident for ref, resident in membership.items()}
        prepared = prepare(stored.frame())
        # Records ingested since the last bulk run belong to nobody yet: they join the index as they are matched.
        prepared = prepared[prepared["unique_id"].isin(residents)].reset_index(drop=True)
        self.matcher = RealtimeMatcher(model, prepared, residents, decisions=constraints, make_resident_id=resident_ids)

    def add(self, system: str, record_id: str) -> MatchOutcome:
        """Match the current version of one stored person record and store where it now belongs."""
        record = self._sources.current(system, record_id)
        if record is None or record.entity is not EntityType.PERSON or record.person is None:
            raise LinkageError(f"there is no stored person record {record_id} in {system}")
        uid = unique_id(system, record_id)
        before = self.matcher.resident_of(uid)
        row = person_row(system, record_id, record.person)
        outcome = self.matcher.match(row)
        held = self._held_after(uid, record, row, outcome.resident_id, before)
        now = self._clock()
        with self._database.transaction() as connection:
            if outcome.action != "joined":
                self._residents.create_in(connection, outcome.resident_id, now)
            self._residents.attach_in(connection, (system, record_id), outcome.resident_id, "realtime", now)
            event = _membership_event(uid, outcome, before, self.matcher.link_threshold)
            events = [] if event is None else [event]
            for resident, theirs in held.items():
                events += self._place_in(connection, resident, theirs.facts, uid, now)
            self._residents.add_events_in(connection, events, now)
            # Findable at once under the resident it joined; a resident left with no record leaves the index.
            entries = [entry_for(resident, theirs.rows) for resident, theirs in held.items() if theirs.rows]
            self._search.replace_in(connection, held, entries)
            if outcome.action == "review" and outcome.review_with is not None:
                best = next(c for c in outcome.candidates if c.resident_id == outcome.review_with)
                item = NewReviewItem(uid, best.record, best.match_probability, best.match_weight)
                self._reviews.open_items_in(connection, [item], now)
        return outcome

    def _held_after(
        self, uid: str, record: SourceRecord, row: dict[str, str], resident: str, before: str | None
    ) -> dict[str, _Held]:
        """What each touched resident holds once this record is stored: their records' address facts and rows
        (read once: the household placement and the search keys both need them)."""
        new = _fact(uid, record)
        touched = {resident: _Held([new] if new is not None else [], [row])}
        if before is not None and before != resident:
            touched[before] = _Held([], [])
        for someone, documents in self._residents.documents_of(touched).items():
            for document in documents:
                other = unique_id(document.system, document.record_id)
                if other == uid or not document.canonical:
                    continue  # this record's older version: the new one stands for it
                fact = address_fact(other, document.canonical, document.entity, document.observed_at)
                if fact is not None:
                    touched[someone].facts.append(fact)
                if document.entity == EntityType.PERSON.value:
                    touched[someone].rows.append(person_row(document.system, document.record_id, document.canonical))
        return touched

    def _place_in(
        self, connection: Connection, resident: str, facts: list[AddressFact], uid: str, now: datetime
    ) -> list[ResidentEvent]:
        """Put one resident in the household at their current property (or in none), as a bulk run would."""
        placement = placement_of(resident, facts)
        old = self._households.membership_in(connection, resident)
        new = None
        if placement.property is not None:
            new = self._households.household_at_in(connection, placement.property.uprn)
            if new is None:
                new = self._household_ids()
                self._households.add_household_in(connection, placement.property, new, now)
        if new == old:
            return []
        self._households.set_membership_in(connection, resident, new)
        reason = household_change_reason(old, new, placement.record)
        evidence = {"from_household": old, "to_household": new, "record": placement.record, "linked_by": "realtime"}
        return [ResidentEvent("household", resident, None, (uid,), reason, evidence)]


@dataclass
class _Held:
    facts: list[AddressFact]
    rows: list[dict[str, str]]


def _fact(uid: str, record: SourceRecord) -> AddressFact | None:
    if record.person is None:
        return None
    canonical = record.person.model_dump(mode="json", exclude_none=True)
    return address_fact(uid, canonical, "person", record.changed_at or record.received_at)


def _membership_event(uid: str, outcome: MatchOutcome, before: str | None, threshold: float) -> ResidentEvent | None:
    """The history entry for where the record went: joined a resident, made a new one, or moved between two."""
    if before == outcome.resident_id:
        return None  # a new version of a record that stays where it was
    target = outcome.resident_id if outcome.action == "joined" else outcome.review_with
    best = next((c for c in outcome.candidates if c.resident_id == target), None)
    evidence: dict[str, Any] = {"action": outcome.action, "linked_by": "realtime", "threshold": threshold}
    if best is not None:
        evidence |= {
            "strongest_pair": [uid, best.record],
            "match_probability": round(best.match_probability, 6),
            "match_weight": round(best.match_weight, 3),
        }
        if best.decision is not None:
            evidence["decision"] = best.decision
    if before is not None:
        reason = f"a new version of the record was matched in real time: {outcome.reason}"
        return ResidentEvent("moved", outcome.resident_id, before, (uid,), reason, evidence)
    if outcome.action == "joined":
        paired = f" (strongest pair {uid} and {best.record})" if best is not None else ""
        reason = f"{uid} was matched in real time and joined this resident: {outcome.reason}{paired}"
        return ResidentEvent("joined", outcome.resident_id, None, (uid,), reason, evidence)
    reason = f"{uid} was matched in real time and became a new resident: {outcome.reason}"
    if outcome.review_with is not None:
        reason += f"; a reviewer will compare it with resident {outcome.review_with}"
    if outcome.review_with is not None:
        evidence["review_with"] = outcome.review_with
    return ResidentEvent("created", outcome.resident_id, None, (uid,), reason, evidence)


__all__ = ["IncomingRecords"]
