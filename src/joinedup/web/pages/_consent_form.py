"""The consent form: what it offers (from the place's agreements and organisations) and turning what was posted
into a :class:`Consent`, or into GOV.UK error messages, one per field. Pure: no request, no database."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import ValidationError

from joinedup.governance import (
    Consent,
    ConsentDecision,
    ConsentScope,
    Period,
    Provision,
    ProvisionActor,
)
from joinedup.place import Place

ANY = ""  # the value of "any organisation", "any role"
_DATE_LAYOUTS = ("%d/%m/%Y", "%Y-%m-%d", "%d %m %Y", "%d-%m-%Y")
_EVIDENCE_MOST = 500
_GOVERNANCE_FIELDS = ("governance.", "audit.")  # records about sharing, not data that is shared


@dataclass(frozen=True)
class ConsentOptions:
    """What the form lets the member of staff choose: codes with their plain words."""

    organisations: tuple[tuple[str, str], ...]
    roles: tuple[str, ...]
    purposes: tuple[tuple[str, str], ...]
    fields: tuple[str, ...]


def options_of(place: Place) -> ConsentOptions:
    purposes = {p.code: p.description for a in place.agreements for p in a.purposes}
    fields = {f for a in place.agreements for f in a.fields if not f.startswith(_GOVERNANCE_FIELDS)}
    return ConsentOptions(
        organisations=tuple((o.code, o.name) for o in place.organisations),
        roles=tuple(sorted({r for o in place.organisations for r in o.roles})),
        purposes=tuple(sorted(purposes.items(), key=lambda item: item[1])),
        fields=tuple(sorted(fields)),
    )


def _date(text: str) -> dt.date | None:
    if not text.strip():
        return None
    for layout in _DATE_LAYOUTS:
        try:
            return dt.datetime.strptime(text.strip(), layout).date()  # noqa: DTZ007 - a date, no time of day
        except ValueError:
            continue
    raise ValueError(text)


@dataclass(frozen=True)
class Parsed:
    consent: Consent | None
    errors: dict[str, str]  # form field id -> message, in the order the fields appear


def parse_consent(form: Mapping[str, str | list[str]], options: ConsentOptions, subject: str, today: dt.date) -> Parsed:
    """A new consent or objection for ``subject`` from the posted form, recorded today, or the errors."""

    def one(name: str) -> str:
        value = form.get(name, "")
        return (value[0] if value else "") if isinstance(value, list) else value

    def many(name: str) -> list[str]:
        value = form.get(name, [])
        return [value] if isinstance(value, str) else list(value)

    errors: dict[str, str] = {}
    if one("decision") not in {d.value for d in ConsentDecision}:
        errors["decision"] = "Select whether the resident gives consent or objects"
    if one("scope") not in {s.value for s in ConsentScope}:
        errors["scope"] = "Select whether this is consent to share or consent to engage"
    organisation, role = one("organisation"), one("role")
    if organisation not in {ANY, *(code for code, _ in options.organisations)}:
        errors["organisation"] = "Select an organisation from the list"
    if role not in {ANY, *options.roles}:
        errors["role"] = "Select a role from the list"
    purposes, fields = many("purposes"), many("data")
    if set(purposes) - {code for code, _ in options.purposes}:
        errors["purposes"] = "Select purposes from the list"
    if set(fields) - set(options.fields):
        errors["data"] = "Select data from the list"
    period: dict[str, dt.date | None] = {}
    for key, label in (("start", "start"), ("end", "end")):
        try:
            period[key] = _date(one(f"period_{key}"))
        except ValueError:
            errors[f"period_{key}"] = f"Enter the {label} date as day/month/year, for example 27/3/2027"
    start, end = period.get("start"), period.get("end")
    if start and end and end < start:
        errors["period_end"] = "The end date must be the same as or after the start date"
    evidence = " ".join(one("evidence").split())
    if not evidence:
        errors["evidence"] = "Enter the evidence, for example 'signed form ref EH-1042' or 'verbal, noted in case'"
    elif len(evidence) > _EVIDENCE_MOST:
        errors["evidence"] = f"The evidence must be {_EVIDENCE_MOST} characters or fewer"
    if errors:
        return Parsed(None, errors)
    actors = (ProvisionActor(organisation=organisation or None, role=role or None),) if organisation or role else ()
    # No provision at all: the decision applies everywhere.
    provisions: tuple[Provision, ...] = (
        (Provision(actors=actors, purposes=tuple(purposes), data=tuple(fields)),)
        if actors or purposes or fields
        else ()
    )
    try:
        consent = Consent(
            id=f"C-{secrets.token_hex(6)}", subject=subject, scope=ConsentScope(one("scope")),
            decision=ConsentDecision(one("decision")), recorded_on=today, period=Period(start=start, end=end),
            evidence=evidence, provisions=provisions,
        )  # fmt: skip
    except ValidationError as error:  # a rule of the consent model this form does not check itself
        return Parsed(None, {"evidence": f"The consent could not be recorded: {error.errors()[0]['msg']}"})
    return Parsed(consent, {})


def withdrawn(consent: Consent, reason: str, today: dt.date) -> Consent:
    """``consent`` withdrawn today with ``reason`` (already checked to be given)."""
    return consent.model_copy(update={"withdrawn_on": today, "withdrawal_reason": " ".join(reason.split())})
