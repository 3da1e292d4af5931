"""Writing back to a file-drop system: change files in the folder the system imports from.

One change, one file named by the change's idempotency key, so writing the same change again rewrites the
same file with the same bytes: the system applies it once in effect. A batch (``outbox_batches``), one JSON
lines file of change documents, each carrying its own idempotency key, named by a hash of those keys: the same
batch again is recognised by its name, and the system's import job applies each key once, whichever file brings
it. Files are written under a temporary name, flushed to disk and renamed, so the importing system never sees
half a change, and a change reported written survives a crash.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path

from joinedup.connectors.base import Change, WriteReceipt

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def change_file_name(idempotency_key: str) -> str:
    """A portable file name for a key; keys that need cleaning get a hash so two keys never share a name."""
    safe = _UNSAFE.sub("_", idempotency_key).lstrip(".")[:100]
    if safe != idempotency_key:
        safe = f"{safe}-{hashlib.sha256(idempotency_key.encode()).hexdigest()[:12]}"
    return f"{safe}.json"


def change_document(change: Change) -> bytes:
    body = {
        "record_id": change.record_id,
        "fields": dict(change.fields),
        "idempotency_key": change.idempotency_key,
        "expected_version": change.expected_version,
    }
    return (json.dumps(body, sort_keys=True, ensure_ascii=False, default=str) + "\n").encode("utf-8")


def batch_file_name(changes: Sequence[Change]) -> str:
    keys = "\n".join(change.idempotency_key for change in changes)
    return f"batch-{hashlib.sha256(keys.encode()).hexdigest()[:32]}.jsonl"


def write_change_file(outbox: Path, change: Change) -> WriteReceipt:
    target = outbox / change_file_name(change.idempotency_key)
    content = change_document(change)
    if target.exists():
        if target.read_bytes() == content:
            return WriteReceipt(change.record_id, accepted=True, detail=f"already written as {target.name}")
        return WriteReceipt(
            change.record_id, accepted=False, detail=f"{target.name} already holds a different change for this key"
        )
    _write_whole(target, content)
    return WriteReceipt(change.record_id, accepted=True, detail=f"written as {target.name}")


def write_batch_file(outbox: Path, changes: Sequence[Change]) -> list[WriteReceipt]:
    """All the changes in one file (one fsync); a receipt each, naming the file and the line."""
    target = outbox / batch_file_name(changes)
    content = b"".join(change_document(change) for change in changes)
    already = target.exists() and target.read_bytes() == content  # the same batch, written before
    if not already:
        _write_whole(target, content)  # a different file of the same name cannot be: the name hashes the keys
    verb = "already written" if already else "written"
    return [
        WriteReceipt(change.record_id, accepted=True, detail=f"{verb} in {target.name}, line {line}")
        for line, change in enumerate(changes, start=1)
    ]


def _write_whole(target: Path, content: bytes) -> None:
    temporary = target.parent / f".{target.name}.{os.getpid()}.tmp"
    with temporary.open("wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, target)
