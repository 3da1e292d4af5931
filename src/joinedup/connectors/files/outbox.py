"""Writing back to a file-drop system: one change file per change, in the folder the system imports from.

A file is named by the change's idempotency key, so writing the same change again rewrites the same file
with the same bytes: the system applies it once in effect. Files are written under a temporary name and
renamed, so the importing system never sees half a change.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
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


def write_change_file(outbox: Path, change: Change) -> WriteReceipt:
    target = outbox / change_file_name(change.idempotency_key)
    content = change_document(change)
    if target.exists():
        if target.read_bytes() == content:
            return WriteReceipt(change.record_id, accepted=True, detail=f"already written as {target.name}")
        return WriteReceipt(
            change.record_id, accepted=False, detail=f"{target.name} already holds a different change for this key"
        )
    temporary = outbox / f".{target.name}.{os.getpid()}.tmp"
    with temporary.open("wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, target)
    return WriteReceipt(change.record_id, accepted=True, detail=f"written as {target.name}")
