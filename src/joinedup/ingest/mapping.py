"""Declarative mappings (from the place file) compiled into a function from a source payload to a canonical row.

The canonical row uses the canonical person columns (the interchange layout of ``joinedup sim export`` and
``joinedup link``) plus ``changed_at``; :func:`person_from_canonical_row` then builds the Person. Keeping one
flat layout in the middle means every source, file or API, meets the model through the same code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any, NamedTuple

from joinedup.place import Place, SourceMapping

from .canonical_rows import CANONICAL_PERSON_COLUMNS
from .transforms import TRANSFORMS, Transform, TransformError, Value

NAME_TARGET = "name"  # fed by split-name, which fills given_name, middle_name and family_name
ADDRESS_TARGET = "address"  # fed by split-address, which fills address_line_1, address_line_2 and town
SPLITTING_TRANSFORMS = {"split-name": NAME_TARGET, "split-address": ADDRESS_TARGET}
"""Transforms that fill several canonical columns, each with the one target that stands for those columns."""
TARGETS = frozenset(CANONICAL_PERSON_COLUMNS) - {"source"} | {"changed_at", *SPLITTING_TRANSFORMS.values()}


class MappingError(ValueError):
    """A mapping in the place file cannot be compiled; ``problems`` are (path, sentence) pairs."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{path}: {message}" for path, message in problems))


CACHED_TRANSFORMS = frozenset({"date", "timestamp", "postcode", "phone"})
"""Transforms whose result is remembered per distinct input: parsing is costly (strptime especially), while
the values repeat a great deal (a place has some tens of thousands of birth dates and postcodes, not a
million). Transforms are pure functions of (value, args), so a remembered result is the same result."""
_CACHE_SIZE = 1 << 16  # entries per step: bounds the memory (a few MB) whatever the size of the source


@dataclass(frozen=True)
class _Step:
    name: str
    function: Transform
    args: Any

    def runner(self) -> Callable[[Value], Value]:
        """The step as a function of the value alone, remembering results if its transform is cached."""
        function, args = self.function, self.args
        if self.name not in CACHED_TRANSFORMS:
            return lambda value: function(value, args)

        @lru_cache(maxsize=_CACHE_SIZE)
        def outcome(text: str) -> tuple[Value, str | None]:
            try:
                return function(text, args), None
            except TransformError as error:
                return None, str(error)  # refusals are remembered too, as their sentence

        def run(value: Value) -> Value:
            if not isinstance(value, str):
                return function(value, args)
            result, problem = outcome(value)
            if problem is not None:
                raise TransformError(problem)
            return result

        return run


@dataclass(frozen=True)
class _Field:
    sources: tuple[str, ...]
    join: str
    target: str
    steps: tuple[_Step, ...]

    @property
    def label(self) -> str:
        """How problems name this field: its source, or its sources joined with '+'."""
        return "+".join(self.sources)

    def read(self, payload: Mapping[str, Any]) -> Value:
        """The source value; several sources are joined, skipping blanks (legacy tables fill ADDR1.. from the top)."""
        if len(self.sources) == 1:
            raw = payload.get(self.sources[0])
            return None if raw is None else str(raw)
        parts = [str(payload[name]).strip() for name in self.sources if payload.get(name) not in (None, "")]
        parts = [part for part in parts if part]
        return self.join.join(parts) if parts else None


def _single_source(field: _Field) -> str | None:
    return field.sources[0] if len(field.sources) == 1 else None


class MappingOutcome(NamedTuple):
    """A canonical row, or the reasons the payload could not be mapped (field names, never values).

    A tuple rather than a frozen dataclass: one is made per record, and a tuple is several times cheaper."""

    row: dict[str, str] | None
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class CompiledMapping:
    system: str
    fields: tuple[_Field, ...]

    @property
    def source_fields(self) -> frozenset[str]:
        """The fields this mapping expects the source to send."""
        return frozenset(name for field in self.fields for name in field.sources)

    @cached_property
    def _plan(self) -> tuple[tuple[str | None, _Field, str, tuple[Callable[[Value], Value], ...]], ...]:
        # Built once per mapping: (the one source field or None, field, target, steps as one-argument
        # functions). apply runs per record, so what can be decided once is decided here.
        return tuple(
            (_single_source(field), field, field.target, tuple(map(_Step.runner, field.steps))) for field in self.fields
        )

    def apply(self, record_id: str, payload: Mapping[str, Any]) -> MappingOutcome:
        row: dict[str, str] = {"source": self.system, "record_id": record_id}
        problems: list[str] | None = None
        for source, field, target, steps in self._plan:
            if source is None:
                value: Value = field.read(payload)
            elif (given := payload.get(source)) is None or type(given) is str:
                value = given  # what _Field.read gives for one source, without the call
            else:
                value = str(given)
            try:
                for step in steps:
                    value = step(value)
            except TransformError as error:
                problems = problems or []
                problems.append(f"{field.label}: {error}")
                continue
            if type(value) is dict:
                row.update(value)
            elif value is not None:
                row[target] = value  # type: ignore[assignment]  # a transform returns text or a dict of texts
        if problems:
            return MappingOutcome(None, tuple(problems))
        return MappingOutcome(row)


def compile_mapping(mapping: SourceMapping) -> CompiledMapping:
    """Check every target and transform name, then build the mapping. Raises MappingError listing all problems."""
    problems: list[tuple[str, str]] = []
    fields: list[_Field] = []
    for index, field in enumerate(mapping.fields):
        path = f"fields[{index}]"
        if field.target not in TARGETS:
            problems.append((f"{path}.target", f"'{field.target}' is not a canonical field; use one of {_listing()}"))
        steps = []
        for step_index, transform in enumerate(field.transforms):
            function = TRANSFORMS.get(transform.name)
            if function is None:
                known = ", ".join(sorted(TRANSFORMS))
                problems.append(
                    (f"{path}.transforms[{step_index}]", f"'{transform.name}' is not a transform ({known})")
                )
                continue
            steps.append(_Step(transform.name, function, transform.args))
        for splitter, target in SPLITTING_TRANSFORMS.items():
            splits = any(step.name == splitter for step in steps)
            if splits != (field.target == target) and field.target in TARGETS:
                problems.append(
                    (f"{path}.target", f"{splitter} feeds the target '{target}', and '{target}' needs {splitter}")
                )
        fields.append(_Field(field.sources, field.join, field.target, tuple(steps)))
    if problems:
        raise MappingError(problems)
    return CompiledMapping(mapping.system, tuple(fields))


def _listing() -> str:
    return ", ".join(sorted(TARGETS))


def check_mappings(place: Place) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """A place-file check (see :data:`joinedup.place.PlaceCheck`): every mapping compiles."""
    for index, mapping in enumerate(place.mappings):
        try:
            compile_mapping(mapping)
        except MappingError as error:
            for path, message in error.problems:
                yield ("mappings", index, *_loc(path)), f"mappings[{index}].{path}: {message}"


def _loc(path: str) -> tuple[str | int, ...]:
    """'fields[2].transforms[0]' as ('fields', 2, 'transforms', 0)."""
    parts: list[str | int] = []
    for piece in path.split("."):
        name, _, rest = piece.partition("[")
        parts.append(name)
        if rest:
            parts.append(int(rest.rstrip("]")))
    return tuple(parts)
