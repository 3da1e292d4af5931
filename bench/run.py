"""Run joinedup's benchmarks: `python bench/run.py [NAME ...]` (default: all of them).

A benchmark is a script `bench/bench_<name>.py` that measures something and stores its figures with
`results.record(...)`. Each runs in a fresh subprocess, so its peak memory is its own.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import results  # noqa: E402  (bench/ is not a package; results.py sits beside this file)


def available() -> dict[str, Path]:
    return {p.stem.removeprefix("bench_"): p for p in sorted(BENCH_DIR.glob("bench_*.py"))}


def run_one(name: str, script: Path, console: Console) -> tuple[int, float]:
    """Run one benchmark script in its own process, echoing its output; returns (exit code, seconds)."""
    started = time.perf_counter()
    with subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            console.print(f"[dim]{name}[/] {line.rstrip()}", highlight=False)
    return process.returncode, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    args = parser.parse_args(argv)
    benchmarks = available()
    names = args.names or list(benchmarks)
    unknown = [n for n in names if n not in benchmarks]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(benchmarks)}")

    console = Console()
    console.print(f"[bold]Benchmarks[/] on {results.machine()}")
    failures: list[str] = []
    with Progress(
        SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=console,
    ) as progress:  # fmt: skip
        overall = progress.add_task("all benchmarks", total=len(names))
        for name in names:
            progress.update(overall, description=f"running {name}")
            code, seconds = run_one(name, benchmarks[name], progress.console)
            if code != 0:
                failures.append(name)
            progress.console.print(f"{name}: {'ok' if code == 0 else f'FAILED (exit {code})'} in {seconds:.1f} s")
            progress.advance(overall)
        progress.update(overall, description="done")

    table = Table(title="Results (bench/results.json)")
    for column in ("benchmark", "value", "target", "met", "date"):
        table.add_column(column)
    stored = results.load()
    for name in sorted(stored):
        r = stored[name]
        if any(name == n or name.startswith(f"{n}_") for n in names):
            met = "[green]yes[/]" if r["met"] else "[red]no[/]"
            table.add_row(name, f"{r['value']:.4g} {r['unit']}", r["target"], met, r["date"])
    console.print(table)
    console.print(f"Report: {results.REPORT_FILE}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
