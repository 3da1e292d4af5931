"""Write a synthetic place to CSV files: one per system in canonical columns, and the truth apart."""

from __future__ import annotations

import csv
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from joinedup.sim._synthetic import CHUNK_PEOPLE, PlaceSummary, SyntheticPlace
from joinedup.sim._systems import CANONICAL_COLUMNS

TRUTH_COLUMNS = ("source", "record_id", "person_id")


@dataclass(frozen=True, slots=True)
class ExportSummary:
    """What export_place wrote: file per system, the truth file, counts and time taken."""

    directory: Path
    files: dict[str, Path]
    truth_file: Path
    summary: PlaceSummary
    seconds: float

    def __str__(self) -> str:
        records = sum(self.summary.records.values())
        return (
            f"{self.summary.residents:,} residents, {records:,} records in {len(self.files)} systems "
            f"written to {self.directory} in {self.seconds:.1f} s"
        )


def export_place(
    directory: str | Path,
    people: int = 10_000,
    seed: int = 42,
    progress: Callable[[int], None] | None = None,
) -> ExportSummary:
    """Generate Kettleby and write `<system>.csv` (canonical columns) and `truth.csv` into `directory`.

    Streams chunk by chunk, so memory stays bounded whatever `people` is. `progress`, when given, is
    called after each chunk with the number of residents written so far (out of `people`).
    """
    started = time.perf_counter()
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    place = SyntheticPlace(people=people, seed=seed)
    tally = PlaceSummary()
    files = {s.code: out / f"{s.code}.csv" for s in place.systems}
    truth_file = out / "truth.csv"
    with ExitStack() as stack:
        writers = {}
        for code, path in files.items():
            handle = stack.enter_context(path.open("w", encoding="utf-8", newline=""))
            writers[code] = csv.writer(handle, lineterminator="\n")
            writers[code].writerow(CANONICAL_COLUMNS)
        truth = csv.writer(stack.enter_context(truth_file.open("w", encoding="utf-8", newline="")), lineterminator="\n")
        truth.writerow(TRUTH_COLUMNS)
        for chunk in range(place.chunk_count):
            pop = place.population(chunk)
            tally.add_population(pop)
            for batch in place._chunk_batches(pop):
                tally.add_batch(batch)
                writers[batch.system].writerows(zip(*(batch.canonical[c] for c in CANONICAL_COLUMNS), strict=True))
                truth.writerows(
                    zip(batch.canonical["source"], batch.canonical["record_id"], batch.person_ids, strict=True)
                )
            if progress is not None:
                progress(min(people, (chunk + 1) * CHUNK_PEOPLE))
    return ExportSummary(out, files, truth_file, tally, time.perf_counter() - started)
