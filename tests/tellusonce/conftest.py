"""A running Kettleby (all seven simulated systems) per test module, and its ground truth as a directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from joinedup.sim import SyntheticPlace
from joinedup.sim.servers.place_servers import SimulatedPlace
from joinedup.tellusonce import MappingRecordDirectory

from .support import truth_directory

PEOPLE = 600
SEED = 11


@pytest.fixture(scope="session")
def synthetic() -> SyntheticPlace:
    return SyntheticPlace(people=PEOPLE, seed=SEED)


@pytest.fixture(scope="session")
def directory(synthetic: SyntheticPlace) -> MappingRecordDirectory:
    return truth_directory(synthetic)


@pytest.fixture
def running(synthetic: SyntheticPlace, tmp_path: Path) -> Iterator[SimulatedPlace]:
    """All seven systems, fresh for each test (writes change them), import jobs every 0.2 s; the REST APIs keep
    connections alive, as the worker's connectors expect of a real API."""
    with SimulatedPlace(
        synthetic, tmp_path / "place", export_interval_seconds=0.2, start_timeout_seconds=30, rest_keep_alive=True
    ) as place:
        yield place
