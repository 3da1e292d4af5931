"""SyntheticPlace: the whole of Kettleby, generated chunk by chunk from (people, seed)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from joinedup.sim import _population
from joinedup.sim._native import FORMATTERS
from joinedup.sim._population import CHILD, END, NEVER, START, YEAR, Population
from joinedup.sim._records import Records, build
from joinedup.sim._systems import CANONICAL_COLUMNS, SIM_SYSTEMS, SimSystem

CHUNK_PEOPLE = 20_000  # residents per chunk; part of what (people, seed) means, so keep it fixed


@dataclass(frozen=True, slots=True)
class SimBatch:
    """One system's records for one chunk of households.

    `canonical` is columnar: each of CANONICAL_COLUMNS maps to a list of strings, one per record.
    `truth` pairs each record_id with the person_id of the resident it is really about; it is kept apart
    from the record data. `changed_at` gives, per record, when the system last changed it (UTC).
    """

    system: str
    chunk: int
    residents_done: int  # residents generated so far, this batch's chunk included (for progress)
    canonical: Mapping[str, list[str]]
    person_ids: list[str]
    noise: Mapping[str, int]
    _changed_at: NDArray[np.int64] = field(repr=False)
    _extras: Mapping[str, list[str]] = field(repr=False)

    def __len__(self) -> int:
        return len(self.person_ids)

    @property
    def truth(self) -> list[tuple[str, str]]:
        """(record_id, person_id) for every record, in row order."""
        return list(zip(self.canonical["record_id"], self.person_ids, strict=True))

    @property
    def changed_at(self) -> list[datetime]:
        """Timezone-aware (UTC) time each record was last changed, in row order."""
        return [datetime.fromtimestamp(s, tz=UTC) for s in self._changed_at.tolist()]

    def canonical_rows(self) -> Iterator[dict[str, str]]:
        """Records as dicts keyed by CANONICAL_COLUMNS (dates ISO, sex normalised, blanks as "")."""
        columns = [self.canonical[c] for c in CANONICAL_COLUMNS]
        for values in zip(*columns, strict=True):
            yield dict(zip(CANONICAL_COLUMNS, values, strict=True))

    def native_rows(self) -> Iterator[dict[str, str]]:
        """The same records in the system's own field names and formats, as it would send them."""
        formatter = FORMATTERS[self.system]
        names = list(self._extras)
        extras = [self._extras[n] for n in names]
        for row, values in zip(self.canonical_rows(), zip(*extras, strict=True), strict=True):
            yield formatter(row, dict(zip(names, values, strict=True)))


@dataclass(slots=True)
class PlaceSummary:
    """Counts over the whole place. `errors` counts injected errors by system and kind."""

    residents: int = 0
    households: int = 0
    properties: int = 0
    children: int = 0  # under 18 at the end of the timeline and alive
    births: int = 0  # born during the timeline
    deaths: int = 0
    moves: int = 0  # household moves
    twins: int = 0  # residents who are one of a pair of twins
    juniors: int = 0  # sons who carry their father's name at his address
    records: dict[str, int] = field(default_factory=dict)
    duplicates: dict[str, int] = field(default_factory=dict)
    errors: dict[str, dict[str, int]] = field(default_factory=dict)

    def add_population(self, pop: Population) -> None:
        alive = pop.dod > END
        self.residents += len(pop.person_id)
        self.households += len(pop.hh_head)
        self.properties += len(pop.properties.uprn)
        self.children += int((alive & (pop.dob > END - int(18 * YEAR))).sum())
        self.births += int((pop.dob >= START).sum())
        self.deaths += int((~alive).sum())
        self.moves += int((pop.hh_moves >= START).sum())
        self.twins += int(pop.twin.sum())
        self.juniors += int(pop.junior.sum())

    def add_batch(self, batch: SimBatch) -> None:
        self.records[batch.system] = self.records.get(batch.system, 0) + len(batch)
        self.duplicates[batch.system] = self.duplicates.get(batch.system, 0) + batch.noise.get("duplicate", 0)
        errors = self.errors.setdefault(batch.system, {})
        for kind, count in batch.noise.items():
            if kind not in ("records", "duplicate"):
                errors[kind] = errors.get(kind, 0) + count


