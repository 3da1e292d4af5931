"""Agreement diffs: exactly the (organisation, role, purpose, field) permissions added and removed."""

from __future__ import annotations

from joinedup.governance import Permission, diff_agreements, diff_places, permissions_of

from .support import place


def test_an_agreement_without_shares_lets_every_party_receive_every_field_for_every_purpose() -> None:
    scoring = place().agreements[3]
    assert permissions_of(scoring) == {Permission(org, "*", "scoring", "person.name") for org in ("council", "police")}


def test_a_narrowed_role_and_a_new_field_show_as_removed_and_added_permissions() -> None:
    old = place().agreements[1]
    share = old.shares[0].model_copy(update={"roles": ("social-worker",), "fields": ("person.name", "person.sex")})
    new = old.model_copy(update={"version": "1.1", "shares": (share,), "retention": "3 years"})

    change = diff_agreements(old, new)

    assert (change.old_version, change.new_version) == ("1.0", "1.1")
    assert change.added == (
        Permission("council", "social-worker", "housing", "person.name"),
        Permission("council", "social-worker", "housing", "person.sex"),
    )
    assert change.removed == (
        Permission("council", "housing-officer", "housing", "person.address"),
        Permission("council", "housing-officer", "housing", "person.name"),
    )
    assert change.changed_terms == ("retention changed",)


def test_added_and_withdrawn_agreements_and_unchanged_ones() -> None:
    agreements = place().agreements
    changes = diff_places(agreements[:2], agreements[1:3])
    assert [(c.code, c.old_version, c.new_version) for c in changes] == [
        ("research", None, "1.0"),
        ("safeguarding", "2.0", None),
    ]
    assert all(not c.removed for c in changes if c.code == "research")
