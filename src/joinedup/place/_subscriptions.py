"""The subscriptions section: which system receives which changes, which fields of them, and how.

A subscription names the receiving system, the change events it takes (``person.address-changed``...), the
canonical fields it may receive, and ``write``: the system's own field each canonical field is written into
through the system's connector (its write path: an API PATCH, a SQL update, a change file, a screen form).
``compose`` joins several canonical fields into one of the system's own (a one-line address).
``version_field`` names the field of the record joinedup last read that holds the system's own version, so
a write-back can be refused when the record changed since (optimistic concurrency).

The models are plain: nested content is simple types, so the place file stays easy to document and check.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from joinedup.place._formats import FORMAT_ERROR, Code, FieldPath, matching

EventName = Annotated[
    str,
    matching(
        r"[a-z][a-z0-9_-]*(?:\.[a-z][a-z0-9_-]*)*",
        "should be an event name in lowercase with dots between parts, like 'person.address-changed'",
    ),
]
NativeField = Annotated[
    str, matching(r"\S(?:.*\S)?", "should be the system's own field name, without spaces at either end")
]


class Subscription(BaseModel):
    """Which change events, and which of their fields, a system receives; and where each field is written."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    system: Code
    events: Annotated[tuple[EventName, ...], Field(min_length=1)]
    fields: Annotated[tuple[FieldPath, ...], Field(min_length=1)]
    agreement: Code | None = None
    write: dict[FieldPath, NativeField] = Field(default_factory=dict)
    compose: dict[NativeField, Annotated[tuple[FieldPath, ...], Field(min_length=1)]] = Field(default_factory=dict)
    version_field: NativeField | None = None

    @model_validator(mode="after")
    def _writes_only_subscribed_fields(self) -> Subscription:
        composed = {name for parts in self.compose.values() for name in parts}
        stray = sorted((set(self.write) | composed) - set(self.fields))
        if stray:
            raise PydanticCustomError(
                FORMAT_ERROR,
                "write or compose names {stray}, which the subscription does not list under fields",
                {"stray": ", ".join(stray)},
            )
        return self

    def receives(self, event: str) -> bool:
        return event in self.events

    def native_fields(self, values: dict[str, str]) -> dict[str, str]:
        """Canonical field -> value, as the system's own fields: renamed by ``write``; ``compose`` joins several
        canonical fields (non-blank, with ", ") into one of the system's fields, such as a one-line address. A
        composed field is not also written under its own name unless ``write`` names it."""
        composed = {name for parts in self.compose.values() for name in parts}
        native = {self.write.get(name, name): value for name, value in values.items()
                  if name in self.write or name not in composed}  # fmt: skip
        for target, parts in self.compose.items():
            if any(part in values for part in parts):
                native[target] = ", ".join(values[part] for part in parts if values.get(part, "").strip())
        return native
