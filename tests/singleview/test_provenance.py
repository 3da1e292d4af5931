"""Every value of a golden record carries its provenance, and the provenance is true."""

from __future__ import annotations

from joinedup.place import demo_place_path, load_place
from joinedup.singleview import FIELD_NAMES, SURVIVORSHIP_FIELDS, SurvivorshipRules, build_golden_record
from joinedup.singleview._fields import FIELDS_BY_NAME

from .support import sim_residents


def test_the_single_view_knows_every_field_the_place_file_may_name() -> None:
    assert FIELD_NAMES == SURVIVORSHIP_FIELDS


def test_every_golden_value_names_the_record_version_and_time_it_came_from() -> None:
    rules = SurvivorshipRules.from_place(load_place(demo_place_path()))
    _, records = sim_residents()
    checked = 0
    for resident_records in records.values():
        by_key = {(r.system, r.record_id): r for r in resident_records}
        golden = build_golden_record(resident_records, rules)
        assert golden.name is not None  # every canonical person has a name
        for value in golden.values():
            source = by_key[(value.provenance.system, value.provenance.record_id)]
            assert value.provenance == source.provenance()  # system, record, version and time
            assert source.person is not None
            assert FIELDS_BY_NAME[value.field].value_of(source.person) == value.value
            assert value.supported_by[0] == value.provenance
            assert value.strategy is rules.for_field(value.field).strategy
            checked += 1
        for other in golden.other_names:
            source = by_key[(other.provenance.system, other.provenance.record_id)]
            assert source.person is not None
            assert other.name in (source.person.name, *source.person.other_names)
    assert checked > 5 * len(records)


def test_the_demo_place_rules_are_the_ones_the_place_file_sets() -> None:
    rules = SurvivorshipRules.from_place(load_place(demo_place_path()))
    nhs = rules.for_field("nhs_number")
    assert nhs.strategy.value == "most-trusted"
    assert nhs.ranking.position("gp") < nhs.ranking.position("adult-social-care") < nhs.ranking.position("housing")
    assert rules.for_field("sex").strategy.value == "most-frequent"
    # A field without a rule of its own would take the default; every field has one in the demo.
    assert rules.for_field("address").strategy.value == "most-recent"
