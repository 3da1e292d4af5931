"""Reading a place file into a Place, or into the complete list of what is wrong with it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from joinedup.place._messages import explain, show_value
from joinedup.place._models import Place
from joinedup.place._paths import format_loc
from joinedup.place._problems import PlaceFileError, PlaceProblem, PlaceValidation
from joinedup.place._rules import find_inconsistencies
from joinedup.place._yaml import START, Located, Position, parse_yaml

PlaceCheck = Callable[[Place], Iterable[tuple[tuple[str | int, ...], str]]]
"""A further check of a valid place by a capability that owns part of the file (e.g. ingest's mappings):
it yields (path in the file, plain sentence) for each problem, and the loader adds the line."""


def validate_place_file(path: str | os.PathLike[str], checks: Sequence[PlaceCheck] = ()) -> PlaceValidation:
    """Validate the place file at ``path``, reporting every problem (including an unreadable file)."""
    filename = os.fspath(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        return _failed(filename, [Located(START, (), f"The file could not be read ({reason}).")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        position = Position(before.count(b"\n") + 1, error.start - (before.rfind(b"\n") + 1) + 1)
        message = "The file is not UTF-8 text from here on; save it with UTF-8 encoding."
        return _failed(filename, [Located(position, (), message)])
    return validate_place_text(text, filename, checks)


def validate_place_text(text: str, filename: str = "<string>", checks: Sequence[PlaceCheck] = ()) -> PlaceValidation:
    """Validate place-file content held in a string; ``filename`` is only used to label problems."""
    parsed = parse_yaml(text)
    if not parsed.readable:
        return _failed(filename, parsed.problems)
    data, index = parsed.data, parsed.index
    if data is None:
        message = "The file is empty; a place file needs at least the 'place' and 'organisations' sections."
        return _failed(filename, [Located(START, (), message)])
    if not isinstance(data, dict):
        message = (
            "The file should be a set of sections written as 'place:', 'organisations:' and so on, "
            f"not {show_value(data)}."
        )
        return _failed(filename, [Located(index.value_at(()), (), message)])

    found = list(parsed.problems)
    found += [Located(index.value_at(f.loc), f.loc, f.message) for f in find_inconsistencies(data)]
    try:
        place = Place.model_validate(data)
    except ValidationError as error:
        found += [located for detail in error.errors() if (located := explain(detail, index)) is not None]
        if not found:  # cannot happen while the rules and Place agree; never let a bad file through
            raise
    if found:
        return _failed(filename, found)
    found += [Located(index.value_at(loc), loc, message) for check in checks for loc, message in check(place)]
    if found:
        return _failed(filename, found)
    return PlaceValidation(place)


def load_place(path: str | os.PathLike[str], checks: Sequence[PlaceCheck] = ()) -> Place:
    """The Place in the file at ``path``; raises PlaceFileError listing every problem if there are any."""
    return _place_or_raise(validate_place_file(path, checks))


def load_place_text(text: str, filename: str = "<string>", checks: Sequence[PlaceCheck] = ()) -> Place:
    """The Place in ``text``; raises PlaceFileError listing every problem if there are any."""
    return _place_or_raise(validate_place_text(text, filename, checks))


def demo_place_path() -> Path:
    """The bundled place file of the fictional place Kettleby, used by the demo and the simulator."""
    resource = resources.files("joinedup") / "sim" / "place.yaml"
    if not isinstance(resource, Path):  # e.g. installed inside a zip: there is no real path to give
        raise FileNotFoundError(f"the demo place file is not on the file system: {resource}")
    return resource


def _place_or_raise(result: PlaceValidation) -> Place:
    if result.place is None:
        raise PlaceFileError(result.problems)
    return result.place


def _failed(filename: str, found: list[Located]) -> PlaceValidation:
    problems = {
        PlaceProblem(filename, item.position.line, item.position.column, format_loc(item.loc), item.message)
        for item in found
    }
    ordered = sorted(problems, key=lambda p: (p.line, p.column, p.path, p.message))
    return PlaceValidation(None, ordered)