class SyntheticPlace:
    """Kettleby: `people` residents in households, and the records seven systems hold about them.

    Output depends only on (people, seed). Generation runs in chunks of whole households; each chunk
    draws from its own seed (SeedSequence(seed, spawn_key=(chunk,...))), so memory stays bounded and any
    chunk can be generated alone with the same result.

    Attributes: `people`, `seed`, `systems` (the seven SimSystem descriptions, in a fixed order) and
    `chunk_count`. Methods: `batches()` streams every system's records chunk by chunk; `summary()`
    counts the place; `residents()` and `population(chunk)` give the ground truth for evaluation.
    The timeline runs from 2015-01-01 to 2026-06-30: residents are born, die and move house within it,
    and each system's record shows a resident as they were when that system last updated it.
    """

    def __init__(self, people: int = 10_000, seed: int = 42) -> None:
        if people < 1:
            raise ValueError("people must be at least 1")
        if people >= 50_000_000:
            raise ValueError("people must be below 50 million (identifier blocks)")
        self.people = people
        self.seed = seed
        self.systems: tuple[SimSystem, ...] = SIM_SYSTEMS
        self.chunk_count = -(-people // CHUNK_PEOPLE)

    @cached_property
    def _salt(self) -> int:
        return int(np.random.SeedSequence(self.seed).generate_state(1)[0])

    def _rng(self, chunk: int, stream: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(chunk, stream)))

    def population(self, chunk: int) -> Population:
        """The ground-truth population of one chunk (for tests and evaluation)."""
        first = chunk * CHUNK_PEOPLE
        size = min(CHUNK_PEOPLE, self.people - first)
        return _population.generate(chunk, first, size, self._rng(chunk, 0), self._salt)

    def batches(self, chunks: Iterable[int] | None = None) -> Iterator[SimBatch]:
        """Every system's records, chunk by chunk (all chunks unless `chunks` names some)."""
        for chunk in range(self.chunk_count) if chunks is None else chunks:
            pop = self.population(chunk)
            yield from self._chunk_batches(pop)

    def _chunk_batches(self, pop: Population) -> Iterator[SimBatch]:
        done = min(self.people, (pop.chunk + 1) * CHUNK_PEOPLE)
        for stream, system in enumerate(self.systems, start=1):
            records: Records = build(system.code, pop, self._rng(pop.chunk, stream))
            canonical = {"source": [system.code] * len(records.person_ids), **records.columns}
            yield SimBatch(
                system.code, pop.chunk, done, canonical, records.person_ids, records.noise, records.changed_at,
                records.extras,
            )  # fmt: skip

    def summary(self) -> PlaceSummary:
        """Counts of residents, households, properties, events, and records and errors per system."""
        tally = PlaceSummary()
        for chunk in range(self.chunk_count):
            pop = self.population(chunk)
            tally.add_population(pop)
            for batch in self._chunk_batches(pop):
                tally.add_batch(batch)
        return tally

    def residents(self) -> Iterator[dict[str, str]]:
        """Ground truth per resident: true names, dates, identifiers, current address and address history.

        `address_history` lists "uprn from yyyy-mm-dd" entries separated by ";", oldest first (the first
        entry has no date when it predates the timeline).
        """
        for chunk in range(self.chunk_count):
            pop = self.population(chunk)
            uprn = pop.properties.uprn.astype(str)
            history = [_history(uprn[props], moves) for props, moves in zip(pop.hh_props, pop.hh_moves, strict=True)]
            now = pop.hh_props[pop.household, 2]
            dob = pop.dob.astype("datetime64[D]").astype(str).tolist()
            dod = np.where(pop.dod < NEVER, pop.dod, 0).astype("datetime64[D]").astype(str)
            dod = np.where(pop.dod < NEVER, dod, "").tolist()
            for i in range(len(pop.person_id)):
                yield {
                    "person_id": f"P{pop.person_id[i]:08d}", "household_id": f"H{chunk:04d}-{pop.household[i]:05d}",
                    "given_name": pop.given[i], "middle_name": pop.middle[i], "family_name": pop.surname[i],
                    "birth_family_name": pop.birth_surname[i], "date_of_birth": dob[i], "date_of_death": dod[i],
                    "sex": "female" if pop.sex[i] == 0 else "male", "is_child": str(pop.role[i] == CHILD),
                    "uprn": uprn[now[i]], "postcode": pop.properties.postcode[now[i]],
                    "address_history": history[pop.household[i]],
                    "nhs_number": str(pop.nhs[i]), "ni_number": pop.ni[i],
                    "twin": str(bool(pop.twin[i])), "junior": str(bool(pop.junior[i])),
                }  # fmt: skip


def _history(uprns: NDArray[np.str_], moves: NDArray[np.int64]) -> str:
    entries = []
    for step in range(3):
        if step < 2 and moves[step] < START:
            continue  # no move ended this slot: the household never lived there
        arrived = moves[step - 1] if step > 0 else -NEVER
        since = f" from {np.datetime64(int(arrived), 'D')}" if arrived >= START else ""
        entries.append(f"{uprns[step]}{since}")
    return ";".join(entries)
