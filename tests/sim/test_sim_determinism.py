"""Same (people, seed) gives the same bytes; chunks do not depend on each other."""

from __future__ import annotations

import hashlib
from pathlib import Path

from joinedup.sim import CANONICAL_COLUMNS, SIM_SYSTEMS, SimBatch, SyntheticPlace, export_place
from joinedup.sim._synthetic import CHUNK_PEOPLE


def _digests(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


def test_same_seed_gives_identical_files_and_other_seeds_differ(tmp_path: Path) -> None:
    first = export_place(tmp_path / "a", people=2_500, seed=11)
    export_place(tmp_path / "b", people=2_500, seed=11)
    export_place(tmp_path / "c", people=2_500, seed=12)
    a, b, c = (_digests(tmp_path / name) for name in "abc")
    assert a == b
    assert set(a) == {f"{s.code}.csv" for s in SIM_SYSTEMS} | {"truth.csv"}
    assert all(a[name] != c[name] for name in a)
    assert first.summary.residents == 2_500


def test_export_writes_exact_headers_and_every_record(tmp_path: Path) -> None:
    done: list[int] = []
    result = export_place(tmp_path, people=1_200, seed=3, progress=done.append)
    assert done == [1_200]
    header = ",".join(CANONICAL_COLUMNS)
    assert header == (
        "source,record_id,given_name,middle_name,family_name,date_of_birth,sex,address_line_1,"
        "address_line_2,town,postcode,uprn,phone,email,nhs_number,ni_number"
    )
    total = 0
    for system in SIM_SYSTEMS:
        lines = result.files[system.code].read_text(encoding="utf-8").splitlines()
        assert lines[0] == header
        assert len(lines) - 1 == result.summary.records[system.code] > 0
        total += len(lines) - 1
    truth_lines = result.truth_file.read_text(encoding="utf-8").splitlines()
    assert truth_lines[0] == "source,record_id,person_id"
    assert len(truth_lines) - 1 == total


def _fingerprint(batches: list[SimBatch]) -> list[tuple[str, int, list[tuple[str, str]], list[str]]]:
    return [(b.system, b.chunk, b.truth, b.canonical["given_name"]) for b in batches]


def test_a_chunk_is_the_same_alone_or_among_others() -> None:
    people = CHUNK_PEOPLE * 2 + 500
    whole = SyntheticPlace(people=people, seed=5)
    alone = list(whole.batches(chunks=[1]))
    among = [b for b in whole.batches() if b.chunk == 1]
    assert _fingerprint(alone) == _fingerprint(among)
    # A bigger place shares the full chunks of a smaller one with the same seed.
    bigger = SyntheticPlace(people=people + CHUNK_PEOPLE, seed=5)
    assert _fingerprint(list(bigger.batches(chunks=[0]))) == _fingerprint(list(whole.batches(chunks=[0])))
    assert _fingerprint(list(SyntheticPlace(people=people, seed=6).batches(chunks=[1]))) != _fingerprint(alone)


def test_batches_carry_aligned_columns_and_aware_timestamps() -> None:
    for batch in SyntheticPlace(people=800, seed=1).batches():
        n = len(batch)
        assert n > 0
        assert all(len(batch.canonical[c]) == n for c in CANONICAL_COLUMNS)
        assert len(batch.truth) == len(batch.changed_at) == n
        assert all(t.tzinfo is not None and t.utcoffset() is not None for t in batch.changed_at)
        assert batch.residents_done == 800
        assert set(batch.canonical["source"]) == {batch.system}
