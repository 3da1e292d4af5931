"""The two things tell-us-once asks of other capabilities, as small protocols the composition root fills in.

* :class:`RecordDirectory` (linkage): which local record in each system is this resident.
* :class:`DeliveryPolicy` (governance): may this system receive these fields of this change, and on what basis.

Simple implementations live beside them (``_directory``, ``_policy``); the hub plugs in linkage's and
governance's own once they exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from joinedup.place import Subscription

from ._events import ChangeOfCircumstance


@runtime_checkable
class RecordDirectory(Protocol):
    def records_of(self, resident_id: str) -> list[tuple[str, str]]:
        """The resident's records as ``(system code, that system's record id)``; several per system possible."""
        ...


@dataclass(frozen=True)
class PolicyDecision:
    """Permitted fields (a subset of those asked), or a refusal with its reason. ``basis`` says what permitted it."""

    permitted: frozenset[str]
    refused: str | None = None
    agreement: str | None = None
    basis: str = ""

    @property
    def allowed(self) -> bool:
        return self.refused is None and bool(self.permitted)


@runtime_checkable
class DeliveryPolicy(Protocol):
    def decide(
        self, subscription: Subscription, change: ChangeOfCircumstance, fields: Mapping[str, str]
    ) -> PolicyDecision: ...


@runtime_checkable
class RecordVersions(Protocol):
    def version_of(self, system: str, record_id: str, field: str) -> str | None:
        """The system's own version of the record as joinedup last read it, or None when not known."""
        ...
