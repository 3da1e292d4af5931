"""The golden record: one value per field for a resident, each with the record it came from."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, NamedTuple

from joinedup.model import Address, Person, PersonName, Provenance, Sex, SourceRecord

from ._agreement import fold
from ._fields import FIELDS, FIELDS_BY_NAME
from ._rules import SurvivorshipRules
from ._survive import Candidate, SurvivedValue, survive


def current_person_records(records: Iterable[SourceRecord]) -> list[SourceRecord]:
    """The newest version of each record that has a canonical person, in (system, record id) order."""
    newest: dict[tuple[str, str], SourceRecord] = {}
    for record in records:
        if record.person is None:
            continue
        key = (record.system, record.record_id)
        if key not in newest or newest[key].version < record.version:
            newest[key] = record
    return [newest[key] for key in sorted(newest)]


class Held(NamedTuple):
    """A current record's canonical person and its provenance, worked out once per record."""

    person: Person
    provenance: Provenance


def held_by(records: Iterable[SourceRecord]) -> list[Held]:
    """The current person records (see :func:`current_person_records`) as (person, provenance)."""
    return [Held(r.person, r.provenance()) for r in current_person_records(records) if r.person is not None]


@dataclass(frozen=True, slots=True)
class OtherName:
    """A name a resident is also known by in some record (a previous, maiden or differently written name)."""

    name: PersonName
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class GoldenRecord:
    """One resident as the survivorship rules see them. A field no record holds is None."""

    name: SurvivedValue[PersonName] | None
    date_of_birth: SurvivedValue[date] | None
    date_of_death: SurvivedValue[date] | None
    sex: SurvivedValue[Sex] | None
    nhs_number: SurvivedValue[str] | None
    ni_number: SurvivedValue[str] | None
    address: SurvivedValue[Address] | None
    phone: SurvivedValue[str] | None
    email: SurvivedValue[str] | None
    other_names: tuple[OtherName, ...] = ()

    def values(self) -> Iterator[SurvivedValue[Any]]:
        """Every value the record holds, in field order."""
        for each in fields(self):
            value = getattr(self, each.name)
            if isinstance(value, SurvivedValue):
                yield value

    @property
    def sources(self) -> tuple[Provenance, ...]:
        """The records that gave at least one value, in (system, record id) order."""
        found = {value.provenance for value in self.values()} | {other.provenance for other in self.other_names}
        return tuple(sorted(found, key=lambda p: (p.system, p.record_id)))


def candidates(held: Sequence[Held], field: str) -> list[Candidate[Any]]:
    """Each record's value of ``field`` (records without one are left out)."""
    value_of = FIELDS_BY_NAME[field].value_of
    return [Candidate(value, h.provenance) for h in held if (value := value_of(h.person)) is not None]


def build_golden_record(records: Iterable[SourceRecord], rules: SurvivorshipRules) -> GoldenRecord:
    """The golden record of one resident from their records (any versions; the newest of each is used)."""
    return golden_from_held(held_by(records), rules)


def golden_from_held(held: Sequence[Held], rules: SurvivorshipRules) -> GoldenRecord:
    chosen: dict[str, SurvivedValue[Any] | None] = {}
    for spec in FIELDS:
        chosen[spec.name] = survive(
            spec.name, candidates(held, spec.name), rules.for_field(spec.name), spec.agree, spec.informative
        )
    name = chosen["name"]
    return GoldenRecord(**chosen, other_names=_other_names(held, name.value if name else None))


def _name_key(name: PersonName) -> tuple[str, str, str]:
    return (fold(name.given), fold(" ".join(name.middle)), fold(name.family))


def _other_names(held: Sequence[Held], chosen: PersonName | None) -> tuple[OtherName, ...]:
    """Every differently written name across the records, once each, first holder kept as its provenance."""
    seen = {_name_key(chosen)} if chosen is not None else set()
    others = []
    for person, provenance in held:
        for name in (person.name, *person.other_names):
            key = _name_key(name)
            if key not in seen:
                seen.add(key)
                others.append(OtherName(name, provenance))
    return tuple(others)
