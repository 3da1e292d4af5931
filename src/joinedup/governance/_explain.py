"""The sentences a decision gives: which agreement permitted which fields, on which basis, with what consent."""

from __future__ import annotations

from joinedup.governance._consent import ConsentState
from joinedup.governance._policies import Grant
from joinedup.governance._requests import Reason, Request
from joinedup.place import ConsentRule, Purpose


def consent_text(purpose: Purpose, state: ConsentState, consent_id: str | None) -> str:
    """How consent bears on a disclosure for ``purpose``, given the resident's recorded say."""
    rule = purpose.consent
    if state is ConsentState.PERMIT:
        return f"consent to share recorded ({consent_id})"
    if rule is ConsentRule.OVERRIDE:
        overridden = f"; the resident's objection ({consent_id}) is overridden" if state is ConsentState.DENY else ""
        return f"shared without consent under {purpose.without_consent}{overridden}"
    if rule is ConsentRule.NOT_APPLICABLE:
        return "consent is not the lawful basis and the right to object does not apply"
    if rule is ConsentRule.RESPECT_OBJECTIONS:
        return "no objection recorded" if state is ConsentState.NONE else f"the resident objected ({consent_id})"
    return "no consent to share recorded" if state is ConsentState.NONE else f"the resident refused ({consent_id})"


def permit_reason(grant: Grant, fields: list[str], consent: str) -> Reason:
    agreement = grant.agreement
    text = (
        f"{', '.join(fields)} permitted by '{agreement.title}' version {agreement.version} "
        f"for {grant.purpose.description}; {grant.lawful_basis}; {consent}."
    )
    return Reason(text, agreement.code, agreement.version, grant.lawful_basis, consent)


def review_reason(grant: Grant) -> Reason:
    text = (
        f"'{grant.purpose.description}' leads to a decision about the resident (UK GDPR Art 22): a person must "
        "review the request before anything is disclosed."
    )
    return Reason(text, grant.agreement.code, grant.agreement.version, grant.lawful_basis)


def no_agreement_reason(request: Request, fields: list[str]) -> Reason:
    actor = request.actor
    holder = f" from {request.holder}" if request.holder else ""
    return Reason(
        f"No agreement in force lets {actor.organisation} ({actor.role}) receive {', '.join(fields)}{holder} "
        f"for purpose '{request.purpose}'."
    )


def consent_block_reason(grant: Grant, fields: list[str], consent: str) -> Reason:
    agreement = grant.agreement
    text = (
        f"{', '.join(fields)} withheld: '{agreement.title}' version {agreement.version} would permit them, "
        f"but {consent}."
    )
    return Reason(text, agreement.code, agreement.version, grant.lawful_basis, consent)
