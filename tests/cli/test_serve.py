"""`joinedup serve` as users start it: a real server that refuses unauthenticated calls and honours dev tokens."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from joinedup.store import Database


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_refuses_unauthenticated_calls_and_accepts_a_dev_token(tmp_path: Path) -> None:
    port = _free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("JOINEDUP_")}
    command = [
        str(Path(sys.executable).with_name("joinedup")),
        "serve",
        "--port",
        str(port),
        "--database-url",
        f"sqlite:///{tmp_path / 'j.db'}",
    ]
    server = subprocess.Popen(
        command, cwd=tmp_path, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health/live", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start within 30 s"
            time.sleep(0.2)
        refused = httpx.get(f"{base}/api/v1/version", timeout=5)
        assert refused.status_code == 401
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "WWW-Authenticate" in refused.headers
        token = httpx.post(f"{base}/api/v1/dev/token", json={"username": "social-worker"}, timeout=5).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        version = httpx.get(f"{base}/api/v1/version", headers=headers, timeout=5)
        assert version.status_code == 200
        revision = Database(f"sqlite:///{tmp_path / 'j.db'}").current_revision()
        assert revision is not None and version.json()["schema_revision"] == revision
        whoami = httpx.get(f"{base}/api/v1/whoami", headers=headers, timeout=5).json()
        assert (whoami["kind"], whoami["organisation"]) == ("staff", "kettleby-council")
    finally:
        server.terminate()
        server.wait(timeout=30)
