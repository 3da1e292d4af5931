"""Benchmark: ingest a 1,000,000-row CSV export through the file-drop connector and the mapping into SQLite.

Targets (issue 3): at least 50,000 records/s on SQLite with memory bounded (< 1 GB peak RSS, streaming), and a
re-sync of unchanged data at least 5x faster than the first load. PostgreSQL is reported alongside. Each run
is a fresh worker process (this script with --worker), so its peak RSS is its own (plus that of the reading
process ingest starts, counted as well).

``--baseline-src DIR`` also runs an earlier implementation (e.g. ``git archive <commit> src | tar -x -C DIR``)
interleaved with the current one on the same data, so that the comparison holds on a machine shared with other
work; ``--repeat N`` takes the median of N runs of each.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import results  # bench/ is not a package: results.py sits beside this file

ROWS = 1_000_000
RATE_TARGET = 50_000.0
MEMORY_TARGET_MB = 1024.0
RESYNC_TARGET = 5.0
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
COLUMNS = ["ACCOUNT_REF", "FULL_NAME", "DOB", "POSTCODE", "UPRN"]

PLACE = """\
place: {{name: Benchshire, code: benchshire}}
organisations:
  - {{code: council, name: Council, type: local-authority}}
systems:
  - code: council-tax
    name: Council Tax
    organisation: council
    kind: file
    entity: person
    connection: {{directory: "{drop}", pattern: "*.csv", format: csv, delimiter: ";", id_column: ACCOUNT_REF,
                  columns: [ACCOUNT_REF, FULL_NAME, DOB, POSTCODE, UPRN], ready: marker}}
mappings:
  - system: council-tax
    fields:
      - {{source: ACCOUNT_REF, target: record_id}}
      - {{source: FULL_NAME, target: name, transforms: [{{split-name: {{order: family-first}}}}]}}
      - {{source: DOB, target: date_of_birth, transforms: [{{date: "%d/%m/%Y"}}]}}
      - {{source: POSTCODE, target: postcode, transforms: [postcode]}}
      - {{source: UPRN, target: uprn}}
