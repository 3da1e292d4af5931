"""The place file as typed, immutable models.

Field-level rules live here (formats, allowed values). Rules that look across the file (codes that must be
declared, codes used twice, secrets in connections) live in ``_rules`` so that the file loader can report
them with line numbers even when other parts of the file are broken; ``Place`` re-runs them so that a
``Place`` built in code is held to the same standard.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)
from pydantic_core import PydanticCustomError

from joinedup.place._formats import FORMAT_ERROR, Code, FieldPath, Text, matching
from joinedup.place._governance import (
    Agreement,
    Organisation,
)
from joinedup.place._rules import find_inconsistencies
from joinedup.place._subscriptions import Subscription
from joinedup.place._survivorship import Survivorship, SurvivorshipSection

# The error type Place uses for cross-file rules; the file loader reports those itself, with lines.
CONSISTENCY_ERROR = "place_consistency"


def _none_as_empty(value: object) -> object:
    # A section written as `systems:` with nothing under it means "none yet", not a type error.
    return () if value is None else value


EventName = Annotated[
    str,
    matching(
        r"[a-z][a-z0-9_-]*(?:\.[a-z][a-z0-9_-]*)*",
        "should be an event name in lowercase with dots between parts, like 'person.address-changed'",
    ),
]
GssCode = Annotated[
    str, matching(r"[EKNSW][0-9]{8}", "should be a GSS (ONS) area code of one letter and 8 digits, like 'E07000131'")
]
RetentionPeriod = Annotated[
    str,
    matching(
        r"[1-9][0-9]* (?:day|week|month|year)s?",
        "should be a period like '90 days', '18 months' or '7 years'",
    ),
]


class SystemKind(StrEnum):
    """How the hub reaches a source system; each kind has its own connector."""

    API = "api"
    FILE = "file"
    SQL = "sql"
    SCREEN = "screen"


class EntityKind(StrEnum):
    """What a source system's records are about."""

    PERSON = "person"
    PROPERTY = "property"


class _Section(BaseModel):
    # Typos in keys are errors everywhere except where a field deliberately takes free-form content.
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlaceDetails(_Section):
    """The place itself."""

    name: Text
    code: Code
    gss_code: GssCode | None = None
    description: Text | None = None


class SourceSystem(_Section):
    """A system of record that the hub reads from and may write back to."""

    code: Code
    name: Text
    organisation: Code
    kind: SystemKind
    entity: EntityKind
    trust: Annotated[int, Field(strict=True, ge=1, le=100)] | None = None  # strict: YAML `true` is no rank
    description: Text | None = None
    connection: dict[str, Any] = Field(default_factory=dict)


def _transform_from_yaml(value: object) -> object:
    # `- trim` or `- date: "%d/%m/%Y"`: a name, or one name with its arguments.
    if isinstance(value, str):
        return {"name": value}
    if isinstance(value, dict) and len(value) == 1:
        ((name, args),) = value.items()
        return {"name": name, "args": args}
    raise PydanticCustomError(
        FORMAT_ERROR, "should be a transform name, or one transform name followed by ':' and its arguments"
    )


class Transform(_Section):
    """One step applied to a source value on its way to the canonical field."""

    name: Code
    args: Any = None


class FieldMapping(_Section):
    """One source field (or several, joined) feeding one canonical field."""

    source: Text | Annotated[tuple[Text, ...], Field(min_length=1)]
    join: str = ", "  # between the non-blank values of several sources, before any transform
    target: FieldPath
    transforms: tuple[Annotated[Transform, BeforeValidator(_transform_from_yaml)], ...] = ()

    @property
    def sources(self) -> tuple[str, ...]:
        """The source fields read: one, or several joined."""
        return (self.source,) if isinstance(self.source, str) else self.source


class SourceMapping(_Section):
    """How one system's fields map onto the canonical model."""

    system: Code
    fields: Annotated[tuple[FieldMapping, ...], Field(min_length=1)]


_OptionalSection = BeforeValidator(_none_as_empty)


class Place(_Section):
    """A whole place file: the place, its organisations and systems, and what they share."""

    place: PlaceDetails
    organisations: Annotated[tuple[Organisation, ...], Field(min_length=1)]
    systems: Annotated[tuple[SourceSystem, ...], _OptionalSection] = ()
    mappings: Annotated[tuple[SourceMapping, ...], _OptionalSection] = ()
    subscriptions: Annotated[tuple[Subscription, ...], _OptionalSection] = ()
    agreements: Annotated[tuple[Agreement, ...], _OptionalSection] = ()
    survivorship: SurvivorshipSection = Field(default_factory=Survivorship)

    @model_validator(mode="after")
    def _consistent_across_sections(self) -> Place:
        findings = find_inconsistencies(self.model_dump(mode="python"))
        if findings:
            raise PydanticCustomError(
                CONSISTENCY_ERROR, "{details}", {"details": " ".join(f.message for f in findings)}
            )
        return self

    def organisation(self, code: str) -> Organisation:
        """The organisation with this code; KeyError if none."""
        return _by_code(self.organisations, code, lambda o: o.code)

    def system(self, code: str) -> SourceSystem:
        """The source system with this code; KeyError if none."""
        return _by_code(self.systems, code, lambda s: s.code)

    def systems_of(self, organisation_code: str) -> tuple[SourceSystem, ...]:
        """The systems an organisation runs, in file order."""
        return tuple(s for s in self.systems if s.organisation == organisation_code)


_T = TypeVar("_T")


def _by_code(items: tuple[_T, ...], code: str, code_of: Callable[[_T], str]) -> _T:
    for item in items:
        if code_of(item) == code:
            return item
    raise KeyError(code)
