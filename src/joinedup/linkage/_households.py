"""Households at properties: residents grouped by the UPRN of their current address, where the data gives one.

Only a UPRN places a resident in a household. Free-text addresses and postcodes are not enough: flats in one
block share a postcode and often an address line, and guessing there would put neighbours in one household.
A resident's current property is the UPRN on their most recently changed record that carries one (people move;
the newest record is the best evidence of where they live now). A bulk run plans every resident at once
(``plan_households``); real-time matching places the one or two residents a new record touched with the same
rule (``placement_of``), and says in a sentence why a resident joined, moved or left a household. Pure: facts
in, a plan out.
"""

from __future__ import annotations

import secrets
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from joinedup.store.residents_households import PropertyRow


@dataclass(frozen=True)
class AddressFact:
    """What one record says about its current address: the UPRN (if any), postcode, lines, and when."""

    record: str  # record unique id, "system|record_id"
    uprn: int | None
    postcode: str | None
    lines: tuple[str, ...]
    observed_at: datetime


@dataclass(frozen=True)
class HouseholdPlan:
    properties: list[PropertyRow]
    household_ids: dict[int, str]  # UPRN -> household id (existing ones kept)
    members: dict[str, str]  # resident id -> household id
    deciding: dict[str, str] = field(default_factory=dict)  # resident id -> the record that placed them


HouseholdMove = tuple[str, str, str | None, str | None]
"""(resident, household left, household joined or None, the record that decided)"""


def new_household_id() -> str:
    return f"H-{secrets.token_hex(10)}"


def deciding_fact(facts: Iterable[AddressFact]) -> AddressFact | None:
    """The most recently observed record that has a UPRN; ties go to the UPRN more records give."""
    with_uprn = [fact for fact in facts if fact.uprn is not None]
    if not with_uprn:
        return None
    votes = Counter(fact.uprn for fact in with_uprn)
    return max(with_uprn, key=lambda fact: (fact.observed_at, votes[fact.uprn], -(fact.uprn or 0), fact.record))


def current_uprn(facts: Iterable[AddressFact]) -> int | None:
    """The UPRN on the most recently observed record that has one; ties go to the UPRN more records give."""
    best = deciding_fact(facts)
    return None if best is None else best.uprn


@dataclass(frozen=True)
class Placement:
    """Where one resident lives now, by the bulk rule: the property (None: no record gives one) and the record
    that says so, with what it says about the property (to describe a property the hub does not know yet)."""

    resident: str
    property: PropertyRow | None
    record: str | None


def placement_of(resident: str, facts: Iterable[AddressFact]) -> Placement:
    """Place one resident from the address facts of every record they hold now (``plan_households``' rule)."""
    facts = list(facts)
    best = deciding_fact(facts)
    if best is None or best.uprn is None:
        return Placement(resident, None, None)
    # Describe the property as its newest record there does, as a bulk run would.
    there = max((f for f in facts if f.uprn == best.uprn), key=lambda f: (f.observed_at, len(f.lines)))
    return Placement(resident, PropertyRow(best.uprn, there.postcode, there.lines), best.record)


def household_change_reason(old: str | None, new: str | None, record: str | None) -> str:
    """Why a resident's household changed, naming households by id and records by unique id (no addresses)."""
    if new is None:
        return f"left household {old}: none of the resident's records gives a property any more"
    because = f"the resident's newest record with a property ({record}) places them there"
    if old is None:
        return f"joined household {new}: {because}"
    return f"moved from household {old} to household {new}: {because}"


def plan_households(
    assignment: Mapping[str, str],
    facts: Iterable[AddressFact],
    existing: Mapping[int, str],
    *,
    new_id: Callable[[], str] = new_household_id,
) -> HouseholdPlan:
    """Place each resident (``assignment``: record -> resident id) in the household at their current UPRN.

    ``facts`` may include records that belong to no resident (a property register): they describe properties.
    ``existing`` maps UPRN -> household id from earlier runs, so a property's household keeps its id.
    """
    by_resident: dict[str, list[AddressFact]] = defaultdict(list)
    newest_at_property: dict[int, AddressFact] = {}
    for fact in facts:
        resident = assignment.get(fact.record)
        if resident is not None:
            by_resident[resident].append(fact)
        if fact.uprn is not None:
            held = newest_at_property.get(fact.uprn)
            if held is None or (fact.observed_at, len(fact.lines)) > (held.observed_at, len(held.lines)):
                newest_at_property[fact.uprn] = fact
    household_ids = dict(existing)
    members: dict[str, str] = {}
    used: set[int] = set()
    deciding: dict[str, str] = {}
    for resident in sorted(by_resident):
        best = deciding_fact(by_resident[resident])
        if best is None or best.uprn is None:
            continue
        if best.uprn not in household_ids:
            household_ids[best.uprn] = new_id()
        members[resident] = household_ids[best.uprn]
        deciding[resident] = best.record
        used.add(best.uprn)
    properties = [PropertyRow(uprn, fact.postcode, fact.lines) for uprn, fact in sorted(newest_at_property.items())]
    wanted = {uprn: hid for uprn, hid in household_ids.items() if uprn in used or uprn in existing}
    return HouseholdPlan(properties, wanted, members, deciding)


def household_moves(before: Mapping[str, str], plan: HouseholdPlan, alive: Iterable[str]) -> list[HouseholdMove]:
    """(resident, old household, new household, deciding record) for each resident of ``alive`` who was in a
    household and is now in another or in none. A first placement is not a move: a bulk run places everyone,
    and a history entry for each would say nothing the household itself does not."""
    return [
        (resident, old, plan.members.get(resident), plan.deciding.get(resident))
        for resident in sorted(set(alive))
        if (old := before.get(resident)) is not None and plan.members.get(resident) != old
    ]


__all__ = [
    "AddressFact",
    "HouseholdMove",
    "HouseholdPlan",
    "Placement",
    "current_uprn",
    "deciding_fact",
    "household_change_reason",
    "household_moves",
    "new_household_id",
    "placement_of",
    "plan_households",
]