"""


def write_export(path: Path, rows: int) -> None:
    surnames = ["SMITH", "JONES", "TAYLOR", "BROWN", "WILLIAMS", "WILSON", "JOHNSON", "DAVIES", "PATEL", "KHAN"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(COLUMNS)
        for n in range(rows):
            writer.writerow([
                f"CT{n:08d}", f"{surnames[n % 10]}, Person{n} J", f"{1 + n % 28:02d}/{1 + n % 12:02d}/{1930 + n % 80}",
                f"KB{1 + n % 9} {n % 10}AA", str(100_000_000_000 + n // 3),
            ])  # fmt: skip
    path.with_name(path.name + ".done").write_text("", encoding="utf-8")


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the reading process): on a machine shared with
    other work the wall clock also counts the time spent waiting for a core, this does not."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _reader_mode() -> bool | None:
    return {"always": True, "never": False}.get(os.environ.get("JOINEDUP_INGEST_READER_PROCESS", "auto"))


def _sync_seconds(database_url: str, place_text: str) -> tuple[float, float, Any, bool | None]:
    from joinedup.connectors import open_connector
    from joinedup.ingest import check_mappings, compile_mapping
    from joinedup.ingest.sync import RecordMapper, SourceSync
    from joinedup.model import EntityType
    from joinedup.place import load_place_text
    from joinedup.store import Database
    from joinedup.store.place_registry import register_place

    place = load_place_text(place_text, checks=[check_mappings])
    database = Database(database_url)
    database.migrate()
    register_place(database, place)
    system = place.systems[0]
    sync = SourceSync(
        database,
        open_connector("file", system.connection, {}),
        RecordMapper(system.code, EntityType.PERSON, compile_mapping(place.mappings[0])),
        batch_size=5_000,
        read_in_child=_reader_mode(),
    )
    started, cpu = time.perf_counter(), _cpu_seconds()
    report = sync.run()
    # Which way the sync ran (auto decides by the idle cores at its start); an older SourceSync may not say.
    in_child = getattr(sync, "_read_in_child", None)
    return time.perf_counter() - started, _cpu_seconds() - cpu, report, in_child


def ceiling_seconds(export: Path, rows: int) -> float:
    """The same rows straight into the same tables, in one process: CSV read, the raw JSON, and one executemany
    per 5,000 rows into source_records and source_record_heads (same schema, indexes, PRAGMAs and commits),
    with no mapping, hashing or version judging. What a load could approach if everything else were free."""
    import sqlite3

    from joinedup.store import Database

    with tempfile.TemporaryDirectory(prefix="joinedup-bench-ceiling-") as folder:
        path = Path(folder) / "ceiling.db"
        database = Database(f"sqlite:///{path}")
        database.migrate()
        database.engine.dispose()
        connection = sqlite3.connect(path)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("PRAGMA foreign_keys=OFF")  # no source_systems row here; the real load checks them
        encode = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode
        stamp = "2026-12-02 00:00:00.000000"
        started = time.perf_counter()
        with export.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle, delimiter=";")
            header = next(reader)
            versions: list[tuple[Any, ...]] = []
            heads: list[tuple[Any, ...]] = []
            for pk, fields in enumerate(reader, start=1):
                document = encode(dict(zip(header, fields, strict=True)))  # stands in for raw and canonical alike
                versions.append((pk, "council-tax", fields[0], 1, "person", document, document, "x", stamp, None))
                heads.append(("council-tax", fields[0], 1, "x", pk, stamp))
                if len(versions) == 5_000:
                    _ceiling_write(connection, versions, heads)
                    versions, heads = [], []
            if versions:
                _ceiling_write(connection, versions, heads)
        seconds = time.perf_counter() - started
        count = connection.execute("SELECT count(*) FROM source_records").fetchone()[0]
        connection.close()
    assert count == rows, count
    return seconds


def _ceiling_write(connection: Any, versions: list[tuple[Any, ...]], heads: list[tuple[Any, ...]]) -> None:
    connection.executemany(
        "INSERT INTO source_records (id, system, record_id, version, entity, raw, canonical, content_hash,"
        " received_at, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        versions,
    )
    connection.executemany(
        "INSERT INTO source_record_heads (system, record_id, version, content_hash, source_record_pk, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        heads,
    )
    connection.commit()


def worker(backend: str, rows: int, ceiling: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="joinedup-bench-ingest-") as folder:
        root = Path(folder)
        drop = root / "drop"
        drop.mkdir()
        write_export(root / "export.csv", rows)
        shutil.copy(root / "export.csv", drop / "ctax_1.csv")
        (drop / "ctax_1.csv.done").write_text("", encoding="utf-8")
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        url = (
            f"sqlite:///{root / 'bench.db'}"
            if backend == "sqlite"
            else f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
        )
        if backend == "postgresql":
            from sqlalchemy import create_engine, text

            admin = create_engine(POSTGRES_URL)
            with admin.begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            place_text = PLACE.format(drop=drop)
            first, first_cpu, report, first_in_child = _sync_seconds(url, place_text)
            assert report.saved.new == rows, report
            shutil.copy(root / "export.csv", drop / "ctax_2.csv")  # the same data exported again
            (drop / "ctax_2.csv.done").write_text("", encoding="utf-8")
            again, again_cpu, report, again_in_child = _sync_seconds(url, place_text)
            assert report.saved.unchanged == rows, report
            limit = ceiling_seconds(root / "export.csv", rows) if ceiling and backend == "sqlite" else None
        finally:
            if backend == "postgresql":
                with admin.begin() as connection:
                    connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    reader = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest reading process, if any
    return {
        "backend": backend, "rows": rows, "first_s": first, "resync_s": again, "peak_rss_mb": (own + reader) / 1024,
        "first_cpu_s": first_cpu, "resync_cpu_s": again_cpu, "ceiling_s": limit,
        "reader_process": [first_in_child, again_in_child], "code": _code_folder(),
    }  # fmt: skip


def _code_folder() -> str:
    import joinedup

    return str(Path(joinedup.__file__).resolve().parent)


def measure(backend: str, rows: int, source: str | None = None, *, ceiling: bool = False) -> dict[str, Any]:
    environment = dict(os.environ)
    if source is not None:
        # The folder `git archive <commit> src | tar -x -C DIR` fills holds src/joinedup; accept DIR or DIR/src.
        folder = Path(source) / "src" if (Path(source) / "src" / "joinedup").is_dir() else Path(source)
        environment["PYTHONPATH"] = str(folder)  # imports the baseline's joinedup ahead of the installed one
    completed = subprocess.run(
        [sys.executable, __file__, "--worker", backend, "--rows", str(rows), *(["--ceiling"] if ceiling else [])],
        check=True,
        capture_output=True,
        text=True,
        env=environment,
    )
    run: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    if source is not None and not run["code"].startswith(str(Path(source).resolve())):
        raise RuntimeError(f"the baseline run imported {run['code']}, not the code under {source}")
    return run


def _load() -> str:
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())


def main(rows: int, repeat: int, baseline: str | None) -> None:
    loads = [_load()]
    current: list[dict[str, Any]] = []
    earlier: list[dict[str, Any]] = []
    for attempt in range(repeat):
        current.append(measure("sqlite", rows, ceiling=True))
        if baseline is not None:
            earlier.append(measure("sqlite", rows, baseline))
        loads.append(_load())
        latest, was = current[-1], [round(rows / run["first_s"]) for run in earlier[-1:]]
        rate_now = rows / latest["first_s"]
        print(
            f"run {attempt + 1}: {rate_now:,.0f}/s, re-sync {latest['resync_s']:.1f} s, cpu {latest['first_cpu_s']:.1f}"
            f"/{latest['resync_cpu_s']:.1f} s, ceiling {rows / latest['ceiling_s']:,.0f}/s,"
            f" reader process {latest['reader_process']}; baseline {was} (load {_load()})",
            flush=True,
        )
    first, resync = results.median([r["first_s"] for r in current]), results.median([r["resync_s"] for r in current])
    rate, speedup = rows / first, first / resync
    peak = max(r["peak_rss_mb"] for r in current)
    compared = ""
    if earlier:
        before = results.median([r["first_s"] for r in earlier])
        before_resync = results.median([r["resync_s"] for r in earlier])
        compared = (
            f"; baseline in the same run {rows / before:,.0f} records/s (x{before / first:.2f}),"
            f" its re-sync {before_resync:.1f} s"
        )
    load_note = f"1-min load average {loads[0].split(',')[0]} before, {loads[-1].split(',')[0]} after"
    cpu_first = results.median([r["first_cpu_s"] for r in current])
    cpu_resync = results.median([r["resync_cpu_s"] for r in current])
    ceiling = results.median([r["ceiling_s"] for r in current])
    modes = sorted({str(r["reader_process"]) for r in current})
    cpu_note = (
        f"CPU time (both processes) {cpu_first:.1f} s first load = {rows / cpu_first:,.0f} records per CPU-second,"
        f" {cpu_resync:.1f} s re-sync (x{cpu_first / cpu_resync:.1f});"
        f" reader process (first, re-sync): {', '.join(modes)}"
    )
    if earlier:
        cpu_before = results.median([r["first_cpu_s"] for r in earlier])
        cpu_before_resync = results.median([r["resync_cpu_s"] for r in earlier])
        cpu_note += f"; baseline CPU {cpu_before:.1f} s first load, {cpu_before_resync:.1f} s re-sync"
    print(f"sqlite: {rate:,.0f} records/s, re-sync {speedup:.1f}x faster, peak {peak:.0f} MB{compared}", flush=True)
    print(f"sqlite: {cpu_note}; ceiling {rows / ceiling:,.0f} records/s", flush=True)
    postgres = measure("postgresql", rows)
    pg_rate = rows / postgres["first_s"]
    print(f"postgresql: {pg_rate:,.0f} records/s, re-sync {postgres['resync_s']:.1f} s", flush=True)
    runs = f"median of {repeat} run{'s' if repeat > 1 else ''}"
    note = f"{rows:,} rows, {runs}, mapping with split-name/date/postcode transforms{compared}; {cpu_note}; {load_note}"
    results.record(
        "ingest_csv_sqlite_rate",
        rate,
        "records/s",
        f">= {RATE_TARGET:,.0f} records/s",
        rate >= RATE_TARGET,
        extra={"note": note, "seconds": round(first, 1), "runs_s": [round(r["first_s"], 1) for r in current]},
    )
    results.record(
        "ingest_csv_peak_rss",
        peak,
        "MB",
        f"< {MEMORY_TARGET_MB:.0f} MB",
        peak < MEMORY_TARGET_MB,
        extra={"note": "SQLite runs, writer and reading process together, incl. writing the file"},
    )
    results.record(
        "ingest_resync_speedup",
        speedup,
        "x",
        f">= {RESYNC_TARGET:.0f}x faster than first load",
        speedup >= RESYNC_TARGET,
        extra={"note": f"re-sync {resync:.1f} s vs first load {first:.1f} s ({runs}); {load_note}"},
    )
    results.record(
        "ingest_sqlite_insert_ceiling",
        rows / ceiling,
        "records/s",
        "reported",
        True,
        extra={
            "note": f"the same {rows:,} rows read with csv and inserted into source_records and source_record_heads"
            f" by plain executemany, no mapping/hashing/versioning, one process ({runs}, same run); {load_note}"
        },
    )
    pg_note = f"{rows:,} rows, single run, re-sync {postgres['resync_s']:.1f} s; load average {_load()}"
    results.record("ingest_csv_postgresql_rate", pg_rate, "records/s", "reported", True,
                   extra={"note": pg_note, "seconds": round(postgres["first_s"], 1)})  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", choices=["sqlite", "postgresql"], help="one measured run (internal)")
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each implementation; the median is kept")
    parser.add_argument("--baseline-src", help="a folder holding an earlier src/ to run alongside, for comparison")
    parser.add_argument("--ceiling", action="store_true", help="also time the raw insert ceiling (internal)")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.rows, args.ceiling)))
    else:
        main(args.rows, args.repeat, args.baseline_src)
