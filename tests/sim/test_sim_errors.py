"""The errors real systems make are present, at plausible rates, and the hard cases exist."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from joinedup.sim._names import NICKNAMES

from .conftest import Generated

PERSON_SYSTEMS = ("council-tax", "housing", "adult-social-care", "childrens-services", "gp", "schools")


def _pairs(
    generated: Generated, systems: tuple[str, ...] = PERSON_SYSTEMS
) -> list[tuple[dict[str, str], dict[str, str]]]:
    """(record, true resident) for every record of the given systems."""
    return [
        (row, generated.residents[person])
        for system in systems
        for row, (_, person) in zip(generated.rows(system), generated.truth(system), strict=True)
    ]


@pytest.mark.parametrize(
    ("system", "kind", "low", "high"),
    [
        ("gp", "typo", 0.01, 0.04),
        ("gp", "nickname", 0.003, 0.04),
        ("gp", "nhs_error", 0.001, 0.006),
        ("gp", "stale_address", 0.02, 0.25),
        ("council-tax", "initials", 0.3, 0.6),
        ("council-tax", "dob_placeholder", 0.003, 0.03),
        ("housing", "swapped_names", 0.002, 0.02),
        ("adult-social-care", "typo", 0.02, 0.1),
        ("schools", "dob_swap", 0.0, 0.01),
        ("waste", "occupier_unnamed", 0.3, 0.5),
    ],
)
def test_injected_error_rates_are_plausible(
    generated: Generated, system: str, kind: str, low: float, high: float
) -> None:
    summary = generated.summary
    rate = summary.errors[system][kind] / summary.records[system]
    assert low <= rate <= high, (system, kind, rate)


def test_duplicate_registrations_exist_inside_systems(generated: Generated) -> None:
    summary = generated.summary
    for system in PERSON_SYSTEMS:
        counts = Counter(person for _, person in generated.truth(system))
        repeated = sum(n - 1 for n in counts.values())
        assert repeated >= summary.duplicates[system] > 0, system
        assert summary.duplicates[system] / summary.records[system] < 0.06


def test_given_names_disagree_with_the_truth_at_a_plausible_rate(generated: Generated) -> None:
    pairs = _pairs(generated, ("gp",))
    differ = sum(row["given_name"] != person["given_name"] for row, person in pairs)
    assert 0.03 < differ / len(pairs) < 0.2


def test_each_kind_of_name_error_occurs(generated: Generated) -> None:
    kinds: Counter[str] = Counter()
    for row, person in _pairs(generated):
        given, family = row["given_name"], row["family_name"]
        if given in NICKNAMES.get(person["given_name"], ()):
            kinds["nickname"] += 1
        if len(given) == 1 and person["given_name"].upper().startswith(given.upper()):
            kinds["initial"] += 1
        if given.upper() == person["family_name"].upper() and family.upper() == person["given_name"].upper():
            kinds["swapped"] += 1
        if family.upper() == person["birth_family_name"].upper() != person["family_name"].upper():
            kinds["former surname"] += 1
        if given != given.strip() or "  " in given:
            kinds["spacing"] += 1
        if family.islower() and family.upper() == person["family_name"].upper():
            kinds["case"] += 1
        if (
            given
            and given.upper() != person["given_name"].upper()
            and len(given) > 1
            and len(given) - len(person["given_name"]) in (-1, 0, 1)
        ):
            kinds["typo-like"] += 1
    assert {"nickname", "initial", "swapped", "former surname", "spacing", "case", "typo-like"} <= set(kinds)
    assert min(kinds.values()) >= 20, kinds


def test_dates_of_birth_carry_swaps_placeholders_and_gaps(generated: Generated) -> None:
    kinds: Counter[str] = Counter()
    for row, person in _pairs(generated):
        dob, true = row["date_of_birth"], person["date_of_birth"]
        if not dob:
            kinds["missing"] += 1
        elif dob == "1900-01-01" or (dob == f"{true[:4]}-01-01" and dob != true):
            kinds["placeholder"] += 1
        elif dob == f"{true[:4]}-{true[8:10]}-{true[5:7]}" and dob != true:
            kinds["day/month swap"] += 1
        elif dob != true:
            kinds["other"] += 1
    assert kinds["missing"] > 1_000 and kinds["placeholder"] > 50 and kinds["day/month swap"] > 20
    assert kinds["other"] == 0


def test_stale_addresses_make_a_persons_records_disagree(generated: Generated) -> None:
    addresses: dict[str, set[str]] = defaultdict(set)
    for row, person in _pairs(generated, ("gp", "council-tax", "housing", "schools")):
        addresses[person["person_id"]].add(f"{row['address_line_1'].upper()}|{row['postcode']}")
    disagree = [p for p, seen in addresses.items() if len(seen) > 1]
    assert len(disagree) > 200
    current = 0
    for person_id in disagree:
        current += any(a.endswith(generated.residents[person_id]["postcode"]) for a in addresses[person_id])
    assert current > 0.8 * len(disagree)


def test_deaths_are_recorded_by_some_systems_only(generated: Generated) -> None:
    dead = {p for p, r in generated.residents.items() if r["date_of_death"]}
    flagged = {
        person
        for batch in generated.batches
        if batch.system == "gp"
        for row, (_, person) in zip(batch.native_rows(), batch.truth, strict=True)
        if row["DateOfDeath"]
    }
    assert flagged and flagged <= dead
    council_tax = {person for _, person in generated.truth("council-tax")}
    assert len(flagged & council_tax) > 0  # the council was not told about every death


def test_twins_share_surname_birthday_and_address_in_the_records(generated: Generated) -> None:
    groups: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for row, person in _pairs(generated, ("gp",)):
        groups[(row["family_name"].upper(), row["date_of_birth"], row["uprn"] or row["address_line_1"])].add(
            person["person_id"]
        )
    twins = [people for people in groups.values() if len(people) == 2]
    assert len(twins) >= 20
    assert generated.summary.twins >= 40


def test_sons_named_after_their_fathers_live_at_the_same_address(generated: Generated) -> None:
    by_name_and_address: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for row, person in _pairs(generated, ("gp",)):
        key = (row["given_name"], row["family_name"], row["address_line_1"])
        by_name_and_address[key].add(person["person_id"])
    same_name = [people for people in by_name_and_address.values() if len(people) > 1]
    with_different_dob = [
        people for people in same_name if len({generated.residents[p]["date_of_birth"] for p in people}) > 1
    ]
    assert len(with_different_dob) >= 20
    juniors = [r for r in generated.residents.values() if r["junior"] == "True"]
    assert len(juniors) >= 20


def test_every_address_a_record_holds_is_one_the_person_lived_at(generated: Generated) -> None:
    stale = 0
    for row, person in _pairs(generated, (*PERSON_SYSTEMS, "waste")):
        if not row["uprn"]:
            continue
        lived_at = [entry.split(" ")[0] for entry in person["address_history"].split(";")]
        assert row["uprn"] in lived_at, row["record_id"]
        stale += row["uprn"] != lived_at[-1]
    assert stale > 500
