"""The one decision point: Cedar policies generated from the agreements decide, field by field.

Cedar is the source of truth; answers are cached by everything they depend on (organisation, role, purpose,
holder, fields and the resident's consent state per field), within one compiled set of policies. A change of
agreements (``reload``) or of the day (an agreement lapsing) recompiles and empties the cache; a change of
consent changes the key, so a stale answer is never served.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import cedarpy

from joinedup.governance._consent import Consent, ConsentState, consent_state
from joinedup.governance._explain import (
    consent_block_reason,
    consent_text,
    no_agreement_reason,
    permit_reason,
    review_reason,
)
from joinedup.governance._policies import CompiledPolicies, Grant, compile_policies
from joinedup.governance._requests import Decision, Outcome, Reason, Request
from joinedup.place import Place
from joinedup.place._governance import SYSTEM_ROLE

Clock = Callable[[], dt.datetime]
_NO_CONSENT = (ConsentState.NONE, None)
SYSTEM_ACTOR = "system:"  # the person id prefix of a registered system acting as a recipient
_Answer = tuple[Outcome, tuple[str, ...], tuple[str, ...], tuple[Reason, ...]]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def ancestors(field: str) -> list[str]:
    """``person.name.family`` -> ``person``, ``person.name``, ``person.name.family``: any of them may be granted."""
    parts = field.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


class DecisionPoint:
    """Decides every disclosure: ``decide(request, consents)`` -> PERMIT / DENY / REVIEW with reasons."""

    def __init__(self, place: Place, clock: Clock = utc_now, cache_size: int = 200_000) -> None:
        self._clock = clock
        self._cache_size = cache_size
        self._cache: dict[tuple[object, ...], _Answer] = {}
        self.reload(place)

    def reload(self, place: Place) -> None:
        """Take new agreements (or organisations): recompile the policies and forget every cached answer."""
        self.place = place
        self._roles = {o.code: frozenset(o.roles) for o in place.organisations}
        self._people = {
            o.code: frozenset((p.code, role) for p in o.people for role in p.roles)
            for o in place.organisations
            if o.people
        }
        self._systems = {s.code: s.organisation for s in place.systems}
        self._compiled = self._compile(self._clock().date())

    def _compile(self, day: dt.date) -> CompiledPolicies:
        compiled = compile_policies(self.place, day)
        self._policy_set = cedarpy.PolicySet.from_str(compiled.text)
        self._cache.clear()
        return compiled

    def now(self) -> dt.datetime:
        return self._clock()

    def describe(self, purpose: str) -> str | None:
        """A purpose code in plain language, from the first agreement that declares it."""
        for agreement in self.place.agreements:
            for declared in agreement.purposes:
                if declared.code == purpose:
                    return declared.description
        return None

    @property
    def policies(self) -> CompiledPolicies:
        return self._compiled

    @property
    def today(self) -> dt.date:
        day = self._clock().date()
        if day != self._compiled.day:
            self._compiled = self._compile(day)
        return day

    def actor_problem(self, request: Request) -> str | None:
        """Why the actor cannot be an actor in this place at all, or None."""
        actor = request.actor
        roles = self._roles.get(actor.organisation)
        if roles is None:
            return f"Organisation '{actor.organisation}' is not registered in the place."
        if actor.person.startswith(SYSTEM_ACTOR):
            return self._system_problem(actor.person.removeprefix(SYSTEM_ACTOR), actor.role, actor.organisation)
        if actor.role not in roles:
            return f"Role '{actor.role}' is not one of {actor.organisation}'s roles."
        people = self._people.get(actor.organisation)
        if people is not None and (actor.person, actor.role) not in people:
            return f"The person is not registered with {actor.organisation} in role '{actor.role}'."
        return None

    def _system_problem(self, system: str, role: str, organisation: str) -> str | None:
        """A system acts only for the organisation that runs it, and only in the system role."""
        if self._systems.get(system) != organisation:
            return f"System '{system}' is not registered in the place as one of {organisation}'s systems."
        if role != SYSTEM_ROLE:
            return f"A system acts in role '{SYSTEM_ROLE}', not '{role}'."
        return None

    def decide(self, request: Request, consents: tuple[Consent, ...] = ()) -> Decision:
        day = self.today
        if (problem := self.actor_problem(request)) is not None:
            return Decision(request, Outcome.DENY, (), (Reason(problem),))
        actor = request.actor
        states = tuple(
            consent_state(consents, actor.organisation, actor.role, request.purpose, f, day) for f in request.fields
        ) if consents else None  # fmt: skip
        key = (actor.organisation, actor.role, request.purpose, request.holder or "", request.fields, states)
        answer = self._cache.get(key)
        if answer is None:
            answer = self._evaluate(request, states or tuple(_NO_CONSENT for _ in request.fields))
            if len(self._cache) >= self._cache_size:
                self._cache.clear()
            self._cache[key] = answer
        return Decision(request, answer[0], answer[1], answer[3], pending_fields=answer[2])

    def decide_uncached(self, request: Request, consents: tuple[Consent, ...] = ()) -> Decision:
        """The same answer straight from Cedar, for checks and for measuring what the cache saves."""
        day = self.today
        if (problem := self.actor_problem(request)) is not None:
            return Decision(request, Outcome.DENY, (), (Reason(problem),))
        actor = request.actor
        states = tuple(
            consent_state(consents, actor.organisation, actor.role, request.purpose, f, day) for f in request.fields
        )
        outcome, permitted, pending, reasons = self._evaluate(request, states)
        return Decision(request, outcome, permitted, reasons, pending_fields=pending)

    def _cedar(self, request: Request, fields: list[str], consents: list[str]) -> list[list[int]]:
        """For each field, the policies (as indexes into the grants) that permit it; empty when denied."""
        if not fields:
            return []
        actor = request.actor
        base = {"organisation": actor.organisation, "role": actor.role, "purpose": request.purpose}
        base["holder"] = request.holder or ""
        batch = [
            {
                "principal": {"type": "Actor", "id": "actor"},
                "action": {"type": "Action", "id": "disclose"},
                "resource": {"type": "Field", "id": field},
                "context": {**base, "paths": ancestors(field), "consent": consent},
            }
            for field, consent in zip(fields, consents, strict=True)
        ]
        results = cedarpy.is_authorized_batch(batch, self._policy_set, [])
        answer = []
        for result in results:
            if result.diagnostics.errors:
                raise RuntimeError(f"the generated policies failed to evaluate: {result.diagnostics.errors}")
            answer.append([int(r.removeprefix("policy")) for r in result.diagnostics.reasons] if result.allowed else [])
        return answer

    def _evaluate(self, request: Request, states: tuple[tuple[ConsentState, str | None], ...]) -> _Answer:
        fields = list(dict.fromkeys(request.fields))
        state_of = dict(zip(request.fields, states, strict=True))
        grants = self._compiled.grants
        permitting = self._cedar(request, fields, [state_of[f][0].value for f in fields])
        by_grant: dict[int, list[str]] = {}
        refused = []
        for field, indexes in zip(fields, permitting, strict=True):
            if indexes:
                by_grant.setdefault(min(indexes), []).append(field)
            else:
                refused.append(field)
        reasons: list[Reason] = []
        for index, granted in by_grant.items():
            grant = grants[index]
            reasons.append(permit_reason(grant, granted, consent_text(grant.purpose, *state_of[granted[0]])))
        reasons += self._refusals(request, refused, state_of)
        allowed = tuple(f for f in fields if f not in refused)
        reviewing = [grants[i] for i in by_grant if grants[i].purpose.automated_decision]
        if reviewing:
            return Outcome.REVIEW, (), allowed, (review_reason(reviewing[0]), *reasons)
        return (Outcome.PERMIT if allowed else Outcome.DENY), allowed, (), tuple(reasons)

    def _refusals(
        self, request: Request, refused: list[str], state_of: dict[str, tuple[ConsentState, str | None]]
    ) -> list[Reason]:
        if not refused:
            return []
        # Would an agreement permit these fields with consent? Then consent is what stands in the way.
        with_consent = self._cedar(request, refused, ["permit"] * len(refused))
        blocked: dict[int, list[str]] = {}
        uncovered = []
        for field, indexes in zip(refused, with_consent, strict=True):
            if indexes:
                blocked.setdefault(min(indexes), []).append(field)
            else:
                uncovered.append(field)
        reasons = [
            consent_block_reason(self._grant(i), fs, consent_text(self._grant(i).purpose, *state_of[fs[0]]))
            for i, fs in blocked.items()
        ]
        if uncovered:
            reasons.append(no_agreement_reason(request, uncovered))
        for code in self._compiled.lapsed:
            agreement = next(a for a in self.place.agreements if a.code == code)
            if any(p.code == request.purpose for p in agreement.purposes):
                reasons.append(
                    Reason(
                        f"'{agreement.title}' version {agreement.version} lapsed after its review date "
                        f"{agreement.review_date.isoformat()}; it permits nothing until reviewed.",
                        agreement.code,
                        agreement.version,
                    )
                )
        return reasons

    def _grant(self, index: int) -> Grant:
        return self._compiled.grants[index]
