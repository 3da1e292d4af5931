"""Benchmark: tell us once, from a change accepted to written in the simulated systems' own servers.

* latency: changes told one at a time while one worker runs; for each, the time from accepted to its last
  delivery recorded, across every system the resident is held in (all seven kinds of write path, the legacy
  screen included). Target p95 <= 2 s.
* throughput (SQLite, one worker): changes accepted and delivered per second, end to end, to the six systems
  that are not browser-driven. Target >= 500 changes/s. PostgreSQL with two workers is reported. The REST
  systems take their writes through their bulk endpoint (as declared in the place); the same run measures the
  per-record REST path (no bulk endpoint declared) between them as the baseline, recorded under a name of its own.
* the legacy screen on its own: deliveries per minute through its edit form (browser-bound, reported).

Options (environment): BENCH_TUO_PHASES (latency, latency-no-screen, screen, throughput, null, quiet),
BENCH_TUO_RUNS (throughput runs of each REST write path, median quoted; default 3), BENCH_TUO_CHANGES,
BENCH_TUO_PEOPLE, BENCH_TUO_REST_WRITES ("bulk,per-record" by default), BENCH_TUO_SAMPLE=1 (print where the hub
process and the simulator process spend their time, from stack samples; not for recorded figures). The phase
``quiet`` measures without recording anything.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import results  # bench/ is not a package: results.py sits beside this file

PEOPLE = int(os.environ.get("BENCH_TUO_PEOPLE", "4000"))
SEED = 42
LATENCY_CHANGES = int(os.environ.get("BENCH_TUO_LATENCY", "60"))
THROUGHPUT_CHANGES = int(os.environ.get("BENCH_TUO_CHANGES", "3000"))
SCREEN_CHANGES = int(os.environ.get("BENCH_TUO_SCREEN", "20"))
BATCH = 50  # changes accepted per transaction (ChangeDesk.tell_many)
RUNS = int(os.environ.get("BENCH_TUO_RUNS", "3"))
REST_WRITES = tuple(os.environ.get("BENCH_TUO_REST_WRITES", "bulk,per-record").split(","))
SAMPLE = os.environ.get("BENCH_TUO_SAMPLE") == "1"
NOT_SCREEN = ("council-tax", "housing", "adult-social-care", "gp", "schools", "waste")
POSTGRES_URL = os.environ.get("JOINEDUP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _directory(place: object) -> object:
    from joinedup.tellusonce import MappingRecordDirectory

    return MappingRecordDirectory.from_pairs(
        (person, batch.system, record)
        for batch in place.batches()  # type: ignore[attr-defined]
        for record, person in batch.truth
    )


def _pool(running: object, systems: tuple[str, ...], *, rest_bulk: bool = True) -> object:
    from joinedup.tellusonce import pool_from_connections

    served = running if isinstance(running, dict) else running.connections()  # type: ignore[attr-defined]
    chosen = {c: e for c, e in served.items() if c in systems}
    if not rest_bulk:  # the per-record REST path: the same APIs, their bulk endpoints left undeclared
        for entry in chosen.values():
            if entry["kind"] == "api":
                write = {k: v for k, v in entry["connection"].get("write", {}).items() if k != "batch_path"}
                entry["connection"] = {**entry["connection"], "write": write}
    return pool_from_connections(chosen)


_BLOCKED = frozenset({
    "threading.py:wait", "threading.py:_wait_for_tstate_lock", "selectors.py:select", "socket.py:readinto",
    "sync.py:read", "queue.py:get", "_base.py:result", "socketserver.py:serve_forever", "_base.py:wait",
    "connection.py:_recv", "connection.py:poll", "thread.py:_worker", "bench_tellusonce.py:_wait_settled",
})  # fmt: skip


class _Sampler:
    """Where a process's threads spend their time: the innermost joinedup/library frames of every thread, sampled
    every few milliseconds (a poor man's py-spy, which this machine lacks; cProfile sees one thread only)."""

    def __init__(self, label: str, every: float = 0.005) -> None:
        from collections import Counter

        self.label, self.every = label, every
        self.own: Counter[str] = Counter()  # the frame running when sampled
        self.within: Counter[str] = Counter()  # every function on the stack (inclusive)
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.report()

    def _run(self) -> None:
        me = threading.get_ident()
        while not self._stop.wait(self.every):
            for ident, frame in sys._current_frames().items():
                if ident == me:
                    continue
                names = []
                walk: Any = frame
                while walk is not None:
                    code = walk.f_code
                    names.append(f"{Path(code.co_filename).name}:{code.co_name}")
                    walk = walk.f_back
                if names[0] in _BLOCKED:
                    continue  # waiting (a lock, a socket, a queue), not running: Python frames cannot tell more
                self.samples += 1
                self.own[names[0]] += 1
                for name in set(names):
                    self.within[name] += 1

    def report(self, top: int = 40) -> None:
        total = max(1, self.samples)
        lines = [f"--- {self.label}: {self.samples} busy-thread samples ---", "own:"]
        lines += [f"  {100 * n / total:5.1f}% {name}" for name, n in self.own.most_common(top)]
        lines.append("inclusive:")
        lines += [f"  {100 * n / total:5.1f}% {name}" for name, n in self.within.most_common(top * 2)]
        print("\n".join(lines), flush=True)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process (all its threads) has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _NullTarget:
    """A system that takes every write at once: what the outbox and worker manage on their own."""

    def write(self, change: Any) -> Any:
        from joinedup.connectors import WriteReceipt

        return WriteReceipt(change.record_id, True, "taken")

    def write_many(self, changes: Any) -> list[Any]:
        return [self.write(change) for change in changes]

    def close(self) -> None:
        pass


def _move(resident: str, n: int) -> object:
    from joinedup.tellusonce import ChangeKind, ChangeOfCircumstance

    fields = {"address_line_1": f"{n} Bench Road", "address_line_2": "", "town": "Kettleby", "postcode": "KT1 4MX"}
    return ChangeOfCircumstance(ChangeKind.ADDRESS, resident, fields)


@contextmanager
def _place_elsewhere(folder: Path) -> Iterator[dict[str, dict[str, Any]]]:
    """The simulated systems in a process of their own (their servers then do not share the worker's GIL); yields
    their connections. The child builds the same synthetic place from the same seed."""
    context = multiprocessing.get_context("spawn")
    receiving, sending = context.Pipe(duplex=False)
    stop = context.Event()
    child = context.Process(target=_serve_place, args=(PEOPLE, SEED, str(folder), sending, stop, SAMPLE), daemon=True)
    child.start()
    try:
        if not receiving.poll(180):
            raise RuntimeError("the simulated place did not start in its own process")
        connections = receiving.recv()
        connections["__pid__"] = child.pid
        yield connections
    finally:
        stop.set()
        child.join(60)


def _serve_place(people: int, seed: int, folder: str, sending: Any, stop: Any, sample: bool = False) -> None:
    from joinedup.sim import SyntheticPlace
    from joinedup.sim.servers.place_servers import SimulatedPlace

    simulated = SimulatedPlace(
        SyntheticPlace(people=people, seed=seed), Path(folder), export_interval_seconds=0.5, rest_keep_alive=True
    )
    with simulated as place:
        sending.send(place.connections())
        with _Sampler("simulated systems' process") if sample else nullcontext():
            stop.wait()


def _governed(database: object, place: object) -> object:
    """Governance's delivery policy and audit, as the hub runs them (the place registered first)."""
    from joinedup.governance import GovernedDeliveries
    from joinedup.store.place_registry import register_place

    register_place(database, place)  # type: ignore[arg-type]
    return GovernedDeliveries.for_place(place, "kettleby-council")  # type: ignore[arg-type]


def _run_workers(
    database: object, pools: list[object], stop: threading.Event, audit: object = None
) -> list[threading.Thread]:
    from joinedup.tellusonce import DeliveryWorker

    threads = []
    for pool in pools:
        worker = DeliveryWorker(database, pool, batch_size=500, audit=audit)  # type: ignore[arg-type]
        thread = threading.Thread(target=worker.run, args=(stop,), kwargs={"idle_seconds": 0.01}, daemon=True)
        thread.start()
        threads.append(thread)
    return threads


def _wait_settled(outbox: object, systems: tuple[str, ...], timeout: float) -> None:
    from sqlalchemy import func, select

    from joinedup.store.tellusonce_tables import tellusonce_deliveries as d

    deadline = time.monotonic() + timeout
    query = select(func.count()).where(d.c.status.in_(("pending", "in_flight")), d.c.system.in_(systems))
    while time.monotonic() < deadline:
        with outbox.database.engine.connect() as connection:  # type: ignore[attr-defined]
            if connection.execute(query).scalar() == 0:
                return
        time.sleep(0.02)
    raise RuntimeError("deliveries did not settle in time")


def latency(place: object, folder: Path, skip: tuple[str, ...] = ()) -> list[float]:
    from joinedup.place import demo_place_path, load_place
    from joinedup.sim import SIM_SYSTEMS
    from joinedup.sim.servers.place_servers import SimulatedPlace
    from joinedup.store import Database
    from joinedup.tellusonce import ChangeDesk, OutboxStore

    systems = tuple(s.code for s in SIM_SYSTEMS if s.code not in skip)
    database = Database(f"sqlite:///{folder / f'latency-{len(skip)}.db'}")
    database.migrate()
    directory = _directory(place)
    rich = [r for r in directory.residents() if len({s for s, _ in directory.records_of(r)} - set(skip)) >= 4]  # type: ignore[attr-defined]
    spread = [r for r in rich if any(s == "childrens-services" for s, _ in directory.records_of(r))]  # type: ignore[attr-defined]
    chosen = (spread + [r for r in rich if r not in spread])[:LATENCY_CHANGES]
    kettleby = load_place(demo_place_path())
    subscriptions = [s for s in kettleby.subscriptions if s.system in systems]
    governed = _governed(database, kettleby)
    desk = ChangeDesk(database, subscriptions, directory, governed)  # type: ignore[arg-type]
    outbox = OutboxStore(database)
    seconds: list[float] = []
    simulated = SimulatedPlace(
        place,  # type: ignore[arg-type]
        folder / f"latency-{len(skip)}", export_interval_seconds=0.2, rest_keep_alive=True,
    )  # fmt: skip
    with simulated as running:
        stop = threading.Event()
        pool = _pool(running, systems)
        threads = _run_workers(database, [pool], stop, governed)
        try:
            for n, resident in enumerate([chosen[0], *chosen]):  # the first opens every connection and the browser
                accepted = desk.tell(_move(resident, n))  # type: ignore[arg-type]
                started = time.monotonic()
                while any(r.status in ("pending", "in_flight") for r in outbox.of_change(accepted.change_id)):
                    time.sleep(0.005)
                if n > 0:
                    seconds.append(time.monotonic() - started)
        finally:
            stop.set()
            for thread in threads:
                thread.join(30)
            pool.close()  # type: ignore[attr-defined]
    database.dispose()
    return seconds


_RUN_NUMBER = iter(range(1_000_000))  # every run gets folders of its own
CPU_MS: dict[str, list[float]] = {}  # CPU per change of each run, by path and process ("bulk/hub", ...)


def throughput(
    place: object, folder: Path, url: str, workers: int, systems: tuple[str, ...] = NOT_SCREEN, changes: int = 0,
    *, null_target: bool = False, rest_bulk: bool = True,
) -> float:  # fmt: skip
    from joinedup.place import demo_place_path, load_place
    from joinedup.store import Database
    from joinedup.tellusonce import ChangeDesk, ConnectorPool, OutboxStore

    database = Database(url)
    database.migrate()
    directory = _directory(place)
    residents = [r for r in directory.residents() if {s for s, _ in directory.records_of(r)} & set(systems)]  # type: ignore[attr-defined]
    kettleby = load_place(demo_place_path())
    subscriptions = [s for s in kettleby.subscriptions if s.system in systems]
    governed = _governed(database, kettleby)
    desk = ChangeDesk(database, subscriptions, directory, governed)  # type: ignore[arg-type]
    run = next(_RUN_NUMBER)
    served: Any = nullcontext({}) if null_target else _place_elsewhere(folder / f"throughput-{run}")
    with served as running:
        child = running.pop("__pid__", None)
        stop = threading.Event()
        pools = [
            ConnectorPool(lambda _: _NullTarget(), dict.fromkeys(systems, "api")) if null_target  # type: ignore[arg-type,return-value]
            else _pool(running, systems, rest_bulk=rest_bulk)
            for _ in range(workers)
        ]  # fmt: skip
        cpu_before = (_cpu_seconds(os.getpid()), _cpu_seconds(child) if child else 0.0)
        started = time.monotonic()
        threads = _run_workers(database, pools, stop, governed)
        sampler: Any = _Sampler("hub process (desk and worker)") if SAMPLE else nullcontext()
        total = changes or THROUGHPUT_CHANGES
        try:
            with sampler:
                for start in range(0, total, BATCH):
                    moves = [_move(residents[n % len(residents)], n) for n in range(start, min(start + BATCH, total))]
                    desk.tell_many(moves)  # type: ignore[arg-type]
                accepted = time.monotonic() - started
                _wait_settled(OutboxStore(database), systems, 600)
                elapsed = time.monotonic() - started
            hub_cpu = _cpu_seconds(os.getpid()) - cpu_before[0]
            sim_cpu = (_cpu_seconds(child) - cpu_before[1]) if child else 0.0
        finally:
            stop.set()
            for thread in threads:
                thread.join(30)
            for pool in pools:
                pool.close()  # type: ignore[attr-defined]
    counts = OutboxStore(database).counts()
    database.dispose()
    path = "null targets" if null_target else ("REST bulk" if rest_bulk else "REST per record")
    label = f"{'null' if null_target else 'bulk' if rest_bulk else 'per-record'}-{database.backend}-{workers}"
    CPU_MS.setdefault(f"{label}/hub", []).append(round(1000 * hub_cpu / total, 2))
    CPU_MS.setdefault(f"{label}/sim", []).append(round(1000 * sim_cpu / total, 2))
    print(
        f"  {workers} worker(s), {len(systems)} system(s), {path}: {counts}; accepted in {accepted:.1f} s of "
        f"{elapsed:.1f} s; CPU per change: hub {1000 * hub_cpu / total:.2f} ms, simulated systems "
        f"{1000 * sim_cpu / total:.2f} ms; load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    return total / elapsed


def main() -> None:
    from joinedup.sim import SyntheticPlace

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.databases import postgres_schema

    place = SyntheticPlace(people=PEOPLE, seed=SEED)
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        phases = os.environ.get("BENCH_TUO_PHASES", "latency,latency-no-screen,screen,throughput").split(",")
        if "latency" in phases:
            seconds = latency(place, folder)
            p50, p95 = statistics.median(seconds), percentile(seconds, 0.95)
            print(f"latency over {len(seconds)} changes: p50 {p50:.3f} s, p95 {p95:.3f} s", flush=True)
            results.record(
                "tellusonce_latency_p95", p95, "s", "<= 2 s", p95 <= 2.0,
                extra={"p50_seconds": round(p50, 3), "changes": len(seconds),
                       "note": "accepted to last delivery recorded, residents held in 4+ systems, legacy screen "
                               "(a browser form fill per write) included"},
            )  # fmt: skip
        if "latency-no-screen" in phases:
            seconds = latency(place, folder, skip=("childrens-services",))
            p50, p95 = statistics.median(seconds), percentile(seconds, 0.95)
            print(f"latency without the screen: p50 {p50:.3f} s, p95 {p95:.3f} s", flush=True)
            results.record(
                "tellusonce_latency_p95_without_screen", p95, "s", "<= 2 s", p95 <= 2.0,
                extra={"p50_seconds": round(p50, 3), "changes": len(seconds),
                       "note": "as above, to the six systems with an API, SQL or file write path"},
            )  # fmt: skip
        if "screen" in phases:
            per_second = throughput(
                place, folder, f"sqlite:///{folder / 'screen.db'}", 1, ("childrens-services",), SCREEN_CHANGES
            )
            print(f"legacy screen alone: {per_second * 60:,.0f} changes/min", flush=True)
            results.record(
                "tellusonce_screen_rate", per_second * 60, "changes/min", "reported (browser-bound)", True,
                extra={"changes": SCREEN_CHANGES, "note": "children's services edit form in headless Chromium, "
                       "browser start included"},
            )  # fmt: skip
        if "null" in phases:  # only the hub's own capacity
            null_only = throughput(place, folder, f"sqlite:///{folder / 'null-only.db'}", 1, null_target=True)
            print(f"SQLite, one worker, null targets: {null_only:,.0f} changes/s", flush=True)
            return
        if "throughput" in phases or "quiet" in phases:
            _throughput_phase(place, folder, postgres_schema, record="quiet" not in phases)


def _throughput_phase(place: object, folder: Path, postgres_schema: Any, *, record: bool) -> None:
    """SQLite with one worker, each REST write path RUNS times, interleaved so both see the same load; the hub
    with null targets; PostgreSQL with two workers (bulk, and once per record as its baseline)."""
    rates: dict[str, list[float]] = {mode: [] for mode in REST_WRITES}
    loads = [os.getloadavg()[0]]
    for run in range(RUNS):
        for mode in REST_WRITES:
            url = f"sqlite:///{folder / f'throughput-{mode}-{run}.db'}"
            rates[mode].append(round(throughput(place, folder, url, 1, rest_bulk=mode == "bulk")))
            loads.append(os.getloadavg()[0])
            print(f"SQLite, one worker, REST {mode}: {rates[mode][-1]:,} changes/s", flush=True)
    null_rate = throughput(place, folder, f"sqlite:///{folder / 'null.db'}", 1, null_target=True)
    loads.append(os.getloadavg()[0])
    print(f"SQLite, one worker, six systems that take every write at once: {null_rate:,.0f} changes/s", flush=True)
    pg_rates: dict[str, float] = {}
    for mode in REST_WRITES:
        with postgres_schema("bench") as url:
            pg_rates[mode] = round(throughput(place, folder, url, 2, rest_bulk=mode == "bulk"))
        loads.append(os.getloadavg()[0])
        print(f"PostgreSQL, two workers, REST {mode}: {pg_rates[mode]:,} changes/s", flush=True)
    load_text = f"{min(loads):.1f} to {max(loads):.1f}"
    print(f"1-minute load average during the runs: {load_text}", flush=True)
    cpu = {label: results.median(values) for label, values in CPU_MS.items()}
    print(f"CPU per change (ms, median): {cpu}", flush=True)
    if not record:
        return
    common = {"changes": THROUGHPUT_CHANGES, "systems": list(NOT_SCREEN), "load_average_1m": load_text,
              "cpu_ms_per_change": cpu}  # fmt: skip
    load_note = f"1-minute load {load_text} on the 2 cores"
    where = "the simulated servers in a process of their own (REST kept alive); the browser-driven screen is " \
            "measured on its own"  # fmt: skip
    if "bulk" in rates:
        bulk = results.median(rates["bulk"])
        extra: dict[str, Any] = {**common, "workers": 1, "runs": rates["bulk"]}
        if "per-record" in rates:
            extra["per_record_rest_median"] = results.median(rates["per-record"])
            extra["ratio_to_per_record_rest"] = round(bulk / results.median(rates["per-record"]), 2)
        extra["note"] = (
            f"accepted and delivered end to end; housing, GP and waste written through their bulk endpoints "
            f"(100 changes a request); {where}; median of {RUNS} runs, each beside a per-record REST run "
            f"(tellusonce_throughput_sqlite_per_record_rest); {load_note}"
        )
        results.record("tellusonce_throughput_sqlite", bulk, "changes/s", ">= 500 changes/s", bulk >= 500, extra)
    if "per-record" in rates:
        single = results.median(rates["per-record"])
        results.record(
            "tellusonce_throughput_sqlite_per_record_rest", single, "changes/s", "reported (baseline)", True,
            {**common, "workers": 1, "runs": rates["per-record"],
             "note": f"as tellusonce_throughput_sqlite but with no bulk endpoint declared: one HTTP request per "
                     f"change to each REST system; {where}; median of {RUNS} runs; {load_note}"},
        )  # fmt: skip
    results.record(
        "tellusonce_throughput_sqlite_null_target", null_rate, "changes/s", ">= 500 changes/s", null_rate >= 500,
        {**common, "workers": 1,
         "note": "the hub's own capacity (governed accept, outbox, worker, disclosure audit) with targets that "
                 f"cost nothing; one run; {load_note}"},
    )  # fmt: skip
    if "bulk" in pg_rates:
        results.record(
            "tellusonce_throughput_postgresql", pg_rates["bulk"], "changes/s", "reported", True,
            {**common, "workers": 2, "per_record_rest": pg_rates.get("per-record"),
             "note": f"two workers, end to end to the six systems, REST through the bulk endpoints; one run, "
                     f"{pg_rates.get('per-record')} changes/s with one REST request per change, run just after; "
                     f"{load_note}"},
        )  # fmt: skip


if __name__ == "__main__":
    main()
