"""The text formats every place-file section shares: codes, field paths, plain text.

A module of its own so that ``_models`` and the section modules it imports (``_governance``,
``_subscriptions``) use one definition without importing each other.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

# The error type of a value in the wrong format; the file loader reports these with their lines.
FORMAT_ERROR = "place_format"


def matching(pattern: str, explanation: str) -> AfterValidator:
    """A check that a text value has a format, failing with a plain explanation of the format."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise PydanticCustomError(FORMAT_ERROR, explanation)
        return value

    return AfterValidator(check)


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Code = Annotated[
    str,
    Field(max_length=63),
    matching(
        r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*",
        "should be a code of lowercase letters, digits and single hyphens, starting with a letter, "
        "like 'kettleby-council'",
    ),
]
FieldPath = Annotated[
    str,
    matching(
        r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*",
        "should be a canonical field name in lowercase with dots between parts, like 'person.name.family'",
    ),
]
