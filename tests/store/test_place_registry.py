"""The place register in the database follows the place file, on both backends."""

from __future__ import annotations

from joinedup.place import demo_place_path, load_place, load_place_text
from joinedup.store import Database
from joinedup.store.place_registry import register_place, registered_systems


def test_demo_place_is_registered(database: Database) -> None:
    place = load_place(demo_place_path())
    register_place(database, place)
    systems = {row["code"]: row for row in registered_systems(database)}
    assert set(systems) == {s.code for s in place.systems}
    assert systems["gp"]["kind"] == "api"
    assert systems["waste"]["entity"] == "property"
    assert systems["council-tax"]["organisation"] == place.organisation("kettleby-council").name  # type: ignore[union-attr]


def test_registering_again_updates_names_and_keeps_codes(database: Database) -> None:
    first = """\
place: {name: Testshire, code: testshire}
organisations:
  - {code: council, name: Old Council Name, type: local-authority}
systems:
  - {code: tax, name: Tax, organisation: council, kind: file, entity: person}
"""
    register_place(database, load_place_text(first))
    register_place(database, load_place_text(first.replace("Old Council Name", "New Council Name")))
    (row,) = registered_systems(database)
    assert row["organisation"] == "New Council Name"
