"""Identifiers validate like the real ones, except for the errors injected on purpose."""

from __future__ import annotations

import re
from collections import defaultdict

from stdnum.gb import nhs, upn

from .conftest import Generated

POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][ABD-HJLNP-UW-Z]{2}$")
NI_NUMBER = re.compile(r"^(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]$")
PHONE = re.compile(r"^(01632 ?960[0-9]{3}|07700 ?900[0-9]{3})$")
EMAIL = re.compile(r"^[a-z0-9.]+@example\.(com|org|net)$")


def test_gp_nhs_numbers_are_valid_except_for_a_few_keying_errors(generated: Generated) -> None:
    numbers = [r["nhs_number"] for r in generated.rows("gp")]
    present = [n for n in numbers if n]
    invalid = [n for n in present if not nhs.is_valid(n)]
    assert len(present) / len(numbers) > 0.98
    assert 0 < len(invalid) / len(present) < 0.01
    injected = generated.summary.errors["gp"]["nhs_error"]
    assert len(invalid) <= injected  # every invalid number is an injected error


def test_wrong_nhs_numbers_differ_from_the_true_one_by_one_digit(generated: Generated) -> None:
    rows, truth = generated.rows("gp"), generated.truth("gp")
    wrong = 0
    for row, (_, person) in zip(rows, truth, strict=True):
        true = generated.residents[person]["nhs_number"]
        if row["nhs_number"] and row["nhs_number"] != true:
            wrong += 1
            assert sum(a != b for a, b in zip(row["nhs_number"], true, strict=True)) == 1
    assert wrong > 0


def test_postcodes_ni_numbers_phones_and_emails_have_uk_formats(generated: Generated) -> None:
    seen = defaultdict(int)
    for batch in generated.batches:
        for row in batch.canonical_rows():
            if row["postcode"]:
                assert POSTCODE.match(row["postcode"]), row["record_id"]
                seen["postcode"] += 1
            if row["ni_number"]:
                assert NI_NUMBER.match(row["ni_number"]), row["record_id"]
                seen["ni"] += 1
            if row["phone"]:
                assert PHONE.match(row["phone"]), row["record_id"]
                seen["phone"] += 1
            if row["email"]:
                assert EMAIL.match(row["email"]), row["record_id"]
                seen["email"] += 1
    assert min(seen.values()) > 1_000 and len(seen) == 4


def test_true_identifiers_are_unique_per_resident(generated: Generated) -> None:
    residents = generated.residents.values()
    nhs_numbers = [r["nhs_number"] for r in residents]
    assert len(set(nhs_numbers)) == len(nhs_numbers)
    assert all(nhs.is_valid(n) for n in nhs_numbers)
    ni_numbers = [r["ni_number"] for r in residents if r["ni_number"]]
    assert len(set(ni_numbers)) == len(ni_numbers) > 10_000


def test_uprns_identify_properties(generated: Generated) -> None:
    address_of: dict[str, tuple[str, str]] = {}
    uprn_of: dict[tuple[str, str], str] = {}
    for row in generated.rows("waste") + generated.rows("housing"):
        assert re.fullmatch(r"[1-9][0-9]{0,11}", row["uprn"])
        address = (row["address_line_1"].upper(), row["postcode"])
        if not row["postcode"]:
            continue
        assert address_of.setdefault(row["uprn"], address) == address
        assert uprn_of.setdefault(address, row["uprn"]) == row["uprn"]
    assert len(address_of) > 5_000


def test_pupils_are_known_by_valid_unique_pupil_numbers(generated: Generated) -> None:
    ids = [record_id for record_id, _ in generated.truth("schools")]
    assert all(upn.is_valid(i) for i in ids)
    assert len(set(ids)) == len(ids)
