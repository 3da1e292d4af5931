"""Who each system holds, and on which day it last updated each record.

A record shows a resident as they were on its capture day: the address they lived at then and the
surname they used then. Capture days lag behind the end of the timeline by a system-specific amount,
which is what leaves some systems holding stale addresses after a move.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from joinedup.sim._population import CHILD, END, FEMALE, HEAD, PARTNER, START, YEAR, Population

IntArray = NDArray[np.int64]

RELATION = {
    "housing": ("Lead tenant", "Joint tenant", "Household member"),
    "childrens-services": ("Child", "Parent/Carer"),
}


@dataclass(frozen=True, slots=True)
class Selection:
    """The records one system holds in a chunk, as (person, capture day) plus what the system knows."""

    person: IntArray
    day: IntArray  # the capture day: when the system last changed the record
    earliest: IntArray  # the earliest day the record could have been captured (for duplicates)
    death_known: NDArray[np.bool_]  # the system records this person's death
    relation: IntArray  # index into RELATION[system], or 0
    duplicate: NDArray[np.bool_]

    def take(self, index: IntArray) -> Selection:
        return Selection(
            self.person[index], self.day[index], self.earliest[index], self.death_known[index],
            self.relation[index], self.duplicate[index],
        )  # fmt: skip


def select(system: str, pop: Population, stale_years: float, duplicate: float, rng: np.random.Generator) -> Selection:
    """The records `system` holds for the chunk's population, duplicates included."""
    n = len(pop.person_id)
    everyone = np.ones(n, dtype=bool)
    if system == "gp":
        sel = _window(pop, rng, everyone & (rng.random(n) < 0.98), 0, 200, stale_years, 0.95, flag=True)
    elif system == "schools":
        sel = _window(pop, rng, everyone & (rng.random(n) < 0.97), 4, 18, stale_years, 0.9, flag=False)
    elif system == "adult-social-care":
        sel = _adult_social_care(pop, rng, stale_years)
    elif system == "childrens-services":
        sel = _childrens_services(pop, rng, stale_years)
    elif system == "housing":
        tenant = pop.properties.council_owned[pop.hh_props[pop.household, 2]]
        sel = _window(pop, rng, tenant, 0, 200, stale_years, 0.7, flag=False)
        role = pop.role[sel.person]
        relation = np.where(role == HEAD, 0, np.where(role == PARTNER, 1, 2))
        sel = Selection(sel.person, sel.day, sel.earliest, sel.death_known, relation, sel.duplicate)
    elif system == "council-tax":
        sel = _liable_people(pop, rng, stale_years)
    elif system == "waste":
        sel = _occupiers(pop, rng, stale_years)
    else:
        raise ValueError(f"unknown system {system!r}")
    return _with_duplicates(sel, duplicate, rng)


def _window(
    pop: Population,
    rng: np.random.Generator,
    eligible: NDArray[np.bool_],
    min_age: float,
    max_age: float,
    stale_years: float,
    p_death_known: float,
    *,
    flag: bool,
) -> Selection:
    """Capture each eligible person once, inside the span of the timeline when the system would hold them.

    When a system learns of a death it either flags the record (`flag`) or closes and drops it.
    """
    dob, dod = pop.dob, pop.dod
    lo = np.maximum(START, dob + int(min_age * YEAR))
    hi = np.minimum(np.minimum(END, dob + int(max_age * YEAR)), dod)
    died = dod <= END
    knows = died & (rng.random(len(dob)) < p_death_known) & (hi == dod)
    keep = eligible & (lo <= hi) & ~(knows & (not flag))
    person = np.flatnonzero(keep).astype(np.int64)
    lo, hi, knows = lo[person], hi[person], knows[person]
    lag = (rng.exponential(stale_years * YEAR, len(person))).astype(np.int64)
    day = np.maximum(lo, hi - lag)
    # A flagged death is recorded within a couple of months of the death.
    day = np.where(knows, np.minimum(END, hi + rng.integers(1, 60, len(person))), day)
    return Selection(person, day, lo, knows, np.zeros(len(person), dtype=np.int64), np.zeros(len(person), bool))


def _adult_social_care(pop: Population, rng: np.random.Generator, stale_years: float) -> Selection:
    age = (np.minimum(END, pop.dod) - pop.dob) / YEAR
    p = np.select([age >= 85, age >= 75, age >= 65, age >= 18], [0.35, 0.18, 0.06, 0.015], 0.0)
    chosen = rng.random(len(age)) < p
    older = _window(pop, rng, chosen & (age >= 65), 65, 200, stale_years, 0.9, flag=True)
    younger = _window(pop, rng, chosen & (age < 65), 18, 65, stale_years, 0.9, flag=True)
    return _concat(older, younger)


