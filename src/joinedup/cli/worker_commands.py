"""`joinedup worker` delivers told changes to every system; `joinedup changes` shows deliveries, receipts and
dead letters, and sends a dead or held delivery again. Also the demo's hook: tell one move in the simulated place.
"""

from __future__ import annotations

import json
import os
import signal
import threading
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.live import Live
from rich.table import Table

from joinedup.governance import GovernedDeliveries
from joinedup.place import Place, PlaceFileError, load_place
from joinedup.store import Database
from joinedup.store.residents import ResidentStore
from joinedup.store.tellusonce_detection import DetectionStore
from joinedup.tellusonce import (
    Backoff,
    ChangeDetector,
    ChangeKind,
    ChangeOfCircumstance,
    DeliveryRow,
    DeliveryWorker,
    DetectionReport,
    JetStreamSettings,
    JetStreamWorker,
    MappingRecordDirectory,
    OutboxStore,
    RecordDirectory,
    place_connections,
    pool_from_connections,
    sources_of_truth,
    tell_once,
)

from ._common import DatabaseUrlOption, ExitCode, console, fail, open_database, settings_for

if TYPE_CHECKING:
    from joinedup.sim.servers.place_servers import SimulatedPlace

DEFAULT_NATS = "nats://127.0.0.1:4222"


class Transport(StrEnum):
    OUTBOX = "outbox"
    NATS = "nats"


PlaceOption = Annotated[
    Path | None,
    typer.Option("--place", envvar="JOINEDUP_PLACE_FILE", help="The place file (default: JOINEDUP_PLACE_FILE)."),
]
ConnectionsOption = Annotated[
    Path | None,
    typer.Option(
        "--connections",
        help="A JSON file of systems' connections (`systems` as `joinedup sim serve` writes it), used instead of "
        "the place file's connections; the place file is still needed, for the audit.",
    ),
]


# Every delivery is a disclosure, recorded in the audit log under the agreement its subscription names, in the
# transaction that records its receipt. Only the place file holds the systems' organisations, the subscriptions
# and the agreements (neither a connections file nor the database does), so the worker never starts without it.
NO_PLACE = (
    "no place file: the worker records every delivery as a disclosure in the audit log under the agreement its "
    "subscription names, and only the place file holds the subscriptions and agreements. Give --place PLACE.yaml "
    "(or set JOINEDUP_PLACE_FILE); --connections FILE.json then replaces only where the systems are."
)


def _place(place_file: Path | None) -> Place:
    if place_file is None:
        fail(NO_PLACE, ExitCode.USAGE)
    try:
        return load_place(place_file)
    except PlaceFileError as error:
        fail(str(error), ExitCode.INVALID_INPUT)


def _connections(place: Place, connections_file: Path | None) -> dict[str, dict[str, Any]]:
    if connections_file is None:
        return place_connections(place)
    try:
        document = json.loads(connections_file.read_text(encoding="utf-8"))
        return {code: dict(entry) for code, entry in document["systems"].items()}
    except (OSError, ValueError, KeyError, AttributeError) as error:
        fail(f"{connections_file}: not a connections file ({type(error).__name__})", ExitCode.INVALID_INPUT)


