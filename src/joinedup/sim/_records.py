"""Turn a system's selection of residents into its records: canonical columns, native extras, truth."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from joinedup.sim import _ids, _noise
from joinedup.sim._capture import RELATION, select
from joinedup.sim._names import TOWN
from joinedup.sim._population import FEMALE, Population
from joinedup.sim._systems import HABITS

_ID_STRIDE = 100_000  # record numbers a system may use per chunk
_PRACTICES = ("K84001", "K84002", "K84003", "K84004", "K84005", "K84006", "K84007", "K84008")


@dataclass(slots=True)
class Records:
    """One system's records for one chunk, column by column."""

    system: str
    columns: dict[str, list[str]]  # canonical columns except `source`
    person_ids: list[str]
    changed_at: NDArray[np.int64]  # epoch seconds, UTC
    extras: dict[str, list[str]]  # fields only the native layout carries
    noise: dict[str, int] = field(default_factory=dict)


def build(system: str, pop: Population, rng: np.random.Generator) -> Records:
    habits = HABITS[system]
    sel = select(system, pop, habits.stale_years, habits.duplicate, rng)
    sel = sel.take(rng.permutation(len(sel.person)))
    rnd = random.Random(int(rng.integers(2**63)))
    n, p = len(sel.person), sel.person
    noise: dict[str, int] = {"records": n, "duplicate": int(sel.duplicate.sum())}

    given = pop.given[p].tolist()
    middle = pop.middle[p].tolist()
    _noise.blank_out(middle, rng, habits.has_middle)
    family_now = pop.surname_at(p, sel.day)
    maiden = (rng.random(n) < habits.maiden) & (pop.birth_surname[p] != family_now)
    family_now[maiden] = pop.birth_surname[p][maiden]
    family = family_now.tolist()
    held_former = family_now != pop.surname[p]

    extras: dict[str, list[str]] = {}
    if system == "waste":
        _waste_names(given, middle, family, rng, noise)
    noise["maiden_name"] = sum(1 for i in np.flatnonzero(held_former).tolist() if family[i])
    if habits.upper_case:
        given, middle, family = ([v.upper() for v in col] for col in (given, middle, family))
    swaps = [i for i in _noise.pick(rng, n, habits.swapped) if given[i] and family[i]]
    for i in swaps:
        given[i], family[i] = family[i], given[i]
    noise["swapped_names"] = len(swaps)
    noise["initials"] = _noise.apply(given, _noise.pick(rng, n, habits.initials), "initials", rnd)
    _noise.apply(middle, _noise.pick(rng, n, habits.initials), "initials", rnd)
    noise["nickname"] = _noise.apply(given, _noise.pick(rng, n, habits.nickname), "nickname", rnd)
    noise["typo"] = _noise.apply(given, _noise.pick(rng, n, habits.typo), "typo", rnd)
    noise["typo"] += _noise.apply(family, _noise.pick(rng, n, habits.typo), "typo", rnd)
    noise["case"] = _noise.apply(family, _noise.pick(rng, n, habits.case_noise), "case", rnd)
    noise["spacing"] = _noise.apply(given, _noise.pick(rng, n, habits.spacing), "spacing", rnd)

    dob, noise["dob_swap"], noise["dob_placeholder"] = _noise.dates(
        pop.dob[p], rng.random(n) < habits.has_dob, rng, habits.dob_swap, habits.dob_placeholder
    )
    sex_names = np.array(["female", "male"], dtype=object)[pop.sex[p]]
    sex_names[rng.random(n) < 0.003] = "unknown"
    sex = sex_names.tolist() if system not in ("council-tax", "waste") else [""] * n

    props = pop.properties
    prop = pop.property_at(p, sel.day)
    noise["stale_address"] = int((prop != pop.hh_props[pop.household[p], 2]).sum())
    line_1 = props.line_1[prop].tolist()
    line_2 = props.locality[prop].tolist()
    _noise.blank_out(line_2, rng, habits.has_locality)
    postcode = props.postcode[prop].tolist()
    _noise.blank_out(postcode, rng, 0.99)
    uprn = props.uprn[prop].astype(str).tolist()
    _noise.blank_out(uprn, rng, habits.has_uprn)

    phone = np.where(pop.mobile[p] != "", pop.mobile[p], pop.hh_landline[pop.household[p]]).tolist()
    _noise.blank_out(phone, rng, habits.has_phone)
    for i in _noise.pick(rng, n, 0.3):
        phone[i] = phone[i].replace(" ", "")
    email = pop.email[p].tolist()
    _noise.blank_out(email, rng, habits.has_email)
    nhs = pop.nhs[p].astype(str).tolist()
    _noise.blank_out(nhs, rng, habits.has_nhs)
    wrong = [i for i in _noise.pick(rng, n, habits.nhs_error) if nhs[i]]
    for i, bad in zip(wrong, _ids.corrupt_nhs([nhs[i] for i in wrong], rng), strict=True):
        nhs[i] = bad
    noise["nhs_error"] = len(wrong)
    ni = pop.ni[p].tolist()
    _noise.blank_out(ni, rng, habits.has_ni)

    if habits.upper_case:
        line_1, line_2 = ([v.upper() for v in col] for col in (line_1, line_2))
    town = TOWN.upper() if habits.upper_case else TOWN
    columns = {
        "record_id": _record_ids(system, pop, sel.person, sel.duplicate, rng),
        "given_name": given, "middle_name": middle, "family_name": family, "date_of_birth": dob,
        "sex": sex, "address_line_1": line_1, "address_line_2": line_2, "town": [town] * n,
        "postcode": postcode, "uprn": uprn, "phone": phone, "email": email, "nhs_number": nhs,
        "ni_number": ni,
    }  # fmt: skip
    extras = _extras(system, pop, sel.person, sel.relation, sel.death_known, sel.day, prop, rng)
    changed_at = sel.day * 86_400 + rng.integers(7 * 3600, 19 * 3600, n)
    person_ids = [f"P{x:08d}" for x in pop.person_id[p].tolist()]
    return Records(system, columns, person_ids, changed_at, extras, noise)


