"""Clerical review: uncertain pairs are queued once; decisions bind every later bulk run (real Splink runs)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from joinedup.linkage._review import Constraints, Decision, ReviewQueue, constraints_from, review_candidates
from joinedup.linkage._service import LinkageService
from joinedup.store import Database
from joinedup.store.residents import ResidentStore
from joinedup.store.residents_review import StoredDecision

from .stored_place import register_sim_systems, sim_model, sim_records, store_records

PEOPLE, SEED = 300, 11
T0 = datetime(2026, 5, 1, tzinfo=UTC)


def _decision(a: str, b: str, decision: str, minutes: int) -> StoredDecision:
    return StoredDecision(a, b, decision, "reviewer", "why", T0 + timedelta(minutes=minutes), None)


def test_the_newest_decision_on_a_pair_wins_whatever_the_order_of_its_records() -> None:
    decisions = [
        _decision("gp|1", "ct|1", "link", 0),
        _decision("ct|1", "gp|1", "no-link", 5),
        _decision("hs|2", "gp|2", "link", 1),
    ]
    constraints = constraints_from(decisions)
    assert constraints.cannot_link == {("ct|1", "gp|1")} and constraints.must_link == {("gp|2", "hs|2")}
    assert constraints.decision_on("gp|1", "ct|1") is Decision.NO_LINK
    assert constraints.decision_on("gp|2", "hs|2") is Decision.LINK and constraints.decision_on("a|1", "b|1") is None
    assert constraints.restricted_to({"gp|2", "hs|2", "gp|1"}) == Constraints(frozenset({("gp|2", "hs|2")}))


def test_review_candidates_are_deduplicated_and_skip_decided_pairs() -> None:
    uncertain = pd.DataFrame(
        {
            "unique_id_l": ["gp|1", "ct|1", "gp|2", "gp|3"],
            "unique_id_r": ["ct|1", "gp|1", "hs|2", "gp|3"],
            "match_probability": [0.7, 0.7, 0.4, 0.5],
            "match_weight": [1.2, 1.2, -0.6, 0.0],
        }
    )
    candidates = review_candidates(uncertain, decided=[("hs|2", "gp|2")])
    assert [(c.left_record, c.right_record, c.probability) for c in candidates] == [("ct|1", "gp|1", 0.7)]


def test_a_decision_needs_a_reviewer_and_a_known_item(database: Database) -> None:
    queue = ReviewQueue(database)
    with pytest.raises(ValueError, match="reviewer"):
        queue.decide("gp|1", "ct|1", Decision.LINK, reviewer=" ", reason="")
    with pytest.raises(LookupError, match="no review item 99"):
        queue.decide_item(99, Decision.LINK, reviewer="r", reason="")


@pytest.fixture
def linked(database: Database) -> LinkageService:
    register_sim_systems(database)
    store_records(database, sim_records(PEOPLE, SEED)[0])
    service = LinkageService(database, model=sim_model(PEOPLE, SEED))
    service.resolve()
    return service


def _members(database: Database) -> dict[str, list[str]]:
    with database.transaction() as connection:
        records = ResidentStore(database).assignment_in(connection).records
    members: dict[str, list[str]] = defaultdict(list)
    for (system, record_id), resident in sorted(records.items()):
        members[resident].append(f"{system}|{record_id}")
    return members


def _resident(service: LinkageService, uid: str) -> str | None:
    system, record_id = uid.split("|", 1)
    return service.resident_of(system, record_id)


def test_a_no_link_decision_survives_every_rerun(database: Database, linked: LinkageService) -> None:
    # A pair the bulk run joined, alone in their resident: left to itself, every run would join them again.
    resident, (a, b) = next((r, m) for r, m in _members(database).items() if len(m) == 2)
    linked.review.decide(a, b, Decision.NO_LINK, reviewer="alice", reason="different people (twins)")
    summary = linked.resolve()
    assert _resident(linked, a) != _resident(linked, b)
    assert resident in {_resident(linked, a), _resident(linked, b)} and summary.new_residents == 1
    (split,) = [e for e in linked.events_of(resident) if e.kind == "split"]
    assert "reviewer decided" in split.reason and split.evidence["decision"]["decision"] == "no-link"
    again = linked.resolve()
    assert _resident(linked, a) != _resident(linked, b) and again.id_events == 0


def test_a_link_decision_survives_every_rerun(database: Database, linked: LinkageService) -> None:
    # Two single-record residents from different systems that the model kept apart.
    singles = [m[0] for m in _members(database).values() if len(m) == 1]
    a = singles[0]
    b = next(uid for uid in singles if uid.split("|")[0] != a.split("|")[0])
    before = {_resident(linked, a), _resident(linked, b)}
    linked.review.decide(a, b, Decision.LINK, reviewer="bob", reason="same person, confirmed by phone")
    linked.resolve()
    survivor = _resident(linked, a)
    assert survivor == _resident(linked, b) and survivor in before
    (merged,) = [e for e in linked.events_of(survivor or "") if e.kind == "merged"]
    assert merged.other_resident_id in before - {survivor} and "reviewer decided" in merged.reason
    assert linked.residents.status_of(merged.other_resident_id or "") == "merged"
    linked.resolve()
    assert _resident(linked, a) == _resident(linked, b) == survivor


def test_uncertain_pairs_are_queued_and_a_decided_item_is_never_reopened(
    database: Database, linked: LinkageService
) -> None:
    items = linked.review.open_items()
    assert items, "the place has pairs in the uncertain band"
    assert all(i.status == "open" and i.left_record < i.right_record for i in items)
    assert all(0 < i.probability < 1 for i in items)
    first = items[0]
    linked.review.decide_item(first.id, Decision.LINK, reviewer="carol", reason="same NHS number on paper file")
    summary = linked.resolve()
    assert summary.review_items_added == 0 and summary.review_items_open == len(items) - 1
    assert first.id not in {i.id for i in linked.review.open_items()}
    assert _resident(linked, first.left_record) == _resident(linked, first.right_record)