def worker(
    place_file: PlaceOption = None,
    connections_file: ConnectionsOption = None,
    once: Annotated[bool, typer.Option("--once", help="Deliver what is due now, then stop.")] = False,
    batch_size: Annotated[int, typer.Option(min=1, max=5000, help="Deliveries claimed per round.")] = 200,
    lease_seconds: Annotated[float, typer.Option(min=1, help="How long a claim lasts before others may take it.")] = 60,
    max_attempts: Annotated[int, typer.Option(min=1, help="Attempts before a delivery is dead-lettered.")] = 8,
    backoff_seconds: Annotated[float, typer.Option(min=0, help="Base of the exponential backoff.")] = 0.5,
    transport: Annotated[
        Transport,
        typer.Option(help="outbox: claim from the database (the default); nats: relay through NATS JetStream."),
    ] = Transport.OUTBOX,
    nats_url: Annotated[str, typer.Option(envvar="JOINEDUP_NATS_URL", help="The NATS server.")] = DEFAULT_NATS,
    nats_stream: Annotated[str, typer.Option(help="The JetStream stream (subjects: its name, lowercased).")] = (
        "TELLUSONCE"
    ),
    database_url: DatabaseUrlOption = None,
) -> None:
    """Deliver told changes to every subscribed system until stopped (Ctrl+C or SIGTERM), recording each delivery
    as a disclosure in the audit log (so the place file is always needed). Several may run."""
    place = _place(place_file)
    connections = _connections(place, connections_file)
    # The controller only matters for decisions, which the desk makes; the worker records deliveries.
    audit = GovernedDeliveries.for_place(place, controller="")
    database = open_database(settings_for(database_url))
    environ = dict(os.environ)
    runner = DeliveryWorker(
        database, pool_from_connections(connections, environ), batch_size=batch_size, lease_seconds=lease_seconds,
        backoff=Backoff(base_seconds=backoff_seconds, max_attempts=max_attempts), audit=audit,
    )  # fmt: skip
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    handled = [0, 0]  # attempts, rounds

    def shown() -> str:
        return f"worker {runner.name}: {handled[0]:,} delivery attempts in {handled[1]:,} rounds"

    relay = _jetstream(runner, nats_url, nats_stream) if transport is Transport.NATS else None
    rounds: DeliveryWorker | JetStreamWorker = relay if relay is not None else runner
    try:
        if once:
            while (count := rounds.run_once()) > 0:
                handled[0] += count
                handled[1] += 1
        else:
            with Live(shown(), console=console, refresh_per_second=2, transient=True) as live:

                def counted(count: int) -> None:
                    handled[0] += count
                    handled[1] += 1
                    live.update(shown())

                rounds.run(stop, on_round=counted)
    except KeyboardInterrupt:
        pass
    finally:
        if relay is not None:
            relay.close()
        runner.connectors.close()
        database.dispose()
    console.print(shown() + ".")


def _jetstream(runner: DeliveryWorker, url: str, stream: str) -> JetStreamWorker:
    settings = JetStreamSettings.named(stream, url)
    try:
        return JetStreamWorker(runner, settings).connect()
    except RuntimeError as error:  # nats-py missing: the message names the extra
        fail(str(error), ExitCode.USAGE)
    except Exception as error:  # noqa: BLE001 - nats-py raises its own kinds (no servers, timeouts, refused)
        fail(f"could not reach NATS at {url}: {type(error).__name__}", ExitCode.UNAVAILABLE)


changes_app = typer.Typer(help="Changes told once: deliveries, receipts, dead letters.")


def _table(rows: list[DeliveryRow]) -> Table:
    table = Table("id", "change", "system", "record", "status", "attempts", "receipt or reason", "updated")
    for row in rows:
        table.add_row(
            str(row.id), str(row.change_id), row.system, row.record_id, row.status, str(row.attempts),
            row.receipt if row.status == "delivered" else (row.reason or ""),
            f"{(row.delivered_at or row.next_attempt_at):%Y-%m-%d %H:%M:%S}",
        )  # fmt: skip
    return table


