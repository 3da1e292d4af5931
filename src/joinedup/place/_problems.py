"""What validating a place file gives back: problems with positions, and the error that carries them."""

from __future__ import annotations

from dataclasses import dataclass, field

from joinedup.place._models import Place


@dataclass(frozen=True, slots=True)
class PlaceProblem:
    """One thing wrong with a place file, placed where an editor can jump to it."""

    file: str
    line: int
    """Counted from 1."""
    column: int
    """Counted from 1."""
    path: str
    """Where in the document, e.g. ``systems[2].organisation``; empty for the file as a whole."""
    message: str
    """One plain sentence, written for the person who maintains the file."""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


@dataclass(frozen=True, slots=True)
class PlaceValidation:
    """The result of validating a place file: a Place only when there are no problems at all."""

    place: Place | None
    problems: list[PlaceProblem] = field(default_factory=list)

    def __post_init__(self) -> None:
        # The promise callers rely on: a file with problems never yields a (partial) Place.
        if (self.place is None) == (not self.problems):
            raise ValueError("a PlaceValidation has either a place or problems, never both or neither")

    @property
    def ok(self) -> bool:
        """True when the file is valid and ``place`` is set."""
        return self.place is not None


class PlaceFileError(ValueError):
    """A place file has problems; ``problems`` lists them all, sorted by line."""

    def __init__(self, problems: list[PlaceProblem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        heading = f"The place file has {count} problem{'s' if count != 1 else ''}:"
        super().__init__("\n".join([heading, *(str(problem) for problem in self.problems)]))
