"""Reading YAML while remembering where everything was written.

PyYAML's composer gives a node tree whose nodes carry their start positions; we walk it once to record the
line of every key and value by path, and to catch keys written twice in one mapping (PyYAML would silently
keep the last). Then the same loader constructs plain Python data from the tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from joinedup.place._paths import Loc, describe

_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True, slots=True, order=True)
class Position:
    """A place in the text, both counted from 1 as editors show them."""

    line: int
    column: int


START = Position(1, 1)


@dataclass(frozen=True, slots=True)
class Located:
    """A problem found while reading, with its position and path."""

    position: Position
    loc: Loc
    message: str


@dataclass(frozen=True, slots=True)
class _Entry:
    key: Position | None  # where the key naming this value is written; None for list items and the root
    value: Position
    is_scalar: bool


@dataclass(slots=True)
class LineIndex:
    """Where each path of the document was written."""

    entries: dict[Loc, _Entry] = field(default_factory=dict)

    def introduced_at(self, loc: Loc) -> Position:
        """The line that introduces ``loc``: its key if it has one, else where its value starts."""
        entry = self._nearest(loc)
        if entry is None:
            return START
        return entry.key or entry.value

    def value_at(self, loc: Loc) -> Position:
        """Where a plain value is written; for a mapping or list, the line that introduces it."""
        entry = self._nearest(loc)
        if entry is None:
            return START
        return entry.value if entry.is_scalar else (entry.key or entry.value)

    def _nearest(self, loc: Loc) -> _Entry | None:
        # Pydantic's loc can go deeper than the file (defaults, union branches): use the longest known prefix.
        for length in range(len(loc), -1, -1):
            entry = self.entries.get(loc[:length])
            if entry is not None:
                return entry
        return None


@dataclass(frozen=True, slots=True)
class ParsedYaml:
    """The outcome of reading: the data (None when unreadable or empty), the line index, and problems."""

    data: object
    index: LineIndex
    problems: list[Located]
    readable: bool


class _PlaceLoader(yaml.SafeLoader):
    """SafeLoader, except that a date-like value that is no real date stays text for validation to report."""

    def construct_yaml_timestamp(self, node: ScalarNode) -> object:  # type: ignore[override]
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_PlaceLoader.add_constructor("tag:yaml.org,2002:timestamp", _PlaceLoader.construct_yaml_timestamp)


def parse_yaml(text: str) -> ParsedYaml:
    """Parse one YAML document, recording positions; never raises for bad YAML."""
    index = LineIndex()
    try:
        loader = _PlaceLoader(text)
    except yaml.reader.ReaderError as error:  # the reader checks every character before parsing
        return ParsedYaml(None, index, [_reader_problem(text, error)], readable=False)
    try:
        root = loader.get_single_node()
        if root is None:
            return ParsedYaml(None, index, [], readable=True)
        problems: list[Located] = []
        _record(root, (), None, index, problems, set())
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as error:
        return ParsedYaml(None, index, [_syntax_problem(error)], readable=False)
    finally:
        loader.dispose()
    return ParsedYaml(data, index, problems, readable=True)


def _record(
    node: Node, loc: Loc, key: Position | None, index: LineIndex, problems: list[Located], walked: set[int]
) -> None:
    # Later duplicates overwrite earlier ones, as PyYAML's constructor does with the values.
    index.entries[loc] = _Entry(key, _position(node.start_mark), isinstance(node, ScalarNode))
    if id(node) in walked:
        return  # an alias of a node already walked: do not walk it again (and never loop on cycles)
    walked.add(id(node))
    if isinstance(node, MappingNode):
        first_seen: dict[object, Position] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG or not isinstance(key_node, ScalarNode):
                continue
            name = _key_value(key_node)
            key_position = _position(key_node.start_mark)
            if name in first_seen:
                problems.append(_duplicate_key(loc, name, first_seen[name], key_position))
            else:
                first_seen[name] = key_position
            _record(value_node, (*loc, _as_loc_part(name)), key_position, index, problems, walked)
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            _record(item, (*loc, i), None, index, problems, walked)


def _key_value(node: ScalarNode) -> object:
    if node.tag == _STR_TAG:
        return node.value
    return _PlaceLoader("").construct_object(node)


def _as_loc_part(key: object) -> str | int:
    return key if isinstance(key, str | int) and not isinstance(key, bool) else str(key)


def _duplicate_key(loc: Loc, name: object, first: Position, again: Position) -> Located:
    message = (
        f"{describe(loc)} has the key '{name}' more than once (first on line {first.line}); YAML keeps "
        "only the last one, so remove or rename one of them."
    )
    return Located(again, (*loc, _as_loc_part(name)), message)


def _reader_problem(text: str, error: yaml.reader.ReaderError) -> Located:
    character = error.character if isinstance(error.character, int) else ord(error.character)
    message = f"The file contains a control character (U+{character:04X}) that YAML does not allow; remove it."
    return Located(_position_of_offset(text, error.position), (), message)


def _position(mark: yaml.Mark) -> Position:
    return Position(mark.line + 1, mark.column + 1)


def _position_of_offset(text: str, offset: int) -> Position:
    line_start = text.rfind("\n", 0, offset) + 1
    return Position(text.count("\n", 0, offset) + 1, offset - line_start + 1)


# PyYAML's own wording, and what it usually means for someone editing a config file.
_PLAIN_YAML_ERRORS = (
    ("found character '\\t'", "A tab is used here; YAML needs spaces for indentation."),
    (
        "mapping values are not allowed here",
        "A ':' appears where it is not expected; check the indentation, "
        "and put the value in quotes if it contains ': '.",
    ),
    (
        "could not find expected ':'",
        "A line here is not a 'key: value' pair; check for a missing ':' or wrong indentation.",
    ),
    (
        "expected a single document",
        "The file holds more than one YAML document (separated by '---'); a place file must be a single document.",
    ),
    ("found undefined alias", "This refers to an anchor ('*name') that is not defined above it."),
    (
        "found unexpected end of stream",
        "The file ends in the middle of a value; check for a quote or bracket that is not closed.",
    ),
    ("could not determine a constructor", "This uses a YAML tag ('!...') that a place file does not allow."),
    ("expected ',' or ']'", "A list that starts with '[' is not closed with ']'."),
    ("expected ',' or '}'", "A mapping that starts with '{' is not closed with '}'."),
    ("found unhashable key", "A key here is a list or a mapping; keys must be plain words."),
    ("found duplicate anchor", "This defines an anchor ('&name') that is already defined."),
)


def _syntax_problem(error: yaml.MarkedYAMLError) -> Located:
    problem = error.problem or error.context or "the text could not be read"
    wording = f"{error.context or ''} {problem}"
    # At the end of the file the useful place is where the unclosed quote or bracket was opened.
    at_end = "end of stream" in wording or "<stream end>" in wording
    mark = (error.context_mark if at_end else None) or error.problem_mark or error.context_mark
    position = _position(mark) if mark is not None else START
    for fragment, plain in _PLAIN_YAML_ERRORS:
        if fragment in wording:
            return Located(position, (), plain)
    if "expected <block end>" in problem or "did not find expected" in problem:
        message = "The indentation here does not line up with the lines above it."
    else:
        message = f"The file is not valid YAML here ({problem})."
    return Located(position, (), message)
