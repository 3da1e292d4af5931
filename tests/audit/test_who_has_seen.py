"""'Who has seen my data' lists the resident's own disclosures, holds back covert ones, and nothing else."""

from __future__ import annotations

from datetime import date

from joinedup.audit import AuditLog, who_has_seen_in
from joinedup.store import Database

from .support import SOCIAL, decision, disclosure

TODAY = date(2026, 12, 2)


def test_each_disclosure_about_the_resident_is_listed_in_words(database: Database) -> None:
    audit = AuditLog()
    with database.transaction() as connection:
        audit.append_many_in(
            connection,
            [
                decision("R-1"),  # a decision is not a disclosure
                disclosure("R-1"),
                disclosure("R-2", actor=SOCIAL, purpose="s47"),  # someone else's
                disclosure("R-1", actor=SOCIAL, purpose="s47").model_copy(
                    update={"purpose_description": None, "break_glass": True, "break_glass_reason": "risk to life"}
                ),
            ],
        )
    with database.transaction() as connection:
        seen = who_has_seen_in(
            connection,
            "R-1",
            today=TODAY,
            organisation_names={"kettleby-council": "Kettleby Borough Council"},
            purpose_descriptions={"s47": "A safeguarding enquiry about a child"},
        )
    assert [(item.organisation, item.role, item.purpose, item.emergency) for item in seen] == [
        ("Kettleby Borough Council", "housing-officer", "Deciding a housing application", False),
        ("kettleby-childrens-services", "social-worker", "A safeguarding enquiry about a child", True),
    ]
    assert seen[0].agreement == "housing-isa v3"
    assert seen[0].fields == ("name", "address")


def test_a_covert_disclosure_is_withheld_until_its_release_date(database: Database) -> None:
    with database.transaction() as connection:
        AuditLog().append_many_in(
            connection, [disclosure("R-1"), disclosure("R-1", actor=SOCIAL, withheld_until=date(2027, 3, 1))]
        )
    with database.transaction() as connection:
        before = who_has_seen_in(connection, "R-1", today=TODAY)
        on_the_day = who_has_seen_in(connection, "R-1", today=date(2027, 3, 1))
    assert [item.role for item in before] == ["housing-officer"]
    assert [item.role for item in on_the_day] == ["housing-officer", "social-worker"]


def test_a_resident_never_sees_what_was_looked_up_about_others(database: Database) -> None:
    with database.transaction() as connection:
        AuditLog().append_many_in(connection, [disclosure("R-2"), disclosure("R-3", actor=SOCIAL)])
    with database.transaction() as connection:
        assert who_has_seen_in(connection, "R-1", today=TODAY) == []
