"""Households at properties: residents grouped by the UPRN of their current address, where the data gives one.

Only a UPRN places a resident in a household. Free-text addresses and postcodes are not enough: flats in one
block share a postcode and often an address line, and guessing there would put neighbours in one household.
A resident's current property is the UPRN on their most recently changed record that carries one (people move;
the newest record is the best evidence of where they live now). Pure: facts in, a plan out.
"""

from __future__ import annotations

import secrets
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
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


def new_household_id() -> str:
    return f"H-{secrets.token_hex(10)}"


def current_uprn(facts: Iterable[AddressFact]) -> int | None:
    """The UPRN on the most recently observed record that has one; ties go to the UPRN more records give."""
    with_uprn = [fact for fact in facts if fact.uprn is not None]
    if not with_uprn:
        return None
    votes = Counter(fact.uprn for fact in with_uprn)
    best = max(with_uprn, key=lambda fact: (fact.observed_at, votes[fact.uprn], -(fact.uprn or 0)))
    return best.uprn


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
    for resident in sorted(by_resident):
        uprn = current_uprn(by_resident[resident])
        if uprn is None:
            continue
        if uprn not in household_ids:
            household_ids[uprn] = new_id()
        members[resident] = household_ids[uprn]
        used.add(uprn)
    properties = [PropertyRow(uprn, fact.postcode, fact.lines) for uprn, fact in sorted(newest_at_property.items())]
    wanted = {uprn: hid for uprn, hid in household_ids.items() if uprn in used or uprn in existing}
    return HouseholdPlan(properties, wanted, members)


__all__ = ["AddressFact", "HouseholdPlan", "current_uprn", "new_household_id", "plan_households"]
