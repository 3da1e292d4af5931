"""Real-time matching over a stored place, on SQLite and PostgreSQL: the residents a new record touches are placed
in the household at their current property by the bulk run's rule, every outcome says why in the resident's
history, and reviewers' decisions bind it (including a decision taken after the matcher was built)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from joinedup.linkage import LinkageError
from joinedup.linkage._households import AddressFact, household_change_reason, placement_of
from joinedup.linkage._review import Decision
from joinedup.linkage._service import LinkageService
from joinedup.model import PersonName, SourceRecord
from joinedup.store import Database
from joinedup.store.residents import LinkageRun, ResidentStore
from joinedup.store.residents_households import Household

from .stored_place import RECEIVED, register_sim_systems, sim_model, sim_records, store_records

PEOPLE, SEED = 300, 11
LATER = RECEIVED + timedelta(days=30)  # newer than every record of the place: the best evidence of where one lives


@pytest.fixture
def service(database: Database) -> LinkageService:
    register_sim_systems(database)
    records, _ = sim_records(PEOPLE, SEED)
    store_records(database, records)
    linked = LinkageService(database, model=sim_model(PEOPLE, SEED))
    linked.resolve()
    return linked


def _two_households(service: LinkageService) -> tuple[str, Household, Household, SourceRecord]:
    """A resident at one household who holds a record with an NHS number, another household elsewhere, and a
    record of a member of that other household whose address carries its UPRN."""
    records, _ = sim_records(PEOPLE, SEED)
    by_ref = {(r.system, r.record_id): r for r in records}
    homes: dict[str, Household] = {}
    for record in records:
        resident = service.resident_of(record.system, record.record_id)
        if resident is not None and resident not in homes and (home := service.household_of(resident)) is not None:
            homes[resident] = home
    mover = next(
        resident
        for resident, home in homes.items()
        if any(by_ref[ref].person.nhs_number for ref in service.records_of(resident) if by_ref[ref].person)  # type: ignore[union-attr]
    )
    there = next(home for home in homes.values() if home.uprn != homes[mover].uprn)
    member_record = next(
        by_ref[ref]
        for member in there.members
        for ref in service.records_of(member)
        if by_ref[ref].person and by_ref[ref].person.address and by_ref[ref].person.address.uprn == there.uprn  # type: ignore[union-attr]
    )
    return mover, homes[mover], there, member_record


def test_a_new_version_at_another_property_moves_the_resident_there_and_says_why(
    database: Database, service: LinkageService
) -> None:
    mover, home, there, member_record = _two_households(service)
    records, _ = sim_records(PEOPLE, SEED)
    by_ref = {(r.system, r.record_id): r for r in records}
    system, record_id = next(ref for ref in service.records_of(mover) if by_ref[ref].person.nhs_number)  # type: ignore[union-attr]
    old = by_ref[(system, record_id)]
    assert old.person is not None and member_record.person is not None
    moved = old.model_copy(
        update={
            "person": old.person.model_copy(update={"address": member_record.person.address}),
            "raw": {**old.raw, "uprn": str(there.uprn)},  # a changed payload: a new version (an unchanged one is not)
            "changed_at": LATER,
        }
    )
    store_records(database, [moved])
    outcome = service.add_record(system, record_id)
    assert (outcome.action, outcome.resident_id) == ("joined", mover)  # the same person, at a new address
    now = service.household_of(mover)
    assert now is not None and (now.id, now.uprn) == (there.id, there.uprn)  # the household already there
    assert mover in now.members and set(there.members) < set(now.members)
    left = service.household_of(next(m for m in home.members if m != mover)) if len(home.members) > 1 else None
    assert left is None or mover not in left.members
    (event,) = [e for e in service.events_of(mover) if e.kind == "household"]
    assert event.reason == household_change_reason(home.id, there.id, f"{system}|{record_id}")
    assert event.evidence["from_household"] == home.id and event.evidence["to_household"] == there.id
    assert event.records == (f"{system}|{record_id}",)


def test_a_new_person_at_a_property_with_a_household_joins_it(database: Database, service: LinkageService) -> None:
    _, _, there, member_record = _two_households(service)
    assert member_record.person is not None
    newcomer = SourceRecord(
        system="gp",
        record_id="NEW-LODGER-1",
        person=member_record.person.model_copy(
            update={
                "name": PersonName(given="Ottoline", family="Quarrendon"),
                "date_of_birth": date(1931, 2, 27),
                "nhs_number": None,
                "ni_number": None,
                "contact_points": (),
            }
        ),
        raw={"record_id": "NEW-LODGER-1"},
        received_at=LATER,
    )
    store_records(database, [newcomer])
    outcome = service.add_record("gp", "NEW-LODGER-1")
    assert outcome.action in {"new", "review"}  # nobody else: a resident of their own
    home = service.household_of(outcome.resident_id)
    assert home is not None and home.id == there.id and set(there.members) < set(home.members)
    kinds = Counter(event.kind for event in service.events_of(outcome.resident_id))
    assert kinds == Counter({"created": 1, "household": 1})
    (joined,) = [e for e in service.events_of(outcome.resident_id) if e.kind == "household"]
    assert joined.reason.startswith(f"joined household {there.id}") and "NEW-LODGER-1" in joined.reason


def test_a_real_time_join_is_recorded_in_the_history_with_its_evidence(database: Database) -> None:
    register_sim_systems(database)
    records, truth = sim_records(PEOPLE, SEED)
    elsewhere = Counter(truth.values())
    late = [r for r in records if r.system == "gp" and elsewhere[truth.get(f"gp|{r.record_id}", "")] > 1][:6]
    store_records(database, [r for r in records if r not in late])
    service = LinkageService(database, model=sim_model(PEOPLE, SEED))
    service.resolve()
    store_records(database, late)
    outcomes = [service.add_record("gp", r.record_id) for r in late]
    joined = [o for o in outcomes if o.action == "joined"]
    assert joined, "most of these records belong to someone already held"
    for outcome in joined:
        (event,) = [e for e in service.events_of(outcome.resident_id) if e.kind == "joined"]
        assert event.records == (outcome.record,) and outcome.record in event.reason
        assert event.evidence["linked_by"] == "realtime" and event.evidence["strongest_pair"][0] == outcome.record
        assert event.evidence["match_probability"] >= event.evidence["threshold"]
    for outcome in outcomes:
        if outcome.action != "joined":
            (event,) = [e for e in service.events_of(outcome.resident_id) if e.kind == "created"]
            assert outcome.reason in event.reason


def test_a_do_not_link_taken_after_the_matcher_was_built_is_respected(database: Database) -> None:
    register_sim_systems(database)
    records, truth = sim_records(PEOPLE, SEED)
    elsewhere = Counter(truth.values())
    late = [r for r in records if r.system == "gp" and elsewhere[truth.get(f"gp|{r.record_id}", "")] > 1][:8]
    store_records(database, [r for r in records if r not in late])
    service = LinkageService(database, model=sim_model(PEOPLE, SEED))
    service.resolve()
    store_records(database, late)
    service.add_record("gp", late[0].record_id)  # the matcher is built now, with no decision on the others
    assert service._incoming is not None
    matcher = service._incoming.matcher
    # One the model would join to a resident (asked without storing anything).
    uid, would = next(
        (f"gp|{r.record_id}", found)
        for r in late[1:]
        if (found := matcher.match(_row(r), commit=False)).action == "joined"
    )
    target = would.resident_id
    held = service.records_of(target)
    for system, record_id in held:  # a reviewer: not this person, against every record the resident holds
        service.decide(uid, f"{system}|{record_id}", Decision.NO_LINK, reviewer="reviewer-1", reason="different people")
    outcome = service.add_record(*uid.split("|", 1))
    assert outcome.resident_id != target and service.resident_of(*uid.split("|", 1)) != target
    assert all(c.decision == "cannot-link" for c in outcome.candidates if c.resident_id == target)
    assert service.records_of(target) == held  # the resident kept only its own records
    # A later link decision on the same pair replaces the do-not-link: the newest word wins.
    system, record_id = held[0]
    service.decide(uid, f"{system}|{record_id}", Decision.LINK, reviewer="reviewer-2", reason="same person after all")
    for other_system, other_id in held[1:]:
        service.decide(uid, f"{other_system}|{other_id}", Decision.LINK, reviewer="reviewer-2", reason="same")
    again = service.add_record(*uid.split("|", 1))
    assert (again.action, again.resident_id) == ("joined", target)
    (event,) = [e for e in service.events_of(target) if e.kind == "moved"]
    assert event.evidence.get("decision") == "must-link" and uid in event.records


def test_a_model_from_an_older_version_is_refused_with_the_cure(database: Database) -> None:
    register_sim_systems(database)
    model = sim_model(PEOPLE, SEED)
    settings = dict(model.splink_settings)
    rules = list(settings["blocking_rules_to_generate_predictions"])
    settings["blocking_rules_to_generate_predictions"] = [*rules, "l.forename_metaphone = r.forename_metaphone"]
    older = type(model)(settings, model.link_threshold, model.review_low)
    with database.transaction() as connection:
        ResidentStore(database).record_run_in(
            connection, LinkageRun(datetime(2026, 11, 1, tzinfo=UTC), 10, 5, 0, 0, older.to_json())
        )
    service = LinkageService(database)
    for attempt in (service.resolve, lambda: service.add_record("gp", "any")):
        with pytest.raises(LinkageError, match=r"forename_metaphone.*joinedup resolve --retrain"):
            attempt()


def test_households_follow_the_bulk_rule_one_resident_at_a_time() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    facts = [
        AddressFact("ct|1", 11, "KB1 1AA", ("1 Mill Lane",), t0),
        AddressFact("gp|1", 22, "KB1 2BB", ("Flat 2", "3 Kiln Row"), t0 + timedelta(days=3)),
        AddressFact("hs|1", None, "KB1 3CC", ("9 Elm Road",), t0 + timedelta(days=9)),
    ]
    placement = placement_of("R-a", facts)
    assert placement.property is not None and placement.property.uprn == 22 and placement.record == "gp|1"
    assert placement.property.address == ("Flat 2", "3 Kiln Row")
    assert placement_of("R-b", facts[2:]).property is None
    assert household_change_reason("H-1", None, None).startswith("left household H-1")
    assert household_change_reason(None, "H-2", "gp|1").startswith("joined household H-2")
    assert "from household H-1 to household H-2" in household_change_reason("H-1", "H-2", "gp|1")


def _row(record: SourceRecord) -> dict[str, str]:
    from joinedup.linkage._stored_records import person_row

    assert record.person is not None
    return person_row(record.system, record.record_id, record.person)
