"""Tell-us-once deliveries through the one decision point, on SQLite and PostgreSQL: refusals carry the
decision's reasons, objections are respected, only permitted fields go, every decision and every delivery is
audited once in the transaction of its act, and the resident's "who has seen my data" lists the delivery."""

from __future__ import annotations

import datetime as dt
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection

from joinedup import audit
from joinedup.governance import Consent, GovernedDeliveries
from joinedup.place import Place, demo_place_path, load_place
from joinedup.store import Database, audit_log
from joinedup.store.place_registry import register_place
from joinedup.store.tellusonce_outbox import DeliveryRow
from joinedup.store.tellusonce_outbox import Outcome as DeliveryOutcome
from joinedup.tellusonce import ChangeDesk, ChangeKind, ChangeOfCircumstance, MappingRecordDirectory, OutboxStore

CONTROLLER = "kettleby-council"
RESIDENT = "R-1"
MOVE = {"address_line_1": "14 Mill Lane", "address_line_2": "", "town": "Kettleby", "postcode": "KT1 4MX"}
RECORDS = [(RESIDENT, "council-tax", "CT1"), (RESIDENT, "gp", "G1"), (RESIDENT, "gp", "G2")]


def kettleby() -> Place:
    return load_place(demo_place_path())


def tell(database: Database, governed: GovernedDeliveries, kind: ChangeKind, fields: dict[str, str]) -> int:
    place = governed.place
    desk = ChangeDesk(database, place.subscriptions, MappingRecordDirectory.from_pairs(RECORDS), governed)
    return desk.tell(ChangeOfCircumstance(kind, RESIDENT, fields)).change_id


def entries(database: Database, kind: str) -> list[audit.AuditEntry]:
    with database.transaction() as connection:
        return [
            audit.AuditLog().read_in(connection, start=row.sequence, stop=row.sequence)[0]
            for row in audit_log.entries_about(connection, RESIDENT, [kind])
        ]


def deliver_all(database: Database, governed: GovernedDeliveries) -> None:
    """What the worker does after each system took its delivery: record the receipts with their disclosures."""
    store = OutboxStore(database)
    while claimed := store.claim("test-worker", 100):  # a resident's later delivery to a system waits its turn
        outcomes = [DeliveryOutcome(row.id, "delivered", receipt="HTTP 200") for row in claimed]
        store.record("test-worker", outcomes, on_delivered=governed.delivered_in)


def test_a_move_goes_to_each_system_under_the_agreement_and_every_decision_is_audited_once(
    database: Database,
) -> None:
    governed = GovernedDeliveries.for_place(kettleby(), CONTROLLER)
    change_id = tell(database, governed, ChangeKind.ADDRESS, MOVE)

    rows = OutboxStore(database).of_change(change_id)
    assert sorted((r.system, r.status) for r in rows) == [("council-tax", "pending"), ("gp", "pending"),
                                                         ("gp", "pending")]  # fmt: skip
    decisions = [e.event for e in entries(database, "decision")]
    assert len(decisions) == 2  # one per subscription asked (the GP's two records share one decision)
    by_actor = {d.actor.person_id: d for d in decisions if isinstance(d, audit.DecisionEvent)}
    gp = by_actor["system:gp"]
    assert gp.actor.organisation == "kettleby-primary-care" and gp.actor.role == "records-system"
    assert gp.outcome is audit.Outcome.PERMIT and gp.channel is audit.Channel.DELIVERY
    assert gp.agreement_code == "kettleby-tell-us-once" and gp.purpose == "tell-us-once"
    assert set(gp.fields_permitted) == {"person.address.line_1", "person.address.line_2", "person.address.town",
                                        "person.address.postcode"}  # fmt: skip
    assert all("14 Mill Lane" not in e.body and "KT1 4MX" not in e.body for e in entries(database, "decision"))


def test_a_field_the_agreement_does_not_cover_is_refused_with_the_decisions_reason(database: Database) -> None:
    place = kettleby()
    # The GP's system also asks for name changes, which the tell-us-once agreement does not share with it.
    subscriptions = tuple(
        s.model_copy(update={"events": (*s.events, "person.name-changed"), "fields": (*s.fields, "family_name")})
        if s.system == "gp" else s
        for s in place.subscriptions
    )  # fmt: skip
    governed = GovernedDeliveries.for_place(place.model_copy(update={"subscriptions": subscriptions}), CONTROLLER)
    change_id = tell(database, governed, ChangeKind.NAME, {"family_name": "Okafor"})

    rows = {r.record_id: r for r in OutboxStore(database).of_change(change_id)}
    assert rows["G1"].status == "refused" and rows["G1"].fields == {} and rows["CT1"].status == "pending"
    assert rows["G1"].reason == (
        "refused: No agreement in force lets kettleby-primary-care (records-system) receive person.name.family "
        "from kettleby-council for purpose 'tell-us-once'."
    )
    decided = [e.event for e in entries(database, "decision") if isinstance(e.event, audit.DecisionEvent)]
    assert [d.outcome for d in decided if d.actor.person_id == "system:gp"] == [audit.Outcome.DENY]


