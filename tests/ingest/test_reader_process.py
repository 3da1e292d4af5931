"""When ingest reads in a second process: only when the connector allows it and a core is idle right now."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from joinedup.connectors.files import FileDropConnector
from joinedup.ingest._reader_process import can_read_in_child, idle_cores

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/stat")


def test_idle_cores_are_measured_over_a_short_window_and_bounded_by_the_machine() -> None:
    idle = idle_cores(0.05)
    assert idle is not None
    assert 0.0 <= idle <= os.cpu_count()  # type: ignore[operator]


def test_only_a_connector_that_allows_it_reads_in_a_second_process(tmp_path: Path) -> None:
    class Holds:  # a connector holding a connection: never forked
        reads_in_a_child_process = False

    assert can_read_in_child(Holds()) is False  # type: ignore[arg-type]
    files = FileDropConnector.from_connection({"directory": str(tmp_path), "id_column": "id"})
    expected = len(os.sched_getaffinity(0)) >= 2
    # A free core is the rest of the condition: on a one-core machine, never.
    assert can_read_in_child(files) in ((True, False) if expected else (False,))
