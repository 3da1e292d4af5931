"""The true population of one chunk of Kettleby: households, people, properties and their timeline.

A chunk is a run of whole households holding a fixed number of residents. Everything is drawn with
numpy from the chunk's own generator, so a chunk is the same whichever other chunks are generated.
Days are integers counted from 1970-01-01 (numpy datetime64[D] values).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from joinedup.sim import _ids
from joinedup.sim._names import FEMALE_GIVEN, LOCALITIES, MALE_GIVEN, STREET_KINDS, STREET_STEMS, SURNAMES

START = int(np.datetime64("2015-01-01", "D").astype(np.int64))  # the timeline Kettleby's systems cover
END = int(np.datetime64("2026-06-30", "D").astype(np.int64))  # "now"
NEVER = 10**6  # a day far beyond the end of the timeline (no death, no move)
YEAR = 365.25
UPRN_BASE = 100_000_000_000
UPRN_STRIDE = 100_000  # properties a chunk may hold at most
USRN_BASE = 40_000_000

HEAD, PARTNER, CHILD, OTHER_ADULT, ADULT_CHILD = 0, 1, 2, 3, 4
FEMALE, MALE = 0, 1

# Household kinds: probability, head's age range at END, adults, whether adult 2 is a partner.
_KINDS = np.array(
    [
        # prob  age_lo age_hi adults partner
        (0.16, 18, 64, 1, 0),  # single working-age adult
        (0.13, 65, 95, 1, 0),  # single older person
        (0.17, 20, 64, 2, 1),  # couple
        (0.10, 65, 92, 2, 1),  # older couple
        (0.24, 24, 55, 2, 1),  # couple with children
        (0.08, 18, 50, 1, 0),  # lone parent with children
        (0.06, 18, 40, 3, 0),  # sharers (2-4 adults)
        (0.06, 45, 70, 3, 1),  # couple with a grown-up son at home
    ]
)
_WITH_CHILDREN = np.array([0, 0, 0, 0, 1, 1, 0, 0], dtype=bool)
_SHARERS, _GROWN_SON = 6, 7


def _zipf(n: int) -> NDArray[np.float64]:
    weights = 1.0 / (np.arange(n, dtype=np.float64) + 6.0)
    return np.asarray(weights / weights.sum(), dtype=np.float64)


def _shuffled(names: tuple[str, ...]) -> NDArray[np.object_]:
    # A fixed (seed-independent) order decides which names are commonest.
    order = np.random.default_rng(20_150_101).permutation(len(names))
    return np.array([names[i] for i in order], dtype=object)


_GIVEN = (_shuffled(FEMALE_GIVEN), _shuffled(MALE_GIVEN))
_GIVEN_P = (_zipf(len(FEMALE_GIVEN)), _zipf(len(MALE_GIVEN)))
_SURNAMES = np.array(SURNAMES, dtype=object)
_SURNAME_P = _zipf(len(SURNAMES))


@dataclass(frozen=True, slots=True)
class Properties:
    uprn: NDArray[np.int64]
    usrn: NDArray[np.int64]
    line_1: NDArray[np.object_]  # e.g. "Flat 2, 14 Oak Road"
    locality: NDArray[np.object_]
    postcode: NDArray[np.object_]
    council_owned: NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Population:
    """Ground truth for one chunk. Arrays are aligned per person (p), household (h) or property."""

    chunk: int
    person_id: NDArray[np.int64]  # global resident index
    household: NDArray[np.int64]  # local household index (p)
    role: NDArray[np.int8]
    sex: NDArray[np.int8]
    given: NDArray[np.object_]
    middle: NDArray[np.object_]  # "" when none
    surname: NDArray[np.object_]  # surname now
    birth_surname: NDArray[np.object_]  # surname before marriage (same as surname when unchanged)
    marriage_day: NDArray[np.int64]  # records captured before this day hold the birth surname
    dob: NDArray[np.int64]
    dod: NDArray[np.int64]  # NEVER when alive at END
    nhs: NDArray[np.int64]
    ni: NDArray[np.object_]  # "" for those too young to have one
    mobile: NDArray[np.object_]
    email: NDArray[np.object_]
    twin: NDArray[np.bool_]
    junior: NDArray[np.bool_]  # a son carrying his father's names at the same address
    hh_head: NDArray[np.int64]  # person index of each household's head (h)
    hh_props: NDArray[np.int64]  # (h, 3) property before the first move, before the second, now
    hh_moves: NDArray[np.int64]  # (h, 2) days of the first and second move; < START when none
    hh_landline: NDArray[np.object_]
    properties: Properties

    def property_at(self, person: NDArray[np.int64], day: NDArray[np.int64]) -> NDArray[np.int64]:
        """The property each person lived at on each day."""
        hh = self.household[person]
        moves = self.hh_moves[hh]
        step = (day >= moves[:, 0]).astype(np.int64) + (day >= moves[:, 1])
        return self.hh_props[hh, step]

    def surname_at(self, person: NDArray[np.int64], day: NDArray[np.int64]) -> NDArray[np.object_]:
        return np.where(day >= self.marriage_day[person], self.surname[person], self.birth_surname[person])


def generate(chunk: int, first_person: int, people: int, rng: np.random.Generator, salt: int) -> Population:
    """Draw `people` residents in whole households (the last one may be cut short)."""
    kinds = rng.choice(len(_KINDS), size=people, p=_KINDS[:, 0])  # more households than needed
    adults = _KINDS[kinds, 3].astype(np.int64)
    adults[kinds == _SHARERS] = rng.integers(2, 5, int((kinds == _SHARERS).sum()))
    children = np.where(_WITH_CHILDREN[kinds], rng.choice([1, 2, 3], size=people, p=[0.4, 0.4, 0.2]), 0)
    children[kinds == _GROWN_SON] = rng.integers(0, 2, int((kinds == _GROWN_SON).sum()))
    sizes = adults + children
    n_hh = int(np.searchsorted(np.cumsum(sizes), people)) + 1
    kinds, adults, sizes = kinds[:n_hh], adults[:n_hh], sizes[:n_hh]
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    household = np.repeat(np.arange(n_hh), sizes)[:people]
    position = np.arange(people) - starts[household]
    kind = kinds[household]
    is_adult = position < adults[household]
    partnered = _KINDS[kind, 4] == 1

    role = np.full(people, CHILD, dtype=np.int8)
    role[is_adult] = OTHER_ADULT
    role[position == 0] = HEAD
    role[(position == 1) & partnered] = PARTNER
    junior_slot = (position == 2) & (kind == _GROWN_SON)
    role[junior_slot] = ADULT_CHILD

    head_age = rng.uniform(_KINDS[kinds, 1], _KINDS[kinds, 2] + 1)
    age = head_age[household].copy()
    age[role == PARTNER] += rng.normal(0, 3, int((role == PARTNER).sum()))
    age[role == OTHER_ADULT] = rng.uniform(18, 40, int((role == OTHER_ADULT).sum()))
    age[junior_slot] -= rng.uniform(22, 38, int(junior_slot.sum()))
    is_child = role == CHILD
    age[is_child] = np.minimum(rng.uniform(0, 18, int(is_child.sum())), age[is_child] - 17)
    age[is_adult] = np.clip(age[is_adult], 18, 99)
    age = np.clip(age, 0, 99)
    dob = END - np.floor(age * YEAR).astype(np.int64) - 1

    sex = rng.integers(0, 2, people).astype(np.int8)
    lone_parent = (kind == 5) & (role == HEAD)
    sex[lone_parent] = np.where(rng.random(int(lone_parent.sum())) < 0.9, FEMALE, MALE)
    head_of = starts[household]
    junior = junior_slot & (rng.random(people) < 0.3) & (role[head_of] == HEAD)
    sex[junior] = MALE
    sex[head_of[junior]] = MALE  # the father, before his partner's sex is drawn
    partner = role == PARTNER
    sex[partner] = np.where(rng.random(int(partner.sum())) < 0.95, 1 - sex[head_of[partner]], sex[head_of[partner]])

    given = np.empty(people, dtype=object)
    middle = np.full(people, "", dtype=object)
    for s in (FEMALE, MALE):
        mask = sex == s
        given[mask] = rng.choice(_GIVEN[s], size=int(mask.sum()), p=_GIVEN_P[s])
        with_middle = mask & (rng.random(people) < 0.6)
        middle[with_middle] = rng.choice(_GIVEN[s], size=int(with_middle.sum()), p=_GIVEN_P[s])

    hh_surname = rng.choice(_SURNAMES, size=n_hh, p=_SURNAME_P)
    surname = hh_surname[household]
    sharer = role == OTHER_ADULT
    surname[sharer] = rng.choice(_SURNAMES, size=int(sharer.sum()), p=_SURNAME_P)
    other_father = is_child & (kind == 5) & (rng.random(people) < 0.4)
    surname[other_father] = rng.choice(_SURNAMES, size=int(other_father.sum()), p=_SURNAME_P)
    birth_surname = surname.copy()
    married_woman = (role <= PARTNER) & partnered & (sex == FEMALE) & (rng.random(people) < 0.7)
    second = np.minimum(starts + 1, people - 1)
    married_woman &= (sex[starts] != sex[second])[household]  # opposite-sex couples only
    birth_surname[married_woman] = rng.choice(_SURNAMES, size=int(married_woman.sum()), p=_SURNAME_P)
    marriage_day = np.full(people, -NEVER, dtype=np.int64)
    recent = married_woman & (rng.random(people) < 0.15)
    marriage_day[recent] = rng.integers(START, END, int(recent.sum()))

    # Twins: the second child of a family shares the first's birthday and, often, sex and initial.
    twin = (position == adults[household] + 1) & is_child & (rng.random(people) < 0.05)
    twin_of = np.flatnonzero(twin) - 1
    dob[twin] = dob[twin_of]
    sex[twin] = np.where(rng.random(len(twin_of)) < 0.6, sex[twin_of], sex[twin])
    for s in (FEMALE, MALE):
        pick = twin & (sex == s)
        names = _GIVEN[s]
        sibling_rank = np.searchsorted(np.sort(names), given[np.flatnonzero(pick) - 1].astype(str))
        given[pick] = np.sort(names)[(sibling_rank + 1) % len(names)]
    twin[twin_of] = True

    # Juniors: a grown-up son named exactly after his father, living at the same address.
    father = head_of[junior]
    given[father] = rng.choice(_GIVEN[MALE], size=len(father), p=_GIVEN_P[MALE])
    given[junior] = given[father]
    middle[junior] = np.where(rng.random(len(father)) < 0.5, middle[father], middle[junior])
    surname[junior] = surname[father]
    birth_surname[junior] = surname[father]

    dod = _deaths(rng, age, dob)
    person_id = first_person + np.arange(people, dtype=np.int64)
    nhs = _ids.nhs_numbers(person_id, salt)
    ni = np.full(people, "", dtype=object)
    old_enough = dob <= END - int(16 * YEAR)
    ni[old_enough] = _ids.ni_numbers(person_id[old_enough], salt, rng)
    mobile = np.full(people, "", dtype=object)
    has_mobile = (dob <= END - int(12 * YEAR)) & (rng.random(people) < np.where(is_adult, 0.8, 0.3))
    mobile[has_mobile] = _ids.mobiles(rng, int(has_mobile.sum()))
    email = np.full(people, "", dtype=object)
    has_email = is_adult & (rng.random(people) < 0.55)
    email[has_email] = _emails(rng, given[has_email], surname[has_email])

    properties, hh_props, hh_moves = _housing(chunk, n_hh, rng)
    landline = np.full(n_hh, "", dtype=object)
    has_line = rng.random(n_hh) < 0.5
    landline[has_line] = _ids.landlines(rng, int(has_line.sum()))
    return Population(
        chunk, person_id, household.astype(np.int64), role, sex, given, middle, surname, birth_surname,
        marriage_day, dob, dod, nhs, ni, mobile, email, twin, junior, starts, hh_props, hh_moves, landline,
        properties,
    )  # fmt: skip


def _deaths(rng: np.random.Generator, age: NDArray[np.float64], dob: NDArray[np.int64]) -> NDArray[np.int64]:
    # Chance of dying within the timeline rises with age (the population at END includes the dead).
    p = np.select([age >= 85, age >= 75, age >= 65], [0.5, 0.28, 0.12], 0.005)
    dies = rng.random(len(age)) < p
    dod = np.full(len(age), NEVER, dtype=np.int64)
    born = np.maximum(dob[dies], START)
    dod[dies] = born + (rng.random(int(dies.sum())) * (END - born)).astype(np.int64)
    return dod


def _emails(rng: np.random.Generator, given: NDArray[np.object_], surname: NDArray[np.object_]) -> list[str]:
    style = rng.integers(0, 3, len(given)).tolist()
    number = rng.integers(1, 99, len(given)).tolist()
    domain = rng.choice(["example.com", "example.org", "example.net"], len(given)).tolist()
    out = []
    for g, s, st, n, d in zip(given.tolist(), surname.tolist(), style, number, domain, strict=True):
        s = s.lower().replace("'", "").replace("-", "")
        local = f"{g.lower()}.{s}" if st == 0 else f"{g[0].lower()}{s}{n}" if st == 1 else f"{s}.{g.lower()}{n}"
        out.append(f"{local}@{d}")
    return out


def _housing(
    chunk: int, n_hh: int, rng: np.random.Generator
) -> tuple[Properties, NDArray[np.int64], NDArray[np.int64]]:
    """Streets of properties, and each household's address history (up to two moves)."""
    n_props = int(n_hh * 1.12) + 10
    if n_props > UPRN_STRIDE:
        raise ValueError("chunk too large for its UPRN block")
    street_len = rng.integers(15, 80, n_props // 15 + 1)
    street = np.repeat(np.arange(len(street_len)), street_len)[:n_props]
    pos = np.arange(n_props) - np.concatenate(([0], np.cumsum(street_len)[:-1]))[street]
    n_streets = int(street[-1]) + 1
    stem = rng.integers(0, len(STREET_STEMS), n_streets)
    kind = rng.integers(0, len(STREET_KINDS), n_streets)
    flats = rng.random(n_streets) < 0.12
    locality = rng.integers(0, len(LOCALITIES), n_streets)
    estate = rng.random(n_streets) < 0.25
    names = [f"{STREET_STEMS[s]} {STREET_KINDS[k]}" for s, k in zip(stem.tolist(), kind.tolist(), strict=True)]
    line_1 = [
        f"Flat {p % 8 + 1}, {p // 8 * 2 + 1} {names[s]}" if flats[s] else f"{p + 1} {names[s]}"
        for s, p in zip(street.tolist(), pos.tolist(), strict=True)
    ]
    # About fifteen neighbouring properties share a postcode; the district follows the locality.
    postcode_group = street * 8 + pos // 15
    _, group_rank = np.unique(postcode_group, return_inverse=True)
    loc = locality[street]
    district = 1 + loc * 12 + chunk % 12
    unit = group_rank % 400
    sector = (chunk // 12 + group_rank // 400) % 10
    postcodes = _ids.postcodes((district - 1) * 4000 + sector * 400 + unit)
    council = rng.random(n_props) < np.where(estate[street], 0.7, 0.03)
    properties = Properties(
        uprn=UPRN_BASE + chunk * UPRN_STRIDE + np.arange(n_props, dtype=np.int64),
        usrn=USRN_BASE + chunk * 2_000 + street.astype(np.int64),
        line_1=np.array(line_1, dtype=object),
        locality=np.array(LOCALITIES, dtype=object)[loc],
        postcode=np.array(postcodes, dtype=object),
        council_owned=council,
    )
    now = rng.permutation(n_props)[:n_hh]
    moves = rng.choice([0, 1, 2], size=n_hh, p=[0.62, 0.28, 0.10])
    earlier = (now[:, None] + rng.integers(1, n_props, (n_hh, 2))) % n_props
    props = np.column_stack([earlier[:, 0], earlier[:, 1], now])
    days = np.sort(rng.integers(START + 30, END - 30, (n_hh, 2)), axis=1)
    days[moves < 2, 0] = -NEVER
    days[moves < 1, 1] = -NEVER
    return properties, props.astype(np.int64), days.astype(np.int64)
