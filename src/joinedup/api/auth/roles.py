"""Which of a member of staff's roles they act in: one rule for the API and the dashboard.

A person may hold several roles (a social worker who is also their team's data steward). The decision point
decides for the one role an actor acts in and the audit log records it, so the role must follow from what the
person is doing, not from the order their sign-in happens to list roles in. For a purpose (or a field), the
roles that can act are those an agreement in force names for the person's organisation (a share that names no
roles lets any of them act):

- when one of the person's roles can act, they act in it (the review queue acts as data steward);
- when several can, they act in the role they chose (the API's ``role``, the dashboard's role for the session)
  if it is one of them, else in the first of them in the sign-in's order;
- when none can, in the role they chose, else their first: the gate then refuses and says what is missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from joinedup.governance import DecisionPoint, Grant


def grants_in_force(point: DecisionPoint) -> tuple[Grant, ...]:
    """The grants of the agreements in force today (recompiled first when the day has changed)."""
    point.today  # noqa: B018 - recompiles the policies when the day has changed
    return point.policies.grants


def able_roles(grant: Grant, organisation: str | None, roles: Sequence[str]) -> list[str]:
    """Which of ``roles`` the grant lets a person of ``organisation`` act in, in the order given."""
    share = grant.share
    if organisation is None or organisation not in share.recipients:
        return []
    return [role for role in roles if not share.roles or role in share.roles]


def choose_grant(
    grants: Iterable[Grant], organisation: str | None, roles: Sequence[str], preferred: str | None
) -> tuple[Grant, str] | None:
    """The grant to ask under and the role to act in: the first grant that lets the ``preferred`` role act, else
    the first that lets any of ``roles`` act, in its first such role. None when no grant lets any act."""
    first: tuple[Grant, str] | None = None
    for grant in grants:
        able = able_roles(grant, organisation, roles)
        if preferred is not None and preferred in able:
            return grant, preferred
        if able and first is None:
            first = (grant, able[0])
    return first


def fallback_role(roles: Sequence[str], preferred: str | None) -> str:
    """The role to act in where no agreement names one (break-glass, or a request the gate will refuse)."""
    if preferred is not None and preferred in roles:
        return preferred
    return roles[0] if roles else ""


# Clearing a source's stop changes what the hub takes in, not what it discloses: no agreement names it, so the
# roles that administer sources are fixed here. The integration architect owns the mappings and the place file;
# the data steward answers for the quality of what comes in.
SOURCE_ADMIN_ROLES = ("integration-architect", "data-steward")


def source_admin_role(roles: Sequence[str], preferred: str | None) -> str | None:
    """The role a person administers sources in (the ``preferred`` one when it may, else the first of theirs
    that may), or None when none of their roles may."""
    able = [role for role in roles if role in SOURCE_ADMIN_ROLES]
    if preferred is not None and preferred in able:
        return preferred
    return able[0] if able else None
