"""The out-of-sync report's counts, checked against a count made independently from the sim's own rows."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import date
from itertools import combinations
from typing import Any

import pytest
from stdnum.gb import nhs

from joinedup.singleview import find_conflicts, out_of_sync_report

from .support import at, record, sim_residents

_NI = re.compile(r"^[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]$")


def _iso(text: str) -> str | None:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return None


# How each simple field reads from a canonical row, with nothing of joinedup's: a value, or None if absent.
READERS = {
    "date_of_birth": lambda row: _iso(row["date_of_birth"]) if row["date_of_birth"] else None,
    "nhs_number": lambda row: row["nhs_number"] if row["nhs_number"] and nhs.is_valid(row["nhs_number"]) else None,
    "ni_number": lambda row: row["ni_number"] if _NI.match(row["ni_number"]) else None,
    "sex": lambda row: row["sex"] if row["sex"] in ("female", "male") else None,  # 'unknown' contradicts nothing
}


def independent_counts(rows_by_person: dict[str, list[dict[str, Any]]]) -> dict[tuple[str, str], dict[str, int]]:
    """Per pair of systems: residents both hold ('shared') and, per field, residents they disagree about."""
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for rows in rows_by_person.values():
        by_system: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            by_system[row["source"]].append(row)
        for a, b in combinations(sorted(by_system), 2):
            counts[(a, b)]["shared"] += 1
            for field, read in READERS.items():
                values_a = {v for r in by_system[a] if (v := read(r)) is not None}
                values_b = {v for r in by_system[b] if (v := read(r)) is not None}
                if any(x != y for x in values_a for y in values_b):
                    counts[(a, b)][field] += 1
    return counts


def test_the_report_counts_agree_with_an_independent_count_on_a_sim_place() -> None:
    rows, records = sim_residents()
    report = out_of_sync_report(records.values())
    expected = independent_counts(rows)

    assert report.residents == len(records)
    assert {entry.systems for entry in report.pairs} == set(expected)
    disagreements = 0
    for (a, b), counted in expected.items():
        entry = report.pair(b, a)
        assert entry.shared_residents == counted["shared"], (a, b)
        for field in READERS:
            assert entry.fields.get(field, 0) == counted[field], (a, b, field)
            disagreements += counted[field]
        assert entry.out_of_sync >= max(entry.fields.values(), default=0)
    assert disagreements >= 10  # the sim's errors (swapped day and month, typos) show up: the test has teeth


def test_residents_out_of_sync_match_the_conflicts_of_their_single_views() -> None:
    _, records = sim_residents()
    report = out_of_sync_report(records.values())
    by_field: dict[str, int] = defaultdict(int)
    for resident_records in records.values():
        for conflict in find_conflicts(resident_records):
            by_field[conflict.field] += 1
    # A resident with a conflict on a field is out of sync on it for at least one pair, and vice versa.
    for field, residents in by_field.items():
        pair_counts = [entry.fields.get(field, 0) for entry in report.pairs]
        assert max(pair_counts) <= residents <= sum(pair_counts), field
    assert by_field["address"] > 0  # stale addresses are the commonest disagreement in the sim


def test_pairs_count_each_resident_once_however_many_fields_disagree() -> None:
    resident = [
        record("gp", "G1", dob=date(1970, 3, 4), nhs="9434765919", address=at("1 Oak Road", uprn=1)),
        record("housing", "H1", dob=date(1970, 4, 3), nhs="9434765870", address=at("2 Oak Road", uprn=2)),
        record("schools", "S1", dob=date(1970, 3, 4), nhs="9434765919", address=at("1 Oak Road", uprn=1)),
    ]
    agreeing = [record("gp", "G9"), record("housing", "H9")]

    report = out_of_sync_report([resident, agreeing])
    gp_housing = report.pair("housing", "gp")
    assert (gp_housing.shared_residents, gp_housing.out_of_sync) == (2, 1)
    assert gp_housing.fields == {"date_of_birth": 1, "nhs_number": 1, "address": 1}
    assert report.pair("gp", "schools").out_of_sync == 0
    assert report.pair("gp", "schools").fields == {}
    with pytest.raises(KeyError):
        report.pair("gp", "police")


def test_the_report_holds_counts_only() -> None:
    resident = [
        record("gp", "G-0001", given="Zebedee", nhs="9434765919", address=at("1 Oak Road", uprn=1)),
        record("housing", "H-0001", given="Zebedee", nhs="9434765870", address=at("2 Oak Road", uprn=2)),
    ]
    text = json.dumps(out_of_sync_report([resident]).as_dict())
    for personal in ("G-0001", "H-0001", "Zebedee", "Smith", "9434765919", "Oak", "KB1"):
        assert personal not in text
