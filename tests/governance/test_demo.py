"""The demo's looks on the demo place: different fields for the two officers, and a flagged break-glass."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from joinedup.governance import DecisionPoint, check_agreements, run_demo_requests
from joinedup.place import demo_place_path, load_place
from joinedup.store import Database
from joinedup.store.governance_records import BreakGlassReviews

TODAY = dt.date(2026, 12, 2)


def test_the_demo_place_is_valid_and_in_force() -> None:
    place = load_place(demo_place_path(), checks=[check_agreements(TODAY)])
    assert {a.code for a in place.agreements} >= {"kettleby-safeguarding-children", "kettleby-housing-management"}


def test_demo_requests_give_different_fields_and_flag_the_break_glass(database: Database) -> None:
    point = DecisionPoint(load_place(demo_place_path()), clock=lambda: dt.datetime(2026, 12, 2, tzinfo=dt.UTC))

    def fetch(fields: tuple[str, ...]) -> Mapping[str, object]:
        return {f: f"<{f}>" for f in fields}

    housing, social, glass = run_demo_requests(database, point, "res-1", fetch)

    assert housing.permitted_fields == ("person.name", "person.address", "person.contact_points")
    assert "health.summary" in social.permitted_fields and "person.nhs_number" in social.permitted_fields
    assert housing.reasons and social.reasons
    assert glass.break_glass_flag is not None
    with database.transaction() as connection:
        (flag,) = BreakGlassReviews().list(connection)
    assert flag.subject == "res-1" and flag.organisation == "kettleby-council"


def test_every_development_user_is_registered_in_the_demo_place() -> None:
    from joinedup.api.dev_users import DEV_USERS
    from joinedup.governance import Actor, Request

    point = DecisionPoint(load_place(demo_place_path()), clock=lambda: dt.datetime(2026, 12, 2, tzinfo=dt.UTC))
    for user in DEV_USERS:
        for role in user.roles:
            request = Request(Actor(user.subject, role, user.organisation), "known-to-check", "r", ("known_to",))
            assert point.actor_problem(request) is None, user.username
