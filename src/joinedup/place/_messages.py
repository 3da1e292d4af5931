"""Pydantic's validation errors, re-worded as plain sentences and placed on the line they are about."""

from __future__ import annotations

import difflib
import re
import types
from typing import Annotated, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from joinedup.place._formats import FORMAT_ERROR
from joinedup.place._models import CONSISTENCY_ERROR, Place
from joinedup.place._paths import Loc, describe, format_loc
from joinedup.place._yaml import LineIndex, Located

_TEXT_ERRORS = {"string_type", "string_unicode", "string_sub_type"}
_WHOLE_NUMBER_ERRORS = {"int_type", "int_parsing", "int_from_float", "int_parsing_size"}
_DATE_ERRORS = {"date_type", "date_parsing", "date_from_datetime_inexact", "date_from_datetime_parsing"}
_LIST_ERRORS = {"tuple_type", "list_type", "iterable_type"}
_MAPPING_ERRORS = {"model_type", "model_attributes_type", "dict_type", "mapping_type"}
_BOUNDS = {
    "greater_than_equal": "at least",
    "greater_than": "more than",
    "less_than_equal": "at most",
    "less_than": "less than",
}
_BOUND_KEYS = {"greater_than_equal": "ge", "greater_than": "gt", "less_than_equal": "le", "less_than": "lt"}


def explain(error: ErrorDetails, index: LineIndex) -> Located | None:
    """One Pydantic error as a located, plain sentence; None for errors the cross-file rules report."""
    kind = error["type"]
    if kind == CONSISTENCY_ERROR:
        return None
    if kind == "too_short" and _long_enough_before_validation(error):
        return None  # Pydantic counts only the items that validated; those items have their own errors
    loc: Loc = tuple(error["loc"])
    if "[key]" in loc:
        owner = loc[: loc.index("[key]") - 1]
        message = f"{describe(owner)} has a key {show_value(error['input'])} that is not text; put the key in quotes."
        return Located(index.introduced_at(owner), loc, message)
    if kind == "invalid_key":
        message = f"{describe(loc[:-1])} has a key {show_value(loc[-1])} that is not text; put the key in quotes."
        return Located(index.introduced_at(loc), loc, message)
    if kind == "missing":
        return Located(index.introduced_at(loc[:-1]), loc, _missing(loc))
    if kind == "extra_forbidden":
        return Located(index.introduced_at(loc), loc, _unknown_key(loc))
    return Located(index.value_at(loc), loc, _wrong_value(kind, loc, error))


def _long_enough_before_validation(error: ErrorDetails) -> bool:
    given = error["input"]
    minimum = error.get("ctx", {}).get("min_length", 0)
    return isinstance(given, list | tuple) and len(given) >= minimum


def _missing(loc: Loc) -> str:
    if len(loc) == 1:
        return f"The file is missing the '{loc[0]}' section."
    return f"{format_loc(loc[:-1])} is missing '{loc[-1]}'."


def _unknown_key(loc: Loc) -> str:
    key = str(loc[-1])
    model = _model_at(loc[:-1])
    allowed = list(model.model_fields) if model else []
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    choices = ", ".join(allowed)
    if len(loc) == 1:
        return f"'{key}' is not a known section{hint}; the sections are: {choices}."
    return f"{format_loc(loc[:-1])} has an unknown key '{key}'{hint}; the keys it can have are: {choices}."


def _wrong_value(kind: str, loc: Loc, error: ErrorDetails) -> str:
    subject = describe(loc)
    value = error["input"]
    ctx = error.get("ctx", {})
    if kind in {"enum", "literal_error"}:
        choices = ", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
        return f"{subject} {show_value(value)} is not one of: {choices}."
    if kind == FORMAT_ERROR:
        return f"{subject} {show_value(value)} {error['msg']}."
    if kind in _TEXT_ERRORS:
        return f"{subject} should be text{_quote_hint(value)}."
    if kind in {"string_too_short", "too_short"} and ctx.get("min_length", 1) <= 1:
        return f"{subject} must not be empty."
    if kind == "too_short":
        return f"{subject} must list at least {ctx['min_length']} items."
    if kind == "string_too_long":
        return f"{subject} must be at most {ctx['max_length']} characters long."
    if kind in _WHOLE_NUMBER_ERRORS:
        return f"{subject} should be a whole number, not {show_value(value)}."
    if kind in _BOUNDS:
        return f"{subject} should be {_BOUNDS[kind]} {ctx[_BOUND_KEYS[kind]]}, not {show_value(value)}."
    if kind in {"bool_type", "bool_parsing"}:
        return f"{subject} should be true or false, not {show_value(value)}."
    if kind in _DATE_ERRORS:
        return f"{subject} should be a date written as YYYY-MM-DD, like 2026-03-31, not {show_value(value)}."
    if kind in _LIST_ERRORS:
        return f"{subject} should be a list, each item on its own line starting with '- ', not {show_value(value)}."
    if kind in _MAPPING_ERRORS:
        return f"{subject} should be a set of 'key: value' lines, not {show_value(value)}."
    if kind == "recursion_loop":
        return f"{subject} refers back to itself through YAML anchors; write it out in full instead."
    return f"{subject} is not valid: {error['msg'].rstrip('.')}."


def _quote_hint(value: object) -> str:
    if isinstance(value, bool):
        return (
            f", but YAML read it as {show_value(value)} (it reads yes, no, on and off that way), "
            "so put the value in quotes"
        )
    if isinstance(value, int | float):
        return f", but YAML read it as the number {value}, so put the value in quotes"
    if value is None:
        return ", but it is empty"
    return f", not {show_value(value)}"


def show_value(value: object) -> str:
    """A short rendering of a value for a message; containers are named, not printed."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "empty"
    if isinstance(value, dict):
        return "a set of 'key: value' lines"
    if isinstance(value, list | tuple):
        return "a list"
    text = str(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"'{text}'" if isinstance(value, str) else text


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The model describing the mapping at ``loc``, found by following field types from Place."""
    current: type[BaseModel] | None = Place
    for part in loc:
        if isinstance(part, int):
            continue  # an item of a list: the element type was taken when entering the list's field
        if current is None or part not in current.model_fields:
            return None
        current = _model_inside(current.model_fields[part].annotation)
    return current


def _model_inside(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in {tuple, list, Union, types.UnionType, Annotated}:
        for arg in get_args(annotation):
            if (found := _model_inside(arg)) is not None:
                return found
    return None
