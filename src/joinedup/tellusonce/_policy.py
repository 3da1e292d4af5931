"""A delivery policy read from the place file: the subscription's agreement decides, field by field.

* A subscription without an agreement is a flow inside one organisation: allowed only when the receiving
  system belongs to the organisation that runs tell us once (the controller of the change).
* With an agreement, both the controller and the receiving system's organisation must be parties, and only
  the fields the agreement lists may go; if none of the asked fields is listed, the delivery is refused.

Agreements name fields the way governance does, often as groups (``person.address``); a group covers the
canonical fields in it. Governance's decision point replaces this policy once it exists; reasons name
agreements and fields, never values.
"""

from __future__ import annotations

from collections.abc import Mapping

from joinedup.place import Place, Subscription

from ._events import ChangeOfCircumstance
from ._ports import PolicyDecision

# Which canonical fields an agreement's field path covers, beyond the field's own name.
FIELD_GROUPS: dict[str, frozenset[str]] = {
    "person.address": frozenset({"address_line_1", "address_line_2", "town", "postcode", "uprn"}),
    "person.contact_points": frozenset({"phone", "email"}),
    "person.name": frozenset({"given_name", "middle_name", "family_name"}),
    "person.date_of_death": frozenset({"date_of_death"}),
    "household.members": frozenset({"member_resident_id", "relationship"}),
}


def covered(agreement_fields: tuple[str, ...]) -> frozenset[str]:
    """The canonical fields an agreement's field list covers."""
    names: set[str] = set(agreement_fields)
    for path in agreement_fields:
        names |= FIELD_GROUPS.get(path, frozenset())
    return frozenset(names)


class PlaceDeliveryPolicy:
    def __init__(self, place: Place, controller: str) -> None:
        self._place = place
        self._controller = controller
        self._agreements = {agreement.code: agreement for agreement in place.agreements}

    def decide(
        self, subscription: Subscription, change: ChangeOfCircumstance, fields: Mapping[str, str]
    ) -> PolicyDecision:
        asked = frozenset(fields)
        receiver = self._place.system(subscription.system).organisation
        if subscription.agreement is None:
            if receiver == self._controller:
                return PolicyDecision(asked, basis=f"within {self._controller}")
            return PolicyDecision(
                frozenset(), refused=f"no information sharing agreement covers {self._controller} to {receiver}"
            )
        agreement = self._agreements.get(subscription.agreement)
        if agreement is None:
            return PolicyDecision(frozenset(), refused=f"agreement {subscription.agreement} is not declared")
        missing = sorted({self._controller, receiver} - set(agreement.parties))
        if missing:
            return PolicyDecision(
                frozenset(), refused=f"{', '.join(missing)} not a party to agreement {agreement.code}",
                agreement=agreement.code,
            )  # fmt: skip
        permitted = asked & covered(agreement.fields)
        if not permitted:
            return PolicyDecision(
                frozenset(),
                refused=f"agreement {agreement.code} covers none of {', '.join(sorted(asked))}",
                agreement=agreement.code,
            )
        return PolicyDecision(
            permitted, agreement=agreement.code, basis=f"agreement {agreement.code} v{agreement.version}"
        )
