"""A resident's single view: their records, the golden record built from them, and the conflicts among them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from joinedup.model import SourceRecord

from ._conflicts import Conflict, conflicts_from_held
from ._fhir import DEFAULT_NAMESPACE, patient_resource
from ._golden import GoldenRecord, current_person_records, golden_from_held, held_by
from ._rules import SurvivorshipRules


@dataclass(frozen=True, slots=True)
class SingleView:
    """One resident across systems. ``records`` are the newest version of each, in (system, record id) order."""

    resident_id: str
    records: tuple[SourceRecord, ...]
    golden: GoldenRecord
    conflicts: tuple[Conflict, ...]

    @property
    def systems(self) -> tuple[str, ...]:
        return tuple(sorted({record.system for record in self.records}))

    def conflict(self, field: str) -> Conflict | None:
        return next((c for c in self.conflicts if c.field == field), None)

    def to_fhir(self, *, namespace: str = DEFAULT_NAMESPACE) -> dict[str, Any]:
        """The resident as a validated FHIR R4 Patient (see :func:`patient_resource`)."""
        return patient_resource(self.resident_id, self.golden, self.records, namespace=namespace)


def build_single_view(resident_id: str, records: Iterable[SourceRecord], rules: SurvivorshipRules) -> SingleView:
    """The single view of one resident from whatever records linkage (or anything else) grouped for them."""
    current = current_person_records(records)
    held = held_by(current)
    return SingleView(resident_id, tuple(current), golden_from_held(held, rules), tuple(conflicts_from_held(held)))
