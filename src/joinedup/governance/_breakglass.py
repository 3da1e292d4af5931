"""Break-glass: an emergency look outside the agreements when there is a risk to life.

It always needs a reason in words, is marked as break-glass in the audit, and is flagged for the data
protection officer's review; it is still refused to an actor who is not registered in the place.
"""

from __future__ import annotations

from joinedup.governance._decisions import DecisionPoint
from joinedup.governance._requests import Decision, Outcome, Reason, Request

MIN_REASON_LENGTH = 10
BREAK_GLASS_BASIS = "UK GDPR Art 6(1)(d) vital interests; Art 9(2)(c) vital interests"


class BreakGlassError(ValueError):
    """A break-glass look was asked for without a usable reason."""


def break_glass_decision(point: DecisionPoint, request: Request, reason: str) -> Decision:
    """PERMIT every requested field, marked as break-glass, or DENY an unregistered actor."""
    given = " ".join(reason.split())
    if len(given) < MIN_REASON_LENGTH:
        raise BreakGlassError(
            f"a break-glass look needs a reason of at least {MIN_REASON_LENGTH} characters saying what the risk is"
        )
    if (problem := point.actor_problem(request)) is not None:
        return Decision(request, Outcome.DENY, (), (Reason(problem),), break_glass=True, break_glass_reason=given)
    explanation = Reason(
        "Break-glass: emergency access outside the information sharing agreements because of a risk to life; "
        "flagged for the data protection officer's review.",
        lawful_basis=BREAK_GLASS_BASIS,
        consent="not sought: risk to life",
    )
    fields = tuple(dict.fromkeys(request.fields))
    return Decision(request, Outcome.PERMIT, fields, (explanation,), break_glass=True, break_glass_reason=given)
