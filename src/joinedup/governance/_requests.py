"""What the decision point is asked and what it answers: who, why, about whom, which fields -> an outcome,
the permitted fields, and the reasons (agreement and version, lawful basis, consent)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    PERMIT = "PERMIT"
    DENY = "DENY"
    REVIEW = "REVIEW"  # a person must decide before anything is disclosed (e.g. UK GDPR Art 22)


class Channel(StrEnum):
    """The way personal data would leave the core."""

    API = "api"
    DASHBOARD = "dashboard"
    EXPORT = "export"
    ANALYTICS = "analytics"
    DELIVERY = "delivery"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks: a person (their id), in a role, for an organisation (codes from the place file)."""

    person: str
    role: str
    organisation: str


@dataclass(frozen=True, slots=True)
class Request:
    """One request to disclose ``fields`` about the resident ``subject`` to ``actor`` for ``purpose``.

    ``holder`` narrows the request to data held by one organisation (a share's direction); None means the
    hub's joined view. ``reference`` names the case or referral the request is for."""

    actor: Actor
    purpose: str
    subject: str
    fields: tuple[str, ...]
    reference: str | None = None
    holder: str | None = None
    channel: Channel = Channel.API


@dataclass(frozen=True, slots=True)
class Reason:
    """One plain sentence, with the agreement, lawful basis and consent it rests on where there is one."""

    text: str
    agreement: str | None = None
    version: str | None = None
    lawful_basis: str | None = None
    consent: str | None = None

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer. ``permitted_fields`` is what may be disclosed now: empty for DENY and REVIEW."""

    request: Request
    outcome: Outcome
    permitted_fields: tuple[str, ...]
    reasons: tuple[Reason, ...]
    pending_fields: tuple[str, ...] = ()  # REVIEW: what a person may release after deciding
    break_glass: bool = False
    break_glass_reason: str | None = None

    @property
    def denied_fields(self) -> tuple[str, ...]:
        """The requested fields that are neither permitted nor pending review: redacted."""
        allowed = set(self.permitted_fields) | set(self.pending_fields)
        return tuple(f for f in self.request.fields if f not in allowed)

    @property
    def permitted(self) -> bool:
        return self.outcome is Outcome.PERMIT

    def first_with_agreement(self) -> Reason | None:
        """The first reason resting on an agreement: what the audit entry names as the agreement."""
        return next((reason for reason in self.reasons if reason.agreement), None)

    @property
    def consent_basis(self) -> str | None:
        texts = dict.fromkeys(reason.consent for reason in self.reasons if reason.consent)
        return "; ".join(texts) or None
