"""Rectification, restriction, erasure and retention: each done in the store and recorded in the log."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from joinedup.audit import (
    AuditLog,
    ErasureEvent,
    ErasureRefused,
    PurgeEvent,
    RecordRef,
    RectificationEvent,
    SubjectRights,
    erasure_ground,
    purge_in,
    verify_in,
)
from joinedup.audit._keys import create_development_key
from joinedup.store import Database, audit_records

from .support import HOUSING, SOCIAL, T0, disclosure, person_record, register_systems

CT1 = RecordRef(system="council-tax", record_id="CT-1")


def test_a_correction_lists_the_organisations_that_received_the_fields(database: Database) -> None:
    with database.transaction() as connection:
        AuditLog().append_many_in(
            connection,
            [
                disclosure("R-1"),  # name, address to the council
                disclosure("R-1", actor=SOCIAL).model_copy(update={"fields_disclosed": ("date_of_birth",)}),
                disclosure("R-2", actor=SOCIAL),  # someone else
            ],
        )
        result = SubjectRights().rectify_in(
            connection, actor=HOUSING, resident_id="R-1", record=CT1, fields=["address"], reason="moved house"
        )
    assert result.recipients == ("kettleby-council",)
    assert isinstance(result.entry.event, RectificationEvent)
    assert result.entry.event.fields_corrected == ("address",)


def test_restriction_is_kept_until_lifted(database: Database) -> None:
    rights = SubjectRights()
    with database.transaction() as connection:
        rights.restrict_in(connection, actor=HOUSING, resident_id="R-1", records=[CT1], ground="accuracy contested")
        assert audit_records.restricted(connection, "R-1") == [("council-tax", "CT-1")]
        entry = rights.lift_restriction_in(connection, actor=HOUSING, resident_id="R-1", records=[CT1], ground="fixed")
        assert audit_records.restricted(connection) == []
    assert isinstance(entry.event, ErasureEvent)
    assert entry.event.action == "lift-restriction"


def test_erasure_deletes_every_version_where_lawful(database: Database) -> None:
    store = register_systems(database)
    store.save([person_record("council-tax", "CT-1", "Smith"), person_record("council-tax", "CT-2", "Jones")])
    store.save([person_record("council-tax", "CT-1", "Smyth")])  # a second version
    with database.transaction() as connection:
        entry = SubjectRights().erase_in(
            connection, actor=HOUSING, resident_id="R-1", records=[CT1], lawful_basis="UK GDPR Art 6(1)(a)"
        )
    assert store.history("council-tax", "CT-1") == []
    assert store.current("council-tax", "CT-2") is not None
    assert isinstance(entry.event, ErasureEvent) and "17(1)(b)" in entry.event.ground


def test_erasure_of_public_task_data_is_refused_with_the_reason(database: Database) -> None:
    store = register_systems(database)
    store.save([person_record("council-tax", "CT-1", "Smith")])
    with pytest.raises(ErasureRefused, match="public task"), database.transaction() as connection:
        SubjectRights().erase_in(
            connection, actor=HOUSING, resident_id="R-1", records=[CT1], lawful_basis="UK GDPR Art 6(1)(e)"
        )
    assert store.current("council-tax", "CT-1") is not None


@pytest.mark.parametrize(("basis", "erasable"), [("6(1)(a)", True), ("Art 6(1)(c)", False), ("6(1)(F)", True)])
def test_erasure_grounds_follow_the_lawful_basis(basis: str, erasable: bool) -> None:
    if erasable:
        assert erasure_ground(basis).startswith("UK GDPR Art 17(1)")
    else:
        with pytest.raises(ErasureRefused, match="legal obligation"):
            erasure_ground(basis)
    with pytest.raises(ErasureRefused, match="not of the form"):
        erasure_ground("because")


def test_purge_removes_old_records_and_records_their_ids_only(database: Database, tmp_path: Path) -> None:
    store = register_systems(database)
    old, recent = T0 - timedelta(days=400), T0 - timedelta(days=10)
    store.save(
        [
            person_record("council-tax", "CT-OLD", "Smith", received_at=old),
            person_record("council-tax", "CT-NEW", "Jones", received_at=recent),
            person_record("gp", "GP-OLD", "Brown", received_at=old),  # gp is not in the schedule: kept
        ]
    )
    with database.transaction() as connection:
        (result,) = purge_in(connection, {"council-tax": 365}, now=T0)
    assert (result.record_type, result.records, result.versions) == ("council-tax", 1, 1)
    assert store.current("council-tax", "CT-OLD") is None
    assert store.current("council-tax", "CT-NEW") is not None
    assert store.current("gp", "GP-OLD") is not None
    (entry,) = result.entries
    assert isinstance(entry.event, PurgeEvent)
    assert entry.event.records == (RecordRef(system="council-tax", record_id="CT-OLD"),)
    assert "Smith" not in entry.body  # ids and counts, never the data
    key = create_development_key(tmp_path / "key.pem")
    with database.transaction() as connection:
        assert verify_in(connection, key.public_key()).intact
