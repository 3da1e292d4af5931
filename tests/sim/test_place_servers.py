"""The whole simulated place: every system served from one synthetic place, and read back through its connector."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from joinedup.connectors.base import Connector
from joinedup.connectors.registry import open_connector
from joinedup.sim import SIM_SYSTEMS, SyntheticPlace
from joinedup.sim.servers.place_servers import KINDS, SimulatedPlace, SimulatedPlaceError

PEOPLE = 300  # a few children's services cases, so reading them through the browser takes seconds
SEED = 11
HAS_BROWSER = importlib.util.find_spec("playwright") is not None and os.path.exists("/usr/bin/chromium")


def truth_ids(place: SyntheticPlace) -> dict[str, set[str]]:
    ids: dict[str, set[str]] = {system.code: set() for system in SIM_SYSTEMS}
    for batch in place.batches():
        ids[batch.system].update(record_id for record_id, _ in batch.truth)
    return ids


def read_ids(connector: Connector) -> list[str]:
    try:
        records = list(connector.read())
    finally:
        close = getattr(connector, "close", None)
        if close is not None:
            close()
    assert [r.problem for r in records if r.problem] == []
    return [record.record_id for record in records]


@pytest.fixture(scope="module")
def place() -> SyntheticPlace:
    return SyntheticPlace(people=PEOPLE, seed=SEED)


@pytest.fixture(scope="module")
def running(place: SyntheticPlace, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatedPlace]:
    with SimulatedPlace(place, tmp_path_factory.mktemp("place"), start_timeout_seconds=20) as started:
        yield started


def test_every_system_is_running_with_its_kind(running: SimulatedPlace, place: SyntheticPlace) -> None:
    truth = truth_ids(place)
    assert list(running.systems) == [system.code for system in SIM_SYSTEMS]
    assert {code: running.kind(code) for code in running.systems} == KINDS
    assert {code: system.records for code, system in running.systems.items()} == {
        code: len(ids) for code, ids in truth.items()
    }
    assert all(truth.values()), "every system should hold records at this size"
    assert json.loads(json.dumps(running.connections())) == running.connections()  # fit for connections.json


@pytest.mark.parametrize(
    "code",
    [
        pytest.param(
            system.code,
            marks=[pytest.mark.skipif(not HAS_BROWSER, reason="needs the browser extra and Chromium")]
            if KINDS[system.code] == "screen"
            else [],
        )
        for system in SIM_SYSTEMS
    ],
)
def test_each_system_reads_back_exactly_its_records(running: SimulatedPlace, place: SyntheticPlace, code: str) -> None:
    connector = open_connector(running.kind(code), running.connection(code), {})
    ids = read_ids(connector)
    assert len(ids) == len(set(ids)), "a record was read twice"
    assert set(ids) == truth_ids(place)[code]


def test_stop_takes_the_servers_down(place: SyntheticPlace, tmp_path: Path) -> None:
    simulated = SimulatedPlace(place, tmp_path).start()
    connection = simulated.connection("housing")
    connector = open_connector("api", connection, {})
    try:
        assert connector.health().ok
        simulated.stop()
        assert not simulated.running and simulated.systems == {}
        assert not connector.health().ok
    finally:
        simulated.stop()
        getattr(connector, "close", lambda: None)()


def test_a_restart_in_the_same_folder_starts_afresh(place: SyntheticPlace, tmp_path: Path) -> None:
    for _ in range(2):
        with SimulatedPlace(place, tmp_path) as simulated:
            ids = read_ids(open_connector("file", simulated.connection("council-tax"), {}))
            assert set(ids) == truth_ids(place)["council-tax"]
            assert len(list((tmp_path / "drops" / "council-tax").glob("*.csv"))) == 1


def test_a_database_already_holding_clients_is_refused_and_nothing_is_left_running(
    place: SyntheticPlace, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    with SimulatedPlace(place, tmp_path / "first", database_url=url):
        pass
    second = SimulatedPlace(place, tmp_path / "second", database_url=url)
    with pytest.raises(SimulatedPlaceError, match="already holds rows"):
        second.start()
    assert not second.running
    assert second.rest is not None and not second.rest.running


def test_sim_serve_writes_connections_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    folder = tmp_path / "sim"
    command = [
        str(Path(sys.executable).with_name("joinedup")),
        "sim",
        "serve",
        "--people",
        "200",
        "--folder",
        str(folder),
    ]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("JOINEDUP_")} | {"COLUMNS": "200"}
    process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        settings = folder / "connections.json"
        deadline = time.monotonic() + 30
        while not settings.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert settings.exists(), "sim serve did not write connections.json within 30 s"
        document = json.loads(settings.read_text(encoding="utf-8"))
        assert {code: entry["kind"] for code, entry in document["systems"].items()} == KINDS
        connector = open_connector("api", document["systems"]["waste"]["connection"], {})
        assert connector.health().ok
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "connections.json" in out and "demo credentials" in out
    assert all(system.code in out for system in SIM_SYSTEMS)
    personal = {
        row[column]
        for batch in SyntheticPlace(people=200, seed=42).batches()
        for row in batch.canonical_rows()
        for column in ("record_id", "postcode", "phone", "email")
        if row[column]
    }
    assert personal and not [value for value in personal if value in out or value in err]
    assert not connector.health().ok
    getattr(connector, "close", lambda: None)()
