"""The package's public names are all importable, and the event union covers every event model."""

from __future__ import annotations

import typing

import joinedup.audit as audit
from joinedup.audit import _events


def test_every_exported_name_exists() -> None:
    assert sorted(set(audit.__all__)) == sorted(audit.__all__)
    missing = [name for name in audit.__all__ if not hasattr(audit, name)]
    assert not missing


def test_every_event_model_is_in_the_union_and_exported() -> None:
    union_members = set(typing.get_args(typing.get_args(_events.AuditEvent)[0]))
    models = {
        value
        for name, value in vars(_events).items()
        if isinstance(value, type) and name.endswith("Event") and not name.startswith("_")
    }
    assert models == union_members
    assert all(model.__name__ in audit.__all__ for model in models)
