"""Property checks against simple references, on random residents."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.model import SourceRecord
from joinedup.singleview import Strategy, SurvivorshipRules, build_golden_record, find_conflicts, out_of_sync_report

from .support import record

SYSTEMS = ("council-tax", "gp", "housing", "schools")
DATES = (date(1970, 3, 4), date(1970, 4, 3), date(1971, 3, 4))
TRUST = {"gp": 5, "council-tax": 3, "housing": 3}

# A resident: up to six records, each from a random system with a random (or no) date of birth and age.
resident = st.lists(
    st.tuples(st.sampled_from(SYSTEMS), st.sampled_from((*DATES, None)), st.integers(0, 5)), min_size=1, max_size=6
).map(lambda rows: [record(system, f"{system}-{i}", dob=dob, days=days) for i, (system, dob, days) in enumerate(rows)])


def dates_by_system(records: list[SourceRecord]) -> dict[str, set[date]]:
    held: dict[str, set[date]] = {}
    for r in records:
        if r.person is not None and r.person.date_of_birth is not None:
            held.setdefault(r.system, set()).add(r.person.date_of_birth)
    return held


@settings(max_examples=100, deadline=None)
@given(records=resident)
def test_a_conflict_is_reported_exactly_when_two_systems_hold_different_dates(records: list[SourceRecord]) -> None:
    held = dates_by_system(records)
    expected = any(x != y for a in held for b in held if a < b for x in held[a] for y in held[b])
    assert ("date_of_birth" in [c.field for c in find_conflicts(records)]) == expected


@settings(max_examples=100, deadline=None)
@given(records=resident)
def test_the_report_counts_a_pair_out_of_sync_exactly_when_its_systems_disagree(records: list[SourceRecord]) -> None:
    held = dates_by_system(records)
    report = out_of_sync_report([records])
    for entry in report.pairs:
        a, b = entry.systems
        expected = any(x != y for x in held.get(a, ()) for y in held.get(b, ()))
        assert entry.fields.get("date_of_birth", 0) == int(expected)
        assert entry.shared_residents == 1


@settings(max_examples=100, deadline=None)
@given(records=resident)
def test_most_frequent_picks_a_value_no_other_value_outnumbers(records: list[SourceRecord]) -> None:
    golden = build_golden_record(records, SurvivorshipRules.uniform(Strategy.MOST_FREQUENT, TRUST))
    systems_holding: dict[date, set[str]] = {}
    for r in records:
        if r.person is not None and r.person.date_of_birth is not None:
            systems_holding.setdefault(r.person.date_of_birth, set()).add(r.system)
    if not systems_holding:
        assert golden.date_of_birth is None
        return
    assert golden.date_of_birth is not None
    most = max(len(systems) for systems in systems_holding.values())
    assert len(systems_holding[golden.date_of_birth.value]) == most


@settings(max_examples=100, deadline=None)
@given(records=resident)
def test_most_recent_picks_a_value_from_the_newest_record_holding_one(records: list[SourceRecord]) -> None:
    golden = build_golden_record(records, SurvivorshipRules.uniform(Strategy.MOST_RECENT, TRUST))
    holding = [r for r in records if r.person is not None and r.person.date_of_birth is not None]
    if not holding:
        assert golden.date_of_birth is None
        return
    assert golden.date_of_birth is not None
    newest = max(r.provenance().observed_at for r in holding)
    assert golden.date_of_birth.provenance.observed_at == newest
