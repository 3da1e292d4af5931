"""A small place with agreements of every kind, and a fixed clock, for governance tests."""

from __future__ import annotations

import datetime as dt

from joinedup.governance import Actor, Consent, DecisionPoint
from joinedup.place import Place, load_place_text

TODAY = dt.date(2026, 6, 1)

PLACE = """\
place: {name: Testville, code: testville}
organisations:
  - code: council
    name: Testville Council
    type: local-authority
    roles: [social-worker, housing-officer, analyst]
    contact: Council front door
  - code: surgery
    name: Testville Surgery
    type: gp-practice
    roles: [gp]
    contact: Surgery safeguarding lead
    people:
      - {code: doc-1, name: A GP, roles: [gp]}
  - {code: police, name: Testville Police, type: police, roles: [officer]}
agreements:
  - code: safeguarding
    title: Safeguarding Agreement
    version: "2.0"
    parties: [council, surgery, police]
    purposes:
      - code: s47
        description: a safeguarding enquiry under Children Act 1989 s47
        legal_power: Children Act 1989 s47
        consent: override
        without_consent: DPA 2018 Schedule 1 paragraph 18
      - code: known-check
        description: who knows this child
        consent: override
        without_consent: DPA 2018 Schedule 1 paragraph 18
    lawful_basis:
      article_6: public-task
      article_9: substantial-public-interest
      dpa_2018_schedule_1: "paragraph 18: safeguarding"
    fields: [person.name, person.address, health.summary, known_to]
    shares:
      - recipients: [council]
        roles: [social-worker]
        purposes: [s47]
        fields: [person.name, person.address, health.summary]
      - {recipients: [council, surgery, police], purposes: [known-check], fields: [known_to]}
    retention: 25 years
    review_date: 2027-01-01
  - code: housing
    title: Housing Agreement
    version: "1.0"
    parties: [council, surgery]
    purposes:
      - {code: housing, description: managing tenancies, consent: respect-objections}
    lawful_basis: {article_6: public-task}
    fields: [person.name, person.address]
    shares:
      - {recipients: [council], roles: [housing-officer], fields: [person.name, person.address]}
    retention: 6 years
    review_date: 2027-01-01
  - code: research
    title: Research Agreement
    version: "1.0"
    parties: [council, surgery]
    purposes:
      - {code: research, description: a study of outcomes, consent: required}
    lawful_basis: {article_6: consent}
    fields: [person.name]
    shares:
      - {recipients: [council], roles: [analyst], fields: [person.name]}
    retention: 1 year
    review_date: 2027-01-01
  - code: scoring
    title: Scoring Agreement
    version: "1.0"
    parties: [council, police]
    purposes:
      - {code: scoring, description: automated risk scoring, automated_decision: true}
    lawful_basis: {article_6: public-task}
    fields: [person.name]
    retention: 1 year
    review_date: 2027-01-01
  - code: old-tax
    title: Old Tax Agreement
    version: "0.1"
    parties: [council, surgery]
    purposes:
      - {code: tax, description: collecting tax, consent: not-applicable}
    lawful_basis: {article_6: legal-obligation}
    fields: [person.name]
    retention: 1 year
    review_date: 2026-01-01
"""

SOCIAL_WORKER = Actor("sw-1", "social-worker", "council")
HOUSING_OFFICER = Actor("ho-1", "housing-officer", "council")
ANALYST = Actor("an-1", "analyst", "council")
GP = Actor("doc-1", "gp", "surgery")
OFFICER = Actor("po-1", "officer", "police")
FIELDS = ("person.name", "person.address", "health.summary")


def place() -> Place:
    return load_place_text(PLACE)


def clock_at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)


def point(day: dt.date = TODAY) -> DecisionPoint:
    return DecisionPoint(place(), clock=lambda: clock_at(day))


def objection(subject: str = "r-1", **changes: object) -> Consent:
    document: dict[str, object] = {
        "id": "obj-1", "subject": subject, "scope": "share", "decision": "deny",
        "recorded_on": dt.date(2026, 1, 1), "evidence": "letter from the resident",
    }  # fmt: skip
    document.update(changes)
    return Consent.model_validate(document)
