"""Benchmark: single views (golden record and conflicts) per second, the out-of-sync report, FHIR export.

Data: a synthetic place of 10,000 people; each resident's person records grouped by the sim's ground truth
(so linkage's speed is not part of this figure). Target: at least 1,000 single views a second on one core,
so a district of 100,000 residents gets its out-of-sync report in under two minutes. Medians of 3 runs.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import results  # bench/ is not a package: results.py sits beside this file
from joinedup.ingest import person_from_canonical_row
from joinedup.model import SourceRecord
from joinedup.place import demo_place_path, load_place
from joinedup.sim import SyntheticPlace
from joinedup.singleview import SurvivorshipRules, build_single_view, out_of_sync_report

PEOPLE = 10_000
RUNS = 3
FHIR_RESIDENTS = 2_000
TARGET = 1_000.0
RECEIVED = datetime(2026, 7, 1, tzinfo=UTC)


def residents() -> dict[str, list[SourceRecord]]:
    grouped: dict[str, list[SourceRecord]] = defaultdict(list)
    for batch in SyntheticPlace(PEOPLE, seed=2026).batches():
        if batch.system == "waste":
            continue
        for row, person_id, changed in zip(batch.canonical_rows(), batch.person_ids, batch.changed_at, strict=True):
            if (person := person_from_canonical_row(row).person) is not None:
                record = SourceRecord(
                    system=batch.system, record_id=row["record_id"], raw=row, person=person,
                    received_at=RECEIVED, changed_at=changed,
                )  # fmt: skip
                grouped[person_id].append(record)
    return dict(grouped)


def main() -> None:
    rules = SurvivorshipRules.from_place(load_place(demo_place_path()))
    started = time.perf_counter()
    grouped = residents()
    records = sum(len(r) for r in grouped.values())
    print(f"{len(grouped):,} residents, {records:,} records in {time.perf_counter() - started:.1f} s", flush=True)
    view_rates, report_seconds, fhir_rates = [], [], []
    for run in range(RUNS):
        started = time.perf_counter()
        conflicts = sum(len(build_single_view(pid, recs, rules).conflicts) for pid, recs in grouped.items())
        view_rates.append(len(grouped) / (time.perf_counter() - started))
        started = time.perf_counter()
        report = out_of_sync_report(grouped.values())
        report_seconds.append(time.perf_counter() - started)
        sample = list(grouped.items())[:FHIR_RESIDENTS]
        started = time.perf_counter()
        for pid, recs in sample:
            build_single_view(pid, recs, rules).to_fhir()
        fhir_rates.append(len(sample) / (time.perf_counter() - started))
        print(
            f"run {run + 1}/{RUNS}: {view_rates[-1]:,.0f} views/s ({conflicts:,} conflicts), report "
            f"{report_seconds[-1]:.2f} s ({len(report.pairs)} pairs), {fhir_rates[-1]:,.0f} FHIR patients/s",
            flush=True,
        )
    views, report_s, fhir = results.median(view_rates), results.median(report_seconds), results.median(fhir_rates)
    size = f"{len(grouped):,} residents, {records:,} person records (sim, {PEOPLE:,} people, grouped by truth)"
    results.record(
        "singleview_views_per_s", views, "views/s", f">= {TARGET:,.0f}/s", views >= TARGET,
        extra={"note": f"median of {RUNS} runs: golden record + conflicts for each of {size}", "runs": view_rates},
    )  # fmt: skip
    results.record(
        "singleview_out_of_sync_report_s", report_s, "s", "baseline", True,
        extra={"note": f"median of {RUNS} runs of the per-pair report over {size}", "runs": report_seconds},
    )  # fmt: skip
    results.record(
        "singleview_fhir_per_s", fhir, "patients/s", "baseline", True,
        extra={"note": f"median of {RUNS} runs: view + validated R4 Patient for {FHIR_RESIDENTS:,} residents"},
    )  # fmt: skip


if __name__ == "__main__":
    main()
