"""Reading and writing linkage's CSV files: the canonical person columns in, (source, record_id, resident) out.

Errors name the file and line, never a value from it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from joinedup.linkage._columns import LINK_COLUMNS, split_unique_id
from joinedup.linkage._errors import LinkageError

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_LINE_IN_MESSAGE = re.compile(r"line (\d+)")


def _read_one(path: Path) -> pd.DataFrame:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle), None)
    except OSError as error:
        raise LinkageError(f"{path}: cannot be read ({error.strerror or type(error).__name__})") from None
    except UnicodeDecodeError:
        raise LinkageError(f"{path}: is not UTF-8 text") from None
    if not header:
        raise LinkageError(f"{path}:1: the file is empty; expected a header row of the canonical columns")
    missing = [c for c in LINK_COLUMNS if c not in header]
    if missing:
        raise LinkageError(f"{path}:1: the header lacks the column(s) {', '.join(missing)}")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, usecols=list(LINK_COLUMNS))
    except pd.errors.ParserError as error:
        found = _LINE_IN_MESSAGE.search(str(error))
        where = f"{path}:{found.group(1)}" if found else str(path)
        raise LinkageError(f"{where}: the row does not have the header's number of fields") from None
    except UnicodeDecodeError:
        raise LinkageError(f"{path}: is not UTF-8 text") from None
    _check_rows(path, frame)
    return frame


def _check_rows(path: Path, frame: pd.DataFrame) -> None:
    """Every record names its source and id, and dates of birth are ISO (yyyy-mm-dd) or blank."""
    line = pd.Series(range(2, len(frame) + 2), index=frame.index)  # line 1 is the header
    blank = (frame["source"].str.strip() == "") | (frame["record_id"].str.strip() == "")
    if blank.any():
        raise LinkageError(f"{path}:{line[blank].iloc[0]}: the record has no source or no record_id")
    piped = frame["source"].str.contains("|", regex=False)
    if piped.any():
        raise LinkageError(f"{path}:{line[piped].iloc[0]}: the source contains '|', which joinedup uses in record ids")
    dates = frame["date_of_birth"].str.strip()
    bad = (dates != "") & ~dates.str.fullmatch(_ISO_DATE.pattern)
    if bad.any():
        raise LinkageError(f"{path}:{line[bad].iloc[0]}: date_of_birth is not an ISO date (yyyy-mm-dd) or blank")


def read_link_csv(paths: Sequence[Path]) -> pd.DataFrame:
    """The records of every file, in the canonical columns, as text ("" where blank)."""
    if not paths:
        raise LinkageError("no input files were given")
    frames = [_read_one(Path(p)) for p in paths]
    frame = pd.concat(frames, ignore_index=True)
    key = frame["source"].str.strip() + "|" + frame["record_id"].str.strip()
    repeated = key.duplicated()
    if repeated.any():
        at = int(repeated.to_numpy().argmax())
        offsets = [0, *pd.Series([len(f) for f in frames]).cumsum().tolist()]
        index = next(i for i in range(len(frames)) if offsets[i] <= at < offsets[i + 1])
        raise LinkageError(
            f"{paths[index]}:{at - offsets[index] + 2}: the (source, record_id) pair appears more than once"
        )
    return frame


def resident_ids(clusters: Mapping[str, str], order: Sequence[str]) -> dict[str, str]:
    """Numbered resident ids (R0000001, ...) in order of each resident's first record in `order`."""
    numbers: dict[str, str] = {}
    for uid in order:
        key = clusters[uid]
        if key not in numbers:
            numbers[key] = f"R{len(numbers) + 1:07d}"
    return {uid: numbers[clusters[uid]] for uid in order}


def write_residents(path: Path, clusters: Mapping[str, str], order: Sequence[str]) -> int:
    """Write source, record_id, resident_id for each record; returns the number of residents."""
    ids = resident_ids(clusters, order)
    sources, records = zip(*(split_unique_id(uid) for uid in order), strict=True) if order else ((), ())
    out = pd.DataFrame({"source": sources, "record_id": records, "resident_id": [ids[u] for u in order]})
    path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, index=False)
    return len(set(ids.values()))
