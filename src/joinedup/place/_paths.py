"""Locations inside a place file, written the way the problems name them: ``systems[2].organisation``."""

from __future__ import annotations

import re

Loc = tuple[str | int, ...]
"""A path from the top of the file: mapping keys (str) and list positions (int), as Pydantic's ``loc``."""

_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def format_loc(loc: Loc) -> str:
    """``('systems', 2, 'organisation')`` -> ``systems[2].organisation``; the empty path is the file itself."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _PLAIN_KEY.match(part):
            text += f".{part}" if text else part
        else:
            text += f'["{part}"]'
    return text


def describe(loc: Loc) -> str:
    """The subject of a sentence about ``loc``: its path, or "The file" for the whole document."""
    return format_loc(loc) or "The file"
