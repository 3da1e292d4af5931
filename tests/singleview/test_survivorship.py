"""Survivorship strategies pick the value the rules say, with deterministic tie-breaks."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.model import Sex
from joinedup.singleview import Strategy, SurvivorshipRules, build_golden_record

from .support import at, record

TRUST = {"gp": 5, "adult-social-care": 4, "council-tax": 3, "housing": 3, "schools": 2}


def test_most_recent_takes_the_value_of_the_record_changed_last() -> None:
    rules = SurvivorshipRules.uniform(Strategy.MOST_RECENT, TRUST)
    old = record("gp", "G1", days=0, address=at("1 Oak Road", uprn=1001))
    new = record("council-tax", "C1", days=30, address=at("9 Elm Street", "KB2 7XY", uprn=2002))

    golden = build_golden_record([old, new], rules)
    assert golden.address is not None
    assert golden.address.value.uprn == 2002
    assert golden.address.provenance == new.provenance()

    newer_gp = record("gp", "G1", days=60, version=2, address=at("1 Oak Road", uprn=1001))
    assert build_golden_record([old, new, newer_gp], rules).address.value.uprn == 1001  # type: ignore[union-attr]


def test_most_trusted_follows_the_systems_trust_ranks() -> None:
    rules = SurvivorshipRules.uniform(Strategy.MOST_TRUSTED, TRUST)
    gp = record("gp", "G1", days=0, dob=date(1970, 3, 4))
    council = record("council-tax", "C1", days=90, dob=date(1970, 4, 3))

    golden = build_golden_record([council, gp], rules)
    assert golden.date_of_birth is not None
    assert golden.date_of_birth.value == date(1970, 3, 4)
    assert golden.date_of_birth.provenance.system == "gp"

    flipped = SurvivorshipRules.uniform(Strategy.MOST_TRUSTED, {"gp": 1, "council-tax": 9})
    assert build_golden_record([council, gp], flipped).date_of_birth.value == date(1970, 4, 3)  # type: ignore[union-attr]


def test_an_explicit_source_list_outranks_trust_for_its_field() -> None:
    rules = SurvivorshipRules.uniform(Strategy.MOST_TRUSTED, TRUST, sources=["schools"])
    gp = record("gp", "G1", dob=date(2012, 1, 2))
    school = record("schools", "S1", dob=date(2012, 2, 1))

    assert build_golden_record([gp, school], rules).date_of_birth.value == date(2012, 2, 1)  # type: ignore[union-attr]


def test_most_frequent_counts_systems_that_agree_after_normalisation() -> None:
    rules = SurvivorshipRules.uniform(Strategy.MOST_FREQUENT, TRUST)
    gp = record("gp", "G1", days=99, address=at("1 Oak Road", "KB1 4AA"))  # most trusted and most recent
    council = record("council-tax", "C1", address=at("14 ELM STREET", "kb27xy"))
    housing = record("housing", "H1", days=5, address=at("14 Elm Street,", "KB2 7XY"))

    golden = build_golden_record([gp, council, housing], rules)
    assert golden.address is not None
    assert golden.address.value.postcode == "KB2 7XY"
    assert {p.system for p in golden.address.supported_by} == {"council-tax", "housing"}
    # Between the two agreeing records the more trusted wins; equal trust goes to the record changed last.
    assert golden.address.provenance.system == "housing"


def test_a_systems_duplicates_do_not_outvote_other_systems() -> None:
    rules = SurvivorshipRules.uniform(Strategy.MOST_FREQUENT, TRUST)
    duplicates = [record("schools", f"S{i}", nhs="9434765919") for i in range(3)]
    others = [record("gp", "G1", nhs="9434765870"), record("housing", "H1", nhs="9434765870")]

    golden = build_golden_record([*duplicates, *others], rules)
    assert golden.nhs_number is not None
    assert golden.nhs_number.value == "9434765870"


def test_most_frequent_ties_go_to_the_more_trusted_system() -> None:
    rules = SurvivorshipRules.uniform(Strategy.MOST_FREQUENT, TRUST)
    council = record("council-tax", "C1", days=50, nhs="9434765919")
    gp = record("gp", "G1", days=0, nhs="9434765870")

    assert build_golden_record([council, gp], rules).nhs_number.value == "9434765870"  # type: ignore[union-attr]


def test_equal_times_go_to_trust_and_then_to_the_system_code() -> None:
    rules = SurvivorshipRules.uniform(Strategy.MOST_RECENT, TRUST)
    housing = record("housing", "H1", phone="01632 960001")
    gp = record("gp", "G1", phone="01632 960002")
    assert build_golden_record([housing, gp], rules).phone.value == "01632 960002"  # type: ignore[union-attr]

    council = record("council-tax", "C1", phone="01632 960003")  # same trust (3) and time as housing
    winner = build_golden_record([housing, council], rules).phone
    assert winner is not None
    assert winner.provenance.system == "council-tax"  # alphabetical: council-tax before housing


def test_an_unknown_sex_survives_only_when_nothing_better_is_held() -> None:
    rules = SurvivorshipRules.uniform(Strategy.MOST_RECENT, TRUST)
    known = record("gp", "G1", days=0, sex=Sex.FEMALE)
    unknown = record("housing", "H1", days=10, sex=Sex.UNKNOWN)

    assert build_golden_record([known, unknown], rules).sex.value is Sex.FEMALE  # type: ignore[union-attr]
    assert build_golden_record([unknown], rules).sex.value is Sex.UNKNOWN  # type: ignore[union-attr]


def test_fields_no_record_holds_stay_empty() -> None:
    golden = build_golden_record([record("gp", "G1", dob=None)], SurvivorshipRules.uniform(Strategy.MOST_RECENT))
    assert golden.date_of_birth is None
    assert golden.date_of_death is None
    assert golden.email is None


RECORDS = [
    record("gp", "G1", days=3, dob=date(1970, 3, 4), nhs="9434765919", address=at("1 Oak Road", uprn=11)),
    record("gp", "G2", days=3, dob=date(1970, 3, 4), address=at("1 Oak Road", uprn=11)),
    record("housing", "H1", days=3, dob=date(1970, 4, 3), address=at("2 Oak Road", uprn=12), given="Bill"),
    record("council-tax", "C1", days=1, dob=None, address=at("2 Oak Road", uprn=12), given="W"),
    record("schools", "S1", days=3, dob=date(1971, 3, 4), nhs="9434765870", address=at("3 Oak Road")),
]


@settings(max_examples=60, deadline=None)
@given(order=st.permutations(RECORDS), strategy=st.sampled_from(list(Strategy)))
def test_the_golden_record_does_not_depend_on_the_order_of_the_records(order: list[object], strategy: Strategy) -> None:
    rules = SurvivorshipRules.uniform(strategy, TRUST)
    assert build_golden_record(order, rules) == build_golden_record(RECORDS, rules)  # type: ignore[arg-type]
