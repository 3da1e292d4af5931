"""Benchmark: records read per minute from the simulated legacy children's services screens.

A browser-driven screen is bound by page loads (login, list pages, one detail page a record), so it cannot
approach an API's rate; this figure tells a place how long a full read of such a system takes.
"""

from __future__ import annotations

import statistics
import sys
import time
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import results  # bench/ is not a package: results.py sits beside this file

RECORDS = 200
RUNS = 3


def _rows() -> list[dict[str, str]]:
    from joinedup.sim import SyntheticPlace

    rows: list[dict[str, str]] = []
    for batch in SyntheticPlace(people=12_000, seed=5).batches():
        if batch.system == "childrens-services":
            rows.extend(batch.native_rows())
    return rows[:RECORDS]


def main() -> None:
    from joinedup.connectors import open_connector
    from joinedup.sim.servers.legacy_web import LegacyWebApp
    from joinedup.sim.servers.place_servers import CASEWORKER, SCREEN_SETTINGS

    rows = _rows()
    app = LegacyWebApp(rows, username=CASEWORKER, password="bench-only").start()  # noqa: S106 - simulator login
    rates = []
    try:
        connection = {"base_url": app.url, "username": CASEWORKER, "password": "bench-only", **SCREEN_SETTINGS}
        for run in range(RUNS):
            with closing(open_connector("screen", connection, {})) as connector:
                started = time.perf_counter()
                read = sum(1 for _ in connector.read())
                seconds = time.perf_counter() - started
            assert read == len(rows), (read, len(rows))
            rates.append(read / seconds * 60)
            print(f"run {run + 1}/{RUNS}: {read} records in {seconds:.1f} s", flush=True)
    finally:
        app.stop()
    rate = statistics.median(rates)
    results.record(
        "screen_capture_rate", rate, "records/min", "reported (browser-bound)", True,
        extra={"note": f"median of {RUNS} runs of {len(rows)} records, login and browser start included",
               "runs_per_min": [round(r) for r in rates]},
    )  # fmt: skip
    print(f"median {rate:,.0f} records/min", flush=True)


if __name__ == "__main__":
    main()
