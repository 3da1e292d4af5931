"""Households at properties: grouped by the UPRN of residents' current address, ids kept across runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.linkage._households import (
    AddressFact,
    current_uprn,
    household_moves,
    placement_of,
    plan_households,
)
from joinedup.linkage._service import LinkageService
from joinedup.sim import SyntheticPlace
from joinedup.store import Database

from .stored_place import register_sim_systems, sim_model, sim_records, store_records

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PEOPLE, SEED = 300, 11


def _fact(record: str, uprn: int | None, days: int = 0) -> AddressFact:
    return AddressFact(record, uprn, "KB1 4AA", (f"{uprn or 0} Mill Lane",), T0 + timedelta(days=days))


def test_the_newest_record_with_a_uprn_says_where_a_resident_lives() -> None:
    assert current_uprn([_fact("ct|1", 11, days=1), _fact("gp|1", 22, days=5), _fact("hs|1", None, days=9)]) == 22
    assert current_uprn([_fact("ct|1", 11), _fact("gp|1", 22), _fact("hs|1", 22)]) == 22  # same day: more records
    assert current_uprn([_fact("hs|1", None)]) is None


def test_residents_at_one_property_share_a_household_and_keep_its_id() -> None:
    assignment = {"ct|1": "R-a", "gp|1": "R-a", "gp|2": "R-b", "gp|3": "R-c", "gp|4": "R-d"}
    facts = [
        _fact("ct|1", 11, days=1), _fact("gp|1", 11), _fact("gp|2", 11), _fact("gp|3", 22),
        _fact("gp|4", None), _fact("waste|9", 33, days=2),
    ]  # fmt: skip
    ids = iter(["H-new-1", "H-new-2"])
    plan = plan_households(assignment, facts, {11: "H-old"}, new_id=lambda: next(ids))
    assert plan.members == {"R-a": "H-old", "R-b": "H-old", "R-c": "H-new-1"}  # R-d has no UPRN: no household
    assert plan.household_ids == {11: "H-old", 22: "H-new-1"}
    assert [p.uprn for p in plan.properties] == [11, 22, 33]  # a property register describes property 33 too
    assert plan.deciding == {"R-a": "ct|1", "R-b": "gp|2", "R-c": "gp|3"}  # the newest record with a UPRN
    # Against the memberships before the run: R-c moved from 11, R-d left, R-a stayed, R-b was placed first time.
    before = {"R-a": "H-old", "R-c": "H-old", "R-d": "H-old"}
    assert household_moves(before, plan, assignment.values()) == [
        ("R-c", "H-old", "H-new-1", "gp|3"),
        ("R-d", "H-old", None, None),
    ]
    assert household_moves(before, plan, ["R-a", "R-b"]) == []  # a retired resident is not said to move


def test_stored_households_match_where_people_really_live(database: Database) -> None:
    register_sim_systems(database)
    records, truth = sim_records(PEOPLE, SEED)
    store_records(database, records)
    service = LinkageService(database, model=sim_model(PEOPLE, SEED))
    service.resolve()
    really = {person["person_id"]: int(person["uprn"]) for person in SyntheticPlace(PEOPLE, SEED).residents()}
    people_of: dict[str, set[str]] = {}
    for uid, person in truth.items():
        resident = service.resident_of(*uid.split("|", 1))
        assert resident is not None
        people_of.setdefault(resident, set()).add(person)
    placed = right = 0
    households = {}
    for resident, people in people_of.items():
        home = service.household_of(resident)
        if home is None:
            continue
        assert resident in home.members
        households[resident] = home.id
        placed += 1
        right += any(home.uprn == really[person] for person in people)
    print(f"{placed} of {len(people_of)} residents placed; {right} at their true current address")
    assert placed > len(people_of) // 2 and right >= 0.9 * placed
    service.resolve()
    assert all(service.household_of(r).id == h for r, h in households.items())  # type: ignore[union-attr]


@given(
    st.lists(
        st.tuples(st.sampled_from(["R-a", "R-b", "R-c", "R-d"]), st.none() | st.integers(1, 4), st.integers(0, 3)),
        max_size=20,
    ),
    st.dictionaries(st.integers(1, 4), st.sampled_from(["H-x", "H-y", "H-z", "H-w"]), max_size=2),
)
@settings(max_examples=200, deadline=None)
def test_household_plans_follow_each_residents_current_uprn(
    rows: list[tuple[str, int | None, int]], existing: dict[int, str]
) -> None:
    existing = {uprn: f"{hid}-{uprn}" for uprn, hid in existing.items()}  # one household per property
    facts = [_fact(f"gp|{i}", uprn, days) for i, (_, uprn, days) in enumerate(rows)]
    assignment = {f"gp|{i}": resident for i, (resident, _, _) in enumerate(rows)}
    counter = iter(range(100))
    plan = plan_households(assignment, facts, existing, new_id=lambda: f"H-new-{next(counter)}")
    for resident in set(assignment.values()):
        mine = [f for f in facts if assignment[f.record] == resident]
        uprn = current_uprn(mine)
        if uprn is None:
            assert resident not in plan.members
        else:
            assert plan.members[resident] == plan.household_ids[uprn]
        # Real-time matching places one resident by the same rule, deciding by the same record.
        alone = placement_of(resident, mine)
        assert (alone.property.uprn if alone.property else None) == uprn
        assert alone.record == plan.deciding.get(resident)
    assert all(plan.household_ids[uprn] == hid for uprn, hid in existing.items())  # existing ids kept
    assert len(set(plan.household_ids.values())) == len(plan.household_ids)  # one household per property
