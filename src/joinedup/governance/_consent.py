"""Consent and objections per resident, shaped like FHIR R5 Consent.

A ``Consent`` has a base ``decision`` (permit, or deny for an objection) that applies wherever one of its
``provisions`` matches (or everywhere, when it has none): for which actors or roles, which purposes, which
data, in which period. ``scope`` keeps *consent to engage* (the resident agreed to work with a service) apart
from *consent to share*: only ``share`` consents ever bear on a disclosure. A withdrawn consent counts for
nothing from the moment of withdrawal.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ConsentScope(StrEnum):
    ENGAGE = "engage"  # consent to engage with a service: never a consent to share
    SHARE = "share"


class ConsentDecision(StrEnum):
    PERMIT = "permit"
    DENY = "deny"  # an objection


class ConsentState(StrEnum):
    """What the resident's consents say about one (actor, purpose, field) on one day."""

    PERMIT = "permit"
    DENY = "deny"
    NONE = "none"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(_Frozen):
    start: dt.date | None = None
    end: dt.date | None = None

    def covers(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


class ProvisionActor(_Frozen):
    """An actor a provision is about: an organisation, a role, or a role within an organisation."""

    organisation: str | None = None
    role: str | None = None

    def matches(self, organisation: str, role: str) -> bool:
        return (self.organisation in (None, organisation)) and (self.role in (None, role))


class Provision(_Frozen):
    """Where the consent's decision applies; an empty list means "any"."""

    actors: tuple[ProvisionActor, ...] = ()
    purposes: tuple[str, ...] = ()
    data: tuple[str, ...] = ()  # field paths; a path covers the fields under it
    period: Period = Period()

    def matches(self, organisation: str, role: str, purpose: str, field: str, day: dt.date) -> bool:
        return (
            (not self.actors or any(a.matches(organisation, role) for a in self.actors))
            and (not self.purposes or purpose in self.purposes)
            and (not self.data or any(field == d or field.startswith(d + ".") for d in self.data))
            and self.period.covers(day)
        )


class Consent(_Frozen):
    """One recorded consent or objection of a resident."""

    id: str = Field(min_length=1)
    subject: str = Field(min_length=1)
    scope: ConsentScope
    decision: ConsentDecision
    recorded_on: dt.date
    period: Period = Period()
    evidence: str = Field(min_length=1, description="e.g. 'signed form ref EH-1042', 'verbal, noted in case'")
    provisions: tuple[Provision, ...] = ()
    withdrawn_on: dt.date | None = None
    withdrawal_reason: str | None = None

    @model_validator(mode="after")
    def _withdrawal_has_a_date(self) -> Consent:
        if self.withdrawal_reason and self.withdrawn_on is None:
            raise ValueError("a withdrawal reason needs the date it was withdrawn")
        return self

    def active_on(self, day: dt.date) -> bool:
        return self.period.covers(day) and (self.withdrawn_on is None or day < self.withdrawn_on)

    def applies(self, organisation: str, role: str, purpose: str, field: str, day: dt.date) -> bool:
        if self.scope is not ConsentScope.SHARE or not self.active_on(day):
            return False
        return not self.provisions or any(p.matches(organisation, role, purpose, field, day) for p in self.provisions)

    def to_fhir(self) -> dict[str, object]:
        """This consent as a FHIR R5 Consent resource (JSON), for exchange with health systems."""
        provisions = [
            {
                "actor": [
                    {"role": {"text": a.role or "any"}, "reference": {"display": a.organisation}} for a in p.actors
                ],
                "purpose": [{"code": code} for code in p.purposes],
                "data": [{"meaning": "instance", "reference": {"display": d}} for d in p.data],
                **({"period": _fhir_period(p.period)} if p.period != Period() else {}),
            }
            for p in self.provisions
        ]
        status = "inactive" if self.withdrawn_on else "active"
        return {
            "resourceType": "Consent",
            "id": self.id,
            "status": status,
            "category": [{"text": f"consent to {self.scope.value}"}],
            "subject": {"reference": f"Patient/{self.subject}"},
            "date": self.recorded_on.isoformat(),
            **({"period": _fhir_period(self.period)} if self.period != Period() else {}),
            "sourceReference": [{"display": self.evidence}],
            "decision": self.decision.value,
            "provision": provisions,
        }


def _fhir_period(period: Period) -> dict[str, str]:
    return {k: v.isoformat() for k, v in (("start", period.start), ("end", period.end)) if v is not None}


def consent_state(
    consents: tuple[Consent, ...], organisation: str, role: str, purpose: str, field: str, day: dt.date
) -> tuple[ConsentState, str | None]:
    """The resident's say on one field: an objection wins over a permission; the id of the deciding consent."""
    permit: str | None = None
    for consent in consents:
        if consent.applies(organisation, role, purpose, field, day):
            if consent.decision is ConsentDecision.DENY:
                return ConsentState.DENY, consent.id
            permit = permit or consent.id
    return (ConsentState.PERMIT, permit) if permit else (ConsentState.NONE, None)
