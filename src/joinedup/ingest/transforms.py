"""The transforms a mapping may apply to a source value, by name. Pure functions of (value, args).

A transform returns the new value, or raises :class:`TransformError` with a sentence that describes what was
expected (never the value itself: it may be personal data). ``split_name`` and ``split_address`` return several
canonical columns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from joinedup.model import normalise_postcode

Value = str | dict[str, str] | None
Transform = Callable[[Value, Any], Value]


class TransformError(ValueError):
    """A value could not be transformed; the message names the expectation, not the value."""


_TITLES = frozenset({"mr", "mrs", "miss", "ms", "mx", "dr", "rev", "prof", "sir", "dame", "master"})


def _text(value: Value, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TransformError(f"{name} needs a single text value")
    cleaned = " ".join(value.split())
    return cleaned or None


def trim(value: Value, _args: Any) -> Value:
    return _text(value, "trim")


def case(value: Value, args: Any) -> Value:
    text = _text(value, "case")
    if text is None:
        return None
    styles: dict[str, Callable[[str], str]] = {"upper": str.upper, "lower": str.lower, "title": str.title}
    if args not in styles:
        raise TransformError("case takes one of: upper, lower, title")
    return styles[args](text)


def parse_date(value: Value, args: Any) -> Value:
    """A date in one of the stated strptime formats, to ISO yyyy-mm-dd. ``args``: a format or {formats: [...]}."""
    text = _text(value, "date")
    if text is None:
        return None
    formats = [args] if isinstance(args, str) else list((args or {}).get("formats") or [(args or {}).get("format")])
    for pattern in formats:
        if not pattern:
            continue
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=UTC).date().isoformat()
        except ValueError:
            continue
    raise TransformError(f"not a date in the format{'s' if len(formats) > 1 else ''} {', '.join(map(str, formats))}")


def parse_timestamp(value: Value, args: Any) -> Value:
    """A timestamp to ISO 8601 in UTC; a naive timestamp is read in the zone the mapping states (default UTC)."""
    text = _text(value, "timestamp")
    if text is None:
        return None
    pattern = args if isinstance(args, str) else (args or {}).get("format")
    try:
        parsed = datetime.strptime(text, pattern) if pattern else datetime.fromisoformat(text)  # noqa: DTZ007 - zone attached below
    except ValueError as error:
        raise TransformError(f"not a timestamp{' in the format ' + pattern if pattern else ' in ISO 8601'}") from error
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat()


def postcode(value: Value, _args: Any) -> Value:
    text = _text(value, "postcode")
    if text is None:
        return None
    try:
        return normalise_postcode(text)
    except ValueError as error:
        raise TransformError("not a valid UK postcode") from error


def phone(value: Value, _args: Any) -> Value:
    """A UK phone number to E.164 (+44...); numbers that are not UK-shaped are refused."""
    text = _text(value, "phone")
    if text is None:
        return None
    digits = re.sub(r"[^\d+]", "", text)
    if digits.startswith("+44"):
        digits = "0" + digits[3:]
    elif digits.startswith("0044"):
        digits = "0" + digits[4:]
    if not re.fullmatch(r"0[1-9]\d{8,9}", digits):
        raise TransformError("not a UK phone number of 10 or 11 digits starting with 0 or +44")
    return "+44" + digits[1:]


def lookup(value: Value, args: Any) -> Value:
    """Translate a code through a table: ``lookup: {values: {M: male, F: female}, default: unknown}``."""
    text = _text(value, "lookup")
    if text is None:
        return None
    table: Mapping[str, str] = (args or {}).get("values") or {}
    if text in table:
        return str(table[text])
    if "default" in (args or {}):
        default = args["default"]
        return None if default is None else str(default)
    raise TransformError(f"not one of the known codes ({', '.join(sorted(map(str, table)))})")


def split_name(value: Value, args: Any) -> Value:
    """A full name to given, middle and family names.

    ``order: given-first`` (default) reads "Mr William J Smith"; ``order: family-first`` reads "SMITH, William J"
    or "SMITH William J". A comma always separates the family name. Titles are dropped.
    ``order: forenames`` reads a field that holds only the forenames ("William J", the family name being in a
    field of its own): the first word is the given name and the rest the middle names, and no family name is
    produced, so the family name's own field is left alone.
    """
    text = _text(value, "split_name")
    if text is None:
        return None
    order = (args or {}).get("order", "given-first") if isinstance(args, dict) else "given-first"
    if order == "forenames":
        return _split_forenames(text)
    if "," in text:
        family, _, rest = text.partition(",")
        parts = rest.split()
    else:
        words = text.split()
        if order == "family-first":
            family, parts = words[0], words[1:]
        else:
            family, parts = words[-1], words[:-1]
    parts = _without_titles(parts)
    family = family.strip()
    if not family and not parts:
        raise TransformError("a name was expected")
    return {
        "given_name": parts[0] if parts else "",
        "middle_name": " ".join(parts[1:]),
        "family_name": family,
    }


def _without_titles(words: list[str]) -> list[str]:
    return [word for word in words if word.lower().rstrip(".") not in _TITLES]


def _split_forenames(text: str) -> Value:
    words = _without_titles(text.split())
    if not words:
        return None  # only a title: there are no forenames to give
    return {"given_name": words[0], "middle_name": " ".join(words[1:])}


_SUB_BUILDING = re.compile(r"(?:flat|apartment|apt|unit|room|suite|maisonette)\.?\s+\S+", re.IGNORECASE)


def split_address(value: Value, _args: Any) -> Value:
    """A one-line address with its parts separated by commas, to address line 1, address line 2 and town.

    The first part is line 1, the last part is the town, and any parts between them make line 2:
    "14 Oak Road, Upper Kettleby, Kettleby". A first part that is only a flat or unit ("Flat 2") belongs with
    the street that follows it, so "Flat 2, 14 Oak Road, Kettleby" has line 1 "Flat 2, 14 Oak Road". An address
    of one part is line 1 alone. Parts left blank between commas are skipped.
    """
    text = _text(value, "split_address")
    if text is None:
        return None
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        raise TransformError("an address was expected, with its parts separated by commas")
    first = 2 if len(parts) > 1 and _SUB_BUILDING.fullmatch(parts[0]) else 1
    rest = parts[first:]
    return {
        "address_line_1": ", ".join(parts[:first]),
        "address_line_2": ", ".join(rest[:-1]),
        "town": rest[-1] if rest else "",
    }


def remove_spaces(value: Value, _args: Any) -> Value:
    """Every space taken out, for identifiers that some systems print in groups ("943 476 5919")."""
    text = _text(value, "remove_spaces")
    return None if text is None else text.replace(" ", "")


def blank_if(value: Value, args: Any) -> Value:
    """No value when the text is one of the stated placeholders, compared without regard to case or spacing.

    ``blank-if: The Occupier`` or ``blank-if: [The Occupier, Not known]``: a system that writes a placeholder
    where it has no value is read as having no value. Any other text is passed on unchanged.
    """
    text = _text(value, "blank_if")
    if text is None:
        return None
    placeholders = [args] if isinstance(args, str) else args
    if (
        not isinstance(placeholders, list | tuple)
        or not placeholders
        or not all(isinstance(p, str) for p in placeholders)
    ):
        raise TransformError("blank-if takes a placeholder text, or a list of them")
    if text.casefold() in {" ".join(p.split()).casefold() for p in placeholders}:
        return None
    return text


TRANSFORMS: dict[str, Transform] = {
    "trim": trim,
    "case": case,
    "date": parse_date,
    "timestamp": parse_timestamp,
    "postcode": postcode,
    "phone": phone,
    "lookup": lookup,
    "split-name": split_name,
    "split-address": split_address,
    "remove-spaces": remove_spaces,
    "blank-if": blank_if,
}
"""Every transform a mapping may name; `joinedup validate` refuses any other name."""