@changes_app.command("list")
def changes_list(
    status: Annotated[str | None, typer.Option(help="Only deliveries in this state (pending, delivered...).")] = None,
    system: Annotated[str | None, typer.Option(help="Only deliveries to this system.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    database_url: DatabaseUrlOption = None,
) -> None:
    """The newest deliveries with their receipts, and how many are in each state."""
    store = OutboxStore(open_database(settings_for(database_url)))
    console.print(_table(store.list(status, system=system, limit=limit)))
    console.print(", ".join(f"{state}: {count:,}" for state, count in sorted(store.counts().items())) or "none")


@changes_app.command("dead-letters")
def dead_letters(
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Deliveries given up on (dead) or held for review (a conflict), each with its reason."""
    store = OutboxStore(open_database(settings_for(database_url)))
    rows = sorted(store.list("dead", limit=limit) + store.list("held", limit=limit), key=lambda row: row.id)
    console.print(_table(rows))
    console.print(f"{len(rows):,} dead or held. `joinedup changes retry ID` sends one again.")


@changes_app.command("retry")
def retry(
    delivery_ids: Annotated[list[int], typer.Argument(help="Ids of dead or held deliveries.")],
    overwrite: Annotated[
        bool, typer.Option(help="For a held conflict someone has checked: write without the version check.")
    ] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Send dead or held deliveries again (the worker picks them up on its next round)."""
    store = OutboxStore(open_database(settings_for(database_url)))
    missed = [str(i) for i in delivery_ids if not store.retry(i, overwrite=overwrite)]
    console.print(f"{len(delivery_ids) - len(missed):,} queued again.")
    if missed:
        fail(f"not dead or held (or not found): {', '.join(missed)}", ExitCode.INVALID_INPUT)


def detect_changes(database: Database, place: Place, systems: list[str] | None = None) -> DetectionReport | None:
    """Raise the changes new versions in the place's sources of truth tell (after a sync); None when the place
    declares no source of truth among ``systems``. Each change's controller is its source system's organisation."""
    truth = sources_of_truth(place)
    wanted = [code for code in (systems if systems is not None else list(truth)) if code in truth]
    if not wanted:
        return None
    detector = ChangeDetector(
        database, place, ResidentStore(database), lambda organisation: GovernedDeliveries.for_place(place, organisation)
    )
    report = detector.run(wanted)
    for each in report.systems:
        console.print(
            f"{each.system}: {each.raised:,} changes raised from {each.examined:,} new versions"
            + (f" ({each.not_linked:,} of records not linked to a resident)" if each.not_linked else "")
        )
    return report


@changes_app.command("detect")
def detect(
    systems: Annotated[list[str] | None, typer.Argument(help="Only these sources of truth.")] = None,
    place_file: PlaceOption = None,
    reset: Annotated[bool, typer.Option(help="Read every stored version again (nothing is raised twice).")] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Raise the changes that new versions of records in a source of truth tell (a field's source of truth is the
    first of the `sources` of its `most-trusted` survivorship rule). `joinedup sync` does this after each sync."""
    if place_file is None:
        fail("no place file: give --place PLACE.yaml or set JOINEDUP_PLACE_FILE", ExitCode.USAGE)
    try:
        place = load_place(place_file)
    except PlaceFileError as error:
        fail(str(error), ExitCode.INVALID_INPUT)
    database = open_database(settings_for(database_url))
    if reset:
        for code in systems or list(sources_of_truth(place)):
            DetectionStore(database).reset(code)
    if detect_changes(database, place, systems or None) is None:
        console.print("The place file declares no source of truth for these systems: nothing to detect.")


def tell_once_in_simulated_place(
    running: SimulatedPlace,
    database: Database,
    *,
    resident_id: str | None = None,
    directory: RecordDirectory | None = None,
    timeout_seconds: float = 60.0,
) -> dict[str, dict[str, Any]]:
    """The demo's hook: tell one change of address once in the running simulated place, deliver it, and return
    per system the receipt and the record as that simulated system now holds it (its own data, read back).

    The resident and the directory of their records come from linkage when given; otherwise one who has a
    record in council tax, housing, the GP, schools and waste is taken from the simulator's ground truth.
    """
    from joinedup.place import demo_place_path

    if directory is None or resident_id is None:
        truth = MappingRecordDirectory.from_pairs(
            (person, batch.system, record) for batch in running.place.batches() for record, person in batch.truth
        )
        wanted = {"council-tax", "housing", "gp", "schools", "waste"}
        resident_id = next(r for r in truth.residents() if wanted <= {system for system, _ in truth.records_of(r)})
        directory = truth
    resident = resident_id
    move = ChangeOfCircumstance(
        ChangeKind.ADDRESS, resident,
        {"address_line_1": "14 Mill Lane", "address_line_2": "", "town": "Kettleby", "postcode": "KT1 4MX"},
        raised_by="demo",
    )  # fmt: skip
    place = load_place(demo_place_path())
    governed = GovernedDeliveries.for_place(place, "kettleby-council")
    rows = tell_once(
        database, place, directory, running.connections(), move,
        policy=governed, audit=governed, timeout_seconds=timeout_seconds,
    )  # fmt: skip
    return {
        system: {"status": row.status, "receipt": row.receipt or row.reason or "", "record_id": row.record_id,
                 "held_by_system": _as_held(running, system, row.record_id, timeout_seconds)}
        for system, deliveries in rows.items() for row in deliveries
    }  # fmt: skip


def _as_held(running: SimulatedPlace, system: str, record_id: str, timeout_seconds: float) -> dict[str, Any]:
    """The record as the simulated system holds it; file systems are given their import job's time to run."""
    import time

    deadline = time.monotonic() + timeout_seconds
    while True:
        if system in ("housing", "gp", "waste") and running.rest is not None:
            return running.rest.record(system, record_id)
        if system == "adult-social-care" and running.adult_social_care is not None:
            return running.adult_social_care.read_client(record_id)
        if system == "childrens-services" and running.childrens_services is not None:
            return running.childrens_services.record(record_id)
        export = running.council_tax if system == "council-tax" else running.schools
        if export is None or export.inbound_folder is None:
            return {}
        pending = list(export.inbound_folder.glob("*.json*"))  # a change file, or a batch (.jsonl)
        if not pending or time.monotonic() > deadline:
            return export.record(record_id)
        time.sleep(0.1)
