"""LinkageService over a stored synthetic place, with the real Splink, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter

import pytest

from joinedup.linkage import LinkageError
from joinedup.linkage._review import Decision
from joinedup.linkage._service import LinkageService, resolve_place
from joinedup.store import Database
from joinedup.store.residents import ResidentStore

from .stored_place import register_sim_systems, sim_model, sim_records, store_records

PEOPLE, SEED = 300, 11


@pytest.fixture
def service(database: Database) -> LinkageService:
    register_sim_systems(database)
    return LinkageService(database, model=sim_model(PEOPLE, SEED))


def _assignment(database: Database) -> dict[tuple[str, str], str]:
    with database.transaction() as connection:
        return ResidentStore(database).assignment_in(connection).records


def test_resolve_stores_residents_and_a_rerun_changes_nothing(database: Database, service: LinkageService) -> None:
    records, truth = sim_records(PEOPLE, SEED)
    store_records(database, records)
    first = service.resolve()
    people = len(set(truth.values()))
    assert first.records == len(truth) and first.new_residents == first.residents
    assert people * 0.9 <= first.residents <= people * 1.15
    assert first.multi_system_residents > people // 2 and first.households > 0
    assignment = _assignment(database)
    assert len(assignment) == len(truth)
    # Residents hold records from several systems, and the read side agrees with the stored membership.
    resident, size = Counter(assignment.values()).most_common(1)[0]
    held = service.records_of(resident)
    assert len(held) == size and len({system for system, _ in held}) > 1
    assert all(service.resident_of(system, record_id) == resident for system, record_id in held)
    # The same data again: the same ids, nothing new, no events.
    again = service.resolve()
    assert (again.new_residents, again.id_events, again.review_items_added) == (0, 0, 0)
    assert _assignment(database) == assignment


def test_new_data_keeps_existing_ids_and_explains_every_change(database: Database, service: LinkageService) -> None:
    records, truth = sim_records(PEOPLE, SEED)
    early = {"gp", "council-tax", "housing"}
    store_records(database, [r for r in records if r.system in early])
    service.resolve()
    before = _assignment(database)
    store_records(database, [r for r in records if r.system not in early])
    summary = service.resolve()
    after = _assignment(database)
    assert summary.records == len(truth) and len(after) == len(truth)
    changed = {ref for ref, resident in before.items() if after[ref] != resident}
    assert len(changed) <= 0.05 * len(before)  # new evidence moves few records
    explained: set[tuple[str, str]] = set()
    for resident in set(before.values()):
        for event in service.events_of(resident):
            assert event.reason and event.kind in {"merged", "split", "moved", "household"}
            if event.kind == "household":  # moved out of a household by the new evidence: not an id change
                assert event.evidence["from_household"] and event.evidence["linked_by"] == "bulk"
                continue
            explained |= {tuple(record.split("|", 1)) for record in event.records}  # type: ignore[misc]
    assert changed <= explained
    kept = {resident for ref, resident in before.items() if ref not in changed}
    assert kept <= set(after.values())


def test_resolve_place_summarises_for_the_demo(database: Database) -> None:
    register_sim_systems(database)
    records, _ = sim_records(PEOPLE, SEED)
    store_records(database, records[:200])
    stages: list[str] = []
    summary = resolve_place(database, progress=stages.append)
    assert summary.records > 0 and summary.residents > 0 and summary.seconds > 0
    assert stages[0] == "reading the stored records" and any(stage.startswith("linking") for stage in stages)
    # The model the run trained is kept, so the next run (and real-time matching) scores with it.
    stored = ResidentStore(database).latest_run()
    assert stored is not None and stored.records == summary.records and '"link_threshold"' in stored.model


def test_an_empty_hub_resolves_to_nobody(database: Database, service: LinkageService) -> None:
    summary = service.resolve()
    assert (summary.records, summary.residents, summary.households) == (0, 0, 0)


def test_a_new_record_is_linked_at_once_and_decisions_bind_real_time(
    database: Database, service: LinkageService
) -> None:
    records, truth = sim_records(PEOPLE, SEED)
    people_elsewhere = Counter(truth.values())
    withheld = [r for r in records if r.system == "gp" and people_elsewhere[truth[f"gp|{r.record_id}"]] > 1][:12]
    late = {r.record_id for r in withheld}
    store_records(database, [r for r in records if not (r.system == "gp" and r.record_id in late)])
    service.resolve()
    before = _assignment(database)
    resident_of_person = {truth[f"{s}|{r}"]: resident for (s, r), resident in before.items()}
    store_records(database, withheld)
    # A reviewer has said the last of them is not the person the model would join it to.
    last = withheld[-1]
    target = resident_of_person[truth[f"gp|{last.record_id}"]]
    other_system, other_id = service.records_of(target)[0]
    service.decide(f"gp|{last.record_id}", f"{other_system}|{other_id}", Decision.NO_LINK, reviewer="r", reason="no")
    outcomes = [service.add_record("gp", r.record_id) for r in withheld]
    right = 0
    for record, outcome in zip(withheld[:-1], outcomes[:-1], strict=True):
        assert service.resident_of("gp", record.record_id) == outcome.resident_id
        if outcome.action == "joined":
            assert outcome.resident_id in set(before.values())
            right += outcome.resident_id == resident_of_person[truth[f"gp|{record.record_id}"]]
    assert right >= 8  # most join the resident who holds the same person's other records
    assert outcomes[-1].resident_id != target and service.resident_of("gp", last.record_id) != target
    after = _assignment(database)
    assert all(after[ref] == resident for ref, resident in before.items())  # nobody else moved
    with pytest.raises(LinkageError, match="no stored person record"):
        service.add_record("gp", "no-such-record")
