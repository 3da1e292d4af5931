"""Logs are JSON lines with the event's fields; an exception's message (which may quote data) is not written."""

from __future__ import annotations

import json
import logging

from joinedup.logs import JsonFormatter


def _format(record: logging.LogRecord) -> dict[str, object]:
    return dict(json.loads(JsonFormatter().format(record)))


def test_extra_fields_become_json_fields() -> None:
    record = logging.makeLogRecord(
        {"name": "joinedup.ingest", "levelno": logging.INFO, "levelname": "INFO", "msg": "batch saved"}
    )
    record.system = "gp"
    record.records = 120
    document = _format(record)
    assert document["event"] == "batch saved"
    assert (document["system"], document["records"], document["level"]) == ("gp", 120, "info")
    assert str(document["ts"]).endswith("+00:00")


def test_exception_messages_are_not_written() -> None:
    try:
        raise ValueError("Smith, William, 1961-04-03")
    except ValueError:
        import sys

        record = logging.makeLogRecord(
            {
                "name": "x",
                "levelno": logging.ERROR,
                "levelname": "ERROR",
                "msg": "mapping failed",
                "exc_info": sys.exc_info(),
            }
        )
    text = JsonFormatter().format(record)
    assert "Smith" not in text
    assert json.loads(text)["error"] == "ValueError"
