"""The ways real systems get people's details wrong, applied to a few records at a time.

Each function takes the column (a list of strings), the positions to damage and a seeded
`random.Random`; it changes the list in place and returns how many values it really changed.
Picking the positions is vectorised by the caller; only the damaged values pass through Python.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from joinedup.sim._names import NICKNAMES

# Neighbouring keys on a UK QWERTY keyboard, for slips of the finger.
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS: dict[str, str] = {}
for _r, _row in enumerate(_KEYBOARD_ROWS):
    for _c, _ch in enumerate(_row):
        near = [_row[i] for i in (_c - 1, _c + 1) if 0 <= i < len(_row)]
        for _other in (_r - 1, _r + 1):
            if 0 <= _other < len(_KEYBOARD_ROWS):
                near += [_KEYBOARD_ROWS[_other][i] for i in (_c - 1, _c) if 0 <= i < len(_KEYBOARD_ROWS[_other])]
        _NEIGHBOURS[_ch] = "".join(near)


def typo(value: str, rnd: random.Random) -> str:
    """One keying slip: a neighbouring key, two letters transposed, a letter dropped or doubled."""
    if len(value) < 3:
        return value
    i = rnd.randrange(1, len(value) - 1)
    kind = rnd.randrange(4)
    ch = value[i]
    if kind == 0 and ch.lower() in _NEIGHBOURS:
        new = rnd.choice(_NEIGHBOURS[ch.lower()])
        return value[:i] + (new.upper() if ch.isupper() else new) + value[i + 1 :]
    if kind == 1 and value[i] != value[i + 1]:
        return value[:i] + value[i + 1] + value[i] + value[i + 2 :]
    if kind == 2:
        return value[:i] + value[i + 1 :]
    return value[:i] + ch + value[i:]


def apply(column: list[str], positions: Sequence[int], change: str, rnd: random.Random) -> int:
    """Apply one named change at `positions`; returns the number of values actually changed."""
    changed = 0
    for i in positions:
        old = column[i]
        if not old:
            continue
        if change == "typo":
            new = typo(old, rnd)
        elif change == "nickname":
            options = NICKNAMES.get(old.title())
            new = rnd.choice(options) if options else old
            new = new.upper() if old.isupper() else new  # keep the system's own case
        elif change == "initials":
            new = old[0]
        elif change == "case":
            new = old.upper() if rnd.random() < 0.5 else old.lower()
        elif change == "spacing":
            new = rnd.choice((f" {old}", f"{old} ", old.replace(" ", "  ") if " " in old else f"{old}  "))
        else:
            raise ValueError(f"unknown change {change!r}")
        if new != old:
            column[i] = new
            changed += 1
    return changed


def pick(rng: np.random.Generator, n: int, rate: float) -> list[int]:
    """Positions chosen independently with probability `rate`."""
    if rate <= 0:
        return []
    return np.flatnonzero(rng.random(n) < rate).tolist()


def dates(
    days: NDArray[np.int64], present: NDArray[np.bool_], rng: np.random.Generator, swap: float, placeholder: float
) -> tuple[list[str], int, int]:
    """ISO dates (blank where not `present`) with day/month swaps (where the swap still makes a date)
    and placeholder dates; also returns how many were swapped and how many replaced by placeholders."""
    when = days.astype("datetime64[D]")
    month_start = when.astype("datetime64[M]")
    year = month_start.astype("datetime64[Y]").astype(np.int64) + 1970
    month = month_start.astype(np.int64) % 12 + 1
    day = (when - month_start).astype(np.int64) + 1
    out = when.astype(str)
    swapped = (rng.random(len(days)) < swap) & (day <= 12) & (day != month) & present
    if swapped.any():
        out[swapped] = [
            f"{y:04d}-{d:02d}-{m:02d}"
            for y, m, d in zip(year[swapped].tolist(), month[swapped].tolist(), day[swapped].tolist(), strict=True)
        ]
    placed = (rng.random(len(days)) < placeholder) & ~swapped & present
    if placed.any():
        first_of_year = np.char.add(year[placed].astype(str), "-01-01")
        out[placed] = np.where(rng.random(int(placed.sum())) < 0.5, "1900-01-01", first_of_year)
    out[~present] = ""
    return out.tolist(), int(swapped.sum()), int(placed.sum())


def blank_out(column: list[str], rng: np.random.Generator, present: float) -> None:
    """Blank values so that about `present` of them remain."""
    if present >= 1:
        return
    for i in np.flatnonzero(rng.random(len(column)) >= present).tolist():
        column[i] = ""
