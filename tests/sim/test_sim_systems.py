"""Each system holds the right people, in its own layout."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from joinedup.sim import CANONICAL_COLUMNS, SIM_SYSTEMS

from .conftest import Generated

CODES = ("council-tax", "housing", "adult-social-care", "childrens-services", "gp", "schools", "waste")


def _age_days(dob: str, on: date) -> int:
    return (on - date.fromisoformat(dob)).days


def test_systems_have_the_agreed_codes_and_organisations(generated: Generated) -> None:
    assert tuple(s.code for s in generated.place.systems) == CODES
    organisation = {s.code: s.organisation for s in SIM_SYSTEMS}
    assert organisation["gp"] == "kettleby-primary-care"
    assert organisation["schools"] == "kettleby-schools-trust"
    assert {organisation[c] for c in CODES if c not in ("gp", "schools")} == {"kettleby-council"}
    assert {s.code: s.entity for s in SIM_SYSTEMS}["waste"] == "property"
    assert {s.entity for s in SIM_SYSTEMS if s.code != "waste"} == {"person"}


def test_each_system_sends_its_own_native_layout(generated: Generated) -> None:
    layouts = {}
    for batch in generated.batches:
        system = next(s for s in SIM_SYSTEMS if s.code == batch.system)
        rows = list(batch.native_rows())
        assert len(rows) == len(batch)
        assert all(tuple(row) == system.native_fields for row in rows)
        layouts[batch.system] = set(system.native_fields)
    for a in CODES:
        for b in CODES:
            if a < b:
                assert layouts[a] != layouts[b]
                # A few names recur ("Postcode", "UPRN"), but most of each layout is its own.
                assert len(layouts[a] & layouts[b]) < min(len(layouts[a]), len(layouts[b])) / 2, (a, b)
    assert all(set(layout) != set(CANONICAL_COLUMNS) for layout in layouts.values())


def test_native_formats_follow_each_system_habits(generated: Generated) -> None:
    batch = {b.system: b for b in generated.batches if b.chunk == 0}
    council = next(r for r in batch["council-tax"].native_rows() if r["DOB"])
    assert re.fullmatch(r"\d\d/\d\d/\d{4}", council["DOB"])
    assert council["SURNAME"] == council["SURNAME"].upper() or council["SURNAME"].islower()
    gp = next(r for r in batch["gp"].native_rows() if r["DateOfBirth"])
    assert re.fullmatch(r"\d{8}", gp["DateOfBirth"]) and gp["Sex"] in {"M", "F", "U"}
    asc = next(r for r in batch["adult-social-care"].native_rows() if r["NHS Number"])
    assert re.fullmatch(r"\d{3} \d{3} \d{4}", asc["NHS Number"])
    assert re.fullmatch(r"\d\d-[A-Z][a-z]{2}-\d{4}", asc["Date of Birth"])
    occupiers = Counter(r["occupier_name"] for r in batch["waste"].native_rows())
    assert occupiers["The Occupier"] > 0.2 * len(batch["waste"])


def test_canonical_values_are_normalised(generated: Generated) -> None:
    for batch in generated.batches:
        assert set(batch.canonical["sex"]) <= {"female", "male", "unknown", ""}
        assert all(d == "" or re.fullmatch(r"\d{4}-\d\d-\d\d", d) for d in batch.canonical["date_of_birth"])


def test_council_tax_holds_adults_and_schools_hold_pupils(generated: Generated) -> None:
    people = generated.residents
    for system, low, high in (("council-tax", 18, 200), ("schools", 4, 18), ("housing", 0, 200)):
        ages = [
            _age_days(people[person]["date_of_birth"], on)
            for (_, person), on in zip(generated.truth(system), generated.captured_on(system), strict=True)
        ]
        assert min(ages) >= int(low * 365.25) - 1, system
        assert max(ages) <= int(high * 365.25) + 1, system
    liable = {person for _, person in generated.truth("council-tax")}
    assert not any(people[p]["is_child"] == "True" and people[p]["date_of_birth"] > "2008-06-30" for p in liable)


def test_most_residents_are_with_a_gp_and_waste_is_one_record_per_property(generated: Generated) -> None:
    gp_people = {person for _, person in generated.truth("gp")}
    assert len(gp_people) / len(generated.residents) > 0.95
    uprns = [row["uprn"] for row in generated.rows("waste")]
    duplicates = generated.summary.duplicates["waste"]
    assert len(uprns) - len(set(uprns)) == duplicates
    assert len(set(uprns)) > 0.95 * generated.summary.households


def test_truth_covers_every_record_exactly_once(generated: Generated) -> None:
    summary = generated.summary
    for system in CODES:
        truth = generated.truth(system)
        ids = [record_id for record_id, _ in truth]
        assert len(ids) == len(set(ids)) == summary.records[system] > 0
        assert ids == [row["record_id"] for row in generated.rows(system)]
        assert all(person in generated.residents for _, person in truth)
    assert all("person_id" not in row for b in generated.batches[:7] for row in b.native_rows())


def test_record_ids_follow_each_system_format(generated: Generated) -> None:
    patterns = {
        "council-tax": r"CT-\d{8}", "housing": r"HP\d{7}", "adult-social-care": r"\d{7}",
        "childrens-services": r"CS\d{8}", "gp": r"K84\d{3}-\d{7}", "schools": r"[A-Z]855\d{9}",
        "waste": r"WST\d{8}",
    }  # fmt: skip
    for system, pattern in patterns.items():
        assert all(re.fullmatch(pattern, record_id) for record_id, _ in generated.truth(system)), system
