"""Rules: the shape of changes, planning deliveries against subscriptions and governance's decision point (on a
real SQLite database, where the decisions are audited), the backoff."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.connectors import WriteReceipt
from joinedup.governance import FIELD_PATHS, GovernedDeliveries
from joinedup.place import Place, Subscription
from joinedup.store import Database
from joinedup.store.tellusonce_outbox import DeliveryRow, NewDelivery
from joinedup.tellusonce import (
    FIELDS,
    Backoff,
    ChangeError,
    ChangeKind,
    ChangeOfCircumstance,
    MappingRecordDirectory,
    after_failure,
    after_receipt,
    plan_deliveries,
)

from .support import CONTROLLER, kettleby

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """One migrated SQLite database for the module: planning only appends decisions to its audit log."""
    db = Database(f"sqlite:///{Path(tmp_path_factory.mktemp('planning')) / 'joinedup.db'}")
    db.migrate()
    yield db
    db.dispose()


def plan(
    database: Database,
    change: ChangeOfCircumstance,
    subscriptions: Sequence[Subscription],
    records: Sequence[tuple[str, str]],
    place: Place,
) -> list[NewDelivery]:
    with database.transaction() as connection:
        policy = GovernedDeliveries.for_place(place, CONTROLLER)
        return plan_deliveries(connection, change, subscriptions, records, policy)


def test_a_change_carries_only_its_kinds_fields_and_names_problems_without_values() -> None:
    with pytest.raises(ChangeError) as caught:
        ChangeOfCircumstance(ChangeKind.ADDRESS, "R1", {"postcode": "", "nhs_number": "9434765919"})
    message = str(caught.value)
    assert "does not carry nhs_number" in message and "needs address_line_1, postcode" in message
    assert "9434765919" not in message


def test_kettleby_delivers_a_move_to_each_system_under_its_own_field_names(database: Database) -> None:
    place = kettleby()
    records = [("housing", "H1"), ("gp", "G1"), ("waste", "W1"), ("gp", "G2"), ("police-system", "X")]
    move = ChangeOfCircumstance(
        ChangeKind.ADDRESS, "R1", {"address_line_1": "1 A St", "address_line_2": "", "town": "K", "postcode": "KT1"}
    )
    planned = plan(database, move, place.subscriptions, records, place)
    by_record = {p.record_id: p for p in planned}
    assert set(by_record) == {"H1", "G1", "G2", "W1"}  # both GP records; no subscription for the unknown system
    assert by_record["G1"].fields == {"AddressLine1": "1 A St", "Locality": "", "Town": "K", "Postcode": "KT1"}
    assert by_record["G1"].agreement == "kettleby-tell-us-once"
    assert by_record["W1"].fields == {"postcode": "KT1", "property_address": "1 A St, K"}
    detected = ChangeOfCircumstance(ChangeKind.ADDRESS, "R1", dict(move.fields), source="housing")
    assert "housing" not in {p.system for p in plan(database, detected, place.subscriptions, records, place)}


KETTLEBY = kettleby()
field_names = sorted(FIELDS[ChangeKind.ADDRESS] | FIELDS[ChangeKind.CONTACT])


@settings(deadline=None, max_examples=60)
@given(
    subscribed=st.sets(st.sampled_from(field_names), min_size=1),
    agreed=st.sets(st.sampled_from(field_names)),
    told=st.dictionaries(st.sampled_from(sorted(FIELDS[ChangeKind.CONTACT])), st.text(max_size=5), min_size=1),
)
def test_a_delivery_never_carries_a_field_the_subscription_or_the_agreement_leaves_out(
    database: Database, subscribed: set[str], agreed: set[str], told: dict[str, str]
) -> None:
    place = KETTLEBY
    index, agreement = next((i, a) for i, a in enumerate(place.agreements) if a.code == "kettleby-tell-us-once")
    # The share that lets the GP's systems receive lists exactly the agreed fields (as governance field paths).
    shares = tuple(
        share.model_copy(update={"fields": tuple(sorted(FIELD_PATHS[n] for n in agreed)) or ("person.name",)})
        if "kettleby-primary-care" in share.recipients else share
        for share in agreement.shares
    )  # fmt: skip
    agreements = list(place.agreements)
    agreements[index] = agreement.model_copy(update={"shares": shares})
    subscription = Subscription(
        system="gp", events=["person.contact-changed"], fields=sorted(subscribed), agreement=agreement.code,
        write={name: name.upper() for name in subscribed},
    )  # fmt: skip
    place = place.model_copy(update={"agreements": tuple(agreements)})
    change = ChangeOfCircumstance(ChangeKind.CONTACT, "R1", told)
    planned = plan(database, change, [subscription], [("gp", "G1")], place)
    allowed = set(told) & subscribed & agreed
    if not set(told) & subscribed:
        assert planned == []
    elif not allowed:
        assert [p.refused is not None and p.fields == {} for p in planned] == [True]
    else:
        (delivery,) = planned
        assert delivery.refused is None
        assert delivery.fields == {name.upper(): told[name] for name in allowed}


def test_the_directory_lists_every_record_of_a_resident() -> None:
    directory = MappingRecordDirectory.from_pairs([("R1", "gp", "G1"), ("R1", "gp", "G2"), ("R2", "waste", "W")])
    assert directory.records_of("R1") == [("gp", "G1"), ("gp", "G2")] and directory.records_of("R9") == []


def _row(attempts: int = 0) -> DeliveryRow:
    return DeliveryRow(
        id=7, change_id=1, resident_id="R1", system="gp", record_id="G1", fields={}, idempotency_key="k",
        expected_version=None, agreement=None, status="in_flight", attempts=attempts, next_attempt_at=NOW,
        reason=None, receipt=None, created_at=NOW, delivered_at=None,
    )  # fmt: skip


@settings(deadline=None)
@given(attempt=st.integers(min_value=1, max_value=30), seed=st.integers())
def test_backoff_grows_exponentially_within_its_jittered_bounds(attempt: int, seed: int) -> None:
    backoff = Backoff(base_seconds=0.5, cap_seconds=300, jitter=random.Random(seed))
    ceiling = min(300.0, 0.5 * 2 ** (attempt - 1))
    assert ceiling / 2 <= backoff.delay(attempt) <= ceiling


def test_outcomes_follow_the_systems_answer() -> None:
    assert after_receipt(_row(), WriteReceipt("G1", True, "HTTP 200")).status == "delivered"
    held = after_receipt(_row(), WriteReceipt("G1", False, "conflict"))
    assert held.status == "held" and held.reason is not None and "changed since" in held.reason
    assert after_receipt(_row(), WriteReceipt("G1", False, "not found")).reason == "rejected by gp: not found"
    backoff = Backoff(max_attempts=3, jitter=random.Random(1))
    retry = after_failure(_row(0), ConnectionError("refused"), backoff, NOW)
    assert retry.status == "pending" and retry.next_attempt_at is not None and retry.next_attempt_at > NOW
    assert after_failure(_row(2), ConnectionError("refused"), backoff, NOW).status == "dead"
