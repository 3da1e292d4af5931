"""Source records keep their history on every backend: a change adds a version, nothing is overwritten."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from joinedup.model import (
    Address,
    Person,
    PersonName,
    SourceRecord,
    flat_payload_hash,
    flat_row_hasher,
    raw_content_hash,
)
from joinedup.store import Database
from joinedup.store.source_records import SaveResult, SourceRecordStore, canonical_json, content_hash, stage
from joinedup.store.tables import organisations, source_records, source_systems

T0 = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


@pytest.fixture
def store(database: Database) -> SourceRecordStore:
    with database.transaction() as connection:
        connection.execute(
            insert(organisations), [{"code": "council", "name": "Council", "type": "local-authority", "updated_at": T0}]
        )
        connection.execute(
            insert(source_systems),
            [
                {"code": code, "name": code, "organisation_code": "council", "kind": "file", "entity": "person"}
                | {"updated_at": T0}
                for code in ("council-tax", "housing")
            ],
        )
    return SourceRecordStore(database)


def _record(record_id: str, surname: str, *, system: str = "council-tax", postcode: str = "KB1 4AA") -> SourceRecord:
    return SourceRecord(
        system=system,
        record_id=record_id,
        raw={"ACCOUNT": record_id, "SURNAME": surname, "POSTCODE": postcode},
        person=Person(name=PersonName(family=surname), address=Address(postcode=postcode)),
        received_at=T0,
        changed_at=T0 - timedelta(days=1),
    )


def test_first_save_creates_version_one(store: SourceRecordStore) -> None:
    result = store.save([_record("CT-1", "Smith"), _record("CT-2", "Jones")])
    assert result == SaveResult(new=2)
    current = store.current("council-tax", "CT-1")
    assert current is not None
    assert current.version == 1
    assert current.raw["SURNAME"] == "Smith"
    assert current.person is not None and current.person.name.family == "Smith"
    assert current.person.address is not None and current.person.address.postcode == "KB1 4AA"


def test_change_adds_a_version_and_keeps_the_old_one(store: SourceRecordStore) -> None:
    store.save([_record("CT-1", "Smith")])
    result = store.save([_record("CT-1", "Smith", postcode="KB2 9ZZ")])
    assert result == SaveResult(changed=1)
    history = store.history("council-tax", "CT-1")
    assert [r.version for r in history] == [1, 2]
    assert [r.raw["POSTCODE"] for r in history] == ["KB1 4AA", "KB2 9ZZ"]
    current = store.current("council-tax", "CT-1")
    assert current is not None and current.version == 2


def test_unchanged_record_is_recognised_and_writes_nothing(store: SourceRecordStore) -> None:
    store.save([_record("CT-1", "Smith")])
    assert store.save([_record("CT-1", "Smith")]) == SaveResult(unchanged=1)
    assert len(store.history("council-tax", "CT-1")) == 1


def test_same_record_twice_in_one_batch_gives_two_versions(store: SourceRecordStore) -> None:
    result = store.save([_record("CT-9", "Smith"), _record("CT-9", "Smyth")])
    assert result == SaveResult(new=1, changed=1)
    assert [r.raw["SURNAME"] for r in store.history("council-tax", "CT-9")] == ["Smith", "Smyth"]
    assert store.save([_record("CT-9", "Smyth")]) == SaveResult(unchanged=1)


def test_same_record_id_in_two_systems_is_two_records(store: SourceRecordStore) -> None:
    store.save([_record("42", "Smith"), _record("42", "Patel", system="housing")])
    counts = {c.system: (c.records, c.versions) for c in store.counts()}
    assert counts == {"council-tax": (1, 1), "housing": (1, 1)}


def test_timestamps_come_back_aware_and_in_utc(store: SourceRecordStore) -> None:
    british_summer = timezone(timedelta(hours=1))
    record = _record("CT-7", "Smith").model_copy(
        update={"received_at": datetime(2026, 6, 1, 12, tzinfo=british_summer)}
    )
    store.save([record])
    current = store.current("council-tax", "CT-7")
    assert current is not None
    assert current.received_at == datetime(2026, 6, 1, 11, tzinfo=UTC)
    assert current.received_at.tzinfo is not None


def test_iter_current_streams_newest_versions(store: SourceRecordStore) -> None:
    store.save([_record(f"CT-{n:03d}", "Smith") for n in range(30)])
    store.save([_record("CT-005", "Brown")])
    current = list(store.iter_current("council-tax", batch_size=7))
    assert len(current) == 30
    assert {r.record_id: r.version for r in current}["CT-005"] == 2
    assert [r.record_id for r in current] == sorted(r.record_id for r in current)


def test_a_large_batch_round_trips(store: SourceRecordStore) -> None:
    batch = [_record(f"CT-{n:05d}", f"Name{n}") for n in range(1_200)]
    assert store.save(batch) == SaveResult(new=1_200)
    assert store.save(batch) == SaveResult(unchanged=1_200)
    assert store.counts()[0].versions == 1_200


def test_record_for_unknown_system_is_refused(store: SourceRecordStore) -> None:
    with pytest.raises(IntegrityError):
        store.save([_record("X-1", "Smith", system="no-such-system")])
    assert store.counts() == []


def test_a_staged_version_is_stored_as_the_record_it_came_from(store: SourceRecordStore, database: Database) -> None:
    record = _record("CT-8", "Ørsted")
    with database.transaction() as connection:
        heads = store.heads_in(connection, "council-tax", ["CT-8"])
        assert heads == {}
        result = store.save_staged_in(connection, [stage(record)], now=T0, heads=heads)
    assert result == SaveResult(new=1)
    current = store.current("council-tax", "CT-8")
    assert current is not None
    assert current.model_dump(exclude={"version"}) == record.model_dump(exclude={"version"})
    with database.transaction() as connection:
        assert store.heads_in(connection, "council-tax", ["CT-8", "CT-9"]) == {
            ("council-tax", "CT-8"): (1, content_hash(record.raw))
        }


def test_stored_canonical_json_is_the_models_json_dump() -> None:
    person = _record("CT-1", "Smith").person
    assert person is not None
    assert json.loads(canonical_json(person)) == person.model_dump(
        mode="json", exclude_none=True, exclude_defaults=True
    )


def test_stored_timestamps_match_the_same_time_in_a_query(store: SourceRecordStore, database: Database) -> None:
    # Rows are written in bulk outside SQLAlchemy's per-row processing; they must still be stored in the form
    # its column types give, or a query comparing times (SQLite compares them as text) would miss them.
    on_the_second = T0.replace(microsecond=0)
    store.save([_record("CT-1", "Smith").model_copy(update={"received_at": on_the_second})])
    statement = select(func.count()).where(
        source_records.c.received_at == on_the_second, source_records.c.changed_at == T0 - timedelta(days=1)
    )
    with database.engine.connect() as connection:
        assert connection.execute(statement).scalar_one() == 1


def test_the_content_hash_is_stable() -> None:
    # Stored heads hold these digests: a change to how they are computed would make every record look changed.
    raw = {"b": "Ørsted", "a": 1, "when": date(2026, 1, 5)}
    expected = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    assert raw_content_hash(raw) == hashlib.sha256(expected.encode("utf-8")).hexdigest()
    assert raw_content_hash(raw) == "3074c3f072625e0aabc4237d2d608372cc937b9d31d9f1d6fe3d668f0121f649"


def test_flat_payloads_have_their_own_stable_hash_and_others_keep_the_old_one() -> None:
    flat = {"b": "Ørsted", "a": "1"}
    text = "a\x1e1\x1fb\x1eØrsted"
    assert content_hash(flat) == "b2:" + hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()
    assert content_hash({"a": "1", "b": "Ørsted"}) == content_hash(flat), "key order is not content"
    assert content_hash({"a": 1, "b": "Ørsted"}) == raw_content_hash({"a": 1, "b": "Ørsted"}), "not flat"
    # A text holding a separator could be confused with another split of the same characters: the old hash.
    tricky = {"a": "1\x1fb\x1eØrsted"}
    assert content_hash(tricky) == raw_content_hash(tricky) != content_hash(flat)


@given(
    st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=4),
    st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=4),
)
def test_flat_hashes_are_equal_exactly_when_the_payloads_are(first: dict[str, str], second: dict[str, str]) -> None:
    assert (content_hash(first) == content_hash(second)) == (first == second)


def _flat_hash_by_definition(payload: dict[str, object]) -> str | None:
    """The flat hash written out from its definition, per payload: what the remembered layouts must give."""
    if not all(type(value) is str for value in payload.values()):
        return None
    text = "\x1f".join(f"{key}\x1e{payload[key]}" for key in sorted(payload))
    if text.count("\x1e") != len(payload) or text.count("\x1f") != len(payload) - 1:
        return None
    return "b2:" + hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


_FLAT_KEYS = st.sampled_from(["ACCOUNT_REF", "DOB", "a", "b", "\x1e", "\x1f", "é", "", "{", "}", "{0}"])
_MAYBE_FLAT_VALUES = st.one_of(st.text(max_size=6), st.sampled_from(["x\x1e", "\x1fy", "\udc80"]), st.none())


@given(st.lists(st.dictionaries(_FLAT_KEYS, _MAYBE_FLAT_VALUES, max_size=5), min_size=1, max_size=6))
def test_the_flat_hash_of_remembered_layouts_is_the_hash_by_definition(payloads: list[dict[str, object]]) -> None:
    # Several payloads in a row, so later ones meet the layout (key order) an earlier one left behind.
    for payload in payloads:
        assert flat_payload_hash(payload) == _flat_hash_by_definition(dict(payload))
        reordered = dict(reversed(payload.items()))
        assert flat_payload_hash(reordered) == flat_payload_hash(payload), "key order is not content"


def test_a_version_stored_with_the_old_hash_is_still_recognised_as_unchanged(
    store: SourceRecordStore, database: Database
) -> None:
    record = _record("CT-5", "Smith")
    legacy = stage(record)._replace(content_hash=raw_content_hash(record.raw))  # as stored before flat hashes
    with database.transaction() as connection:
        assert store.save_staged_in(connection, [legacy], now=T0) == SaveResult(new=1)
    assert store.save([record]) == SaveResult(unchanged=1)
    assert store.save([_record("CT-5", "Smyth")]) == SaveResult(changed=1)


@given(st.lists(_FLAT_KEYS, min_size=0, max_size=5), st.lists(st.lists(_MAYBE_FLAT_VALUES, min_size=5, max_size=5)))
def test_a_row_hasher_gives_what_the_flat_hash_gives_the_rows_payload(
    keys: list[str], rows: list[list[object]]
) -> None:
    hasher = flat_row_hasher(keys)
    if hasher is None:  # the caller then hashes the payload itself
        assert len(keys) < 2 or len(set(keys)) < len(keys) or any(key in ("\x1e", "\x1f") for key in keys)
        return
    for row in rows:
        values = row[: len(keys)]
        assert hasher(values) == _flat_hash_by_definition(dict(zip(keys, values, strict=True)))


def test_the_store_names_only_the_records_whose_head_differs(store: SourceRecordStore, database: Database) -> None:
    kept, moved = _record("CT-1", "Smith"), _record("CT-2", "Jones")
    store.save([kept, moved])
    ids = ["CT-1", "CT-2", "CT-3", "CT-1"]
    digests = [content_hash(kept.raw), content_hash({"name": "Jonas"}), content_hash({"name": "New"}), "b2:other"]
    with database.engine.connect() as connection:
        differing = store.differing_heads_in(connection, "council-tax", ids, digests)
        assert store.differing_heads_in(connection, "housing", ["CT-1"], [content_hash(kept.raw)]) == {"CT-1": None}
        assert store.differing_heads_in(connection, "council-tax", [], []) == {}
    # CT-1 is held as sent, but it came twice and once with another hash: its stored hash comes back for that.
    assert differing == {"CT-1": content_hash(kept.raw), "CT-2": content_hash(moved.raw), "CT-3": None}


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=8),
        st.one_of(st.text(max_size=12), st.integers(), st.none(), st.lists(st.text(max_size=4), max_size=2)),
        max_size=6,
    )
)
def test_a_source_record_names_the_same_digest_the_store_keeps(payload: dict[str, object]) -> None:
    record = SourceRecord(system="council-tax", record_id="r1", raw=payload, received_at=datetime.now(UTC))
    assert record.content_hash() == content_hash(payload)


def test_postgresql_looks_up_heads_by_key_while_statistics_say_the_table_is_empty(
    store: SourceRecordStore, database: Database
) -> None:
    # A first load fills source_record_heads faster than autovacuum analyses it. The lookup must still probe
    # the primary key per id: a plan that hashes every head of the system makes a big load quadratic.
    if database.engine.dialect.name != "postgresql":
        pytest.skip("the plan is PostgreSQL's; SQLite's json_each lookup always probes the key")
    from sqlalchemy import text

    from joinedup.store.source_records import _PG_DIFFERING, _PG_HEADS

    store.save([_record(f"CT-{n:06d}", "Smith") for n in range(30_000)])
    ids = [f"CT-{n:06d}" for n in range(0, 30_000, 6)]
    parameters = {"record_ids": ids, "digests": ["b2:x"] * len(ids), "system": "council-tax"}
    with database.engine.connect() as connection:
        for statement in (_PG_HEADS, _PG_DIFFERING):
            plan = "\n".join(row[0] for row in connection.execute(text(f"EXPLAIN {statement.text}"), parameters))
            assert "Hash Join" not in plan and "Seq Scan" not in plan, plan
            assert "Index Scan" in plan or "Index Only Scan" in plan, plan