def _waste_names(
    given: list[str], middle: list[str], family: list[str], rng: np.random.Generator, noise: dict[str, int]
) -> None:
    """Waste rounds know the occupier as 'The Occupier', by surname alone, or by name."""
    style = rng.choice(3, size=len(given), p=[0.4, 0.3, 0.3])
    for i in np.flatnonzero(style == 0).tolist():
        given[i], middle[i], family[i] = "", "", ""
    for i in np.flatnonzero(style == 1).tolist():
        given[i], middle[i] = "", ""
    noise["occupier_unnamed"] = int((style == 0).sum())


def _record_ids(
    system: str, pop: Population, person: NDArray[np.int64], duplicate: NDArray[np.bool_], rng: np.random.Generator
) -> list[str]:
    base = pop.chunk * _ID_STRIDE
    seq = base + np.arange(len(person))
    if system == "schools":  # pupils are known by UPN; a duplicate registration got a second UPN
        index = pop.person_id[person] + np.where(duplicate, 50_000_000, 0)
        return _ids.pupil_numbers(index, 855)
    if system == "gp":
        practice = np.array(_PRACTICES, dtype=object)[pop.household[person] % len(_PRACTICES)]
        return [f"{pr}-{s:07d}" for pr, s in zip(practice.tolist(), seq.tolist(), strict=True)]
    fmt = {
        "council-tax": "CT-{:08d}", "housing": "HP{:07d}", "adult-social-care": "{:07d}",
        "childrens-services": "CS{:08d}", "waste": "WST{:08d}",
    }[system]  # fmt: skip
    offset = 1_000_000 if system == "adult-social-care" else 0
    return [fmt.format(s + offset) for s in seq.tolist()]


def _extras(
    system: str, pop: Population, person: NDArray[np.int64], relation: NDArray[np.int64],
    death_known: NDArray[np.bool_], day: NDArray[np.int64], prop: NDArray[np.int64], rng: np.random.Generator,
) -> dict[str, list[str]]:  # fmt: skip
    """Native-only fields: titles, roles, tenancies, dates of death, parent contacts, streets."""
    n = len(person)
    married = pop.birth_surname[person] != pop.surname[person]
    title = np.where(
        pop.sex[person] == FEMALE, np.where(married, "Mrs", np.where(rng.random(n) < 0.5, "Ms", "Miss")), "Mr"
    )
    death = np.where(death_known, pop.dod[person], 0).astype("datetime64[D]").astype(str)
    extras: dict[str, list[str]] = {
        "title": title.tolist(),
        "date_of_death": np.where(death_known, death, "").tolist(),
        "since": day.astype("datetime64[D]").astype(str).tolist(),
    }
    if system in RELATION:
        extras["relation"] = [RELATION[system][r] for r in relation.tolist()]
    if system == "housing":
        extras["tenancy"] = [f"TEN/{pop.chunk * _ID_STRIDE + h:07d}" for h in pop.household[person].tolist()]
    if system == "waste":
        extras["usrn"] = pop.properties.usrn[prop].astype(str).tolist()
        extras["collection_day"] = np.array(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"])[
            pop.properties.usrn[prop] % 5
        ].tolist()
    if system == "schools":
        head = pop.hh_head[pop.household[person]]
        extras["contact_name"] = [
            f"{g} {s}" for g, s in zip(pop.given[head].tolist(), pop.surname[head].tolist(), strict=True)
        ]
        extras["contact_relationship"] = np.where(pop.sex[head] == FEMALE, "Mother", "Father").tolist()
        extras["contact_phone"] = np.where(
            pop.mobile[head] != "", pop.mobile[head], pop.hh_landline[pop.household[head]]
        ).tolist()
        extras["contact_email"] = pop.email[head].tolist()
        for column in ("contact_name", "contact_phone", "contact_email"):
            _noise.blank_out(extras[column], rng, 0.8)
    return extras
