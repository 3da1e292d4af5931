"""The requests the demo shows: a housing officer and a social worker ask for the same resident through the
gate and get different fields, each with reasons; then a break-glass look, flagged for the DPO."""

from __future__ import annotations

from dataclasses import dataclass

from joinedup.governance._decisions import DecisionPoint
from joinedup.governance._gate import DisclosureGate, Fetch
from joinedup.governance._requests import Actor, Request
from joinedup.store import Database

DEMO_FIELDS = (
    "person.name",
    "person.date_of_birth",
    "person.address",
    "person.contact_points",
    "person.nhs_number",
    "health.summary",
)
HOUSING_OFFICER = Actor("dev-0002", "housing-officer", "kettleby-council")
SOCIAL_WORKER = Actor("dev-0001", "social-worker", "kettleby-council")


@dataclass(frozen=True, slots=True)
class DemoLook:
    """One of the demo's requests and what the gate answered (values are the caller's to show or not)."""

    title: str
    request: Request
    outcome: str
    permitted_fields: tuple[str, ...]
    reasons: tuple[str, ...]
    values: dict[str, object]
    break_glass_flag: int | None = None


def run_demo_requests(database: Database, point: DecisionPoint, resident_id: str, fetch: Fetch) -> list[DemoLook]:
    """Run the demo's three looks at ``resident_id`` through the gate (each in its own transaction, audited).

    ``point`` is built from the demo place; ``fetch`` reads the resident's fields (e.g. from the single view)."""
    gate = DisclosureGate(point)
    looks = [
        ("Housing officer, housing management", Request(
            HOUSING_OFFICER, "housing-management", resident_id, DEMO_FIELDS, reference="HM-DEMO-1")),
        ("Social worker, s47 safeguarding enquiry", Request(
            SOCIAL_WORKER, "safeguarding-enquiry", resident_id, DEMO_FIELDS, reference="S47-DEMO-1")),
    ]  # fmt: skip
    answers = []
    for title, request in looks:
        with database.transaction() as connection:
            shown = gate.disclose_in(connection, request, fetch)
        answers.append((title, shown))
    emergency = Request(HOUSING_OFFICER, "emergency", resident_id, ("person.name", "health.summary"))
    with database.transaction() as connection:
        glass = gate.break_glass_in(
            connection, emergency, "Resident collapsed at the housing office; paramedics asked about conditions", fetch
        )
    answers.append(("Break-glass: housing officer in an emergency", glass))
    return [
        DemoLook(
            title, shown.decision.request, shown.decision.outcome.value, shown.decision.permitted_fields,
            tuple(r.text for r in shown.decision.reasons), dict(shown.values), shown.review_flag,
        )
        for title, shown in answers
    ]  # fmt: skip