def test_only_the_fields_the_agreement_permits_are_sent(database: Database) -> None:
    place = kettleby()
    agreements = tuple(
        a.model_copy(update={"shares": tuple(
            s.model_copy(update={"fields": ("person.address.postcode",)}) if "kettleby-primary-care" in s.recipients
            else s for s in a.shares)})
        if a.code == "kettleby-tell-us-once" else a
        for a in place.agreements
    )  # fmt: skip
    governed = GovernedDeliveries.for_place(place.model_copy(update={"agreements": agreements}), CONTROLLER)
    change_id = tell(database, governed, ChangeKind.ADDRESS, MOVE)

    rows = {r.record_id: r for r in OutboxStore(database).of_change(change_id)}
    assert rows["G1"].fields == {"Postcode": "KT1 4MX"} and rows["G2"].fields == {"Postcode": "KT1 4MX"}
    assert rows["CT1"].fields["ADDR1"] == "14 Mill Lane"


def test_an_objection_to_sharing_with_an_organisation_refuses_its_deliveries(database: Database) -> None:
    governed = GovernedDeliveries.for_place(kettleby(), CONTROLLER)
    objection = Consent.model_validate(
        {
            "id": "obj-1", "subject": RESIDENT, "scope": "share", "decision": "deny",
            "recorded_on": "2026-11-01", "evidence": "letter ref 77",
            "provisions": [{"actors": [{"organisation": "kettleby-primary-care"}]}],
        }
    )  # fmt: skip
    with database.transaction() as connection:
        governed.gate.record_consent_in(connection, objection)
    change_id = tell(database, governed, ChangeKind.ADDRESS, MOVE)

    rows = {r.record_id: r for r in OutboxStore(database).of_change(change_id)}
    assert rows["G1"].status == "refused" and rows["G2"].status == "refused"
    assert rows["G1"].reason is not None and "the resident objected (obj-1)" in rows["G1"].reason
    assert rows["CT1"].status == "pending"  # the objection names the GP's organisation only


def test_each_delivery_is_a_disclosure_the_resident_can_see(database: Database) -> None:
    place = kettleby()
    register_place(database, place)
    governed = GovernedDeliveries.for_place(place, CONTROLLER)
    tell(database, governed, ChangeKind.ADDRESS, MOVE)
    deliver_all(database, governed)

    disclosures = [e.event for e in entries(database, "disclosure")]
    assert len(disclosures) == 3  # one per delivery taken: council tax, and both GP records
    with database.transaction() as connection:
        seen = audit.who_has_seen_in(
            connection, RESIDENT, today=datetime.now(UTC).date(),
            organisation_names={o.code: o.name for o in place.organisations},
            system_names={s.code: s.name for s in place.systems},
        )  # fmt: skip
        told = audit.recipients_of(connection, RESIDENT, ["person.address"])
    council_tax = next(s for s in seen if s.system == place.system("council-tax").name)
    assert council_tax.organisation == "Kettleby District Council" and council_tax.channel == "delivery"
    assert council_tax.agreement == "kettleby-tell-us-once v1.0"
    assert "tell us once: change of address" in council_tax.purpose
    assert "person.address.postcode" in council_tax.fields
    assert told == ("kettleby-council", "kettleby-primary-care")  # a later correction reaches both


def test_decisions_and_disclosures_commit_with_their_acts_or_not_at_all(database: Database) -> None:
    governed = GovernedDeliveries.for_place(kettleby(), CONTROLLER)
    desk = ChangeDesk(database, governed.place.subscriptions, MappingRecordDirectory.from_pairs(RECORDS), governed)
    with pytest.raises(RuntimeError), database.transaction() as connection:
        desk.plan(ChangeOfCircumstance(ChangeKind.ADDRESS, RESIDENT, MOVE), connection)
        raise RuntimeError("the outbox write failed")
    assert entries(database, "decision") == []

    tell(database, governed, ChangeKind.ADDRESS, MOVE)
    store = OutboxStore(database)
    claimed = store.claim("w", 100)

    def failing(connection: Connection, rows: list[DeliveryRow]) -> None:
        governed.delivered_in(connection, rows)
        raise RuntimeError("the receipt could not be recorded")

    with pytest.raises(RuntimeError):
        store.record("w", [DeliveryOutcome(r.id, "delivered") for r in claimed], on_delivered=failing)
    assert entries(database, "disclosure") == []
    assert {r.status for r in store.list()} == {"in_flight", "pending"}  # nothing recorded as delivered


def test_a_system_acts_only_for_its_own_organisation_in_the_system_role() -> None:
    from joinedup.governance import Actor, DecisionPoint, Request

    point = DecisionPoint(kettleby(), clock=lambda: datetime(2026, 12, 1, tzinfo=UTC))
    fields = ("person.address.postcode",)
    posing = Request(Actor("system:gp", "records-system", "kettleby-council"), "tell-us-once", RESIDENT, fields)
    assert point.decide(posing).reasons[0].text == (
        "System 'gp' is not registered in the place as one of kettleby-council's systems."
    )
    wrong_role = Request(Actor("system:gp", "gp", "kettleby-primary-care"), "tell-us-once", RESIDENT, fields)
    assert "acts in role 'records-system'" in point.decide(wrong_role).reasons[0].text
    right = Request(Actor("system:gp", "records-system", "kettleby-primary-care"), "tell-us-once", RESIDENT, fields,
                    holder=CONTROLLER)  # fmt: skip
    assert point.decide(right).permitted_fields == fields
    assert dt.date(2026, 12, 1) == point.today
