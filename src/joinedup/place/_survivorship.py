"""The place file's `survivorship:` section: which system's value wins, field by field, in a golden record.

This module stands apart from ``_models`` (which imports it) and ``_rules`` (which calls
:func:`survivorship_problems`), so it imports neither; the few shared types it needs are restated here.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from joinedup.place._paths import Loc, format_loc

SURVIVORSHIP_FIELDS = (
    "name",
    "date_of_birth",
    "date_of_death",
    "sex",
    "nhs_number",
    "ni_number",
    "address",
    "phone",
    "email",
)
"""The canonical fields (and field groups: ``name`` and ``address`` are each chosen whole) a rule may name."""


class Strategy(StrEnum):
    """How the surviving value of a field is chosen among the values the systems hold."""

    MOST_RECENT = "most-recent"
    MOST_TRUSTED = "most-trusted"
    MOST_FREQUENT = "most-frequent"


def _none_as_empty(value: object) -> object:
    # `fields:` with nothing under it means "no rule of its own for any field".
    return () if value is None else value


class FieldRule(BaseModel):
    """The rule for one field: a strategy, and optionally the systems in order of trust for this field."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: Annotated[str, Field(min_length=1)]
    strategy: Strategy
    sources: tuple[Annotated[str, Field(min_length=1)], ...] = ()


class Survivorship(BaseModel):
    """Survivorship rules: a default strategy and a rule per field where the default is not wanted."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    default: Strategy = Strategy.MOST_RECENT
    fields: Annotated[tuple[FieldRule, ...], BeforeValidator(_none_as_empty)] = ()

    def rule_for(self, field: str) -> FieldRule:
        """The rule that applies to ``field``: its own, or the default strategy with the systems' trust."""
        if field not in SURVIVORSHIP_FIELDS:
            raise KeyError(field)
        own = [rule for rule in self.fields if rule.field == field]
        return own[0] if own else FieldRule(field=field, strategy=self.default)


def _none_as_default(value: object) -> object:
    # `survivorship:` with nothing under it means "the defaults".
    return {} if value is None else value


SurvivorshipSection = Annotated[Survivorship, BeforeValidator(_none_as_default)]


def survivorship_problems(data: Mapping[object, object], system_codes: set[str]) -> Iterator[tuple[Loc, str]]:
    """Cross-file problems in the section: unknown fields, a field ruled twice, unknown or repeated `sources`.

    Reads the plain parsed data and assumes nothing about its shape (shape problems are reported elsewhere).
    """
    section = data.get("survivorship")
    if not isinstance(section, Mapping):
        return
    rules = section.get("fields")
    if not isinstance(rules, list | tuple):
        return
    first_rule: dict[str, int] = {}
    for i, rule in enumerate(rules):
        if not isinstance(rule, Mapping):
            continue
        where: Loc = ("survivorship", "fields", i)
        name = rule.get("field")
        if isinstance(name, str) and name not in SURVIVORSHIP_FIELDS:
            close = difflib.get_close_matches(name, SURVIVORSHIP_FIELDS, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            yield (
                (*where, "field"),
                f"{format_loc(where)} names field '{name}', which survivorship rules do not know{hint}; "
                f"the fields are: {', '.join(SURVIVORSHIP_FIELDS)}.",
            )
        elif isinstance(name, str) and name in first_rule:
            earlier = format_loc(("survivorship", "fields", first_rule[name]))
            yield (*where, "field"), f"{format_loc(where)} sets a rule for '{name}', which {earlier} already sets."
        elif isinstance(name, str):
            first_rule[name] = i
        sources = rule.get("sources")
        if isinstance(sources, list | tuple):
            yield from _source_problems((*where, "sources"), sources, system_codes)


def _source_problems(
    where: Loc, sources: list[object] | tuple[object, ...], declared: set[str]
) -> Iterator[tuple[Loc, str]]:
    seen: set[str] = set()
    for j, code in enumerate(sources):
        if not isinstance(code, str):
            continue
        if code in seen:
            yield (*where, j), f"{format_loc(where)} lists '{code}' more than once."
        elif code not in declared:
            yield (*where, j), f"{format_loc(where)} names system '{code}', which is not declared under systems."
        seen.add(code)


__all__ = [
    "SURVIVORSHIP_FIELDS",
    "FieldRule",
    "Strategy",
    "Survivorship",
    "SurvivorshipSection",
    "survivorship_problems",
]
