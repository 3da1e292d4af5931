"""LinkageService: link the hub's stored records into residents and keep them as stable, stored entities.

A bulk run reads every current person record, links them with the reviewers' decisions as constraints,
carries resident ids over from the last run (saying why any changed), queues the uncertain pairs for review
and places residents in households; everything it stores is written in one transaction, so a failed run
leaves the last good state in place.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from joinedup.linkage._bulk import link_records
from joinedup.linkage._columns import split_unique_id, unique_id
from joinedup.linkage._errors import LinkageError
from joinedup.linkage._event_reasons import explain
from joinedup.linkage._households import (
    HouseholdMove,
    household_change_reason,
    household_moves,
    new_household_id,
    plan_households,
)
from joinedup.linkage._identity import new_resident_id, reconcile
from joinedup.linkage._incoming import IncomingRecords
from joinedup.linkage._model import DEFAULT_LINK_THRESHOLD, TrainedModel
from joinedup.linkage._model_fit import fitting_model
from joinedup.linkage._realtime import MatchOutcome
from joinedup.linkage._review import Constraints, Decision, ReviewQueue, review_candidates
from joinedup.linkage._search_index import fill_if_empty as fill_search_index_if_empty
from joinedup.linkage._search_index import rebuild_in as rebuild_search_index
from joinedup.linkage._stored_records import collect
from joinedup.store import Database
from joinedup.store.residents import LinkageRun, MembershipChange, RecordRef, ResidentEvent, ResidentStore
from joinedup.store.residents_households import Household, HouseholdStore
from joinedup.store.residents_review import ReviewStore
from joinedup.store.residents_sources import iter_current_documents

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
_PAIR_COLUMNS = ["unique_id_l", "unique_id_r", "match_weight", "match_probability"]


@dataclass(frozen=True)
class ResolveSummary:
    """What a bulk run found and changed (counts only: safe to print and log)."""

    records: int
    residents: int
    multi_system_residents: int
    households: int
    review_items_open: int
    review_items_added: int
    new_residents: int
    id_events: int
    seconds: float


def _now() -> datetime:
    return datetime.now(UTC)


def _no_progress(_stage: str) -> None:
    return None


class LinkageService:
    """Bulk and real-time linkage over the stored records, and the read side other capabilities use."""

    def __init__(
        self,
        database: Database,
        *,
        model: TrainedModel | None = None,
        clock: Callable[[], datetime] = _now,
        resident_ids: Callable[[], str] = new_resident_id,
        household_ids: Callable[[], str] = new_household_id,
    ) -> None:
        self._database = database
        self._model = model
        self._clock = clock
        self._resident_ids = resident_ids
        self._household_ids = household_ids
        self.residents = ResidentStore(database)
        self.households = HouseholdStore(database)
        self.review = ReviewQueue(database)
        self._incoming: IncomingRecords | None = None

    def model(self) -> TrainedModel | None:
        """The model given, else the one the last bulk run used (None before the first run).

        A model saved by an older version of joinedup may not fit this version's prepared records; that is
        refused here, with the command that trains a new one, rather than failing later inside a query.
        """
        if self._model is None:
            run = self.residents.latest_run()
            if run is not None:
                try:
                    self._model = fitting_model(run.model)
                except LinkageError as error:
                    raise LinkageError(
                        f"the linkage model saved by the bulk run of {run.finished_at:%Y-%m-%d %H:%M} UTC cannot be "
                        f"used by this version of joinedup ({error}); train a new one with "
                        "`joinedup resolve --retrain`"
                    ) from None
        return self._model

    def resolve(self, *, retrain: bool = False, progress: Progress = _no_progress) -> ResolveSummary:
        """Link every current person record; keep ids stable; store residents, events, review items, households.

        The last run's model is reused unless ``retrain`` (or there is none yet), so a re-run over the same
        data gives the same residents.
        """
        started = time.perf_counter()
        progress("reading the stored records")
        stored = collect(iter_current_documents(self._database))
        constraints = self.review.constraints().restricted_to(stored.record_keys())
        progress(f"linking {len(stored.rows):,} records")
        if stored.rows:
            result = link_records(
                stored.frame(),
                must_link=sorted(constraints.must_link),
                cannot_link=sorted(constraints.cannot_link),
                model=None if retrain else self.model(),
            )
            self._model = result.model
            clusters, pairs, uncertain = result.clusters, result.pairs, result.uncertain
        else:  # nothing to link (every record withdrawn, or nothing ingested yet): residents are retired
            clusters, pairs, uncertain = {}, pd.DataFrame(columns=_PAIR_COLUMNS), pd.DataFrame(columns=_PAIR_COLUMNS)
        model = self.model()
        threshold = model.link_threshold if model else DEFAULT_LINK_THRESHOLD
        progress("keeping resident ids stable and saving")
        now = self._clock()
        reviews = ReviewStore(self._database)
        with self._database.transaction() as connection:
            held = self.residents.assignment_in(connection)
            previous = {unique_id(*ref): resident for ref, resident in held.records.items()}
            outcome = reconcile(previous, clusters, created=held.created, new_id=self._resident_ids)
            events = explain(outcome.events, previous, outcome.assignment, pairs, constraints, threshold)
            change = MembershipChange(
                assignment={split_unique_id(uid): resident for uid, resident in outcome.assignment.items()},
                new_ids=outcome.new_ids,
                retired=outcome.retired,
                merged_into=outcome.merged_into(),
                events=events,
            )
            self.residents.apply_in(connection, change, now)
            added = reviews.open_items_in(connection, review_candidates(uncertain, constraints.decided()), now)
            plan = plan_households(
                outcome.assignment,
                stored.addresses,
                self.households.household_ids_in(connection),
                new_id=self._household_ids,
            )
            alive = set(outcome.assignment.values())
            moves = household_moves(self.households.memberships_in(connection), plan, alive)
            self.households.save_in(connection, plan.properties, plan.household_ids, plan.members, now)
            self.residents.add_events_in(connection, household_events(moves), now)
            rebuild_search_index(connection, self._database, outcome.assignment, stored.rows)
            if model is not None:
                residents = len(set(outcome.assignment.values()))
                run = LinkageRun(now, len(stored.rows), residents, len(events), added, model.to_json())
                self.residents.record_run_in(connection, run)
        self._incoming = None  # the real-time matcher is rebuilt from the new residents on its next use
        active, multi = self.residents.counts()
        summary = ResolveSummary(
            records=len(stored.rows),
            residents=active,
            multi_system_residents=multi,
            households=self.households.count(),
            review_items_open=reviews.count("open"),
            review_items_added=added,
            new_residents=len(outcome.new_ids),
            id_events=len(events),
            seconds=round(time.perf_counter() - started, 2),
        )
        log.info("linkage_resolved", extra=vars(summary))
        return summary

    def add_record(self, system: str, record_id: str) -> MatchOutcome:
        """Link one newly ingested (or changed) person record at once, without a bulk run.

        It joins an existing resident (a match above the link threshold, or a reviewer's link), or becomes a
        new resident; a match in the review band becomes a new resident with a review item against the best
        candidate. The outcome is written to the resident's history with its evidence, the residents it touched
        are placed in the household at their current property (the bulk run's rule), and their search keys are
        refreshed. Needs a bulk run first (for the model and the population).
        """
        if self._incoming is None:
            model = self.model()
            if model is None:
                raise LinkageError("real-time matching needs a model: run a bulk resolve first")
            # A database migrated to 0009 has an empty search index until a bulk run: fill it before the first
            # real-time refresh, which would otherwise leave an index holding only the residents it touched.
            fill_search_index_if_empty(self._database)
            self._incoming = IncomingRecords(
                self._database, model, self.review.constraints(), clock=self._clock,
                resident_ids=self._resident_ids, household_ids=self._household_ids,
            )  # fmt: skip
        return self._incoming.add(system, record_id)

    def decide(self, left_record: str, right_record: str, decision: Decision, *, reviewer: str, reason: str) -> None:
        """Record a reviewer's decision; later bulk runs and this service's real-time matching obey it."""
        stored = self.review.decide(left_record, right_record, decision, reviewer=reviewer, reason=reason)
        if self._incoming is not None:
            pair = (stored.left_record, stored.right_record)
            linked = decision is Decision.LINK
            self._incoming.matcher.add_decisions(
                Constraints(frozenset({pair}) if linked else frozenset(), frozenset() if linked else frozenset({pair}))
            )

    # --- the read side: what tell-us-once, the single view and the dashboard ask -----------------------------

    def records_of(self, resident_id: str) -> list[RecordRef]:
        """(system, record_id) of every record the resident holds now (a merged id answers for its heir)."""
        return self.residents.records_of(resident_id)

    def resident_of(self, system: str, record_id: str) -> str | None:
        return self.residents.resident_of(system, record_id)

    def household_of(self, resident_id: str) -> Household | None:
        current = self.residents.current_id(resident_id)
        return None if current is None else self.households.household_of(current)

    def events_of(self, resident_id: str) -> list[ResidentEvent]:
        return self.residents.events_of(resident_id)


def household_events(moves: list[HouseholdMove]) -> list[ResidentEvent]:
    """History entries for residents a bulk run moved between households (or out of one), saying why."""
    events = []
    for resident, old, new, record in moves:
        evidence = {"from_household": old, "to_household": new, "record": record, "linked_by": "bulk"}
        reason = household_change_reason(old, new, record)
        events.append(ResidentEvent("household", resident, None, (record,) if record else (), reason, evidence))
    return events


def resolve_place(database: Database, *, progress: Progress = _no_progress, retrain: bool = False) -> ResolveSummary:
    """Link a place's stored records into residents (for the demo and the `joinedup resolve` command)."""
    return LinkageService(database).resolve(retrain=retrain, progress=progress)


__all__ = ["LinkageService", "ResolveSummary", "resolve_place"]
