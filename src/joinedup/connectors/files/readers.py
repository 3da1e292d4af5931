"""Streaming readers for the text formats a file drop delivers: CSV, JSON lines and fixed-width.

Each reader yields ``(line, payload, problem)`` per record, one at a time, never holding the file in memory:
``line`` is the physical line where the record starts, ``payload`` maps column to value, and ``problem``
is None for a good record. A bad row (wrong field count, undecodable bytes, broken JSON, a wrong trailer
count) is not dropped and does not stop the read: it comes out with its raw text as the payload and a
problem saying what is wrong, for ingest to quarantine. Only schema drift stops a file.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from joinedup.connectors.base import ConnectorError
from joinedup.connectors.files.config import FileDropConfig
from joinedup.connectors.files.drift import check_columns, check_keys

RowOut = tuple[int, Mapping[str, Any], str | None]
# (line, header, values, problem): a good row's values as a list under the header; a bad row's payload as in RowOut.
ValuesOut = tuple[int, tuple[str, ...], list[str] | Mapping[str, Any], str | None]

# Undecodable bytes come through "surrogateescape" decoding as lone surrogates U+DC80..U+DCFF.
_UNDECODABLE = re.compile("[\udc80-\udcff]")
_DIGITS = re.compile(r"\d+")
_SNIFF_BYTES = 64 * 1024


def text_encoding(path: Path, declared: str) -> str:
    """The encoding to read with: a byte order mark wins over the declaration, which is often wrong."""
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return declared


def _raw(text: str) -> str:
    """Text safe to store and show: undecodable bytes written as \\xNN escapes."""
    if not _UNDECODABLE.search(text):
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _sniff_delimiter(path: Path, encoding: str) -> str:
    with path.open("r", encoding=encoding, errors="surrogateescape", newline="") as handle:
        sample = handle.read(_SNIFF_BYTES)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;|\t").delimiter
    except csv.Error:
        return ","  # one column, or nothing to go on: the commonest delimiter


def _trailer_problem(prefix: str, stated: str | None, counted: int) -> str | None:
    if stated is None:
        return f"no trailer line starting {prefix!r}: the file may be truncated"
    found = _DIGITS.search(stated)
    if found is None:
        return "the trailer line carries no record count"
    if int(found.group()) != counted:
        return f"the trailer states {int(found.group())} records but the file holds {counted}"
    return None


def read_csv(path: Path, config: FileDropConfig) -> Iterator[RowOut]:
    for line, header, values, problem in read_csv_values(path, config):
        yield line, values if isinstance(values, Mapping) else dict(zip(header, values, strict=True)), problem


def read_csv_values(path: Path, config: FileDropConfig) -> Iterator[ValuesOut]:
    """As :func:`read_csv`, but a good row comes out as its list of values, beside the header that names them
    (the same tuple for every row), so that a caller which only hashes the row need not make a dict of it."""
    encoding = text_encoding(path, config.encoding)
    delimiter = config.delimiter or _sniff_delimiter(path, encoding)
    trailer = config.trailer_prefix
    with path.open("r", encoding=encoding, errors="surrogateescape", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter, quotechar=config.quotechar)
        first = next(reader, None)
        if first is None:
            return  # an empty file holds no records
        check_columns(path.name, first, config.columns, config.id_column)
        header = tuple(first)
        width = len(header)
        last = reader.line_num
        counted = 0
        stated: str | None = None
        trailer_line = 0
        while True:  # re-entered only after a csv.Error: the reader carries on with the next line
            try:
                for fields in reader:
                    start, last = last + 1, reader.line_num
                    if not fields:
                        continue  # a blank line is not a record
                    if trailer is not None and fields[0] == trailer and stated is None:
                        stated, trailer_line = delimiter.join(fields[1:]), start
                        continue
                    counted += 1
                    joined = delimiter.join(fields)
                    if len(fields) != width:
                        yield start, header, {"raw": _raw(joined)}, f"expected {width} fields, found {len(fields)}"
                    elif not joined.isascii() and _UNDECODABLE.search(joined):  # isascii: cheap for most rows
                        yield start, header, {"raw": _raw(joined)}, f"bytes that are not valid {encoding}"
                    else:
                        yield start, header, fields, None
                break
            except csv.Error as error:  # e.g. a runaway quote exceeding the field size limit
                start, last = last + 1, reader.line_num
                counted += 1
                yield start, header, {"raw": ""}, f"unreadable CSV from line {start} to {last}: {error}"
        if trailer is not None:
            problem = _trailer_problem(trailer, stated, counted)
            if problem:
                yield trailer_line or last + 1, header, {"raw": stated or ""}, problem


def read_jsonl(path: Path, config: FileDropConfig) -> Iterator[RowOut]:
    # Read bytes line by line: a bad line must not stop the rest, and JSON never holds a raw newline.
    encoding = text_encoding(path, config.encoding)
    if encoding in ("utf-16", "utf-32"):
        raise ConnectorError(f"{path.name}: JSON lines must use a byte-oriented encoding such as UTF-8")
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip(b"\r\n")
            if not line.strip():
                continue
            try:
                value = json.loads(line.decode(encoding))
            except UnicodeDecodeError:
                yield number, {"raw": line.decode(encoding, "backslashreplace")}, f"bytes that are not valid {encoding}"
                continue
            except json.JSONDecodeError as error:
                yield number, {"raw": line.decode(encoding)}, f"not valid JSON: {error.msg} at column {error.colno}"
                continue
            if not isinstance(value, dict):
                yield number, {"raw": line.decode(encoding)}, "a JSON line must hold an object"
                continue
            check_keys(path.name, f"line {number}", list(value), config.columns)
            yield number, value, None


def read_fixed_width(path: Path, config: FileDropConfig) -> Iterator[RowOut]:
    encoding = text_encoding(path, config.encoding)
    slices = [(field.name, field.start - 1, field.end) for field in config.fields]
    shortest = max(end for _, _, end in slices)
    length = config.record_length
    trailer = config.trailer_prefix
    counted = 0
    stated: str | None = None
    last = trailer_line = 0
    with path.open("r", encoding=encoding, errors="surrogateescape", newline=None) as handle:
        for number, line in enumerate(handle, start=1):
            last = number
            line = line.rstrip("\n")
            if number <= config.skip_lines or not line.strip():
                continue
            if trailer is not None and line.startswith(trailer) and stated is None:
                stated, trailer_line = line[len(trailer) :], number
                continue
            counted += 1
            if length is not None and len(line) != length:
                yield number, {"raw": _raw(line)}, f"expected a {length}-character record, found {len(line)}"
            elif length is None and len(line.rstrip()) > shortest:
                yield number, {"raw": _raw(line)}, f"text beyond column {shortest}, where the layout ends"
            elif _UNDECODABLE.search(line):
                yield number, {"raw": _raw(line)}, f"bytes that are not valid {encoding}"
            else:
                # Mainframe exports pad with spaces (and often trim trailing ones), so short lines are padded.
                yield number, {name: line[start:end].strip() for name, start, end in slices}, None
    if trailer is not None:
        problem = _trailer_problem(trailer, stated, counted)
        if problem:
            yield trailer_line or last + 1, {"raw": stated or ""}, problem
