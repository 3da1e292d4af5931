"""The CLI is tested as users run it: the installed console script in a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess[str]]


def _joinedup_executable() -> list[str]:
    script = Path(sys.executable).with_name("joinedup")
    if script.exists():
        return [str(script)]
    found = shutil.which("joinedup")
    return [found] if found else [sys.executable, "-m", "joinedup.cli"]


@pytest.fixture
def run_cli(tmp_path: Path) -> Run:
    """Run `joinedup ARGS...` in a temporary working folder; returns the finished process."""

    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("JOINEDUP_")}
        environment |= {"COLUMNS": "200", "NO_COLOR": "1"} | (env or {})
        return subprocess.run(
            [*_joinedup_executable(), *args],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return run
