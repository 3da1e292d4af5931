"""The import job's side of a file-drop write-back: the change files waiting in a system's inbound folder.

Two kinds of file arrive (see :mod:`joinedup.connectors.files.outbox`): ``<key>.json``, one change named by its
idempotency key, and ``batch-<hash>.jsonl``, one change per line, each with its key. Files are taken in the
order they arrived and moved to ``processed/``; a file named like one already processed is dropped, and a change
whose key was applied before (from either kind of file) is passed over, so each change is applied once.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

Apply = Callable[[str, Mapping[str, Any]], bool]  # (record id, fields) -> whether the record was there


def in_arrival_order(paths: Iterable[Path]) -> list[Path]:
    """Change files in the order they arrived (then by name): a back office imports its inbound folder that way,
    and the files are named by their idempotency keys, which say nothing about order."""
    return sorted(paths, key=lambda path: (path.stat().st_mtime_ns, path.name))


class InboundChanges:
    """One inbound folder and the keys its import job has applied (kept for the life of the simulated system)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._applied_keys: set[str] = set()

    def apply_waiting(self, apply: Apply) -> int:
        """Apply every change waiting, each once; returns how many changes found their record."""
        done = self.folder / "processed"
        done.mkdir(exist_ok=True)
        applied = 0
        waiting = [*self.folder.glob("*.json"), *self.folder.glob("*.jsonl")]
        for path in in_arrival_order(waiting):
            if (done / path.name).exists():  # the same file came again: applied once
                path.unlink()
                continue
            for document in _documents(path):
                key = str(document.get("idempotency_key") or "")
                if key and key in self._applied_keys:
                    continue
                if apply(str(document["record_id"]), document["fields"]):
                    applied += 1
                if key:
                    self._applied_keys.add(key)
            shutil.move(path, done / path.name)
        return applied


def _documents(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return [json.loads(text)]
