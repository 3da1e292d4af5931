"""The built-in development users: who the demo lets you be without an identity provider.

Plain data. Role codes and organisation codes are the ones the demo place uses (each user is listed under
`people:` of their organisation in `sim/place.yaml`, with the subject as the person's code); the names are invented job
descriptions, not people. Tokens for these users exist only when development tokens are switched on.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DevUser:
    username: str  # what you ask POST /api/v1/dev/token for
    subject: str  # the token's `sub`: a stable opaque id, as a real identity provider would give
    display_name: str
    organisation: str
    roles: tuple[str, ...]


DEV_USERS: tuple[DevUser, ...] = (
    DevUser("social-worker", "dev-0001", "Development social worker", "kettleby-council", ("social-worker",)),
    DevUser("housing-officer", "dev-0002", "Development housing officer", "kettleby-council", ("housing-officer",)),
    DevUser(
        "gp-receptionist", "dev-0003", "Development GP receptionist", "kettleby-primary-care", ("gp-receptionist",)
    ),
    DevUser(
        "data-protection-officer",
        "dev-0004",
        "Development data protection officer",
        "kettleby-council",
        ("data-protection-officer", "auditor"),
    ),
    DevUser("analyst", "dev-0005", "Development analyst", "kettleby-council", ("analyst",)),
    DevUser(
        "school-safeguarding-lead",
        "dev-0006",
        "Development designated safeguarding lead",
        "kettleby-schools-trust",
        ("designated-safeguarding-lead",),
    ),
    DevUser("police-officer", "dev-0007", "Development police officer", "kettleby-police", ("safeguarding-officer",)),
    DevUser("data-steward", "dev-0008", "Development data steward", "kettleby-council", ("data-steward",)),
    DevUser(  # two roles: pages act in the one their agreement names, else in the role chosen for the session
        "social-worker-and-data-steward",
        "dev-0009",
        "Development duty social worker and data steward",
        "kettleby-council",
        ("social-worker", "data-steward"),
    ),
)


def dev_user(username: str) -> DevUser | None:
    return next((user for user in DEV_USERS if user.username == username), None)
