"""The disclosure gate on both backends: audit entries in the same transaction, break-glass flagged for the DPO,
consent kept in the database, "known to you?" without record data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pytest

from joinedup.audit import AuditLog, DecisionEvent, DisclosureEvent
from joinedup.governance import BreakGlassError, DisclosureGate, Outcome, Request
from joinedup.store import Database
from joinedup.store.governance_records import BreakGlassReviews

from .support import FIELDS, HOUSING_OFFICER, OFFICER, SOCIAL_WORKER, objection, point

RECORD = {"person.name": "N", "person.address": "A", "health.summary": "H", "person.nhs_number": "X"}


def fetch(fields: tuple[str, ...]) -> Mapping[str, object]:
    return {f: RECORD[f] for f in fields if f in RECORD}


def entries(database: Database) -> list[object]:
    with database.transaction() as connection:
        return [entry.event for entry in AuditLog().read_in(connection)]


def test_a_disclosure_writes_its_decision_and_one_disclosure_entry(database: Database) -> None:
    gate = DisclosureGate(point())
    with database.transaction() as connection:
        shown = gate.disclose_in(
            connection, Request(HOUSING_OFFICER, "housing", "r-1", FIELDS, reference="case-9"), fetch
        )

    assert dict(shown.values) == {"person.name": "N", "person.address": "A"}
    decision, disclosure = entries(database)
    assert isinstance(decision, DecisionEvent) and isinstance(disclosure, DisclosureEvent)
    assert decision.outcome.value == "PERMIT" and decision.fields_requested == FIELDS
    assert disclosure.fields_disclosed == ("person.name", "person.address")
    assert (disclosure.agreement_code, disclosure.agreement_version) == ("housing", "1.0")
    assert disclosure.reference == "case-9" and disclosure.purpose_description == "managing tenancies"
    assert disclosure.decision_sequence == shown.audit_sequences[0]


def test_a_denial_is_recorded_and_discloses_nothing(database: Database) -> None:
    gate = DisclosureGate(point())
    with database.transaction() as connection:
        shown = gate.disclose_in(connection, Request(OFFICER, "housing", "r-1", FIELDS), fetch)
    assert shown.values == {}
    (event,) = entries(database)
    assert isinstance(event, DecisionEvent) and event.outcome.value == "DENY" and event.reasons


def test_a_disclosure_that_rolls_back_leaves_no_audit_entry(database: Database) -> None:
    gate = DisclosureGate(point())
    with pytest.raises(RuntimeError), database.transaction() as connection:
        gate.disclose_in(connection, Request(HOUSING_OFFICER, "housing", "r-1", FIELDS), fetch)
        raise RuntimeError("the response could not be sent")
    assert entries(database) == []


def test_consent_is_kept_and_read_back_by_the_gate(database: Database) -> None:
    gate = DisclosureGate(point())
    with database.transaction() as connection:
        gate.record_consent_in(connection, objection())
    with database.transaction() as connection:
        assert gate.consents_in(connection, "r-1") == (objection(),)
        denied = gate.disclose_in(connection, Request(HOUSING_OFFICER, "housing", "r-1", FIELDS), fetch)
    assert denied.decision.outcome is Outcome.DENY
    with database.transaction() as connection:
        gate.record_consent_in(connection, objection(withdrawn_on=dt.date(2026, 2, 1)))
        assert gate.disclose_in(connection, Request(HOUSING_OFFICER, "housing", "r-1", FIELDS), fetch).values


def test_break_glass_is_marked_in_the_audit_and_flagged_until_the_dpo_closes_it(database: Database) -> None:
    gate = DisclosureGate(point())
    request = Request(HOUSING_OFFICER, "emergency", "r-1", ("person.name", "health.summary"))
    with database.transaction() as connection, pytest.raises(BreakGlassError):
        gate.break_glass_in(connection, request, "  urgent ", fetch)
    with database.transaction() as connection:
        shown = gate.break_glass_in(connection, request, "Resident collapsed at the housing office", fetch)
    assert dict(shown.values) == {"person.name": "N", "health.summary": "H"}
    _, disclosure = entries(database)
    assert isinstance(disclosure, DisclosureEvent) and disclosure.break_glass
    assert disclosure.break_glass_reason == "Resident collapsed at the housing office"
    reviews = BreakGlassReviews()
    with database.transaction() as connection:
        (flag,) = reviews.list(connection)
        assert flag.id == shown.review_flag and flag.audit_sequence == shown.audit_sequences[-1]
        assert reviews.close(connection, flag.id, "dev-0004", "justified", dt.datetime.now(dt.UTC))
        assert not reviews.close(connection, flag.id, "dev-0004", "again", dt.datetime.now(dt.UTC))
        assert reviews.list(connection) == []
        assert reviews.list(connection, open_only=False)[0].outcome == "justified"


def test_known_to_you_answers_yes_or_no_and_a_contact_without_record_data(database: Database) -> None:
    gate = DisclosureGate(point())

    def holders(subject: str) -> set[str]:
        return {"council"} if subject == "r-1" else set()

    with database.transaction() as connection:
        known = gate.known_to_in(connection, Request(OFFICER, "known-check", "r-1", (), holder="council"), holders)
        unknown = gate.known_to_in(connection, Request(OFFICER, "known-check", "r-2", (), holder="council"), holders)
        refused = gate.known_to_in(connection, Request(OFFICER, "housing", "r-1", (), holder="council"), holders)
    assert dict(known.values) == {"known_to": {"known": True, "contact": "Council front door"}}
    assert dict(unknown.values) == {"known_to": {"known": False, "contact": None}}
    assert refused.values == {} and refused.decision.outcome is Outcome.DENY


def test_social_worker_and_housing_officer_both_pass_the_gate(database: Database) -> None:
    gate = DisclosureGate(point())
    with database.transaction() as connection:
        housing = gate.disclose_in(connection, Request(HOUSING_OFFICER, "housing", "r-1", FIELDS), fetch)
        social = gate.disclose_in(connection, Request(SOCIAL_WORKER, "s47", "r-1", FIELDS), fetch)
    assert set(housing.values) < set(social.values)
    kinds = [type(e).__name__ for e in entries(database)]
    assert kinds == ["DecisionEvent", "DisclosureEvent", "DecisionEvent", "DisclosureEvent"]
