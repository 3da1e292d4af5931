"""The governance pages' edge to the disclosure gate: a resident's consents and disclosure log are personal data,
so a page asks the gate for them like any other field, and the agreements decide who gets them.

``governance.consents`` (the resident's consents and objections) and ``audit.disclosures`` (who has seen their
data, and break-glass looks at them) are field paths an agreement's share can name. The page picks the purpose
to ask under (one the agreements give the viewer's organisation and role for that field) and the gate answers
and audits; a refusal is the 403 page with the gate's reasons. No route decides who may see what.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy import Connection

from joinedup.api.auth.roles import choose_grant, fallback_role, grants_in_force
from joinedup.governance import Actor, Channel, Decision, DecisionPoint, Disclosure, DisclosureGate
from joinedup.governance import Request as DisclosureRequest
from joinedup.store import Database

from .._access import PageForbidden, PageNotFound
from .._session import SignedInUser
from .resident import PurposeChoice

CONSENTS = "governance.consents"
DISCLOSURES = "audit.disclosures"
_WHAT = {CONSENTS: "this resident's consents and objections", DISCLOSURES: "who has seen this resident's data"}


def _covers(granted: tuple[str, ...], field: str) -> bool:
    return any(field == path or field.startswith(path + ".") for path in granted)


def purpose_for(point: DecisionPoint, user: SignedInUser, field: str) -> PurposeChoice | None:
    """The purpose (and the role to act in) under which an agreement in force shares ``field`` with the user's
    organisation: the first that lets the session's role act, else the first that lets any of their roles act
    (``api.auth.roles``). What the page asks the gate under; the gate, not this choice, decides."""
    covering = (g for g in grants_in_force(point) if _covers(g.share.fields, field))
    picked = choose_grant(covering, user.organisation, user.roles, user.acting_role)
    if picked is None:
        return None
    grant, role = picked
    return PurposeChoice(grant.purpose.code, grant.purpose.description, role)


def request_for(point: DecisionPoint, user: SignedInUser, resident_id: str, field: str) -> DisclosureRequest:
    """The gate request for ``field`` about a resident. Without a purpose of their own, the viewer asks under the
    purpose the place uses for the field, so the gate's refusal names what is missing."""
    choice = purpose_for(point, user, field)
    if choice is None:
        usual = next((g.purpose.code for g in point.policies.grants if _covers(g.share.fields, field)), "none")
        choice = PurposeChoice(usual, usual, fallback_role(user.roles, user.acting_role) or "none")
    actor = Actor(user.subject, choice.role, user.organisation or "")
    return DisclosureRequest(actor, choice.code, resident_id, (field,), channel=Channel.DASHBOARD)


def refusal(decision: Decision, field: str) -> PageForbidden:
    """The 403 page for a refused request, with the gate's reasons."""
    reasons = " ".join(reason.text for reason in decision.reasons)
    return PageForbidden(f"You may not see {_WHAT.get(field, field)}. {reasons}".strip())


def disclose_or_refuse(
    database: Database,
    gate: DisclosureGate,
    user: SignedInUser,
    resident_id: str,
    field: str,
    read: Callable[[Connection], object],
) -> Disclosure:
    """Ask the gate for ``field``; ``read`` gets the value in the same transaction, only when permitted.

    A refusal is committed (its decision entry stays in the audit log) before the 403 page is raised."""
    request = request_for(gate.point, user, resident_id, field)
    with database.transaction() as connection:

        def fetch(fields: tuple[str, ...]) -> Mapping[str, object]:
            return {field: read(connection)} if field in fields else {}

        shown = gate.disclose_in(connection, request, fetch)
    if field not in shown.values:
        raise refusal(shown.decision, field)
    return shown


def decide_then(
    database: Database,
    gate: DisclosureGate,
    user: SignedInUser,
    resident_id: str,
    field: str,
    act: Callable[[Connection], bool],
) -> None:
    """A change to ``field`` (recording or withdrawing a consent, closing a review): the gate decides and
    records its decision, and ``act`` runs in the same transaction only when permitted. ``act`` returns False,
    having changed nothing, when what it was to change does not exist (the 404 page)."""
    request = request_for(gate.point, user, resident_id, field)
    done = False
    with database.transaction() as connection:
        decision = gate.decide_in(connection, request)
        if decision.permitted and field in decision.permitted_fields:
            done = act(connection)
    if not (decision.permitted and field in decision.permitted_fields):
        raise refusal(decision, field)
    if not done:
        raise PageNotFound