def _childrens_services(pop: Population, rng: np.random.Generator, stale_years: float) -> Selection:
    n_hh = len(pop.hh_head)
    known_family = (rng.random(n_hh) < 0.07)[pop.household]
    child = known_family & (pop.role == CHILD) & (rng.random(len(pop.role)) < 0.85)
    children = _window(pop, rng, child, 0, 18, stale_years, 0.95, flag=True)
    # One parent per family, usually the mother, is recorded as parent/carer.
    adult = (pop.role == HEAD) | (pop.role == PARTNER)
    mother_first = np.where(pop.sex == FEMALE, 0, 1) + np.where(pop.role == HEAD, 0, 2)
    order = np.lexsort((mother_first, pop.household))
    order = order[adult[order] & known_family[order]]
    # The first adult of each household in `order`; built so that a chunk with no known family (small
    # places often have none) gives an empty mask rather than a one-element one.
    starts_household = np.ones(len(order), dtype=bool)
    starts_household[1:] = pop.household[order][1:] != pop.household[order][:-1]
    first = order[starts_household]
    parent_mask = np.zeros(len(pop.role), dtype=bool)
    parent_mask[first] = rng.random(len(first)) < 0.7
    parent_mask &= np.bincount(pop.household[child], minlength=n_hh)[pop.household] > 0
    parents = _window(pop, rng, parent_mask, 18, 200, stale_years, 0.5, flag=False)
    parents = Selection(
        parents.person, parents.day, parents.earliest, parents.death_known,
        np.ones(len(parents.person), dtype=np.int64), parents.duplicate,
    )  # fmt: skip
    return _concat(children, parents)


def _liable_people(pop: Population, rng: np.random.Generator, stale_years: float) -> Selection:
    """One liable adult per household: the head, or the partner once the council knows the head died."""
    head = pop.hh_head
    second = np.minimum(head + 1, len(pop.role) - 1)
    has_partner = (pop.role[second] == PARTNER) & (pop.household[second] == np.arange(len(head)))
    head_death_known = (pop.dod[head] <= END) & (rng.random(len(head)) < 0.85)
    partner_alive = has_partner & (pop.dod[second] > END)
    liable = np.where(head_death_known & partner_alive, second, head)
    keep = ~head_death_known | partner_alive
    eligible = np.zeros(len(pop.role), dtype=bool)
    eligible[liable[keep]] = True
    sel = _window(pop, rng, eligible, 18, 200, stale_years, 0.0, flag=False)
    # The partner's liability starts when the head died.
    took_over = pop.role[sel.person] == PARTNER
    start = np.where(took_over, np.minimum(END, pop.dod[pop.hh_head[pop.household[sel.person]]]), sel.earliest)
    day = np.maximum(sel.day, start)
    return Selection(sel.person, day, start, sel.death_known, sel.relation, sel.duplicate)


def _occupiers(pop: Population, rng: np.random.Generator, stale_years: float) -> Selection:
    """One record per occupied property, naming the household head as the occupier."""
    head = pop.hh_head
    moved_in = np.maximum(START, pop.hh_moves[:, 1])
    lag = rng.exponential(stale_years * YEAR, len(head)).astype(np.int64)
    day = np.maximum(moved_in, END - lag)
    zeros = np.zeros(len(head), dtype=np.int64)
    return Selection(head.astype(np.int64), day, moved_in, zeros.astype(bool), zeros, zeros.astype(bool))


def _with_duplicates(sel: Selection, rate: float, rng: np.random.Generator) -> Selection:
    """Add a second registration for some records, captured earlier than the first."""
    dup = np.flatnonzero(rng.random(len(sel.person)) < rate)
    extra = sel.take(dup)
    span = np.maximum(1, extra.day - extra.earliest + 1)
    day = extra.earliest + (rng.random(len(dup)) * span).astype(np.int64)
    extra = Selection(
        extra.person, day, extra.earliest, np.zeros(len(dup), bool), extra.relation, np.ones(len(dup), bool)
    )
    return _concat(sel, extra)


def _concat(a: Selection, b: Selection) -> Selection:
    return Selection(
        np.concatenate((a.person, b.person)), np.concatenate((a.day, b.day)),
        np.concatenate((a.earliest, b.earliest)), np.concatenate((a.death_known, b.death_known)),
        np.concatenate((a.relation, b.relation)), np.concatenate((a.duplicate, b.duplicate)),
    )  # fmt: skip
