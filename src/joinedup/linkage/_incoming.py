"""Real-time linkage of newly ingested records: match one at once against the stored residents, store the
outcome (joined, review, or a new resident), without waiting for the next bulk run.

The matcher is built once from the stored population and the last bulk run's model, then kept: every
record it matches joins its index, so the next one can match it. Reviewers' decisions bind it as they bind
bulk runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from joinedup.linkage._columns import unique_id
from joinedup.linkage._errors import LinkageError
from joinedup.linkage._model import TrainedModel
from joinedup.linkage._prepare import prepare
from joinedup.linkage._realtime import MatchOutcome, RealtimeMatcher
from joinedup.linkage._review import Constraints
from joinedup.linkage._stored_records import collect, person_row
from joinedup.model import EntityType
from joinedup.store import Database
from joinedup.store.residents import ResidentEvent, ResidentStore
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
    ) -> None:
        self._database = database
        self._clock = clock
        self._sources = SourceRecordStore(database)
        self._residents = ResidentStore(database)
        self._reviews = ReviewStore(database)
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
        outcome = self.matcher.match(person_row(system, record_id, record.person))
        now = self._clock()
        with self._database.transaction() as connection:
            if outcome.action != "joined":
                self._residents.create_in(connection, outcome.resident_id, now)
            self._residents.attach_in(connection, (system, record_id), outcome.resident_id, "realtime", now)
            if before is not None and before != outcome.resident_id:
                event = ResidentEvent(
                    "moved", outcome.resident_id, before, (uid,),
                    f"a new version of the record was matched in real time: {outcome.reason}",
                    {"action": outcome.action},
                )  # fmt: skip
                self._residents.add_events_in(connection, [event], now)
            if outcome.action == "review" and outcome.review_with is not None:
                best = next(c for c in outcome.candidates if c.resident_id == outcome.review_with)
                item = NewReviewItem(uid, best.record, best.match_probability, best.match_weight)
                self._reviews.open_items_in(connection, [item], now)
        return outcome


__all__ = ["IncomingRecords"]
