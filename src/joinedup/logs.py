"""Structured logs: one JSON object a line, with the event's own fields and never a personal value.

Callers log an event name as the message and put ids and counts in ``extra``; this formatter writes them as
fields, so logs can be searched without parsing sentences. Personal data (names, dates of birth, NHS numbers)
is never passed to a logger in joinedup: records are named by system and record id.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

# The attributes every LogRecord has; anything else on a record came from ``extra`` and is written as a field.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        document |= {key: value for key, value in vars(record).items() if key not in _STANDARD_ATTRIBUTES}
        if record.exc_info and record.exc_info[0] is not None:
            # The exception type and where it was raised; its message may quote data, so it is not written.
            document["error"] = record.exc_info[0].__name__
        return json.dumps(document, default=str, ensure_ascii=False)


def configure_logging(level: str = "INFO") -> None:
    """Send joinedup's logs to standard error as JSON lines. Called by entry points, never at import."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("joinedup")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
