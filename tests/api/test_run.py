"""`run` serves the factory-built app under uvicorn, logging JSON lines without URLs' query strings."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx

from .support import free_port

SCRIPT = """
import sys
from joinedup.api import run
from joinedup.settings import Settings
run(Settings(environment="test", database_url=sys.argv[1], dev_tokens=False), port=int(sys.argv[2]))
"""


def test_run_serves_the_api_until_stopped(tmp_path: Path) -> None:
    port = free_port()
    url = f"sqlite:///{tmp_path / 'run.db'}"
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, url, str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                live = httpx.get(f"http://127.0.0.1:{port}/health/live", params={"nhs": "9434765919"})
                break
            except httpx.ConnectError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        whoami = httpx.get(f"http://127.0.0.1:{port}/api/v1/whoami")
    finally:
        process.terminate()
        _stdout, stderr = process.communicate(timeout=20)
    assert live.json() == {"status": "ok"}
    assert "server" not in live.headers
    assert whoami.status_code == 401
    events = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    requests = [event for event in events if event["event"] == "request"]
    assert sorted((event["route"], event["status"]) for event in requests) == [
        ("/api/v1/whoami", 401),
        ("/health/live", 200),
    ]
    assert "9434765919" not in stderr
