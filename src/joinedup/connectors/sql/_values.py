"""Values between the database and the rest of joinedup: payload rendering and the read cursor's encoding.

Both are pure. Payloads hold JSON-friendly values (ISO dates, decimal strings) so ingest can hash and map them
without knowing the driver. Cursors keep each value's type so a resumed read binds exactly what was read:
a timestamp as a timestamp, an integer id as an integer, never a string the database would compare as text.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from typing import Any

Scalar = str | int | float | bool | None

_CURSOR_VERSION = 1


def render(value: object) -> Scalar:
    """A database value as it goes into a payload: JSON-friendly and stable between drivers."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    return str(value)


def as_aware(value: object, zone: tzinfo) -> datetime | None:
    """A timestamp as a timezone-aware datetime; naive ones are read in the database's own zone."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=zone)
    return None


def _encode(value: object) -> list[str] | None:
    # bool before int: bool is an int subclass, and a flag is not a number to the database.
    encoders: list[tuple[type | tuple[type, ...], str, Any]] = [
        (bool, "bool", lambda v: "1" if v else "0"),
        (int, "int", str),
        (Decimal, "dec", str),
        (float, "float", repr),
        (str, "str", str),
        (datetime, "dt", datetime.isoformat),
        (date, "date", date.isoformat),
        ((bytes, bytearray, memoryview), "bytes", lambda v: bytes(v).hex()),
    ]
    if value is None:
        return None
    for kinds, tag, encode in encoders:
        if isinstance(value, kinds):
            return [tag, encode(value)]
    raise TypeError(f"a {type(value).__name__} cannot be kept in a read cursor")


def _decode(item: object) -> object:
    if item is None:
        return None
    if not (isinstance(item, list) and len(item) == 2 and all(isinstance(part, str) for part in item)):
        raise ValueError("malformed value")
    tag, text = item
    decoders: dict[str, Any] = {
        "bool": lambda t: t == "1",
        "int": int,
        "dec": Decimal,
        "float": float,
        "str": str,
        "dt": datetime.fromisoformat,
        "date": date.fromisoformat,
        "bytes": bytes.fromhex,
    }
    if tag not in decoders:
        raise ValueError(f"unknown value type '{tag}'")
    return decoders[tag](text)


@dataclass(frozen=True)
class ReadPosition:
    """Where a read stopped: the last row's tracking value and id (the id breaks ties between equal values)."""

    tracking: str
    value: object
    record_id: object


class CursorError(ValueError):
    """A cursor that this connector did not hand out, or one from a differently configured connector."""


def encode_cursor(position: ReadPosition) -> str:
    body = {"v": _CURSOR_VERSION, "by": position.tracking}
    body |= {"at": _encode(position.value), "id": _encode(position.record_id)}
    return json.dumps(body, separators=(",", ":"))


def decode_cursor(text: str, tracking: str) -> ReadPosition:
    try:
        body = json.loads(text)
        if not isinstance(body, Mapping) or body.get("v") != _CURSOR_VERSION:
            raise ValueError("unknown cursor version")
        if body.get("by") != tracking:
            raise ValueError(f"cursor tracks '{body.get('by')}', this connector tracks '{tracking}'")
        return ReadPosition(tracking, _decode(body.get("at")), _decode(body.get("id")))
    except (ValueError, TypeError) as error:  # JSONDecodeError is a ValueError
        raise CursorError(f"not a SQL connector cursor: {error}") from None
