"""The conformance suite every connector kind must pass.

A kind's test module provides a ``harness`` fixture returning a :class:`Harness` around a real, running system
(an HTTP server, a folder, a database, a web application) seeded with records, then subclasses
:class:`ConnectorConformance` to run every check against it:

    class TestFileConnector(ConnectorConformance):
        @pytest.fixture
        def harness(self, tmp_path): ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from joinedup.connectors.base import Capability, Change, Connector, RawRecord, WriteReceipt


@dataclass
class Harness:
    """A connector and the levers a test needs on the system behind it."""

    connector: Connector
    seeded_ids: set[str]
    change_record: Callable[[str], None]  # change one record inside the system (as its users would)
    add_record: Callable[[], str]  # add a new record inside the system; returns its id
    read_back: Callable[[str], dict[str, Any]]  # the system's own current copy of one record
    writable_field: str | None = None  # a field the connector may write back, if it can write
    stop_system: Callable[[], None] | None = None  # make the system unavailable (for health checks)
    # For kinds that judge each change as it is written (not later, as a file drop's import job does): an
    # expected version the system will find out of date, and a field it will refuse to take.
    stale_version: str | None = None
    refused_field: str | None = None


def _ids(records: list[RawRecord]) -> list[str]:
    return [record.record_id for record in records]


class ConnectorConformance:
    """Checks every connector kind must pass. Subclasses provide the ``harness`` fixture."""

    def test_read_all_returns_every_record_once(self, harness: Harness) -> None:
        records = list(harness.connector.read())
        ids = _ids(records)
        assert len(ids) == len(set(ids)), "a record was read twice"
        assert set(ids) == harness.seeded_ids
        assert all(record.payload for record in records)
        assert all(record.location.description for record in records)

    def test_read_is_repeatable(self, harness: Harness) -> None:
        first = [(r.record_id, dict(r.payload)) for r in harness.connector.read()]
        second = [(r.record_id, dict(r.payload)) for r in harness.connector.read()]
        assert sorted(first, key=lambda item: item[0]) == sorted(second, key=lambda item: item[0])

    def test_incremental_read_returns_only_what_changed(self, harness: Harness) -> None:
        if Capability.READ_CHANGES not in harness.connector.describe().capabilities:
            pytest.skip("this connector kind reads everything every time")  # declared, not hidden
        records = list(harness.connector.read())
        cursor = records[-1].cursor
        assert cursor is not None, "an incremental connector must hand out a cursor"
        assert list(harness.connector.read(since=cursor)) == []
        changed_id = sorted(harness.seeded_ids)[0]
        harness.change_record(changed_id)
        new_id = harness.add_record()
        changed = _ids(list(harness.connector.read(since=cursor)))
        assert sorted(changed) == sorted([changed_id, new_id])

    def test_write_changes_the_systems_copy_once(self, harness: Harness) -> None:
        if Capability.WRITE not in harness.connector.describe().capabilities:
            pytest.skip("this connector kind is read-only")  # declared, not hidden
        assert harness.writable_field is not None
        record_id = sorted(harness.seeded_ids)[-1]
        change = Change(record_id=record_id, fields={harness.writable_field: "14 New Street"}, idempotency_key="k-1")
        receipt = harness.connector.write(change)
        assert receipt.accepted, receipt.detail
        assert harness.read_back(record_id)[harness.writable_field] == "14 New Street"
        again = harness.connector.write(change)
        assert again.accepted
        assert harness.read_back(record_id)[harness.writable_field] == "14 New Street"

    def test_write_many_gives_each_change_its_own_outcome_once(self, harness: Harness) -> None:
        if Capability.WRITE not in harness.connector.describe().capabilities:
            pytest.skip("this connector kind is read-only")  # declared, not hidden
        assert harness.writable_field is not None
        first, second = sorted(harness.seeded_ids)[:2]
        missing = "NO-SUCH-RECORD-0"
        assert missing not in harness.seeded_ids
        field = harness.writable_field
        batch = [
            Change(record_id=first, fields={field: "1 Batch Row"}, idempotency_key="kb-1"),
            Change(record_id=missing, fields={field: "2 Batch Row"}, idempotency_key="kb-2"),
            Change(record_id=second, fields={field: "3 Batch Row"}, idempotency_key="kb-3"),
        ]
        answered = harness.connector.write_many(batch)
        assert len(answered) == len(batch)
        results = [result for result in answered if isinstance(result, WriteReceipt)]
        assert results == answered, answered  # no outage here: every change gets a receipt
        assert [result.record_id for result in results] == [change.record_id for change in batch]
        # A record the system does not hold is not written, whether or not the kind can tell at once (a file
        # drop cannot: its import job finds out); the changes beside it are written all the same.
        assert results[0].accepted and results[2].accepted, [r.detail for r in results if isinstance(r, WriteReceipt)]
        assert harness.read_back(first)[field] == "1 Batch Row"
        assert harness.read_back(second)[field] == "3 Batch Row"
        again = harness.connector.write_many(batch)  # a worker that died before recording writes the batch again
        assert [isinstance(r, WriteReceipt) and r.accepted for r in again] == [
            isinstance(r, WriteReceipt) and r.accepted for r in results
        ]
        assert harness.read_back(first)[field] == "1 Batch Row"
        assert harness.read_back(second)[field] == "3 Batch Row"

    def test_write_many_mixed_batch_one_taken_one_conflicting_one_refused(self, harness: Harness) -> None:
        if harness.stale_version is None or harness.refused_field is None:
            pytest.skip("this connector kind learns of conflicts and refusals later, not as it writes")  # declared
        assert harness.writable_field is not None
        field = harness.writable_field
        good, stale, refused = sorted(harness.seeded_ids)[:3]
        before_stale, before_refused = harness.read_back(stale), harness.read_back(refused)
        batch = [
            Change(record_id=good, fields={field: "5 Mixed Row"}, idempotency_key="km-1"),
            Change(stale, {field: "6 Mixed Row"}, "km-2", expected_version=harness.stale_version),
            Change(record_id=refused, fields={harness.refused_field: "7 Mixed Row"}, idempotency_key="km-3"),
        ]
        answered = harness.connector.write_many(batch)
        receipts = [result for result in answered if isinstance(result, WriteReceipt)]
        assert receipts == answered, answered  # each a receipt of its own, never the whole batch's failure
        assert [r.record_id for r in receipts] == [good, stale, refused]
        assert receipts[0].accepted, receipts[0].detail
        assert not receipts[1].accepted and "conflict" in receipts[1].detail, receipts[1]  # held for review
        assert not receipts[2].accepted and "conflict" not in receipts[2].detail, receipts[2]  # dead-lettered
        assert harness.read_back(good)[field] == "5 Mixed Row"
        assert harness.read_back(stale) == before_stale
        assert harness.read_back(refused) == before_refused
        replayed = harness.connector.write_many(batch)  # the same batch again: the same answers, nothing new applied
        assert [(r.accepted, r.detail) for r in replayed if isinstance(r, WriteReceipt)] == [
            (r.accepted, r.detail) for r in receipts
        ]
        assert harness.read_back(stale) == before_stale
        assert harness.read_back(refused) == before_refused

    def test_health_reports_ok_then_the_outage(self, harness: Harness) -> None:
        assert harness.connector.health().ok
        if harness.stop_system is None:
            return
        harness.stop_system()
        health = harness.connector.health()
        assert not health.ok
        assert health.detail

    def test_description_names_capabilities(self, harness: Harness) -> None:
        description = harness.connector.describe()
        assert Capability.READ_ALL in description.capabilities
        assert description.kind
